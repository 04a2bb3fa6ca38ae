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
        exact_sum(headcount) as headcount,
        exact_sum(contracted_fte) as contracted_fte,
        exact_sum(vacant_fte) as vacant_fte,
        exact_sum(agency_fte) as agency_fte,
        exact_sum(leavers) as leavers,
        exact_sum(sickness_days_lost) as sickness_days_lost,
        exact_sum(available_days) as available_days,
        exact_sum(training_hours) as training_hours,
        exact_sum(pay_bill) as pay_bill,
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
        -- rates of the sums, not means of partners' rates (macros in dbt_like_sql/macros.sql)
        vacancy_rate(windowed.vacant_fte, windowed.contracted_fte) as vacancy_rate,
        turnover_rate_12m(windowed.leavers_12m, windowed.mean_headcount_12m, windowed.months_in_window)
            as turnover_rate_12m,
        sickness_rate(windowed.sickness_days_lost, windowed.available_days) as sickness_rate,
        agency_share(windowed.agency_fte, windowed.contracted_fte) as agency_share,
        per_fte(windowed.training_hours, windowed.contracted_fte) as training_hours_per_fte,
        annual_pay_per_fte(windowed.pay_bill, windowed.contracted_fte) as mean_annual_pay_per_fte,
        staff_per_1000_units(windowed.contracted_fte, windowed.agency_fte, outputs.output_units)
            as staff_per_1000_units,
    from windowed
    left join outputs
        on outputs.service_code = windowed.service_code and outputs.period = windowed.period
)

select * from final
