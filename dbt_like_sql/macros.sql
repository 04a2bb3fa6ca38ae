-- Macros the models call. Before a model is built, the macros it calls (and those they call) are created
-- (assets/models/project.py), after the submission contract's own: submission_types(), submission_key(type),
-- submission_figures(type), and received_rows(), accepted_rows(), submission_histories(), every type's rows
-- of one stage, written from assets/contract.py by assets/models/contract_sql.py. The function
-- read_period(text, date_order) is the validators' period reader (assets/models/functions.py).

-- Sums and indices that come out the same, bit for bit, whatever order the rows arrive in and however
-- DuckDB's threads split the work (docs/metrics.md, Precision).

-- the sum of a figure, added exactly as a decimal of 10 places (a double sum depends on the order of
-- its terms), returned as a double
create or replace macro exact_sum(figure) as cast(sum(cast(figure as decimal(38, 10))) as double);

-- 100 × a ÷ b, rounded to 6 decimal places before any threshold compares it with 100
create or replace macro index_points(a, b) as round(100 * a / nullif(b, 0), 6);

-- Workforce rates, defined once and used by every workforce model (docs/metrics.md, Workforce).
-- Each is a ratio of the sums passed in, so the same macro serves every level of aggregation.

-- 100 × vacant FTE ÷ (contracted + vacant FTE)
create or replace macro vacancy_rate(vacant_fte, contracted_fte) as
    100 * vacant_fte / nullif(contracted_fte + vacant_fte, 0);

-- 100 × agency FTE ÷ (contracted + agency FTE)
create or replace macro agency_share(agency_fte, contracted_fte) as
    100 * agency_fte / nullif(contracted_fte + agency_fte, 0);

-- 100 × sickness days lost ÷ available days
create or replace macro sickness_rate(sickness_days_lost, available_days) as
    100 * sickness_days_lost / nullif(available_days, 0);

-- 100 × leavers in 12 months ÷ mean headcount over them; empty until 12 months are reported
create or replace macro turnover_rate_12m(leavers_12m, mean_headcount_12m, months_in_window) as
    case when months_in_window = 12 then 100 * leavers_12m / nullif(mean_headcount_12m, 0) end;

-- 12 × the month's pay bill ÷ FTE in post (pounds a year)
create or replace macro annual_pay_per_fte(pay_bill, contracted_fte) as
    12 * pay_bill / nullif(contracted_fte, 0);

-- an amount per FTE in post
create or replace macro per_fte(amount, contracted_fte) as amount / nullif(contracted_fte, 0);

-- 1,000 × (contracted + agency FTE) ÷ units of output
create or replace macro staff_per_1000_units(contracted_fte, agency_fte, output_units) as
    1000 * (contracted_fte + agency_fte) / nullif(output_units, 0);

-- Measures, defined once (docs/metrics.md, Measure figures).

-- what a rate measure's ratio is multiplied by: 1,000 for a rate per 1,000, else 100 (a percentage)
create or replace macro unit_scale(unit) as case unit when 'rate_per_1000' then 1000 else 100 end;

-- a rate in its measure's unit: numerator ÷ denominator × the unit's scale
create or replace macro rate_in_unit(numerator, denominator, unit) as
    numerator / nullif(denominator, 0) * unit_scale(unit);

-- 100 × actual ÷ target when higher is better, 100 × target ÷ actual when lower is better; uncapped,
-- and empty for a target (higher) or an actual (lower) of 0 or less
create or replace macro attainment_ratio(actual, target, direction) as
    case
        when direction = 'higher_is_better' and target > 0 then 100 * actual / target
        when direction = 'lower_is_better' and actual > 0 then 100 * target / actual
    end;

-- attainment_ratio capped at 150, so that one measure far above its target cannot hide others; a
-- lower-is-better actual of 0 scores the cap; empty without an actual or a target
create or replace macro attainment_pct(actual, target, direction) as
    case
        when direction = 'lower_is_better' and actual = 0 and target is not null then 150
        when attainment_ratio(actual, target, direction) > 150 then 150
        else attainment_ratio(actual, target, direction)
    end;

-- The provenance a submission history keeps of each row (validated.<type>'s columns saying where it came
-- from: assets/warehouse.py, PROVENANCE), in that table's order; a model takes them with
-- columns(column_name -> list_contains(provenance_columns(), column_name)). The partner a file's name
-- gives (file_partner_code) is not among them.
create or replace macro provenance_columns() as
    ['file_hash', 'file_name', 'sheet_name', 'row_number', 'submitted_on', 'loaded_at'];

-- the month a row validation held back counts against: its own, or the month before its file was sent
-- when its period cannot be read or lies after the month the file was sent in (2999-01)
create or replace macro held_back_month(period, submitted_on) as
    case when period is null or period > date_trunc('month', submitted_on)
        then cast(date_trunc('month', submitted_on) - interval 1 month as date)
        else period end;

-- Patterns used by several models, as table macros. A table macro reads the rows of a CTE of the calling
-- model, named by its first argument (query_table), so that the model's own SQL names every table it reads.

