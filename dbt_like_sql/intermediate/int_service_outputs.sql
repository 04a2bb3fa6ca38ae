-- Units of output of every service and month: the actual of its output measure.
with

actuals as (
    select * from intermediate.int_measure_actuals where in_build_months(period)
),

measures as (
    select * from seeds.measures
),

final as (
    select
        actuals.service_code,
        actuals.period,
        exact_sum(actuals.actual) as output_units,
    from actuals
    inner join measures on measures.measure_code = actuals.measure_code
    where measures.is_output_unit
    group by all
)

select * from final
