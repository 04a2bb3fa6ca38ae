-- When each month's return of each submission type is due: working days after the month ends, bank holidays left out.
with

service_months as (
    select * from intermediate.int_service_months
),

deadline_rules as (
    select * from seeds.submission_deadlines
),

bank_holidays as (
    select cast(holiday_date as date) as holiday_date from seeds.bank_holidays
),

submission_types as (
    select
        kinds.submission_type,
        -- a type the seed does not name is due 15 working days after the month ends
        coalesce(cast(deadline_rules.working_days_after_month_end as integer), 15) as working_days_allowed,
    from submission_types() as kinds
    left join deadline_rules on deadline_rules.submission_type = kinds.submission_type
),

-- working days (Monday to Friday, not a bank holiday) from the first month to four months after the last
working_days as (
    select day, row_number() over (order by day) as working_day_number,
    from (
        select cast(unnest(generate_series(min(period), max(period) + interval 4 month, interval 1 day))
                    as date) as day,
        from service_months
    ) as days
    where isodow(day) <= 5 and day not in (select holiday_date from bank_holidays)
),

month_ends as (
    select
        months.period,
        last_day(months.period) as month_end,
        count(working_days.day) as working_days_before,
    from (select distinct period from service_months) as months
    left join working_days on working_days.day <= last_day(months.period)
    group by all
),

final as (
    select
        -- ids
        month_ends.period,
        submission_types.submission_type,
        -- the rule and the day it gives
        submission_types.working_days_allowed,
        case when submission_types.working_days_allowed = 0 then month_ends.month_end
             else working_days.day end as deadline,
    from month_ends
    cross join submission_types
    left join working_days
        on working_days.working_day_number
            = month_ends.working_days_before + submission_types.working_days_allowed
)

select * from final
