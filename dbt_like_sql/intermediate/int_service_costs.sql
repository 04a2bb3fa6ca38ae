-- Total cost of each joint service and month, summed over its partners.
with

finance as (
    select * from staging.stg_finance where in_build_months(period)
),

final as (
    select
        service_code,
        period,
        exact_sum(pay_cost) as pay_cost,
        exact_sum(non_pay_cost) as non_pay_cost,
        exact_sum(total_cost) as total_cost,
        count(*) as reporting_partners,
    from finance
    group by all
)

select * from final
