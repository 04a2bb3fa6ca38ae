-- Latest finance returns, one row per partner, service and month.
with

history as (
    select * from staging.stg_finance_history where in_build_months(period)
),

final as (
    select
        -- ids
        partner_code,
        service_code,
        period,
        -- money
        pay_cost,
        non_pay_cost,
        pay_cost + non_pay_cost as total_cost,
        -- provenance
        file_name,
        submitted_on,
        is_restated,
        sheet_name,
        row_number,
        loaded_at,
    from history
    where is_current
)

select * from final
