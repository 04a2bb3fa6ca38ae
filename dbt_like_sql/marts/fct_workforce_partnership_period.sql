-- Staffing measures for every partnership area and month, over all its joint services.
with

workforce as (
    select * from intermediate.int_workforce_allocated
),

services as (
    select * from seeds.joint_services
),

summed as (
    select
        services.partnership_area,
        workforce.period,
        exact_sum(workforce.headcount) as headcount,
        exact_sum(workforce.contracted_fte) as contracted_fte,
        exact_sum(workforce.vacant_fte) as vacant_fte,
        exact_sum(workforce.agency_fte) as agency_fte,
        exact_sum(workforce.leavers) as leavers,
        exact_sum(workforce.sickness_days_lost) as sickness_days_lost,
        exact_sum(workforce.available_days) as available_days,
        exact_sum(workforce.training_hours) as training_hours,
        exact_sum(workforce.pay_bill) as pay_bill,
    from workforce
    inner join services on services.service_code = workforce.service_code
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
        partition by partnership_area order by period
        range between interval 11 months preceding and current row
    )
),

final as (
    select
        -- ids
        partnership_area,
        period,
        -- staffing
        headcount,
        contracted_fte,
        vacant_fte,
        agency_fte,
        -- rates of the sums (macros in dbt_like_sql/macros.sql)
        vacancy_rate(vacant_fte, contracted_fte) as vacancy_rate,
        turnover_rate_12m(leavers_12m, mean_headcount_12m, months_in_window) as turnover_rate_12m,
        sickness_rate(sickness_days_lost, available_days) as sickness_rate,
        agency_share(agency_fte, contracted_fte) as agency_share,
        per_fte(training_hours, contracted_fte) as training_hours_per_fte,
        annual_pay_per_fte(pay_bill, contracted_fte) as mean_annual_pay_per_fte,
    from windowed
)

select * from final
