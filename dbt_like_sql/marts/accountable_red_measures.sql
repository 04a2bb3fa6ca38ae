-- Every measure red in its service's latest month: who answers for it, how long it has been red, where it stands.
with

measure_periods as (
    select * from marts.fct_measure_period
),

spc_status as (
    select * from marts.measure_spc_status
),

services as (
    select * from seeds.joint_services
),

measures as (
    select * from seeds.measures
),

partners as (
    select * from seeds.partners
),

latest as (
    select service_code, max(period) as latest_period,
    from measure_periods
    where actual is not null
    group by all
),

last_not_red as (
    select
        measure_periods.service_code,
        measure_periods.measure_code,
        max(measure_periods.period) filter (where measure_periods.rag <> 'red') as last_not_red,
        min(measure_periods.period) as first_period,
    from measure_periods
    inner join latest
        on latest.service_code = measure_periods.service_code
        and measure_periods.period <= latest.latest_period
    group by all
),

final as (
    select
        -- what is red
        measure_periods.service_code,
        services.service_name,
        measure_periods.measure_code,
        measures.measure_name,
        -- who answers for it
        measure_periods.accountable_partner_code,
        partners.partner_name as accountable_partner_name,
        -- for how long
        datediff('month',
            coalesce(last_not_red.last_not_red + interval 1 month, last_not_red.first_period),
            latest.latest_period) + 1 as months_red,
        cast(coalesce(last_not_red.last_not_red + interval 1 month, last_not_red.first_period)
            as date) as red_since,
        latest.latest_period,
        -- where it stands in the latest month
        measure_periods.actual as latest_actual,
        measure_periods.target as latest_target,
        spc_status.variation,
        spc_status.assurance,
    from measure_periods
    inner join latest
        on latest.service_code = measure_periods.service_code
        and latest.latest_period = measure_periods.period
    inner join last_not_red
        on last_not_red.service_code = measure_periods.service_code
        and last_not_red.measure_code = measure_periods.measure_code
    left join services on services.service_code = measure_periods.service_code
    left join measures on measures.measure_code = measure_periods.measure_code
    left join partners on partners.partner_code = measure_periods.accountable_partner_code
    left join spc_status
        on spc_status.service_code = measure_periods.service_code
        and spc_status.measure_code = measure_periods.measure_code
    where measure_periods.rag = 'red'
)

select * from final
