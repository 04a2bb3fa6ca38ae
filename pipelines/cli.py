"""The `joinedup` command: make demo data, run the pipeline, say where the outputs are, query the warehouse.

Importing this module imports click and nothing heavier: each command imports what it needs, so that
`joinedup --help` and `joinedup sql` never load Dagster, Great Expectations or polars (each of which
takes longer to import than the whole of `joinedup sql "select 1"` may). Click rather than typer:
typer 0.29 builds a pydantic adapter for every parameter each time a command runs, about a quarter of
a second of every command (bench/RESULTS.md).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    import duckdb

    from pipelines.run import RunReport
    from pipelines.settings import LakeSettings, Settings

OUTPUT_FORMATS = ("table", "csv", "json", "markdown")
PATH = click.Path(path_type=Path)  # checked by the command that uses it, which says what is wrong


class _CommandsInOrder(click.Group):
    """A group whose help lists its commands in the order they were added, not alphabetically."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


def _version(ctx: click.Context, _: click.Parameter, asked: bool) -> None:
    if asked and not ctx.resilient_parsing:
        from importlib.metadata import version

        click.echo(f"joinedup {version('joinedup')}")
        ctx.exit()


def _show_completion(ctx: click.Context, _: click.Parameter, asked: bool) -> None:
    if asked and not ctx.resilient_parsing:
        from pipelines.cli_completion import completion_script, current_shell

        root = ctx.find_root()
        click.echo(completion_script(root.command, root.info_name or "joinedup", current_shell()))
        ctx.exit()


def _install_completion(ctx: click.Context, _: click.Parameter, asked: bool) -> None:
    if asked and not ctx.resilient_parsing:
        from pipelines.cli_completion import current_shell, install_completion

        root, shell = ctx.find_root(), current_shell()
        script = install_completion(root.command, root.info_name or "joinedup", shell, Path.home())
        click.echo(f"{shell} completion installed in {script}: it works in shells started from now on")
        ctx.exit()


# Defaults are shown in every command's help (a flag that is off by default shows none).
@click.group(cls=_CommandsInOrder, name="joinedup", context_settings={"show_default": True})
@click.option(
    "--version",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=_version,
    help="Print joinedup's version and exit.",
)
@click.option(
    "--install-completion",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=_install_completion,
    help="Install completion for the current shell.",
)
@click.option(
    "--show-completion",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=_show_completion,
    help="Show completion for the current shell, to copy it or customize the installation.",
)
def app() -> None:
    """joinedup: performance-target monitoring for joint public services."""


@click.group(cls=_CommandsInOrder)
def inbox() -> None:
    """What partners sent and what became of it."""


@contextmanager
def _failing_in_one_line(command: str, *errors: type[Exception]) -> Iterator[None]:
    """Turn the errors a person can put right (a missing file, bad SQL) into one line and exit status 1."""
    try:
        yield
    except errors as exc:
        click.echo(f"joinedup {command}: {_one_line(exc)}", err=True)
        raise SystemExit(1) from None


def _one_line(error: Exception) -> str:
    """Return an error's message on one line, without DuckDB's echo of the statement."""
    message = " ".join(str(error).split("\nLINE ")[0].split())
    if "disabled by configuration" in message or "configuration has been locked" in message:
        message += " (joinedup sql reads the warehouse's own tables and nothing else)"
    return message


def _settings(scenario: str | None = None, inbox: Path | None = None) -> Settings:
    """Return the settings, with the scenario and inbox the command was given (else the environment's)."""
    from assets.scenarios import ScenarioError
    from pipelines.settings import Settings

    try:
        return Settings.from_env(scenario, inbox)
    except ScenarioError as exc:  # the scenario named (or JOINEDUP_SCENARIO's) does not exist
        raise click.BadParameter(str(exc)) from exc


def _published_source(settings: Settings) -> Path | LakeSettings:
    """Return what analysts query: the lake when one is set (JOINEDUP_LAKE), else the warehouse file."""
    return settings.lake or _published(settings.warehouse)


def _published(warehouse: Path) -> Path:
    """Return the published warehouse, or raise FileNotFoundError saying how to get one."""
    if not warehouse.exists():
        raise FileNotFoundError(f"no published warehouse at {warehouse}: run `joinedup run` first")
    return warehouse


def _prepare_scenario(scenario: str | None = None, inbox: Path | None = None) -> Settings:
    """Return the settings (`_settings`), first writing the scenario's suites when it validates with its
    own copies of the project's, less the rules it relaxes."""
    from assets.project_files import PROJECT_EXPECTATIONS_DIR
    from assets.scenarios import ScenarioError, write_suites
    from pipelines.settings import scenario_suites_dir

    settings = _settings(scenario, inbox)
    chosen = settings.scenario
    if chosen and chosen.relax and settings.expectations_dir == scenario_suites_dir(chosen):
        try:
            write_suites(chosen, PROJECT_EXPECTATIONS_DIR, settings.expectations_dir)
        except ScenarioError as exc:
            raise click.BadParameter(str(exc)) from exc
    return settings


