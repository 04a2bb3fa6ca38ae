-- Latest submitted monthly outcome figures, one row per partner, service, measure and month.
with

history as (
    select * from staging.stg_outcomes_history
),

final as (
    select
        -- ids
        partner_code,
        service_code,
        measure_code,
        period,
        -- figures: a row with a suppressed figure gives none, as a rate needs both of its parts
        case when not is_suppressed then numerator end as numerator,
        case when not is_suppressed then denominator end as denominator,
        case when not is_suppressed then value end as value,
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
    from history
    where is_current and period_grain = 'month'
)

select * from final
