-- Monthly target of every service-measure: as submitted, else interpolated from an annual target.
with

calendar as (
    select * from intermediate.int_service_months
),

submitted as (
    select * from staging.stg_targets
),

annual as (
    select
        service_code,
        measure_code,
        cast(year_start as date) as year_start,
        cast(year_end_target as double) as year_end_target,
        coalesce(cast(tolerance as double), 0) as tolerance,
    from seeds.annual_targets
),

actuals as (
    select * from intermediate.int_measure_actuals
),

annual_months as (
    select
        annual.service_code,
        annual.measure_code,
        calendar.period,
        annual.year_end_target,
        annual.tolerance,
        datediff('month', annual.year_start, calendar.period) + 1 as month_of_year,
        baseline.actual as baseline,
    from annual
    inner join calendar
        on calendar.service_code = annual.service_code
        and calendar.period >= annual.year_start
        and calendar.period < annual.year_start + interval 12 month
    left join actuals as baseline
        on baseline.service_code = annual.service_code
        and baseline.measure_code = annual.measure_code
        and baseline.period = annual.year_start - interval 1 month
),

interpolated as (
    select
        service_code,
        measure_code,
        period,
        case
            when baseline is null then year_end_target
            else baseline + (year_end_target - baseline) * month_of_year / 12
        end as target,
        tolerance,
        case
            when baseline is null then 'year-end target, no baseline'
            else 'interpolated from baseline'
        end as target_source,
    from annual_months
),

final as (
    select
        service_code,
        measure_code,
        period,
        target_value as target,
        tolerance,
        'submitted' as target_source,
        is_restated,
    from submitted
    union all
    select
        interpolated.service_code,
        interpolated.measure_code,
        interpolated.period,
        interpolated.target,
        interpolated.tolerance,
        interpolated.target_source,
        false as is_restated,
    from interpolated
    anti join submitted
        on submitted.service_code = interpolated.service_code
        and submitted.measure_code = interpolated.measure_code
        and submitted.period = interpolated.period
)

select * from final