@app.command("demo-data")
@click.option(
    "--scale",
    metavar="SCALE",
    default="small",
    help="small (3 areas), medium (12), national "
    "(100), backlog (100, one file per partner and type) or x10 (1,000)",
)
@click.option("--seed", metavar="N", type=int, default=7, help="random seed")
@click.option(
    "--out",
    metavar="FOLDER",
    type=PATH,
    help="folder for inbox/, reference/ and demo_truth.json (default: beside the inbox)",
)
def demo_data(scale: str, seed: int, out: Path | None) -> None:
    """Write demo partner files with planted truths and faults."""
    import json

    from pipelines.demo.submissions import SCALES, generate_demo

    if scale not in SCALES:
        raise click.BadParameter(f"{scale} is none of {', '.join(SCALES)}", param_hint="--scale")
    target = out or _settings().inbox.parent
    manifest = target / "demo_truth.json"
    if manifest.exists():
        previous = json.loads(manifest.read_text())
        if (previous["scale"], previous["seed"]) == (scale, seed):
            click.echo(f"demo data ({scale}, seed {seed}) already in {target / 'inbox'}")
            return
        raise click.BadParameter(
            f"{target / 'inbox'} holds the {previous['scale']} demo (seed {previous['seed']}); "
            "run `make clean` first, or give --out another folder"
        )
    with _failing_in_one_line("demo-data", OSError):
        try:
            truth = generate_demo(target, scale=scale, seed=seed)
        except FileExistsError as exc:
            raise click.BadParameter(f"{exc}; run `make clean` first, or give --out another folder") from exc
    totals = ", ".join(f"{kind} {n}" for kind, n in truth["totals"]["files"].items())
    click.echo(f"demo data ({scale}, seed {seed}) written to {target / 'inbox'}: files {totals}")
    click.echo(f"planted truths and faults: {target / 'demo_truth.json'}")


# The options `run` and `backfill` share.
as_json_option = click.option(
    "--json", "as_json", is_flag=True, help="print the run's summary as JSON (for scripts) instead of lines"
)
progress_option = click.option(
    "--progress/--no-progress",
    default=True,
    help="show progress on stderr (a status line on a terminal, log lines otherwise)",
)


@app.command()
@click.option(
    "--scenario",
    metavar="NAME",
    help="run a scenario from scenarios/ (e.g. nhs-england) into its own warehouse and site",
)
@click.option("--inbox", metavar="FOLDER", type=PATH, help="read submissions from this folder instead")
@as_json_option
@progress_option
def run(scenario: str | None, inbox: Path | None, as_json: bool, progress: bool) -> None:
    """Run the nightly job once, in this process, and report it.

    Loads the new files and changed reference tables, validates the months they touch (and months
    validated under older rules), rebuilds what depends on them and publishes.
    """
    settings = _prepare_scenario(scenario, inbox.resolve() if inbox else None)
    if not settings.inbox.is_dir():
        raise click.BadParameter(
            f"no inbox folder at {settings.inbox}: give --inbox, set JOINEDUP_INBOX, "
            "or write the demo's with `joinedup demo-data`"
        )
    _run_and_report("run", settings, None, as_json, progress)


@app.command()
@click.argument("first")
@click.argument("last", required=False)
@as_json_option
@progress_option
def backfill(first: str, last: str | None, as_json: bool, progress: bool) -> None:
    """Validate a range of months again, then publish.

    FIRST and LAST (default: FIRST) are months the warehouse holds, as YYYY-MM. For a change of
    rules or reference data: every row of those months, of every type, is validated again and
    everything is rebuilt (a full run).
    """
    last = last or first
    settings = _prepare_scenario()
    held = _months_held(settings)
    for month in (first, last):
        if held is None or month not in held:
            where = (
                f"the warehouse holds {held[0]} to {held[-1]}"
                if held
                else "the warehouse holds none yet (run `joinedup run` first)"
            )
            raise click.BadParameter(f"{month} is not a month we hold: {where}; give YYYY-MM")
    if last < first:
        raise click.BadParameter(f"{last} comes before {first}")
    _run_and_report("backfill", settings, [first, last], as_json, progress)


