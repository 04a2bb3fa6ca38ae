-- Pay gaps inside each joint service: one staff group across employers, and between professions.
with

workforce as (
    select * from intermediate.int_workforce_allocated
),

staff_groups as (
    select * from seeds.staff_groups
),

-- One staff group as employed by one partner in the service.
by_employer as (
    select
        service_code,
        period,
        staff_group_code,
        partner_code,
        headcount,
        contracted_fte,
        annual_pay_per_fte(pay_bill, contracted_fte) as annual_pay_per_fte,
    from workforce
    where contracted_fte > 0
),

-- One profession over all the service's employers.
by_profession as (
    select
        workforce.service_code,
        workforce.period,
        staff_groups.profession,
        exact_sum(workforce.headcount) as headcount,
        exact_sum(workforce.contracted_fte) as contracted_fte,
        annual_pay_per_fte(exact_sum(workforce.pay_bill), exact_sum(workforce.contracted_fte))
            as annual_pay_per_fte,
    from workforce
    inner join staff_groups on staff_groups.staff_group_code = workforce.staff_group_code
    where workforce.contracted_fte > 0
    group by all
),

employer_pairs as (
    select
        higher.service_code,
        higher.period,
        'same staff group, different employers' as comparison,
        higher.staff_group_code,
        higher.partner_code as higher_paid,
        lower.partner_code as lower_paid,
        higher.annual_pay_per_fte as higher_pay,
        lower.annual_pay_per_fte as lower_pay,
        lower.contracted_fte as fte_affected,
        least(higher.headcount, lower.headcount) as smaller_group_headcount,
    from by_employer as higher
    inner join by_employer as lower
        on lower.service_code = higher.service_code
        and lower.period = higher.period
        and lower.staff_group_code = higher.staff_group_code
        and (lower.annual_pay_per_fte < higher.annual_pay_per_fte
             or (lower.annual_pay_per_fte = higher.annual_pay_per_fte
                 and lower.partner_code > higher.partner_code))
),

profession_pairs as (
    select
        higher.service_code,
        higher.period,
        'different professions' as comparison,
        null as staff_group_code,
        higher.profession as higher_paid,
        lower.profession as lower_paid,
        higher.annual_pay_per_fte as higher_pay,
        lower.annual_pay_per_fte as lower_pay,
        lower.contracted_fte as fte_affected,
        least(higher.headcount, lower.headcount) as smaller_group_headcount,
    from by_profession as higher
    inner join by_profession as lower
        on lower.service_code = higher.service_code
        and lower.period = higher.period
        and (lower.annual_pay_per_fte < higher.annual_pay_per_fte
             or (lower.annual_pay_per_fte = higher.annual_pay_per_fte
                 and lower.profession > higher.profession))
),

pairs as (
    select * from employer_pairs
    union all
    select * from profession_pairs
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
