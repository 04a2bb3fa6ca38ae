-- Latest outcome figures partners gave for a whole UK financial quarter rather than month by month.
with

history as (
    select * from staging.stg_outcomes_history
),

current_rows as (
    select * from current_outcomes('history', 'quarter')
),

final as (
    select
        -- ids
        partner_code,
        service_code,
        measure_code,
        period as quarter_start,
        -- figures: none from a row with a suppressed figure (current_outcomes)
        numerator,
        denominator,
        value,
        comment,
        is_suppressed,
        -- provenance
        file_name,
        sheet_name,
        row_number,
        submitted_on,
        loaded_at,
        is_restated,
    from current_rows
)

select * from final