def _months_held(settings: Settings) -> list[str] | None:
    """Return every month (YYYY-MM) from the first to the last the warehouse has validated, or None."""
    import duckdb

    from assets.partitions import MONTHS
    from assets.query import one_row

    database = settings.build_database if settings.build_database.exists() else settings.warehouse
    if not database.exists():
        return None
    with _failing_in_one_line("backfill", duckdb.Error), duckdb.connect(str(database), read_only=True) as con:
        try:
            first, last = one_row(
                con.execute(
                    "select strftime(min(period_month), '%Y-%m'), "
                    "strftime(max(period_month), '%Y-%m') "
                    "from audit.month_validations"
                )
            )
        except duckdb.CatalogException:  # a warehouse that has validated nothing yet
            return None
    keys = MONTHS.get_partition_keys()
    return [key for key in keys if first <= key <= last] if first else None


def _run_and_report(
    command: str, settings: Settings, months: list[str] | None, as_json: bool, show_progress: bool
) -> None:
    """Run the nightly job (over `months`, else the months due), then print its summary.

    The Data Docs builder is started first, before the pipeline (Dagster among it, about 2 s) is
    imported: its own import of Great Expectations then has those seconds too, which a short night's
    publication would otherwise wait for."""
    from assets.publish.data_docs_process import start_ahead

    start_ahead()
    import duckdb

    from pipelines.progress import RunProgress

    progress = RunProgress(sys.stderr) if show_progress else None
    with _failing_in_one_line(command, duckdb.Error, OSError), progress or nullcontext():
        if progress:
            progress.stage("loading the pipeline")
        from pipelines.run import run_nightly

        report = run_nightly(settings, months, progress)
    _report(settings, report, as_json)


def _report(settings: Settings, report: RunReport, as_json: bool) -> None:
    """Print what a run did (as JSON when asked) and exit with status 1 when it failed."""
    import json

    from pipelines.run_summary import summary_json, summary_lines

    if as_json:
        click.echo(json.dumps(summary_json(settings, report), indent=2))
    else:
        for line in summary_lines(settings, report):
            click.echo(line)
    if not report.success:
        raise SystemExit(1)


@inbox.command("report")
@click.option("--run", "run_id", metavar="RUN_ID", help="run id (default: the latest run)")
@click.option("--all", "all_runs", is_flag=True, help="every file ever received")
@click.option("--partner", metavar="CODE", help="one partner's code")
def inbox_report(run_id: str | None, all_runs: bool, partner: str | None) -> None:
    """Print per partner the files received, rows held back and why.

    Also lists the files rejected, with the reason: the summary to send back to partners.
    """
    import duckdb

    from pipelines.inbox_report import inbox_report as report
    from pipelines.inbox_report import latest_run

    settings = _settings()
    database = settings.build_database if settings.build_database.exists() else settings.warehouse
    with (
        _failing_in_one_line("inbox report", duckdb.Error, OSError),
        duckdb.connect(str(_published(database)), read_only=True) as con,
    ):
        chosen = None if all_runs else run_id or latest_run(con)
        click.echo(report(con, chosen, partner.upper() if partner else None))


@app.command("board-pack")
@click.argument("services", metavar="SERVICE...", nargs=-1, required=True)
@click.option("--out", metavar="FILE", type=PATH, default=Path("board-pack.pdf"), help="the PDF to write")
def board_pack(services: tuple[str, ...], out: Path) -> None:
    """Print a board pack of chosen services to one A4 PDF.

    SERVICE... are service codes, in the order to print. The pack has a cover with its contents, a
    one-page summary, then each service's published page from a fresh page, printed by headless
    Chromium; every footer gives the page number and the data's latest month.
    """
    from assets.publish.board_rules import BoardRules
    from pipelines.board_pack import BoardPackError, render_board_pack

    settings = _settings()
    rules = BoardRules(min_peers=settings.min_peers)
    with _failing_in_one_line("board-pack", BoardPackError, OSError):
        pages = render_board_pack(settings.site_dir, settings.warehouse, list(services), out, rules)
    click.echo(f"{out}: {pages} A4 page(s) for {len(services)} service(s)")


@app.command()
@click.argument("statement", metavar="SQL")
@click.option(
    "--format",
    "output",
    type=click.Choice(OUTPUT_FORMATS),
    default="table",
    help="how to print the result: DuckDB's boxed table (cut to the terminal's width), CSV, "
    "JSON records or Markdown",
)
@click.option(
    "--max-rows",
    metavar="N",
    type=int,
    default=40,
    help="rows the table shows (the first and last, and how many are left out)",
)
@click.option(
    "--csv",
    metavar="FILE",
    type=PATH,
    help="write the result to this CSV file (text starting with =, +, -, @, tab or CR gets a leading ')",
)
@click.option("--parquet", metavar="FILE", type=PATH, help="write the result to this Parquet file")
def sql(statement: str, output: str, max_rows: int, csv: Path | None, parquet: Path | None) -> None:
    """Query the published warehouse, read-only (the lake, when JOINEDUP_LAKE names one).

    SQL is a query of the warehouse's own tables (select, with, from, describe, show, summarize,
    explain): no files, settings or extensions, and nothing changes. The result is printed (a table,
    CSV, JSON or Markdown) or written to CSV or Parquet files.
    """
    import duckdb

    from pipelines.analyst import RefusedStatement, locked_query

    if max_rows < 0:
        raise click.BadParameter(f"{max_rows} rows: give 0 or more", param_hint="--max-rows")
    errors: list[type[Exception]] = [duckdb.Error, RefusedStatement, OSError]
    if csv or parquet or output == "csv":
        import polars as pl

        errors.append(pl.exceptions.PolarsError)
    with (
        _failing_in_one_line("sql", *errors),
        locked_query(_published_source(_settings()), statement) as result,
    ):
        if csv or parquet:
            printed = _write_files(result, csv, parquet)
        elif output == "table":
            from pipelines.sql_output import table

            printed = table(result, width=shutil.get_terminal_size().columns, max_rows=max_rows)
        else:
            from pipelines.sql_output import FORMATS

            printed = FORMATS[output](result)
    click.echo(printed, nl=False)


