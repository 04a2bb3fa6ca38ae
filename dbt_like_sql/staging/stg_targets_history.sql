-- Every target ever loaded, and the later submission that superseded it, if any.
with

submitted as (
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
        file_hash,
        file_name,
        sheet_name,
        row_number,
        submitted_on,
        loaded_at,
    from validated.targets
),

final as (
    select * from submission_history('submitted', 'targets')
)

select * from final
