-- Report cards as last submitted, one row per service, measure and quarter.
with

history as (
    select * from staging.stg_narratives_history where in_build_months(period)
),

final as (
    select
        -- ids
        service_code,
        measure_code,
        period,
        -- the card
        story,
        partners_with_a_role,
        what_works,
        action,
        action_owner_code,
        action_due,
        action_status,
        -- provenance
        partner_code as sent_by_partner_code,
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
