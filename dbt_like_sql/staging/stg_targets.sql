-- Latest targets, one row per service, measure and month.
with

history as (
    select * from staging.stg_targets_history where in_build_months(period)
),

final as (
    select
        -- ids
        service_code,
        measure_code,
        period,
        -- target
        target_value,
        coalesce(tolerance, 0) as tolerance,
        -- provenance
        partner_code as set_by_partner_code,
        file_name,
        submitted_on,
        is_restated,
        sheet_name,
        row_number,
        loaded_at,
    from history
    where is_current
)

select * from final
