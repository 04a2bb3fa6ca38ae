-- Actual against target for every service, measure and month, with attainment and RAG.
with

calendar as (
    select * from intermediate.int_service_months
),

service_measures as (
    select * from seeds.service_measures
),

measures as (
    select * from seeds.measures
),

actuals as (
    select * from intermediate.int_measure_actuals
),

targets as (
    select * from staging.stg_targets
),

joined as (
    select
        calendar.service_code,
        service_measures.measure_code,
        calendar.period,
        measures.direction,
        actuals.numerator,
        actuals.denominator,
        actuals.actual,
        targets.target_value as target,
        targets.tolerance,
        coalesce(actuals.reporting_partners, 0) as reporting_partners,
        service_measures.accountable_partner_code,
        coalesce(actuals.is_restated, false) or coalesce(targets.is_restated, false)
            as is_restated,
    from calendar
    inner join service_measures on service_measures.service_code = calendar.service_code
    inner join measures on measures.measure_code = service_measures.measure_code
    left join actuals
        on actuals.service_code = calendar.service_code
        and actuals.measure_code = service_measures.measure_code
        and actuals.period = calendar.period
    left join targets
        on targets.service_code = calendar.service_code
        and targets.measure_code = service_measures.measure_code
        and targets.period = calendar.period
),

scored as (
    select
        *,
        case
            when direction = 'higher_is_better' and target > 0 then 100 * actual / target
            when direction = 'lower_is_better' and actual > 0 then 100 * target / actual
            when direction = 'lower_is_better' and actual = 0 and target is not null then 150
        end as raw_attainment,
        case
            when actual is null then 'no data'
            when target is null then 'no target'
            when direction = 'higher_is_better' and actual >= target then 'green'
            when direction = 'higher_is_better' and actual >= target - tolerance then 'amber'
            when direction = 'lower_is_better' and actual <= target then 'green'
            when direction = 'lower_is_better' and actual <= target + tolerance then 'amber'
            else 'red'
        end as rag,
    from joined
),

final as (
    select
        -- ids
        service_code,
        measure_code,
        period,
        -- figures
        numerator,
        denominator,
        actual,
        target,
        tolerance,
        -- least() would skip a null and return 150, so cap explicitly
        case when raw_attainment > 150 then 150 else raw_attainment end as attainment_pct,
        rag,
        -- accountability and provenance
        reporting_partners,
        accountable_partner_code,
        is_restated,
    from scored
)

select * from final
