-- Every measure red in its service's latest month, with its accountable partner and how long it has been red.
with

measure_periods as (
    select * from marts.fct_measure_period
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
        measure_periods.accountable_partner_code,
        partners.partner_name as accountable_partner_name,
        measure_periods.service_code,
        measure_periods.measure_code,
        latest.latest_period,
        cast(coalesce(last_not_red.last_not_red + interval 1 month, last_not_red.first_period)
            as date) as red_since,
        datediff('month',
            coalesce(last_not_red.last_not_red + interval 1 month, last_not_red.first_period),
            latest.latest_period) + 1 as months_red,
    from measure_periods
    inner join latest
        on latest.service_code = measure_periods.service_code
        and latest.latest_period = measure_periods.period
    inner join last_not_red
        on last_not_red.service_code = measure_periods.service_code
        and last_not_red.measure_code = measure_periods.measure_code
    left join partners on partners.partner_code = measure_periods.accountable_partner_code
    where measure_periods.rag = 'red'
)

select * from final
