-- Latest submitted monthly outcome figures, one row per partner, service, measure and month.
with

history as (
    select * from staging.stg_outcomes_history where in_build_months(period)
),

current_rows as (
    select * from current_outcomes('history', 'month')
),

final as (
    select
        -- ids
        partner_code,
        service_code,
        measure_code,
        period,
        -- figures: none from a row with a suppressed figure (current_outcomes)
        numerator,
        denominator,
        value,
        comment,
        -- provenance
        file_name,
        row_number,
        submitted_on,
        is_restated,
        -- how it arrived
        period_grain,
        is_suppressed,
        suppressed_columns,
        comment_as_received,
        sheet_name,
        loaded_at,
    from current_rows
)

select * from final
