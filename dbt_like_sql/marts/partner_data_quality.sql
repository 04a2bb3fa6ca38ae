-- How well each partner sends each kind of return, month by month: on time, complete, valid, restated.
with

returns_owed as (
    select * from intermediate.int_returns_owed
),

measures as (
    select * from seeds.measures
),

deadlines as (
    select * from intermediate.int_return_deadlines
),

-- each file, its deadline and whether it was late: the one definition of a late return
return_files as (
    select * from intermediate.int_return_files
),

service_months as (
    select * from intermediate.int_service_months
),

held_back as (
    select * from intermediate.int_quarantined_rows
),

partners as (
    select * from seeds.partners
),

-- every accepted row, of every submission type
accepted_rows as (
    select * from accepted_rows()
),

-- the returns judged month by month: every type whose periods may be months (report cards are
-- quarterly, judged in marts.fct_report_card)
monthly_types as (
    select submission_type from submission_types() where list_contains(grains, 'month')
),

-- each accepted row's partner, service, month (or quarter start), and the figures it gives of those it
-- should: both parts of a rate, the value of a count, every figure of the other types
accepted as (
    select
        accepted_rows.submission_type,
        accepted_rows.file_hash,
        accepted_rows.partner_code,
        accepted_rows.service_code,
        accepted_rows.period,
        accepted_rows.period_grain,
        accepted_rows.submitted_on,
        -- what the figure is about: the key less the partner and the month
        hash(accepted_rows.service_code, accepted_rows.measure_code, accepted_rows.staff_group_code)
            as key_hash,
        case
            when measures.value_type = 'rate' then ['numerator', 'denominator']
            when measures.value_type is not null then ['value']
            else submission_figures(accepted_rows.submission_type)
        end as figures_expected,
        -- the expected figures given (list_intersect gives the same count at 7 times the cost)
        len(list_filter(figures_expected, figure -> list_contains(accepted_rows.figures_given, figure)))
            as fields_filled,
        len(figures_expected) as fields_expected,
    from accepted_rows
    left join measures
        on accepted_rows.submission_type = 'outcomes'
        and measures.measure_code = accepted_rows.measure_code
    -- an outcome counts against the measure it reports
    where (accepted_rows.submission_type <> 'outcomes' or measures.measure_code is not null)
        and accepted_rows.submission_type in (select submission_type from monthly_types)
        and in_build_months(accepted_rows.period)
),

-- every held-back row, in the month it counts against (held_back_month)
rejected_rows as (
    select
        submission_type,
        file_hash,
        partner_code,
        service_code,
        held_back_month(period, submitted_on) as period,
        period_grain,
        submitted_on,
    from held_back
    where submission_type in (select submission_type from monthly_types)
        -- a row of a code that is no partner's (in a publication: rule known_partner) is counted
        -- against no partner; it stays in audit.quarantine with its rule
        and partner_code in (select partner_code from partners)
        and in_build_months(held_back_month(period, submitted_on))
),

-- the keys resubmitted with different figures, by partner and month
restated as (
    select
        submission_type,
        partner_code,
        period,
        count(distinct (service_code, measure_code, staff_group_code)) filter (where is_restated)
            as restated_keys,
    from submission_histories()
    where period_grain = 'month' and in_build_months(period)
    group by all
),

-- who owes which returns, and until when (intermediate.int_returns_owed): the returns expected each month
expected as (
    select
        returns_owed.submission_type,
        returns_owed.partner_code,
        returns_owed.service_code,
        service_months.period,
    from returns_owed
    inner join service_months on service_months.service_code = returns_owed.service_code
    where (returns_owed.last_period is null or service_months.period <= returns_owed.last_period)
        and in_build_months(service_months.period)
),

-- each file that brought rows of a partner's return of a type for a service and month, accepted or not, once
arrived as (
    select submission_type, file_hash, partner_code, service_code, period, submitted_on from accepted
    where period_grain = 'month'
    union
    select submission_type, file_hash, partner_code, service_code, period, submitted_on from rejected_rows
    where period_grain = 'month'
),

-- the files that first brought each return (several when they came the same day), late or not
-- (intermediate.int_return_files)
first_arrivals as (
    select
        arrived.submission_type,
        arrived.partner_code,
        arrived.service_code,
        arrived.period,
        arrived.submitted_on,
        return_files.days_after_deadline,
        return_files.is_late,
    from arrived
    left join return_files
        on return_files.submission_type = arrived.submission_type
        and return_files.file_hash = arrived.file_hash
    qualify rank() over (partition by arrived.submission_type, arrived.partner_code, arrived.service_code,
                                      arrived.period
                         order by arrived.submitted_on) = 1
),

