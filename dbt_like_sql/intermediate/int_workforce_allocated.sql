-- Workforce returns spread over the services their staff work in, by the employer's declared shares.
with

workforce as (
    select * from staging.stg_workforce where in_build_months(period)
),

allocations as (
    select
        partner_code,
        staff_group_code,
        from_service_code,
        to_service_code,
        cast(share as double) as share,
    from seeds.staff_allocations
),

spread as (
    select
        workforce.partner_code,
        coalesce(allocations.to_service_code, workforce.service_code) as service_code,
        workforce.staff_group_code,
        workforce.period,
        coalesce(allocations.share, 1.0) as share,
        workforce.headcount,
        workforce.contracted_fte,
        workforce.vacant_fte,
        workforce.leavers,
        workforce.sickness_days_lost,
        workforce.available_days,
        workforce.agency_fte,
        workforce.training_hours,
        workforce.pay_bill,
    from workforce
    left join allocations
        on allocations.partner_code = workforce.partner_code
        and allocations.staff_group_code = workforce.staff_group_code
        and allocations.from_service_code = workforce.service_code
),

final as (
    -- a service can receive staff both reported under it and allocated to it
    select
        service_code,
        partner_code,
        staff_group_code,
        period,
        exact_sum(share * headcount) as headcount,
        exact_sum(share * contracted_fte) as contracted_fte,
        exact_sum(share * vacant_fte) as vacant_fte,
        exact_sum(share * leavers) as leavers,
        exact_sum(share * sickness_days_lost) as sickness_days_lost,
        exact_sum(share * available_days) as available_days,
        exact_sum(share * agency_fte) as agency_fte,
        exact_sum(share * training_hours) as training_hours,
        exact_sum(share * pay_bill) as pay_bill,
    from spread
    group by all
)

select * from final
