-- Every action of every current report card, with the overdue ones flagged (due before the publication date and not done).
with

cards as (
    select * from staging.stg_narratives
),

actions as (
    select
        service_code,
        measure_code,
        period,
        -- a card's lists are in the file's order: unnested side by side, one row per action
        unnest(range(1, len(action) + 1)) as action_number,
        unnest(action) as action,
        unnest(action_owner_code) as owner_partner_code,
        unnest(action_due) as due_date,
        unnest(action_status) as status,
        sent_by_partner_code,
        file_name,
        submitted_on,
        period = max(period) over (partition by service_code, measure_code) as is_on_latest_card,
    from cards
),

final as (
    select
        -- ids
        service_code,
        measure_code,
        period,
        financial_quarter_label(period) as quarter_label,
        action_number,
        -- the action
        action,
        owner_partner_code,
        due_date,
        status,
        -- judged on the publication's date
        publication_date() as as_of,
        due_date < publication_date() and status <> 'done' as is_overdue,
        case when due_date < publication_date() and status <> 'done'
            then date_diff('day', due_date, publication_date()) end as days_overdue,
        is_on_latest_card,
        -- provenance
        sent_by_partner_code,
        file_name,
        submitted_on,
    from actions
)

select * from final
