-- Every workforce return row ever loaded, and the later submission that superseded it, if any.
with

submitted as (
    select
        -- ids
        partner_code,
        service_code,
        staff_group_code,
        period,
        period_grain,
        -- figures as loaded
        headcount,
        contracted_fte,
        vacant_fte,
        leavers,
        sickness_days_lost,
        available_days,
        agency_fte,
        training_hours,
        pay_bill,
        suppressed_columns,
        coalesce(len(suppressed_columns), 0) > 0 as is_suppressed,
        -- provenance
        columns(column_name -> list_contains(provenance_columns(), column_name)),
    from validated.workforce
    where in_build_months(period)
),

final as (
    select * from submission_history('submitted', 'workforce')
)

select * from final
