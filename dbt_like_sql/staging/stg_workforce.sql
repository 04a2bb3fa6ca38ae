-- Latest workforce returns, one row per partner, service, staff group and month.
with

history as (
    select * from staging.stg_workforce_history where in_build_months(period)
),

final as (
    select
        -- ids
        partner_code,
        service_code,
        staff_group_code,
        period,
        -- staffing
        headcount,
        contracted_fte,
        vacant_fte,
        leavers,
        sickness_days_lost,
        available_days,
        agency_fte,
        training_hours,
        pay_bill,
        -- provenance
        file_name,
        submitted_on,
        is_restated,
        is_suppressed,
        suppressed_columns,
        sheet_name,
        row_number,
        loaded_at,
    from history
    where is_current
)

select * from final
