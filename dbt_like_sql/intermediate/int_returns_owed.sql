-- Who owes which returns: each partner, service and monthly submission type it must send, and the last month owed.
with

services as (
    select * from seeds.joint_services
),

partners as (
    select * from seeds.partners
),

service_partners as (
    select * from seeds.service_partners
),

service_measures as (
    select * from seeds.service_measures
),

-- what the partnership (or the scenario) declares is owed: a blank selector matches every partner
declared as (
    select
        submission_type,
        nullif(trim(cast(sector as varchar)), '') as sector,
        nullif(upper(trim(cast(partner_code as varchar))), '') as partner_code,
        nullif(trim(cast(service_kind as varchar)), '') as service_kind,
        cast(nullif(trim(cast(last_period as varchar)), '') as date) as last_period,
    from seeds.returns_owed
),

accepted_rows as (
    select * from accepted_rows()
),

-- which services a partner would send each type for: the lead partner sends targets; the partners
-- answerable for or reporting a service's measures send its outcomes; every partner of a service sends
-- every other monthly type
senders as (
    select 'targets' as submission_type, services.service_code, services.lead_partner_code as partner_code,
    from services
    union
    select 'outcomes', service_code, accountable_partner_code from service_measures
    union
    select 'outcomes', service_code, partner_code from accepted_rows where submission_type = 'outcomes'
    union
    select kinds.submission_type, service_partners.service_code, service_partners.partner_code,
    from service_partners
    cross join submission_types() as kinds
    where kinds.submission_type not in ('targets', 'outcomes') and list_contains(kinds.grains, 'month')
),

-- a return is owed only where a declaration matches the partner (its code or sector) and the service's
-- kind; the last month owed is the latest any matching declaration gives (none: every month)
owed as (
    select
        senders.submission_type,
        senders.partner_code,
        senders.service_code,
        case when bool_or(declared.last_period is null) then null
             else max(declared.last_period) end as last_period,
    from senders
    left join partners on partners.partner_code = senders.partner_code
    left join services on services.service_code = senders.service_code
    inner join declared
        on declared.submission_type = senders.submission_type
        and (declared.partner_code is null or declared.partner_code = senders.partner_code)
        and (declared.sector is null or declared.sector = partners.sector)
        and (declared.service_kind is null or declared.service_kind = services.service_kind)
    group by all
),

final as (
    select
        -- ids
        submission_type,
        partner_code,
        service_code,
        -- until when
        last_period,
    from owed
)

select * from final
