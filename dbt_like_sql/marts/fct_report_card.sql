-- Each measure's report card per quarter (story behind the curve, partners, what works, its action plan): received on time, late, missing or not yet due.
with

service_months as (
    select * from intermediate.int_service_months
),

service_measures as (
    select * from seeds.service_measures
),

deadlines as (
    select * from intermediate.int_return_deadlines
),

-- each file and whether it was late: the one definition of a late return
return_files as (
    select * from intermediate.int_return_files
),

history as (
    select * from staging.stg_narratives_history
),

cards as (
    select * from staging.stg_narratives
),

action_plan as (
    select * from marts.fct_action_plan
),

-- a quarter is expected to have a card once all three of its months are in the service's calendar
-- (UK financial quarters start in April, July, October and January, as calendar quarters do)
expected as (
    select
        service_measures.service_code,
        service_measures.measure_code,
        cast(date_trunc('quarter', service_months.period) as date) as period,
    from service_measures
    inner join service_months on service_months.service_code = service_measures.service_code
    group by all
    having count(*) = 3
),

quarters as (
    select service_code, measure_code, period from expected
    union
    select service_code, measure_code, period from cards
),

-- the file that first brought each card, whatever came after it
first_arrivals as (
    select
        service_code,
        measure_code,
        period,
        arg_min(file_name, (submitted_on, loaded_at)) as first_file_name,
        min(submitted_on) as first_submitted_on,
    from history
    group by all
),

actions as (
    select
        service_code,
        measure_code,
        period,
        count(*) as actions,
        count(*) filter (where status = 'done') as actions_done,
        count(*) filter (where is_overdue) as actions_overdue,
    from action_plan
    group by all
),

final as (
    select
        -- ids
        quarters.service_code,
        quarters.measure_code,
        quarters.period,
        financial_quarter_label(quarters.period) as quarter_label,
        -- arrival
        deadlines.deadline,
        first_arrivals.first_submitted_on,
        return_files.days_after_deadline,
        case
            when cards.service_code is not null and return_files.is_late then 'late'
            when cards.service_code is not null then 'on time'
            when deadlines.deadline < publication_date() then 'missing'
            else 'not yet due'
        end as card_status,
        publication_date() as as_of,
        cards.service_code is not null
            and quarters.period = max(cards.period) over (partition by quarters.service_code, quarters.measure_code)
            as is_latest_card,
        -- the card as last submitted
        cards.story,
        cards.partners_with_a_role,
        cards.what_works,
        coalesce(actions.actions, 0) as actions,
        coalesce(actions.actions_done, 0) as actions_done,
        coalesce(actions.actions_overdue, 0) as actions_overdue,
        -- provenance
        cards.sent_by_partner_code,
        cards.file_name,
        cards.submitted_on,
        cards.is_restated,
    from quarters
    left join cards
        on cards.service_code = quarters.service_code
        and cards.measure_code = quarters.measure_code
        and cards.period = quarters.period
    left join first_arrivals
        on first_arrivals.service_code = quarters.service_code
        and first_arrivals.measure_code = quarters.measure_code
        and first_arrivals.period = quarters.period
    left join return_files
        on return_files.submission_type = 'narratives'
        and return_files.file_name = first_arrivals.first_file_name
    left join deadlines
        on deadlines.submission_type = 'narratives'
        and deadlines.period = cast(quarters.period + interval 2 month as date)
    left join actions
        on actions.service_code = quarters.service_code
        and actions.measure_code = quarters.measure_code
        and actions.period = quarters.period
)

select * from final
