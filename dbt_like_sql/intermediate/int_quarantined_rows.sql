-- Every row validation held back, once, with what it was about: partner, service, measure or staff group, month.
with

quarantine as (
    select * from audit.quarantine
),

load_log as (
    select * from audit.load_log
),

-- rows as received, of every submission type: codes are text as written, the period is text
received as (
    select * from received_rows()
),

-- rows that passed, of every submission type, typed
accepted as (
    select * from accepted_rows()
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
        held_back.file_hash,
        received.file_name,
        held_back.sheet_name,
        held_back.row_number,
        received.file_partner_code as partner_code,
        upper(trim(received.service_code)) as service_code,
        upper(trim(received.measure_code)) as measure_code,
        upper(trim(received.staff_group_code)) as staff_group_code,
        -- read as the validators read it (assets/validate/periods.py); empty when it cannot be read
        read_period(received.period, load_log.date_order) as period_read,
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
),

-- a held-back row is replaced when the same key (submission_key) was accepted from the same or a later
-- submission; a key without the partner (targets) is replaced by any partner's
replaced as (
    select
        described.submission_type,
        described.file_hash,
        described.sheet_name,
        described.row_number,
        count(accepted.file_hash) > 0 as is_replaced,
    from described
    left join accepted
        on accepted.submission_type = described.submission_type
        and (accepted.partner_code = described.partner_code
             or not list_contains(submission_key(described.submission_type), 'partner_code'))
        and accepted.service_code = described.service_code
        and accepted.measure_code is not distinct from described.measure_code
        and accepted.staff_group_code is not distinct from described.staff_group_code
        and accepted.period = described.period_read.start
        and accepted.period_grain = described.period_read.grain
        and (accepted.submitted_on > described.submitted_on
             or accepted.submitted_on = described.submitted_on and accepted.loaded_at >= described.loaded_at)
    group by all
),

final as (
    select
        -- ids
        described.submission_type,
        described.file_hash,
        described.file_name,
        described.sheet_name,
        described.row_number,
        -- what the row was about
        described.partner_code,
        described.service_code,
        described.measure_code,
        described.staff_group_code,
        described.period_read.start as period,
        described.period_read.grain as period_grain,
        -- why it was held back, and whether that still matters
        described.rules,
        described.submitted_on,
        replaced.is_replaced,
    from described
    inner join replaced
        on replaced.submission_type = described.submission_type
        and replaced.file_hash = described.file_hash
        and replaced.sheet_name is not distinct from described.sheet_name
        and replaced.row_number = described.row_number
)

select * from final
