-- Actual against target for every service, measure and month: monthly, year to date and rolling 12 months.
with

calendar as (
    select * from intermediate.int_service_months where in_build_months(period)
),

service_measures as (
    select * from seeds.service_measures
),

measures as (
    select * from seeds.measures
),

rules as (
    select * from seeds.measure_rules
),

actuals as (
    select * from intermediate.int_measure_actuals where in_build_months(period)
),

targets as (
    select * from intermediate.int_target_trajectory where in_build_months(period)
),

completeness as (
    select * from intermediate.int_measure_completeness
),

service_partners as (
    select * from seeds.service_partners
),

-- months for which a partner of the service sent a row that validation held back and that no
-- accepted row has replaced since
held_back as (
    select
        quarantined.service_code,
        quarantined.measure_code,
        quarantined.period,
        count(distinct quarantined.partner_code) as partners_held_back,
    from intermediate.int_quarantined_rows as quarantined
    inner join service_partners
        on service_partners.service_code = quarantined.service_code
        and service_partners.partner_code = quarantined.partner_code
    where quarantined.submission_type = 'outcomes'
        and quarantined.period_grain = 'month'
        and not quarantined.is_replaced
        and in_build_months(quarantined.period)
    group by all
),

joined as (
    select
        calendar.service_code,
        service_measures.measure_code,
        calendar.period,
        measures.direction,
        measures.value_type,
        unit_scale(measures.unit) as scale,
        coalesce(rules.judged_on, 'month') as judged_on,
        actuals.numerator,
        actuals.denominator,
        actuals.actual,
        targets.target,
        targets.tolerance,
        targets.target_source,
        coalesce(actuals.reporting_partners, 0) as reporting_partners,
        coalesce(actuals.has_suppressed_figure, false) as has_suppressed_figure,
        held_back.partners_held_back is not null as has_quarantined_figure,
        coalesce(completeness.expected_partners, 0) as expected_partners,
        service_measures.accountable_partner_code,
        coalesce(actuals.is_restated, false) or coalesce(targets.is_restated, false)
            as is_restated,
        -- the financial year starts in April
        date_trunc('year', calendar.period - interval 3 month) + interval 3 month
            as financial_year_start,
    from calendar
    inner join service_measures on service_measures.service_code = calendar.service_code
    inner join measures on measures.measure_code = service_measures.measure_code
    left join rules on rules.measure_code = service_measures.measure_code
    left join actuals
        on actuals.service_code = calendar.service_code
        and actuals.measure_code = service_measures.measure_code
        and actuals.period = calendar.period
    left join targets
        on targets.service_code = calendar.service_code
        and targets.measure_code = service_measures.measure_code
        and targets.period = calendar.period
    left join completeness
        on completeness.service_code = calendar.service_code
        and completeness.measure_code = service_measures.measure_code
    left join held_back
        on held_back.service_code = calendar.service_code
        and held_back.measure_code = service_measures.measure_code
        and held_back.period = calendar.period
),

-- Cumulative figures are taken over the months that have an actual; a rate's target is weighted
-- by the month's denominator (the numerator it expected), a count's targets are added.
weighted as (
    select
        *,
        case when actual is not null then coalesce(denominator, 1) end as weight,
        case when actual is not null then target * coalesce(denominator, 1) end as weighted_target,
        case when actual is not null and target is null then 1 else 0 end as missing_target,
        case when actual is not null then 1 else 0 end as has_actual,
    from joined
),

windowed as (
    select
        *,
        sum(numerator) over year_to_date as ytd_numerator,
        sum(denominator) over year_to_date as ytd_denominator,
        sum(actual) over year_to_date as ytd_sum,
        sum(weighted_target) over year_to_date as ytd_weighted_target,
        sum(weight) over year_to_date as ytd_weight,
        sum(missing_target) over year_to_date as ytd_missing_targets,
        sum(numerator) over last_12_months as r12_numerator,
        sum(denominator) over last_12_months as r12_denominator,
        sum(actual) over last_12_months as r12_sum,
        sum(weighted_target) over last_12_months as r12_weighted_target,
        sum(weight) over last_12_months as r12_weight,
        sum(missing_target) over last_12_months as r12_missing_targets,
        sum(has_actual) over last_12_months as r12_months,
    from weighted
    window
        year_to_date as (
            partition by service_code, measure_code, financial_year_start
            order by period rows between unbounded preceding and current row
        ),
        last_12_months as (
            partition by service_code, measure_code
            order by period range between interval 11 month preceding and current row
        )
),

cumulative as (
    select
        *,
        case when value_type = 'count' then ytd_sum
             else scale * ytd_numerator / nullif(ytd_denominator, 0) end as ytd_actual,
        case when ytd_missing_targets = 0 and value_type = 'count' then ytd_weighted_target
             when ytd_missing_targets = 0 then ytd_weighted_target / nullif(ytd_weight, 0)
        end as ytd_target,
        case when r12_months < 12 then null
             when value_type = 'count' then r12_sum
             else scale * r12_numerator / nullif(r12_denominator, 0) end as rolling_12m_actual,
        case when r12_months < 12 or r12_missing_targets > 0 then null
             when value_type = 'count' then r12_weighted_target
             else r12_weighted_target / nullif(r12_weight, 0)
        end as rolling_12m_target,
    from windowed
),

assessed as (
    select
        *,
        case judged_on
            when 'year_to_date' then ytd_actual
            when 'rolling_12_months' then rolling_12m_actual
            else actual
        end as assessed_actual,
        case judged_on
            when 'year_to_date' then ytd_target
            when 'rolling_12_months' then rolling_12m_target
            else target
        end as assessed_target,
        -- the tolerance of a cumulative count grows with the months in it
        case when judged_on = 'year_to_date' and value_type = 'count'
                then tolerance * sum(has_actual) over (
                    partition by service_code, measure_code, financial_year_start
                    order by period rows between unbounded preceding and current row)
             when judged_on = 'rolling_12_months' and value_type = 'count' then tolerance * 12
             else tolerance
        end as assessed_tolerance,
    from cumulative
),

scored as (
    select
        *,
        case
            when actual is null and not has_suppressed_figure and not has_quarantined_figure
                then 'no data'
            when has_suppressed_figure or has_quarantined_figure
                or reporting_partners < expected_partners or assessed_actual is null
                then 'data incomplete'
            when assessed_target is null then 'no target'
            when direction = 'higher_is_better' and assessed_actual >= assessed_target then 'green'
            when direction = 'higher_is_better'
                and assessed_actual >= assessed_target - assessed_tolerance then 'amber'
            when direction = 'lower_is_better' and assessed_actual <= assessed_target then 'green'
            when direction = 'lower_is_better'
                and assessed_actual <= assessed_target + assessed_tolerance then 'amber'
            else 'red'
        end as rag,
    from assessed
),

final as (
    select
        -- ids
        service_code,
        measure_code,
        period,
        -- the month
        numerator,
        denominator,
        actual,
        target,
        tolerance,
        target_source,
        -- cumulative
        ytd_actual,
        ytd_target,
        rolling_12m_actual,
        rolling_12m_target,
        -- the judgement
        judged_on,
        assessed_actual,
        assessed_target,
        assessed_tolerance,
        attainment_pct(assessed_actual, assessed_target, direction) as attainment_pct,
        rag,
        -- accountability and provenance
        reporting_partners,
        expected_partners,
        has_suppressed_figure,
        has_quarantined_figure,
        accountable_partner_code,
        is_restated,
    from scored
)

select * from final