def _write_files(result: duckdb.DuckDBPyRelation, csv: Path | None, parquet: Path | None) -> str:
    """Write the result to the files asked for; return what to say about it."""
    from assets.spreadsheet_csv import write_spreadsheet_csv

    frame = result.pl()
    if csv:
        write_spreadsheet_csv(frame, csv)
    if parquet:
        frame.write_parquet(parquet)
    return f"{frame.height} row(s) written\n"


@app.command()
@click.argument("folder", type=PATH)
def export(folder: Path) -> None:
    """Export every published mart to Parquet, for other tools.

    FOLDER receives one Parquet file per mart, read through the same locked door as `joinedup sql`.
    """
    import duckdb
    import polars as pl

    from pipelines.analyst import export_marts

    with _failing_in_one_line("export", duckdb.Error, pl.exceptions.PolarsError, OSError):
        files = export_marts(_published(_settings().warehouse), folder)
    click.echo(f"{len(files)} mart(s) written to {folder}")


@app.command()
@click.option(
    "--write",
    is_flag=True,
    help="generate the contract and the marts' suites again from the marts' .yml files",
)
def contract(write: bool) -> None:
    """Check the published warehouse against its contract.

    The contract is docs/warehouse-contract.yml: every published table with its grain, every column
    with its type. It is generated from the marts' .yml files (dbt_like_sql/marts), as are the grain
    and accepted-values rules that open the marts' suites (expectations/mart_*.json): --write writes
    both again after a .yml changes.
    """
    import duckdb
    import yaml

    from assets.project_files import PROJECT_EXPECTATIONS_DIR, PROJECT_ROOT, SQL_DIR
    from pipelines.analyst import contract_differences

    settings, file = _settings(), PROJECT_ROOT / "docs" / "warehouse-contract.yml"
    if write:
        from assets.models.published_contract import contract_text
        from assets.validate.mart_suites import mart_suite_texts

        with _failing_in_one_line("contract", ValueError, yaml.YAMLError, OSError):
            texts = {file: contract_text(SQL_DIR)} | mart_suite_texts(
                SQL_DIR / "marts", PROJECT_EXPECTATIONS_DIR
            )
            for path, text in texts.items():
                path.write_text(text, encoding="utf-8")
        click.echo(
            f"{file} and {len(texts) - 1} mart suite(s) in {PROJECT_EXPECTATIONS_DIR} written "
            f"from {SQL_DIR / 'marts'}"
        )
        return
    with _failing_in_one_line("contract", duckdb.Error, yaml.YAMLError, OSError):
        differences = contract_differences(_published(settings.warehouse), file)
    for line in differences:
        click.echo(line)
    if differences:
        raise SystemExit(1)
    click.echo("the published warehouse keeps its contract")


@app.command()
@click.option("--yes", "-y", is_flag=True, help="roll back without asking")
@click.option("--dry-run", is_flag=True, help="say what would change, change nothing")
def rollback(yes: bool, dry_run: bool) -> None:
    """Put back the previous publication: warehouse and scorecards.

    The working database goes back to it too, so the next run reads the files received since then
    again: take a bad file out of the inbox first. Says what would change and asks first.
    """
    import duckdb

    from pipelines.rollback import roll_back_publication
    from pipelines.rollback_plan import plan_lines, rollback_plan

    settings = _settings()
    with _failing_in_one_line("rollback", duckdb.Error, OSError, LookupError):
        for line in plan_lines(rollback_plan(settings)):
            click.echo(line)
        if dry_run or not (yes or click.confirm("roll back?")):
            click.echo("nothing changed")
            return
        restored = roll_back_publication(settings)
    click.echo(f"restored {restored.name} as {settings.warehouse}; scorecards re-published")


app.add_command(inbox)  # added last, so that the help lists it last