-- Whether a row's period falls in a month the build writes. A model built by month (`materialized:
-- incremental` with a `month_column` in its .yml) reads its upstream rows through it: every month when it
-- is built whole, as defined here; assets/models/build.py redefines it for a build that replaces only the
-- months whose upstream rows changed (with the `lookback_months` before each, for a model whose rows read
-- earlier months), and defines it back before the build commits.
create or replace macro in_build_months(period) as true;

-- Each row of a submission type (a CTE of validated.<type> rows: its key, figures, suppressed_columns if
-- the type has any, and provenance) with the later submission of the same key (submission_key) that
-- superseded it, if any, and whether the key was ever sent with other figures (submission_figures, or
-- other figures suppressed): adds superseded_by, superseded_at, is_current, is_restated. Submissions are
-- ordered by the date on the file, then by when they were loaded.
create or replace macro submission_history(submitted, submission_type) as table
    with keyed as (
        select
            *,
            row(*columns(column_name -> list_contains(submission_key(submission_type), column_name)))
                as figure_key,
            hash(*columns(column_name -> column_name = 'suppressed_columns'
                or list_contains(submission_figures(submission_type), column_name))) as figures,
        from query_table(submitted)
    ),
    sequenced as (
        select
            *,
            lead(file_name) over later as superseded_by,
            lead(loaded_at) over later as superseded_at,
            -- more than one version of the figures (as count(distinct) > 1 says, at a third of its cost)
            min(figures) over every_version <> max(figures) over every_version as is_restated,
        from keyed
        window
            later as (partition by figure_key order by submitted_on, loaded_at, file_name, row_number),
            every_version as (later rows between unbounded preceding and unbounded following)
    )
    select
        * exclude (figure_key, figures, is_restated),
        superseded_by is null as is_current,
        is_restated,
    from sequenced;

-- The current rows of one grain (month, quarter) of an outcome history (a CTE of staging.stg_outcomes_history
-- rows), every column kept; a row with a suppressed figure gives none, as a rate needs both of its parts.
create or replace macro current_outcomes(history, grain) as table
    select
        * replace (
            case when not is_suppressed then numerator end as numerator,
            case when not is_suppressed then denominator end as denominator,
            case when not is_suppressed then value end as value
        ),
    from query_table(history)
    where is_current and period_grain = grain;

-- The staffing measures of docs/metrics.md (Workforce) for rows of workforce figures (a CTE holding the
-- figures of submission_figures('workforce'), a period, and columns saying whose staff they count: a
-- service, a partner, a staff group...). Returns those columns and the period, in the CTE's order, then the
-- staffing and the rates; turnover looks back over the 12 months to each row's.
create or replace macro workforce_measures(staffing) as table
    with identified as (
        select
            *,
            row(*columns(column_name -> column_name <> 'period'
                and not list_contains(submission_figures('workforce'), column_name))) as staff,
        from query_table(staffing)
    ),
    windowed as (
        select
            *,
            sum(leavers) over last_12_months as leavers_12m,
            avg(headcount) over last_12_months as mean_headcount_12m,
            count(*) over last_12_months as months_in_window,
        from identified
        window last_12_months as (
            partition by staff order by period
            range between interval 11 months preceding and current row
        )
    )
    select
        columns(column_name -> not list_contains(submission_figures('workforce'), column_name)
            and column_name not in ('staff', 'leavers_12m', 'mean_headcount_12m', 'months_in_window')),
        headcount,
        contracted_fte,
        vacant_fte,
        agency_fte,
        vacancy_rate(vacant_fte, contracted_fte) as vacancy_rate,
        turnover_rate_12m(leavers_12m, mean_headcount_12m, months_in_window) as turnover_rate_12m,
        sickness_rate(sickness_days_lost, available_days) as sickness_rate,
        agency_share(agency_fte, contracted_fte) as agency_share,
        per_fte(training_hours, contracted_fte) as training_hours_per_fte,
        annual_pay_per_fte(pay_bill, contracted_fte) as mean_annual_pay_per_fte,
    from windowed;

-- Peer comparison (docs/metrics.md, Peer benchmark).

-- the fewest services with a figure a peer group needs for quartiles: with fewer, quarters of the group
-- are not groups at all (with 3 peers the best lands in quartile 2 and nobody in 1)
create or replace macro min_peers_for_quartile() as 4;

-- Report cards (docs/metrics.md, Report cards).

-- a UK financial quarter as boards write it, from its first day: 'Q4 2024/25' (Q1 is April to June)
create or replace macro financial_quarter_label(quarter_start) as
    'Q' || ((month(quarter_start) + 8) % 12 // 3 + 1) || ' '
    || (year(quarter_start) - (month(quarter_start) < 4)::integer) || '/'
    || lpad(((year(quarter_start) - (month(quarter_start) < 4)::integer + 1) % 100)::varchar, 2, '0');

-- the day the marts are judged against (the publication's date): an action due before it and not done is
-- overdue, a card whose deadline has passed without one is missing
create or replace macro publication_date() as current_date;
