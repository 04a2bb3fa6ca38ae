-- Every file of figures partners sent, per submission type: the months it covers, when it was due, whether it was late.
with

load_log as (
    select * from audit.load_log
),

deadlines as (
    select * from intermediate.int_return_deadlines
),

held_back as (
    select * from intermediate.int_quarantined_rows
),

accepted_rows as (
    select * from accepted_rows()
),

-- the months each file's rows are about, accepted or held back (a held-back row: held_back_month)
rows_covered as (
    select submission_type, file_hash, period, period_grain,
    from accepted_rows
    union all
    select submission_type, file_hash, held_back_month(period, submitted_on), period_grain,
    from held_back
),

-- a quarter is covered up to its last month
coverage as (
    select
        submission_type,
        file_hash,
        min(period) as first_month,
        max(cast(period + case when period_grain = 'quarter' then interval 2 month else interval 0 month end
                 as date)) as last_month,
    from rows_covered
    group by all
),

judged as (
    select
        load_log.submission_type,
        load_log.file_hash,
        load_log.file_name,
        load_log.partner_code,
        load_log.submitted_on,
        coverage.first_month,
        coverage.last_month,
        deadlines.deadline,
        -- an official publication read through a source mapping has no partner deadline to miss
        coalesce(load_log.mapping, '') not like 'sources/%' as is_partner_return,
    from load_log
    inner join coverage
        on coverage.submission_type = load_log.submission_type
        and coverage.file_hash = load_log.file_hash
    left join deadlines
        on deadlines.submission_type = load_log.submission_type
        and deadlines.period = coverage.last_month
),

final as (
    select
        -- ids
        submission_type,
        file_hash,
        file_name,
        partner_code,
        -- what it covers and when it came
        first_month,
        last_month,
        submitted_on,
        -- the verdict
        deadline,
        case when is_partner_return then submitted_on - deadline end as days_after_deadline,
        coalesce(is_partner_return and submitted_on > deadline, false) as is_late,
    from judged
)

select * from final
