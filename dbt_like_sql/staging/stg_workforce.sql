-- Latest workforce returns, one row per partner, service, staff group and month.
with

submitted as (
    select * from validated.workforce
),

ranked as (
    select
        *,
        row_number() over latest as submission_rank,
        count(*) over (
            partition by partner_code, service_code, staff_group_code, period
        ) as submissions
    from submitted
    window latest as (
        partition by partner_code, service_code, staff_group_code, period
        order by submitted_on desc, loaded_at desc, file_name desc, row_number desc
    )
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
        submissions > 1 as is_restated,
    from ranked
    where submission_rank = 1
)

select * from final
