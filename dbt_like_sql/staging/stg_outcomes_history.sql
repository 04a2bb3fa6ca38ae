-- Every outcome figure ever loaded, and the later submission that superseded it, if any.
with

submitted as (
    select
        -- ids
        partner_code,
        service_code,
        measure_code,
        period,
        period_grain,
        -- figures as loaded
        numerator,
        denominator,
        value,
        suppressed_columns,
        coalesce(len(suppressed_columns), 0) > 0 as is_suppressed,
        comment,
        comment_as_received,
        -- provenance
        columns(column_name -> list_contains(provenance_columns(), column_name)),
    from validated.outcomes
    where in_build_months(period)
),

final as (
    select * from submission_history('submitted', 'outcomes')
)

select * from final
