-- Latest targets, one row per service, measure and month.
with

submitted as (
    select * from validated.targets
),

ranked as (
    select
        *,
        row_number() over latest as submission_rank,
        count(*) over (partition by service_code, measure_code, period) as submissions
    from submitted
    window latest as (
        partition by service_code, measure_code, period
        order by submitted_on desc, loaded_at desc, file_name desc, row_number desc
    )
),

final as (
    select
        -- ids
        service_code,
        measure_code,
        period,
        -- target
        target_value,
        coalesce(tolerance, 0) as tolerance,
        -- provenance
        partner_code as set_by_partner_code,
        file_name,
        submitted_on,
        submissions > 1 as is_restated,
    from ranked
    where submission_rank = 1
)

select * from final
