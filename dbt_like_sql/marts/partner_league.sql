-- The partners ranked by the quality of their returns over the latest 12 months.
with

data_quality as (
    select * from marts.partner_data_quality
),

partners as (
    select * from seeds.partners
),

latest_year as (
    select *
    from data_quality
    where period > (select max(period) - interval 12 month from data_quality)
),

summed as (
    select
        partner_code,
        min(period) as first_period,
        max(period) as last_period,
        100.0 * sum(returns_on_time) / nullif(sum(returns_expected), 0) as timeliness_pct,
        100.0 * sum(returns_received) / nullif(sum(returns_expected), 0) as completeness_pct,
        100.0 * sum(fields_filled) / nullif(sum(fields_expected), 0) as fields_filled_pct,
        100.0 * sum(rows_passed) / nullif(sum(rows_received), 0) as validity_pct,
        100.0 - 100.0 * sum(restated_keys) / nullif(sum(keys_reported), 0) as unrestated_pct,
        sum(restated_keys) as restated_keys,
    from latest_year
    group by all
),

scored as (
    select
        *,
        -- the mean of the components the partner has a figure for
        (coalesce(timeliness_pct, 0) + coalesce(completeness_pct, 0) + coalesce(fields_filled_pct, 0)
            + coalesce(validity_pct, 0) + coalesce(unrestated_pct, 0))
        / nullif((timeliness_pct is not null)::int + (completeness_pct is not null)::int
                 + (fields_filled_pct is not null)::int + (validity_pct is not null)::int
                 + (unrestated_pct is not null)::int, 0) as data_quality_score,
    from summed
),

final as (
    select
        -- ids
        scored.partner_code,
        partners.partner_name,
        -- the league
        rank() over (order by scored.data_quality_score desc nulls last) as league_position,
        scored.data_quality_score,
        -- its components
        scored.timeliness_pct,
        scored.completeness_pct,
        scored.fields_filled_pct,
        scored.validity_pct,
        scored.unrestated_pct,
        scored.restated_keys,
        -- the months it covers
        scored.first_period,
        scored.last_period,
    from scored
    left join partners on partners.partner_code = scored.partner_code
)

select * from final
