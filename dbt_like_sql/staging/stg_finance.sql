-- Latest finance returns, one row per partner, service and month.
with

submitted as (
    select * from validated.finance
),

ranked as (
    select
        *,
        row_number() over latest as submission_rank,
        count(*) over (partition by partner_code, service_code, period) as submissions
    from submitted
    window latest as (
        partition by partner_code, service_code, period
        order by submitted_on desc, loaded_at desc, file_name desc, row_number desc
    )
),

final as (
    select
        -- ids
        partner_code,
        service_code,
        period,
        -- money
        pay_cost,
        non_pay_cost,
        pay_cost + non_pay_cost as total_cost,
        -- provenance
        file_name,
        submitted_on,
        submissions > 1 as is_restated,
    from ranked
    where submission_rank = 1
)

select * from final
