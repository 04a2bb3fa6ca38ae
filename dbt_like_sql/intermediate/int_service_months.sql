-- Every month of every joint service, from its start to the latest month any partner reported.
with

services as (
    select * from seeds.joint_services
),

outcomes as (
    select * from staging.stg_outcomes
),

reporting_window as (
    select max(period) as last_period from outcomes
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
    cross join reporting_window
)

select * from final
