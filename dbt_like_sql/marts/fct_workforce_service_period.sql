-- Staffing measures for every joint service and month, over all employing partners and staff groups.
with

workforce as (
    select * from intermediate.int_workforce_allocated where in_build_months(period)
),

outputs as (
    select * from intermediate.int_service_outputs where in_build_months(period)
),

summed as (
    select
        service_code,
        period,
        exact_sum(columns(column_name -> list_contains(submission_figures('workforce'), column_name))),
    from workforce
    group by all
),

-- rates of the sums, not means of partners' rates (macros in dbt_like_sql/macros.sql)
service_staffing as (
    select * from workforce_measures('summed')
),

final as (
    select
        service_staffing.*,
        staff_per_1000_units(service_staffing.contracted_fte, service_staffing.agency_fte,
                             outputs.output_units) as staff_per_1000_units,
    from service_staffing
    left join outputs
        on outputs.service_code = service_staffing.service_code
        and outputs.period = service_staffing.period
)

select * from final
