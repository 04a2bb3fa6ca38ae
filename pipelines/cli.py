"""The `joinedup` command: make demo data, run the pipeline, say where the outputs are, query the warehouse.

Importing this module imports typer and nothing heavier: each command imports what it needs, so that
`joinedup --help` and `joinedup sql` never load Dagster, Great Expectations or polars (each of which
takes longer to import than the whole of `joinedup sql "select 1"` may).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    import duckdb

    from pipelines.run import RunReport
    from pipelines.settings import Settings

# Plain help, as other command-line tools print it (and without Rich's import, a third of a second).
app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, pretty_exceptions_show_locals=False)
inbox = typer.Typer(help="What partners sent and what became of it.", no_args_is_help=True,
                    rich_markup_mode=None)
app.add_typer(inbox, name="inbox")


class OutputFormat(StrEnum):
    """How `joinedup sql` prints a result."""

    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


def _version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        typer.echo(f"joinedup {version('joinedup')}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print joinedup's version and exit.")] = False,
) -> None:
    """joinedup: performance-target monitoring for joint public services."""


@contextmanager
def _failing_in_one_line(command: str, *errors: type[Exception]) -> Iterator[None]:
    """Turn the errors a person can put right (a missing file, bad SQL) into one line and exit status 1."""
    try:
        yield
    except errors as exc:
        typer.echo(f"joinedup {command}: {_one_line(exc)}", err=True)
        raise typer.Exit(code=1) from None


def _one_line(error: Exception) -> str:
    """Return an error's message on one line, without DuckDB's echo of the statement."""
    message = " ".join(str(error).split("\nLINE ")[0].split())
    if "disabled by configuration" in message or "configuration has been locked" in message:
        message += " (joinedup sql reads the warehouse's own tables and nothing else)"
    return message


def _settings() -> Settings:
    """Return the settings (imported here, so that `run --scenario` can choose them before any import)."""
    from pipelines.scenarios import ScenarioError

    try:
        from pipelines.settings import Settings

        return Settings.from_env()
    except ScenarioError as exc:  # JOINEDUP_SCENARIO names no scenario
        raise typer.BadParameter(str(exc)) from exc


def _published(warehouse: Path) -> Path:
    """Return the published warehouse, or raise FileNotFoundError saying how to get one."""
    if not warehouse.exists():
        raise FileNotFoundError(f"no published warehouse at {warehouse}: run `joinedup run` first")
    return warehouse


def _prepare_scenario() -> Settings:
    """Return the settings, writing the scenario's suites first when it relaxes rules of the project's."""
    from pipelines.scenarios import ScenarioError, write_suites

    try:
        import pipelines.settings as configured

        scenario = configured.current_scenario()
        if scenario and scenario.relax and "JOINEDUP_EXPECTATIONS_DIR" not in os.environ:
            target = configured.scenario_suites_dir(scenario)
            if target != configured.EXPECTATIONS_DIR:
                raise ScenarioError(f"{scenario.name} validates with its own suites, chosen when the "
                                    "process starts: run it as `joinedup run --scenario NAME` or with "
                                    "JOINEDUP_SCENARIO set")
            write_suites(scenario, configured.PROJECT_EXPECTATIONS_DIR, target)
    except ScenarioError as exc:
        raise typer.BadParameter(str(exc)) from exc
    return configured.Settings.from_env()


@app.command("demo-data")
def demo_data(
    scale: Annotated[str, typer.Option(metavar="SCALE", help="small (3 areas), medium (12), national "
                                       "(100), backlog (100, one file per partner and type) or x10 "
                                       "(1,000)")] = "small",
    seed: Annotated[int, typer.Option(metavar="N", help="random seed")] = 7,
    out: Annotated[Path | None, typer.Option(metavar="FOLDER", help="folder for inbox/, reference/ and "
                                             "demo_truth.json (default: beside the inbox)")] = None,
) -> None:
    """Write demo partner files with planted truths and faults."""
    import json

    from pipelines.demo.submissions import generate_demo

    target = out or _settings().inbox.parent
    manifest = target / "demo_truth.json"
    if manifest.exists():
        previous = json.loads(manifest.read_text())
        if (previous["scale"], previous["seed"]) == (scale, seed):
            typer.echo(f"demo data ({scale}, seed {seed}) already in {target / 'inbox'}")
            return
        raise typer.BadParameter(
            f"{target / 'inbox'} holds the {previous['scale']} demo (seed {previous['seed']}); "
            "run `make clean` first, or give --out another folder")
    with _failing_in_one_line("demo-data", OSError):
        try:
            truth = generate_demo(target, scale=scale, seed=seed)
        except FileExistsError as exc:
            raise typer.BadParameter(f"{exc}; run `make clean` first, or give --out another folder") \
                from exc
    totals = ", ".join(f"{kind} {n}" for kind, n in truth["totals"]["files"].items())
    typer.echo(f"demo data ({scale}, seed {seed}) written to {target / 'inbox'}: files {totals}")
    typer.echo(f"planted truths and faults: {target / 'demo_truth.json'}")


JSON_HELP = "print the run's summary as JSON (for scripts) instead of lines"
PROGRESS_HELP = "show progress on stderr (a status line on a terminal, log lines otherwise)"


@app.command()
def run(
    scenario: Annotated[str | None, typer.Option(metavar="NAME", help="run a scenario from scenarios/ "
                                                 "(e.g. nhs-england) into its own warehouse and site")]
    = None,
    inbox: Annotated[Path | None, typer.Option(metavar="FOLDER", help="read submissions from this "
                                               "folder instead")] = None,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
    progress: Annotated[bool, typer.Option(help=PROGRESS_HELP)] = True,
) -> None:
    """Run the nightly job once, in this process, and report it.

    Loads the new files and changed reference tables, validates the months they touch (and months
    validated under older rules), rebuilds what depends on them and publishes.
    """
    if scenario:
        os.environ["JOINEDUP_SCENARIO"] = scenario
    if inbox:
        os.environ["JOINEDUP_INBOX"] = str(inbox.resolve())
    settings = _prepare_scenario()
    if not settings.inbox.is_dir():
        raise typer.BadParameter(f"no inbox folder at {settings.inbox}: give --inbox, set JOINEDUP_INBOX, "
                                 "or write the demo's with `joinedup demo-data`")
    _run_and_report("run", settings, None, as_json, progress)


@app.command()
def backfill(
    first: Annotated[str, typer.Argument(metavar="FIRST", hidden=True)],
    last: Annotated[str | None, typer.Argument(metavar="LAST", hidden=True)] = None,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
    progress: Annotated[bool, typer.Option(help=PROGRESS_HELP)] = True,
) -> None:
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
            where = f"the warehouse holds {held[0]} to {held[-1]}" if held else \
                "the warehouse holds none yet (run `joinedup run` first)"
            raise typer.BadParameter(f"{month} is not a month we hold: {where}; give YYYY-MM")
    if last < first:
        raise typer.BadParameter(f"{last} comes before {first}")
    _run_and_report("backfill", settings, [first, last], as_json, progress)


def _months_held(settings: Settings) -> list[str] | None:
    """Return every month (YYYY-MM) from the first to the last the warehouse has validated, or None."""
    import duckdb

    from assets.partitions import MONTHS

    database = settings.build_database if settings.build_database.exists() else settings.warehouse
    if not database.exists():
        return None
    with _failing_in_one_line("backfill", duckdb.Error), \
            duckdb.connect(str(database), read_only=True) as con:
        try:
            first, last = con.execute("select strftime(min(period_month), '%Y-%m'), "
                                      "strftime(max(period_month), '%Y-%m') "
                                      "from audit.month_validations").fetchone()
        except duckdb.CatalogException:  # a warehouse that has validated nothing yet
            return None
    keys = MONTHS.get_partition_keys()
    return [key for key in keys if first <= key <= last] if first else None


def _run_and_report(command: str, settings: Settings, months: list[str] | None, as_json: bool,
                    show_progress: bool) -> None:
    """Run the nightly job (over `months`, else the months due), then print its summary."""
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
        typer.echo(json.dumps(summary_json(settings, report), indent=2))
    else:
        for line in summary_lines(settings, report):
            typer.echo(line)
    if not report.success:
        raise typer.Exit(code=1)


@inbox.command("report")
def inbox_report(
    run_id: Annotated[str | None, typer.Option("--run", metavar="RUN_ID",
                                               help="run id (default: the latest run)")] = None,
    all_runs: Annotated[bool, typer.Option("--all", help="every file ever received")] = False,
    partner: Annotated[str | None, typer.Option(metavar="CODE", help="one partner's code")] = None,
) -> None:
    """Print per partner the files received, rows held back and why.

    Also lists the files rejected, with the reason: the summary to send back to partners.
    """
    import duckdb

    from pipelines.inbox_report import inbox_report as report
    from pipelines.inbox_report import latest_run

    settings = _settings()
    database = settings.build_database if settings.build_database.exists() else settings.warehouse
    with _failing_in_one_line("inbox report", duckdb.Error, OSError), \
            duckdb.connect(str(_published(database)), read_only=True) as con:
        chosen = None if all_runs else run_id or latest_run(con)
        typer.echo(report(con, chosen, partner.upper() if partner else None))


@app.command("board-pack")
def board_pack(
    services: Annotated[list[str], typer.Argument(metavar="SERVICE", hidden=True)],
    out: Annotated[Path, typer.Option(metavar="FILE", help="the PDF to write")] = Path("board-pack.pdf"),
) -> None:
    """Print a board pack of chosen services to one A4 PDF.

    SERVICE... are service codes, in the order to print. The pack has a cover with its contents, a
    one-page summary, then each service's published page from a fresh page, printed by headless
    Chromium; every footer gives the page number and the data's latest month.
    """
    from pipelines.board_pack import BoardPackError, render_board_pack

    settings = _settings()
    with _failing_in_one_line("board-pack", BoardPackError, OSError):
        pages = render_board_pack(settings.site_dir, settings.warehouse, services, out)
    typer.echo(f"{out}: {pages} A4 page(s) for {len(services)} service(s)")


@app.command()
def sql(
    statement: Annotated[str, typer.Argument(metavar="SQL", hidden=True)],
    output: Annotated[OutputFormat, typer.Option("--format", help="how to print the result: DuckDB's "
                                                 "boxed table (cut to the terminal's width), CSV, JSON "
                                                 "records or Markdown")] = OutputFormat.table,
    max_rows: Annotated[int, typer.Option(metavar="N", help="rows the table shows (the first and last, "
                                          "and how many are left out)")] = 40,
    csv: Annotated[Path | None, typer.Option(metavar="FILE", help="write the result to this CSV file "
                                             "(text starting with =, +, -, @, tab or CR gets a leading ')")]
    = None,
    parquet: Annotated[Path | None, typer.Option(metavar="FILE", help="write the result to this Parquet "
                                                 "file")] = None,
) -> None:
    """Query the published warehouse, read-only.

    SQL is a query of the warehouse's own tables (select, with, from, describe, show, summarize,
    explain): no files, settings or extensions, and nothing changes. The result is printed (a table,
    CSV, JSON or Markdown) or written to CSV or Parquet files.
    """
    import duckdb

    from pipelines.analyst import RefusedStatement, locked_query

    if max_rows < 0:
        raise typer.BadParameter(f"{max_rows} rows: give 0 or more", param_hint="--max-rows")
    errors: list[type[Exception]] = [duckdb.Error, RefusedStatement, OSError]
    if csv or parquet or output is OutputFormat.csv:
        import polars as pl

        errors.append(pl.exceptions.PolarsError)
    with _failing_in_one_line("sql", *errors), \
            locked_query(_published(_settings().warehouse), statement) as result:
        if csv or parquet:
            printed = _write_files(result, csv, parquet)
        elif output is OutputFormat.table:
            from pipelines.sql_output import table

            printed = table(result, width=shutil.get_terminal_size().columns, max_rows=max_rows)
        else:
            from pipelines.sql_output import FORMATS

            printed = FORMATS[output.value](result)
    typer.echo(printed, nl=False)


def _write_files(result: duckdb.DuckDBPyRelation, csv: Path | None, parquet: Path | None) -> str:
    """Write the result to the files asked for; return what to say about it."""
    from pipelines.spreadsheet_csv import write_spreadsheet_csv

    frame = result.pl()
    if csv:
        write_spreadsheet_csv(frame, csv)
    if parquet:
        frame.write_parquet(parquet)
    return f"{frame.height} row(s) written\n"


@app.command()
def export(folder: Annotated[Path, typer.Argument(metavar="FOLDER", hidden=True)]) -> None:
    """Export every published mart to Parquet, for other tools.

    FOLDER receives one Parquet file per mart, read through the same locked door as `joinedup sql`.
    """
    import duckdb
    import polars as pl

    from pipelines.analyst import export_marts

    with _failing_in_one_line("export", duckdb.Error, pl.exceptions.PolarsError, OSError):
        files = export_marts(_published(_settings().warehouse), folder)
    typer.echo(f"{len(files)} mart(s) written to {folder}")


@app.command()
def contract(
    write: Annotated[bool, typer.Option("--write", help="rewrite the contract from the warehouse")] = False,
) -> None:
    """Check the published warehouse against its contract.

    The contract is docs/warehouse-contract.yml: every published table and column, with its type.
    """
    import duckdb
    import yaml

    from pipelines.analyst import contract_differences, write_contract
    from pipelines.settings import PROJECT_ROOT

    settings, file = _settings(), PROJECT_ROOT / "docs" / "warehouse-contract.yml"
    with _failing_in_one_line("contract", duckdb.Error, yaml.YAMLError, OSError):
        warehouse = _published(settings.warehouse)
        if write:
            write_contract(warehouse, file)
            typer.echo(f"{file} rewritten from {warehouse}")
            return
        differences = contract_differences(warehouse, file)
    for line in differences:
        typer.echo(line)
    if differences:
        raise typer.Exit(code=1)
    typer.echo("the published warehouse keeps its contract")


@app.command()
def rollback(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="roll back without asking")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="say what would change, change nothing")]
    = False,
) -> None:
    """Put back the previous publication: warehouse and scorecards.

    The working database goes back to it too, so the next run reads the files received since then
    again: take a bad file out of the inbox first. Says what would change and asks first.
    """
    import duckdb

    from pipelines.rollback import roll_back_publication
    from pipelines.rollback_plan import plan_lines, rollback_plan

    settings = _settings()
    with _failing_in_one_line("rollback", duckdb.Error, OSError):
        for line in plan_lines(rollback_plan(settings)):
            typer.echo(line)
        if dry_run or not (yes or typer.confirm("roll back?")):
            typer.echo("nothing changed")
            return
        restored = roll_back_publication(settings)
    typer.echo(f"restored {restored.name} as {settings.warehouse}; scorecards re-published")
