-- Who stands behind each service figure: the accountable partner and every partner's contribution.
with

outcomes as (
    select * from staging.stg_outcomes where in_build_months(period)
),

measure_periods as (
    select * from marts.fct_measure_period where in_build_months(period)
),

measures as (
    select * from seeds.measures
),

contributions as (
    select
        outcomes.service_code,
        outcomes.measure_code,
        outcomes.period,
        outcomes.partner_code,
        100 * outcomes.numerator / nullif(sum(outcomes.numerator) over figure, 0)
            as share_of_numerator,
        100 * outcomes.denominator / nullif(sum(outcomes.denominator) over figure, 0)
            as share_of_denominator,
        100 * outcomes.value / nullif(sum(outcomes.value) over figure, 0) as share_of_value,
        case measures.value_type
            when 'rate' then rate_in_unit(outcomes.numerator, outcomes.denominator, measures.unit)
        end as partner_rate,
        measures.direction,
    from outcomes
    inner join measures on measures.measure_code = outcomes.measure_code
    window figure as (partition by outcomes.service_code, outcomes.measure_code, outcomes.period)
),

final as (
    select
        -- ids
        contributions.service_code,
        contributions.measure_code,
        contributions.period,
        contributions.partner_code,
        -- accountability
        measure_periods.accountable_partner_code,
        contributions.partner_code = measure_periods.accountable_partner_code as is_accountable,
        -- contribution
        contributions.share_of_numerator,
        contributions.share_of_denominator,
        contributions.share_of_value,
        -- the partner's own result where the measure can be split (rates)
        contributions.partner_rate,
        measure_periods.target as service_target,
        attainment_ratio(contributions.partner_rate, measure_periods.target, contributions.direction)
            as partner_attainment_pct,
        measure_periods.actual as service_actual,
        measure_periods.rag as service_rag,
    from contributions
    inner join measure_periods
        on measure_periods.service_code = contributions.service_code
        and measure_periods.measure_code = contributions.measure_code
        and measure_periods.period = contributions.period
)

select * from final
