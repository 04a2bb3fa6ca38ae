-- One row per joint service with its kind, area and lead partner.
with

services as (
    select * from seeds.joint_services
),

kinds as (
    select * from seeds.service_kinds
),

partners as (
    select * from seeds.partners
),

members as (
    select service_code, count(*) as partner_count from seeds.service_partners group by all
),

final as (
    select
        services.service_code,
        services.service_name,
        services.service_kind,
        kinds.service_kind_name,
        services.partnership_area,
        services.lead_partner_code,
        partners.partner_name as lead_partner_name,
        cast(services.start_period as date) as start_period,
        coalesce(members.partner_count, 0) as partner_count,
    from services
    left join kinds on kinds.service_kind = services.service_kind
    left join partners on partners.partner_code = services.lead_partner_code
    left join members on members.service_code = services.service_code
)

select * from final
