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
        columns(column_name -> list_contains(provenance_columns(), column_name)),
    from validated.targets
    where in_build_months(period)
),

final as (
    select * from submission_history('submitted', 'targets')
)

select * from final
