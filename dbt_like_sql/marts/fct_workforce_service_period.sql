-- Staffing measures for every joint service and month, over all employing partners and staff groups.
with

workforce as (
    select * from intermediate.int_workforce_allocated
),

outputs as (
    select * from intermediate.int_service_outputs
),

summed as (
    select
        service_code,
        period,
        sum(headcount) as headcount,
        sum(contracted_fte) as contracted_fte,
        sum(vacant_fte) as vacant_fte,
        sum(agency_fte) as agency_fte,
        sum(leavers) as leavers,
        sum(sickness_days_lost) as sickness_days_lost,
        sum(available_days) as available_days,
        sum(training_hours) as training_hours,
        sum(pay_bill) as pay_bill,
    from workforce
    group by all
),

windowed as (
    select
        *,
        sum(leavers) over last_12_months as leavers_12m,
        avg(headcount) over last_12_months as mean_headcount_12m,
        count(*) over last_12_months as months_in_window,
    from summed
    window last_12_months as (
        partition by service_code order by period
        range between interval 11 months preceding and current row
    )
),

final as (
    select
        -- ids
        windowed.service_code,
        windowed.period,
        -- staffing
        windowed.headcount,
        windowed.contracted_fte,
        windowed.vacant_fte,
        windowed.agency_fte,
        -- rates (ratios of sums, not means of partners' rates)
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
