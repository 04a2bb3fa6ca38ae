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
        sum(workforce.headcount) as headcount,
        sum(workforce.contracted_fte) as contracted_fte,
        sum(workforce.vacant_fte) as vacant_fte,
        sum(workforce.agency_fte) as agency_fte,
        sum(workforce.leavers) as leavers,
        sum(workforce.sickness_days_lost) as sickness_days_lost,
        sum(workforce.available_days) as available_days,
        sum(workforce.training_hours) as training_hours,
        sum(workforce.pay_bill) as pay_bill,
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
        -- rates (ratios of sums)
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
