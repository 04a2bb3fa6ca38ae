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
        cast(sum(restated_keys) as bigint) as restated_keys,  -- BIGINT, as partner_data_quality's counts
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

-- standard competition ranking ("1, 2, 2, 4") on the score to 6 decimal places, so that equal scores
-- summed in another order still tie; among equals, by partner name, then code
ranked as (
    select
        scored.*,
        partners.partner_name,
        rank() over by_score as league_position,
        count(*) over (partition by round(scored.data_quality_score, 6)) > 1 as is_tied,
        row_number() over (order by round(scored.data_quality_score, 6) desc nulls last,
                           partners.partner_name, scored.partner_code) as league_order,
    from scored
    left join partners on partners.partner_code = scored.partner_code
    window by_score as (order by round(scored.data_quality_score, 6) desc nulls last)
),

final as (
    select
        -- ids
        partner_code,
        partner_name,
        -- the league
        league_position,
        is_tied,
        league_order,
        data_quality_score,
        -- its components
        timeliness_pct,
        completeness_pct,
        fields_filled_pct,
        validity_pct,
        unrestated_pct,
        restated_keys,
        -- the months it covers
        first_period,
        last_period,
    from ranked
)

select * from final
