-- Every report card ever loaded (one row per card each file sent), and the later submission that superseded it, if any.
with

submitted as (
    select * from validated.narratives where in_build_months(period)
),

-- a card is the rows of one service, measure and quarter in one file: its text as its first row gives it
-- (rows below repeat it or leave it blank), and its actions in the order the file lists them, sent whole
cards as (
    select
        -- ids
        service_code,
        measure_code,
        period,
        period_grain,
        -- the card as loaded
        any_value(partner_code) as partner_code,
        first(story order by row_number) filter (where story is not null) as story,
        first(partners_with_a_role order by row_number) filter (where partners_with_a_role is not null)
            as partners_with_a_role,
        first(what_works order by row_number) filter (where what_works is not null) as what_works,
        coalesce(list(action order by row_number) filter (where action is not null), []) as action,
        coalesce(list(action_owner_code order by row_number) filter (where action is not null), [])
            as action_owner_code,
        coalesce(list(action_due order by row_number) filter (where action is not null), []) as action_due,
        coalesce(list(action_status order by row_number) filter (where action is not null), [])
            as action_status,
        -- provenance
        file_hash,
        file_name,
        sheet_name,
        min(row_number) as row_number,
        submitted_on,
        loaded_at,
    from submitted
    group by service_code, measure_code, period, period_grain, file_hash, file_name, sheet_name, submitted_on,
        loaded_at
),

final as (
    select * from submission_history('cards', 'narratives')
)

select * from final
