-- Efficiency and effectiveness of every joint service and month, against peers and its own baseline.
with

calendar as (
    select * from intermediate.int_service_months
),

services as (
    select * from seeds.joint_services
),

measures as (
    select * from seeds.measures
),

rules as (
    select * from seeds.measure_rules
),

measure_periods as (
    select * from marts.fct_measure_period
),

costs as (
    select * from intermediate.int_service_costs
),

workforce as (
    select * from marts.fct_workforce_service_period
),

outputs as (
    select * from intermediate.int_service_outputs
),

effectiveness as (
    select
        measure_periods.service_code,
        measure_periods.period,
        round(exact_sum(coalesce(cast(rules.effectiveness_weight as double), 1) * measure_periods.attainment_pct)
            / nullif(exact_sum(coalesce(cast(rules.effectiveness_weight as double), 1)), 0), 6)
            as effectiveness_index,
        count(*) as measures_assessed,
        100 * avg(case when measure_periods.rag = 'green' then 1 else 0 end) as share_on_target,
    from measure_periods
    inner join measures on measures.measure_code = measure_periods.measure_code
    left join rules on rules.measure_code = measure_periods.measure_code
    where measures.category in ('quality_of_effort', 'outcome')
        and measure_periods.rag in ('green', 'amber', 'red')
    group by all
),

resources as (
    select
        calendar.service_code,
        services.service_kind,
        calendar.period,
        date_trunc('year', calendar.period - interval 3 month) + interval 3 month
            as financial_year_start,
        outputs.output_units,
        costs.total_cost,
        workforce.contracted_fte + workforce.agency_fte as total_fte,
        costs.total_cost / nullif(outputs.output_units, 0) as unit_cost,
        outputs.output_units / nullif(workforce.contracted_fte + workforce.agency_fte, 0)
            as activity_per_fte,
        workforce.vacancy_rate,
        workforce.agency_share,
    from calendar
    inner join services on services.service_code = calendar.service_code
    left join outputs
        on outputs.service_code = calendar.service_code and outputs.period = calendar.period
    left join costs
        on costs.service_code = calendar.service_code and costs.period = calendar.period
    left join workforce
        on workforce.service_code = calendar.service_code and workforce.period = calendar.period
),

-- The baseline year is the service's first financial year with both cost and output.
baseline_years as (
    select service_code, min(financial_year_start) as baseline_year_start,
    from resources
    where unit_cost is not null
    group by all
),

baselines as (
    select
        resources.service_code,
        exact_sum(resources.total_cost) / nullif(exact_sum(resources.output_units), 0)
            as baseline_unit_cost,
        exact_sum(resources.output_units) / nullif(exact_sum(resources.total_fte), 0)
            as baseline_activity_per_fte,
    from resources
    inner join baseline_years
        on baseline_years.service_code = resources.service_code
        and baseline_years.baseline_year_start = resources.financial_year_start
    where resources.unit_cost is not null and resources.total_fte is not null
    group by all
),

indexed as (
    select
        resources.*,
        median(resources.unit_cost) over same_kind_and_month as peer_median_unit_cost,
        median(resources.activity_per_fte) over same_kind_and_month as peer_median_activity_per_fte,
        baselines.baseline_unit_cost,
        baselines.baseline_activity_per_fte,
        effectiveness.effectiveness_index,
        coalesce(effectiveness.measures_assessed, 0) as measures_assessed,
        effectiveness.share_on_target,
    from resources
    left join baselines on baselines.service_code = resources.service_code
    left join effectiveness
        on effectiveness.service_code = resources.service_code
        and effectiveness.period = resources.period
    window same_kind_and_month as (partition by resources.service_kind, resources.period)
),

efficiency as (
    select
        *,
        index_points(peer_median_unit_cost, unit_cost) as efficiency_index,
        index_points(activity_per_fte, peer_median_activity_per_fte) as activity_per_fte_index,
        index_points(baseline_unit_cost, unit_cost) as unit_cost_vs_baseline_index,
        index_points(activity_per_fte, baseline_activity_per_fte) as activity_per_fte_vs_baseline_index,
    from indexed
),

travel as (
    select
        *,
        efficiency_index - lag(efficiency_index, 6) over by_month as efficiency_change_6m,
        effectiveness_index - lag(effectiveness_index, 6) over by_month
            as effectiveness_change_6m,
    from efficiency
    window by_month as (partition by service_code order by period)
),

final as (
    select
        -- ids
        service_code,
        service_kind,
        period,
        -- efficiency
        output_units,
        total_cost,
        total_fte,
        unit_cost,
        peer_median_unit_cost,
        efficiency_index,
        activity_per_fte,
        peer_median_activity_per_fte,
        activity_per_fte_index,
        baseline_unit_cost,
        unit_cost_vs_baseline_index,
        baseline_activity_per_fte,
        activity_per_fte_vs_baseline_index,
        -- effectiveness
        effectiveness_index,
        measures_assessed,
        share_on_target,
        -- where the service stands and where it is heading
        case
            when efficiency_index is null or effectiveness_index is null then 'not assessed'
            when efficiency_index >= 100 and effectiveness_index >= 100
                then 'efficient and effective'
            when effectiveness_index >= 100 then 'effective but costly'
            when efficiency_index >= 100 then 'cheap but failing'
            else 'neither'
        end as quadrant,
        efficiency_change_6m,
        effectiveness_change_6m,
        case
            when efficiency_change_6m is null or effectiveness_change_6m is null
                then 'not enough history'
            when abs(efficiency_change_6m) < 2 and abs(effectiveness_change_6m) < 2 then 'steady'
            when efficiency_change_6m > -2 and effectiveness_change_6m > -2 then 'improving'
            when efficiency_change_6m < 2 and effectiveness_change_6m < 2 then 'deteriorating'
            when effectiveness_change_6m >= 2 then 'more effective, less efficient'
            else 'more efficient, less effective'
        end as direction_of_travel,
        -- workforce
        vacancy_rate,
        agency_share,
    from travel
)

select * from final
