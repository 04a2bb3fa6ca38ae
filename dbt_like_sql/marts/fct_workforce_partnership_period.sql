-- Staffing measures for every partnership area and month, over all its joint services.
with

workforce as (
    select * from intermediate.int_workforce_allocated where in_build_months(period)
),

services as (
    select * from seeds.joint_services
),

summed as (
    select
        services.partnership_area,
        workforce.period,
        exact_sum(columns(column_name -> list_contains(submission_figures('workforce'), column_name))),
    from workforce
    inner join services on services.service_code = workforce.service_code
    group by all
),

-- rates of the sums (macros in dbt_like_sql/macros.sql)
final as (
    select * from workforce_measures('summed')
)

select * from final
