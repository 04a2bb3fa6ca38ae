-- Latest outcome figures partners gave for a whole UK financial quarter rather than month by month.
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
        period as quarter_start,
        -- figures: a row with a suppressed figure gives none, as a rate needs both of its parts
        case when not is_suppressed then numerator end as numerator,
        case when not is_suppressed then denominator end as denominator,
        case when not is_suppressed then value end as value,
        comment,
        is_suppressed,
        -- provenance
        file_name,
        sheet_name,
        row_number,
        submitted_on,
        loaded_at,
        is_restated,
    from history
    where is_current and period_grain = 'quarter'
)

select * from final
