-- How many partners usually report each service-measure.
with

outcomes as (
    select * from staging.stg_outcomes
),

final as (
    select
        service_code,
        measure_code,
        count(distinct partner_code) as expected_partners,
    from outcomes
    group by all
)

select * from final
