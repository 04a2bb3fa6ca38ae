-- Staffing measures for every service, employing partner, staff group and month.
with

workforce as (
    select * from staging.stg_workforce
),

windowed as (
    select
        *,
        sum(leavers) over last_12_months as leavers_12m,
        avg(headcount) over last_12_months as mean_headcount_12m,
        count(*) over last_12_months as months_in_window,
    from workforce
    window last_12_months as (
        partition by partner_code, service_code, staff_group_code
        order by period
        range between interval 11 months preceding and current row
    )
),

final as (
    select
        -- ids
        service_code,
        partner_code,
        staff_group_code,
        period,
        -- staffing
        headcount,
        contracted_fte,
        vacant_fte,
        agency_fte,
        -- rates
        100 * vacant_fte / nullif(contracted_fte + vacant_fte, 0) as vacancy_rate,
        case when months_in_window = 12
            then 100 * leavers_12m / nullif(mean_headcount_12m, 0)
        end as turnover_rate_12m,
        100 * sickness_days_lost / nullif(available_days, 0) as sickness_rate,
        100 * agency_fte / nullif(contracted_fte + agency_fte, 0) as agency_share,
        training_hours / nullif(contracted_fte, 0) as training_hours_per_fte,
        12 * pay_bill / nullif(contracted_fte, 0) as mean_annual_pay_per_fte,
    from windowed
)

select * from final