-- each expected return (partner, service, type, month): on time when the file that first brought it (any
-- of them, if several came that day) was not late
returns as (
    select
        expected.submission_type,
        expected.partner_code,
        expected.service_code,
        expected.period,
        min(first_arrivals.submitted_on) as first_submitted_on,
        min(first_arrivals.days_after_deadline) as days_after_deadline,
        not bool_and(first_arrivals.is_late) as is_on_time,
    from expected
    left join first_arrivals
        on first_arrivals.submission_type = expected.submission_type
        and first_arrivals.partner_code = expected.partner_code
        and first_arrivals.service_code = expected.service_code
        and first_arrivals.period = expected.period
    group by all
),

timeliness as (
    select
        returns.submission_type,
        returns.partner_code,
        returns.period,
        any_value(deadlines.deadline) as deadline,
        count(*) as returns_expected,
        count(returns.first_submitted_on) as returns_received,
        count(*) filter (where returns.first_submitted_on is not null and returns.is_on_time)
            as returns_on_time,
        max(returns.days_after_deadline) as days_after_deadline,
    from returns
    inner join deadlines
        on deadlines.period = returns.period
        and deadlines.submission_type = returns.submission_type
    group by all
),

rows_by_month as (
    select
        submission_type,
        partner_code,
        period,
        count(*) as rows_passed,
        -- counts stay BIGINT: a sum of BIGINTs is a HUGEINT, which DuckDB 1.4 reads back about 50x slower
        cast(sum(fields_filled) as bigint) as fields_filled,
        cast(sum(fields_expected) as bigint) as fields_expected,
        count(distinct key_hash) as keys_reported,
    from accepted
    group by all
),

held_back_by_month as (
    select submission_type, partner_code, period, count(*) as rows_held_back,
    from rejected_rows
    group by all
),

-- the months of the calendar only: targets set for months ahead count once their month has come
spine as (
    select * from (
        select submission_type, partner_code, period from timeliness
        union
        select submission_type, partner_code, period from rows_by_month
        union
        select submission_type, partner_code, period from held_back_by_month
    )
    where period <= (select max(period) from service_months)
),

final as (
    select
        -- ids
        spine.partner_code,
        spine.period,
        spine.submission_type,
        -- timeliness
        timeliness.deadline,
        timeliness.days_after_deadline,
        coalesce(timeliness.returns_on_time, 0) as returns_on_time,
        100.0 * timeliness.returns_on_time / nullif(timeliness.returns_expected, 0) as timeliness_pct,
        -- completeness
        coalesce(timeliness.returns_expected, 0) as returns_expected,
        coalesce(timeliness.returns_received, 0) as returns_received,
        100.0 * timeliness.returns_received / nullif(timeliness.returns_expected, 0) as completeness_pct,
        coalesce(rows_by_month.fields_filled, 0) as fields_filled,
        coalesce(rows_by_month.fields_expected, 0) as fields_expected,
        100.0 * rows_by_month.fields_filled / nullif(rows_by_month.fields_expected, 0) as fields_filled_pct,
        -- validity
        coalesce(rows_by_month.rows_passed, 0) + coalesce(held_back_by_month.rows_held_back, 0)
            as rows_received,
        coalesce(rows_by_month.rows_passed, 0) as rows_passed,
        100.0 * coalesce(rows_by_month.rows_passed, 0)
            / nullif(coalesce(rows_by_month.rows_passed, 0) + coalesce(held_back_by_month.rows_held_back, 0), 0)
            as validity_pct,
        -- restatements
        coalesce(rows_by_month.keys_reported, 0) as keys_reported,
        coalesce(restated.restated_keys, 0) as restated_keys,
    from spine
    left join timeliness
        on timeliness.submission_type = spine.submission_type
        and timeliness.partner_code = spine.partner_code
        and timeliness.period = spine.period
    left join rows_by_month
        on rows_by_month.submission_type = spine.submission_type
        and rows_by_month.partner_code = spine.partner_code
        and rows_by_month.period = spine.period
    left join held_back_by_month
        on held_back_by_month.submission_type = spine.submission_type
        and held_back_by_month.partner_code = spine.partner_code
        and held_back_by_month.period = spine.period
    left join restated
        on restated.submission_type = spine.submission_type
        and restated.partner_code = spine.partner_code
        and restated.period = spine.period
)

select * from final
