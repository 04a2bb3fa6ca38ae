-- Every target ever loaded, and the later submission that superseded it, if any.
with

submitted as (
    select * from validated.targets
),

sequenced as (
    select
        *,
        lead(file_name) over later as superseded_by,
        lead(loaded_at) over later as superseded_at,
        count(distinct hash(target_value, tolerance)) over same_key as figure_versions,
    from submitted
    window
        same_key as (partition by service_code, measure_code, period, period_grain),
        later as (
            partition by service_code, measure_code, period, period_grain
            order by submitted_on, loaded_at, file_name, row_number
        )
),

final as (
    select
        -- ids
        service_code,
        measure_code,
        period,
        period_grain,
        -- figures as loaded
        target_value,
        tolerance,
        partner_code,
        -- provenance
        file_name,
        sheet_name,
        row_number,
        submitted_on,
        loaded_at,
        -- supersession
        superseded_by,
        superseded_at,
        superseded_by is null as is_current,
        figure_versions > 1 as is_restated,
    from sequenced
)

select * from final
