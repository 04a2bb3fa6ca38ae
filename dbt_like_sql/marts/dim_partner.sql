-- One row per partner organisation with its sector and number of services.
with

partners as (
    select * from seeds.partners
),

memberships as (
    select partner_code, count(*) as service_count from seeds.service_partners group by all
),

final as (
    select
        partners.partner_code,
        partners.partner_name,
        partners.sector,
        partners.partnership_area,
        coalesce(memberships.service_count, 0) as service_count,
    from partners
    left join memberships on memberships.partner_code = partners.partner_code
)

select * from final
