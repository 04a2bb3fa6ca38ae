-- Efficiency and effectiveness of every joint service and month, placed in a quadrant.
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

measure_periods as (
    select * from marts.fct_measure_period
),

costs as (
    select * from intermediate.int_service_costs
),

workforce as (
    select * from intermediate.int_service_workforce
),

outputs as (
    select
        measure_periods.service_code,
        measure_periods.period,
        sum(measure_periods.actual) as output_units,
    from measure_periods
    inner join measures on measures.measure_code = measure_periods.measure_code
    where measures.is_output_unit
    group by all
),

effectiveness as (
    select
        measure_periods.service_code,
        measure_periods.period,
        avg(measure_periods.attainment_pct) as effectiveness_index,
        count(measure_periods.attainment_pct) as measures_assessed,
    from measure_periods
    inner join measures on measures.measure_code = measure_periods.measure_code
    where measures.category in ('quality_of_effort', 'outcome')
    group by all
),

unit_costs as (
    select
        calendar.service_code,
        services.service_kind,
        calendar.period,
        outputs.output_units,
        costs.total_cost,
        costs.total_cost / nullif(outputs.output_units, 0) as unit_cost,
    from calendar
    inner join services on services.service_code = calendar.service_code
    left join outputs
        on outputs.service_code = calendar.service_code and outputs.period = calendar.period
    left join costs
        on costs.service_code = calendar.service_code and costs.period = calendar.period
),

peers as (
    select
        *,
        median(unit_cost) over (partition by service_kind, period) as peer_median_unit_cost,
    from unit_costs
),

indexed as (
    select
        peers.*,
        100 * peers.peer_median_unit_cost / nullif(peers.unit_cost, 0) as efficiency_index,
        effectiveness.effectiveness_index,
        coalesce(effectiveness.measures_assessed, 0) as measures_assessed,
        workforce.vacancy_rate,
        workforce.agency_share,
    from peers
    left join effectiveness
        on effectiveness.service_code = peers.service_code
        and effectiveness.period = peers.period
    left join workforce
        on workforce.service_code = peers.service_code and workforce.period = peers.period
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
        unit_cost,
        peer_median_unit_cost,
        efficiency_index,
        -- effectiveness
        effectiveness_index,
        measures_assessed,
        case
            when efficiency_index is null or effectiveness_index is null then 'not assessed'
            when efficiency_index >= 100 and effectiveness_index >= 100
                then 'efficient and effective'
            when effectiveness_index >= 100 then 'effective, not efficient'
            when efficiency_index >= 100 then 'efficient, not effective'
            else 'neither efficient nor effective'
        end as quadrant,
        -- workforce
        vacancy_rate,
        agency_share,
    from indexed
)

select * from final
