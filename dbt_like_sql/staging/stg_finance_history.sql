-- Every finance return row ever loaded, and the later submission that superseded it, if any.
with

submitted as (
    select
        -- ids
        partner_code,
        service_code,
        period,
        period_grain,
        -- figures as loaded
        pay_cost,
        non_pay_cost,
        -- provenance
        columns(column_name -> list_contains(provenance_columns(), column_name)),
    from validated.finance
    where in_build_months(period)
),

final as (
    select * from submission_history('submitted', 'finance')
)

select * from final
