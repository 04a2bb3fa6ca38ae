-- Staffing measures for every service, employing partner, staff group and month.
with

allocated as (
    select * from intermediate.int_workforce_allocated where in_build_months(period)
),

outputs as (
    select * from intermediate.int_service_outputs where in_build_months(period)
),

-- the rates of each staff group of each employer (macros in dbt_like_sql/macros.sql)
staffing as (
    select * from workforce_measures('allocated')
),

final as (
    select
        staffing.*,
        staff_per_1000_units(staffing.contracted_fte, staffing.agency_fte, outputs.output_units)
            as staff_per_1000_units,
    from staffing
    left join outputs
        on outputs.service_code = staffing.service_code and outputs.period = staffing.period
)

select * from final
