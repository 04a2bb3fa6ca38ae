-- Service-level actual of each measure and month, summed over the partners that reported it.
with

outcomes as (
    select * from staging.stg_outcomes where in_build_months(period)
),

measures as (
    select * from seeds.measures
),

summed as (
    select
        outcomes.service_code,
        outcomes.measure_code,
        outcomes.period,
        exact_sum(outcomes.numerator) as numerator,
        exact_sum(outcomes.denominator) as denominator,
        exact_sum(outcomes.value) as value,
        -- a partner whose figure is suppressed has reported, but its part is missing from the sums
        count(*) filter (where not coalesce(outcomes.is_suppressed, false)) as reporting_partners,
        coalesce(bool_or(outcomes.is_suppressed), false) as has_suppressed_figure,
        bool_or(outcomes.is_restated) as is_restated,
    from outcomes
    group by all
),

final as (
    select
        -- ids
        summed.service_code,
        summed.measure_code,
        summed.period,
        -- figures
        summed.numerator,
        summed.denominator,
        case measures.value_type
            when 'count' then summed.value
            else rate_in_unit(summed.numerator, summed.denominator, measures.unit)
        end as actual,
        summed.reporting_partners,
        summed.has_suppressed_figure,
        summed.is_restated,
    from summed
    inner join measures on measures.measure_code = summed.measure_code
)

select * from final
