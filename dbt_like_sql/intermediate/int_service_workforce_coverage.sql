-- How many of each service's reported months have workforce figures beside them.
with

actuals as (
    select * from intermediate.int_measure_actuals
),

workforce as (
    select * from staging.stg_workforce
),

outcome_months as (
    select distinct service_code, period,
    from actuals
    where actual is not null
),

workforce_months as (
    select distinct service_code, period,
    from workforce
    where contracted_fte is not null
),

final as (
    select
        -- ids
        outcome_months.service_code,
        -- coverage
        count(*) as months_with_outcomes,
        count(workforce_months.period) as months_with_workforce,
        100 * count(workforce_months.period) / count(*) as workforce_coverage_pct,
        -- the span
        min(outcome_months.period) as first_outcome_month,
        max(outcome_months.period) as last_outcome_month,
        coalesce(
            list(workforce_months.period order by workforce_months.period)
                filter (where workforce_months.period is not null),
            []
        ) as workforce_months,
    from outcome_months
    left join workforce_months
        on workforce_months.service_code = outcome_months.service_code
        and workforce_months.period = outcome_months.period
    group by all
)

select * from final
