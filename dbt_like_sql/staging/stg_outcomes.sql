-- Latest submitted outcome figures, one row per partner, service, measure and month.
with

submitted as (
    select * from validated.outcomes
),

ranked as (
    select
        *,
        row_number() over latest as submission_rank,
        count(*) over (partition by partner_code, service_code, measure_code, period) as submissions
    from submitted
    window latest as (
        partition by partner_code, service_code, measure_code, period
        order by submitted_on desc, loaded_at desc, file_name desc, row_number desc
    )
),

final as (
    select
        -- ids
        partner_code,
        service_code,
        measure_code,
        period,
        -- figures
        numerator,
        denominator,
        value,
        comment,
        -- provenance
        file_name,
        row_number,
        submitted_on,
        submissions > 1 as is_restated,
    from ranked
    where submission_rank = 1
)

select * from final
