-- Each service's rank and quartile among its peers on every measure and month.
with

measure_periods as (
    select * from marts.fct_measure_period where in_build_months(period)
),

services as (
    select * from seeds.joint_services
),

measures as (
    select * from seeds.measures
),

assessed as (
    select
        measure_periods.service_code,
        services.service_kind,
        measure_periods.measure_code,
        measure_periods.period,
        measure_periods.assessed_actual,
        -- rank 1 is the best performer whichever way the measure points
        case measures.direction
            when 'lower_is_better' then measure_periods.assessed_actual
            else -measure_periods.assessed_actual
        end as rank_key,
    from measure_periods
    inner join services on services.service_code = measure_periods.service_code
    inner join measures on measures.measure_code = measure_periods.measure_code
    where measure_periods.assessed_actual is not null
),

ranked as (
    select
        *,
        rank() over peers_in_month as peer_rank,
        count(*) over peers_in_month as peers,
        median(assessed_actual) over peers_in_month as peer_median,
    from assessed
    window peers_in_month as (
        partition by service_kind, measure_code, period order by rank_key
        rows between unbounded preceding and unbounded following
    )
),

final as (
    select
        -- ids
        service_code,
        service_kind,
        measure_code,
        period,
        -- the comparison
        assessed_actual,
        peer_median,
        peer_rank,
        peers,
        case when peers >= min_peers_for_quartile()
            then cast(ceil(4.0 * peer_rank / peers) as integer) end as quartile,
    from ranked
)

select * from final
