-- Every workforce return row ever loaded, and the later submission that superseded it, if any.
with

submitted as (
    select * from validated.workforce
),

sequenced as (
    select
        *,
        lead(file_name) over later as superseded_by,
        lead(loaded_at) over later as superseded_at,
        count(distinct hash(headcount, contracted_fte, vacant_fte, leavers, sickness_days_lost, available_days, agency_fte, training_hours, pay_bill, suppressed_columns)) over same_key as figure_versions,
    from submitted
    window
        same_key as (partition by partner_code, service_code, staff_group_code, period, period_grain),
        later as (
            partition by partner_code, service_code, staff_group_code, period, period_grain
            order by submitted_on, loaded_at, file_name, row_number
        )
),

final as (
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
        file_name,
        sheet_name,
        row_number,
        submitted_on,
        loaded_at,
        -- supersession
        superseded_by,
        superseded_at,
        superseded_by is null as is_current,
        figure_versions > 1 as is_restated,
    from sequenced
)

select * from final
