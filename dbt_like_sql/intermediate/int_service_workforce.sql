-- Workforce of each joint service and month, summed over partners and staff groups.
with

workforce as (
    select * from staging.stg_workforce
),

final as (
    select
        service_code,
        period,
        sum(headcount) as headcount,
        sum(contracted_fte) as contracted_fte,
        sum(vacant_fte) as vacant_fte,
        sum(agency_fte) as agency_fte,
        100 * sum(vacant_fte) / nullif(sum(contracted_fte) + sum(vacant_fte), 0) as vacancy_rate,
        100 * sum(agency_fte) / nullif(sum(contracted_fte) + sum(agency_fte), 0) as agency_share,
        100 * sum(sickness_days_lost) / nullif(sum(available_days), 0) as sickness_rate,
    from workforce
    group by all
)

select * from final
