-- Pay gaps inside each joint service: one staff group across employers, and between professions.
with

workforce as (
    select * from intermediate.int_workforce_allocated where in_build_months(period)
),

staff_groups as (
    select * from seeds.staff_groups
),

-- One staff group as employed by one partner in the service, named by the partner.
by_employer as (
    select
        service_code,
        period,
        'same staff group, different employers' as comparison,
        staff_group_code,
        partner_code as paid_group,
        headcount,
        contracted_fte,
        annual_pay_per_fte(pay_bill, contracted_fte) as annual_pay_per_fte,
    from workforce
    where contracted_fte > 0
),

-- One profession over all the service's employers, named by the profession.
by_profession as (
    select
        workforce.service_code,
        workforce.period,
        'different professions' as comparison,
        null as staff_group_code,
        staff_groups.profession as paid_group,
        exact_sum(workforce.headcount) as headcount,
        exact_sum(workforce.contracted_fte) as contracted_fte,
        annual_pay_per_fte(exact_sum(workforce.pay_bill), exact_sum(workforce.contracted_fte))
            as annual_pay_per_fte,
    from workforce
    inner join staff_groups on staff_groups.staff_group_code = workforce.staff_group_code
    where workforce.contracted_fte > 0
    group by all
),

paid_groups as (
    select * from by_employer
    union all
    select * from by_profession
),

-- every two groups of one comparison (and staff group) in a service and month, the higher paid first; of
-- two paid the same, the one whose name sorts first
pairs as (
    select
        higher.service_code,
        higher.period,
        higher.comparison,
        higher.staff_group_code,
        higher.paid_group as higher_paid,
        lower.paid_group as lower_paid,
        higher.annual_pay_per_fte as higher_pay,
        lower.annual_pay_per_fte as lower_pay,
        lower.contracted_fte as fte_affected,
        least(higher.headcount, lower.headcount) as smaller_group_headcount,
    from paid_groups as higher
    inner join paid_groups as lower
        on lower.service_code = higher.service_code
        and lower.period = higher.period
        and lower.comparison = higher.comparison
        and lower.staff_group_code is not distinct from higher.staff_group_code
        and (lower.annual_pay_per_fte < higher.annual_pay_per_fte
             or (lower.annual_pay_per_fte = higher.annual_pay_per_fte
                 and lower.paid_group > higher.paid_group))
),

final as (
    select
        -- ids
        service_code,
        period,
        comparison,
        staff_group_code,
        higher_paid,
        lower_paid,
        -- the gap; groups of fewer than 5 people are not shown, as in public statistics
        coalesce(smaller_group_headcount < 5, true) as is_suppressed,
        case when smaller_group_headcount >= 5 then higher_pay end as higher_pay_per_fte,
        case when smaller_group_headcount >= 5 then lower_pay end as lower_pay_per_fte,
        case when smaller_group_headcount >= 5 then higher_pay - lower_pay end as gap_pounds,
        case when smaller_group_headcount >= 5
            then 100 * (higher_pay - lower_pay) / nullif(lower_pay, 0) end as gap_pct,
        case when smaller_group_headcount >= 5 then fte_affected end as fte_affected,
    from pairs
)

select * from final
