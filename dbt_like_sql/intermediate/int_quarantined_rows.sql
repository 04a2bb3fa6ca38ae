-- Every row validation held back, once, with what it was about: partner, service, measure or staff group, month.
with

quarantine as (
    select * from audit.quarantine
),

load_log as (
    select * from audit.load_log
),

-- rows as received: codes are text as written, the period is text
received as (
    select
        'targets' as submission_type, file_hash, file_name, sheet_name, row_number, file_partner_code,
        service_code, measure_code, null as staff_group_code, period as period_text, submitted_on, loaded_at,
    from raw.targets
    union all
    select
        'outcomes', file_hash, file_name, sheet_name, row_number, file_partner_code,
        service_code, measure_code, null, period, submitted_on, loaded_at,
    from raw.outcomes
    union all
    select
        'workforce', file_hash, file_name, sheet_name, row_number, file_partner_code,
        service_code, null, staff_group_code, period, submitted_on, loaded_at,
    from raw.workforce
    union all
    select
        'finance', file_hash, file_name, sheet_name, row_number, file_partner_code,
        service_code, null, null, period, submitted_on, loaded_at,
    from raw.finance
),

-- rows that passed, typed
accepted as (
    select
        'targets' as submission_type, file_hash, sheet_name, row_number, partner_code, service_code,
        measure_code, null as staff_group_code, period, period_grain, submitted_on, loaded_at,
    from validated.targets
    union all
    select
        'outcomes', file_hash, sheet_name, row_number, partner_code, service_code,
        measure_code, null, period, period_grain, submitted_on, loaded_at,
    from validated.outcomes
    union all
    select
        'workforce', file_hash, sheet_name, row_number, partner_code, service_code,
        null, staff_group_code, period, period_grain, submitted_on, loaded_at,
    from validated.workforce
    union all
    select
        'finance', file_hash, sheet_name, row_number, partner_code, service_code,
        null, null, period, period_grain, submitted_on, loaded_at,
    from validated.finance
),

-- the month or quarter each written period was read as, wherever a row written that way passed
read_periods as (
    select
        received.period_text,
        load_log.date_order,
        any_value(accepted.period) as period,
        any_value(accepted.period_grain) as period_grain,
    from received
    inner join accepted
        on accepted.submission_type = received.submission_type
        and accepted.file_hash = received.file_hash
        and accepted.sheet_name is not distinct from received.sheet_name
        and accepted.row_number = received.row_number
    inner join load_log
        on load_log.submission_type = received.submission_type
        and load_log.file_hash = received.file_hash
    group by all
),

held_back as (
    select
        submission_type,
        file_hash,
        sheet_name,
        row_number,
        string_agg(distinct rule, ', ' order by rule) as rules,
    from quarantine
    -- a row its mapping leaves out of scope is not a figure the partner owes
    where rule <> 'not_in_scope'
    group by all
),

described as (
    select
        held_back.submission_type,
        received.file_name,
        held_back.sheet_name,
        held_back.row_number,
        received.file_partner_code as partner_code,
        upper(trim(received.service_code)) as service_code,
        upper(trim(received.measure_code)) as measure_code,
        upper(trim(received.staff_group_code)) as staff_group_code,
        -- read as the validators read it where the same text passed elsewhere; else the common month forms
        coalesce(
            read_periods.period,
            cast(try_strptime(trim(received.period_text),
                              ['%Y-%m', '%Y-%m-%d', '%m/%Y', '%b-%y', '%B %Y', '%b %Y']) as date)
        ) as period_read,
        coalesce(read_periods.period_grain,
                 case when period_read is not null then 'month' end) as period_grain,
        held_back.rules,
        received.submitted_on,
        received.loaded_at,
    from held_back
    inner join received
        on received.submission_type = held_back.submission_type
        and received.file_hash = held_back.file_hash
        and received.sheet_name is not distinct from held_back.sheet_name
        and received.row_number = held_back.row_number
    inner join load_log
        on load_log.submission_type = held_back.submission_type
        and load_log.file_hash = held_back.file_hash
    left join read_periods
        on read_periods.period_text = received.period_text
        and read_periods.date_order is not distinct from load_log.date_order
),

-- a held-back row is replaced when the same key was accepted from the same or a later submission
replaced as (
    select
        described.submission_type,
        described.file_name,
        described.sheet_name,
        described.row_number,
        count(accepted.file_hash) > 0 as is_replaced,
    from described
    left join accepted
        on accepted.submission_type = described.submission_type
        and (accepted.partner_code = described.partner_code or described.submission_type = 'targets')
        and accepted.service_code = described.service_code
        and accepted.measure_code is not distinct from described.measure_code
        and accepted.staff_group_code is not distinct from described.staff_group_code
        and accepted.period = date_trunc('month', described.period_read)
        and accepted.period_grain = described.period_grain
        and (accepted.submitted_on > described.submitted_on
             or accepted.submitted_on = described.submitted_on and accepted.loaded_at >= described.loaded_at)
    group by all
),

final as (
    select
        -- ids
        described.submission_type,
        described.file_name,
        described.sheet_name,
        described.row_number,
        -- what the row was about
        described.partner_code,
        described.service_code,
        described.measure_code,
        described.staff_group_code,
        cast(date_trunc('month', described.period_read) as date) as period,
        described.period_grain,
        -- why it was held back, and whether that still matters
        described.rules,
        described.submitted_on,
        replaced.is_replaced,
    from described
    inner join replaced
        on replaced.submission_type = described.submission_type
        and replaced.file_name = described.file_name
        and replaced.sheet_name is not distinct from described.sheet_name
        and replaced.row_number = described.row_number
)

select * from final
