-- Every month of every joint service, from its start to the latest month reported for its kind.
with

services as (
    select * from seeds.joint_services
),

outcomes as (
    select * from staging.stg_outcomes
),

-- services of one kind are compared month by month, so they share the kind's reporting window
reporting_window as (
    select services.service_kind, max(outcomes.period) as last_period,
    from outcomes
    inner join services on services.service_code = outcomes.service_code
    group by all
),

final as (
    select
        services.service_code,
        cast(unnest(generate_series(
            cast(services.start_period as date),
            reporting_window.last_period,
            interval 1 month
        )) as date) as period,
    from services
    inner join reporting_window on reporting_window.service_kind = services.service_kind
)

select * from final
