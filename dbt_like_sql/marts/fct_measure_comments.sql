-- Partners' own comments on their figures, one row per service, measure, period and partner that commented.
with

monthly as (
    select * from staging.stg_outcomes
),

quarterly as (
    select * from staging.stg_outcomes_quarterly
),

final as (
    select
        -- ids
        service_code,
        measure_code,
        period,
        'month' as period_grain,
        partner_code,
        -- the comment, as the current submission of the figure gives it
        comment,
        -- provenance
        file_name,
        submitted_on,
    from monthly
    where comment is not null
    union all
    select
        service_code,
        measure_code,
        quarter_start,
        'quarter',
        partner_code,
        comment,
        file_name,
        submitted_on,
    from quarterly
    where comment is not null
)

select * from final
