-- Staffing measures for every service, employing partner, staff group and month.
with

workforce as (
    select * from intermediate.int_workforce_allocated
),

outputs as (
    select * from intermediate.int_service_outputs
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
        windowed.service_code,
        windowed.partner_code,
        windowed.staff_group_code,
        windowed.period,
        -- staffing
        windowed.headcount,
        windowed.contracted_fte,
        windowed.vacant_fte,
        windowed.agency_fte,
        -- rates
        100 * windowed.vacant_fte / nullif(windowed.contracted_fte + windowed.vacant_fte, 0)
            as vacancy_rate,
        case when windowed.months_in_window = 12
            then 100 * windowed.leavers_12m / nullif(windowed.mean_headcount_12m, 0)
        end as turnover_rate_12m,
        100 * windowed.sickness_days_lost / nullif(windowed.available_days, 0) as sickness_rate,
        100 * windowed.agency_fte / nullif(windowed.contracted_fte + windowed.agency_fte, 0)
            as agency_share,
        windowed.training_hours / nullif(windowed.contracted_fte, 0) as training_hours_per_fte,
        12 * windowed.pay_bill / nullif(windowed.contracted_fte, 0) as mean_annual_pay_per_fte,
        1000 * (windowed.contracted_fte + windowed.agency_fte) / nullif(outputs.output_units, 0)
            as staff_per_1000_units,
    from windowed
    left join outputs
        on outputs.service_code = windowed.service_code and outputs.period = windowed.period
)

select * from final
