"""The `joinedup` command: make demo data, run the pipeline, say where the outputs are."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pipelines.scenarios import ScenarioError, write_suites

if TYPE_CHECKING:
    from pipelines.run import RunReport
    from pipelines.settings import Settings

app = typer.Typer(help="joinedup: performance-target monitoring for joint public services.",
                  no_args_is_help=True)
inbox = typer.Typer(help="What partners sent and what became of it.", no_args_is_help=True)
app.add_typer(inbox, name="inbox")


def _settings():
    """Return the settings (imported here, so that `run --scenario` can choose them before any import)."""
    from pipelines.settings import Settings

    return Settings.from_env()


def _prepare_scenario():
    """Return the settings, writing the scenario's suites first when it relaxes rules of the project's."""
    import pipelines.settings as configured

    scenario = configured.current_scenario()
    if scenario and scenario.relax and "JOINEDUP_EXPECTATIONS_DIR" not in os.environ:
        target = configured.scenario_suites_dir(scenario)
        if target != configured.EXPECTATIONS_DIR:
            raise ScenarioError(f"{scenario.name} validates with its own suites, chosen when the process "
                                "starts: run it as `joinedup run --scenario NAME` or with "
                                "JOINEDUP_SCENARIO set")
        write_suites(scenario, configured.PROJECT_EXPECTATIONS_DIR, target)
    return configured.Settings.from_env()


@app.command("demo-data")
def demo_data(
    scale: Annotated[str, typer.Option(help="small (3 areas), medium (12), national (100), backlog "
                                            "(100, one file per partner and type) or x10 (1,000)")]
    = "small",
    seed: Annotated[int, typer.Option(help="random seed")] = 7,
    out: Annotated[Path | None, typer.Option(help="folder for inbox/, reference/ and "
                                                   "demo_truth.json (default: beside the inbox)")]
    = None,
) -> None:
    """Write a demo drop folder of partner submissions with planted truths and faults."""
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
    try:
        truth = generate_demo(target, scale=scale, seed=seed)
    except FileExistsError as exc:
        raise typer.BadParameter(f"{exc}; run `make clean` first, or give --out another folder") from exc
    totals = ", ".join(f"{kind} {n}" for kind, n in truth["totals"]["files"].items())
    typer.echo(f"demo data ({scale}, seed {seed}) written to {target / 'inbox'}: files {totals}")
    typer.echo(f"planted truths and faults: {target / 'demo_truth.json'}")


@app.command()
def run(
    scenario: Annotated[str | None, typer.Option(help="run a scenario from scenarios/ (e.g. nhs-england) "
                                                      "into its own warehouse and site")] = None,
    inbox: Annotated[Path | None, typer.Option(help="read submissions from this folder instead")] = None,
) -> None:
    """Run the nightly job once, in this process, and report what happened."""
    if scenario:
        os.environ["JOINEDUP_SCENARIO"] = scenario
    if inbox:
        os.environ["JOINEDUP_INBOX"] = str(inbox.resolve())
    try:
        settings = _prepare_scenario()
    except ScenarioError as exc:
        raise typer.BadParameter(str(exc)) from exc
    from pipelines.run import run_nightly

    _report(settings, run_nightly(settings))


@app.command()
def backfill(
    first: Annotated[str, typer.Argument(help="first month to validate again, YYYY-MM")],
    last: Annotated[str | None, typer.Argument(help="last month (default: the first)")] = None,
) -> None:
    """Validate every row of a range of months again (after a rules or reference change), then publish."""
    from assets.partitions import MONTHS
    from pipelines.run import run_nightly

    last = last or first
    keys = MONTHS.get_partition_keys()
    for month in (first, last):
        if month not in keys:
            raise typer.BadParameter(f"{month} is not a month we hold: give YYYY-MM from {keys[0]} "
                                     f"to {keys[-1]}")
    if last < first:
        raise typer.BadParameter(f"{last} comes before {first}")
    try:
        settings = _prepare_scenario()
    except ScenarioError as exc:
        raise typer.BadParameter(str(exc)) from exc
    _report(settings, run_nightly(settings, [first, last]))


def _report(settings: Settings, report: RunReport) -> None:
    """Print what a run did and exit non-zero when it failed."""
    from assets.ingest.inbox import SETTLE_SECONDS

    typer.echo(f"run {report.run_id}: {'succeeded' if report.success else 'FAILED'}")
    typer.echo(f"  months validated: {report.months[0]} to {report.months[-1]} ({len(report.months)} with "
               "figures)" if report.months
               else "  no month due: the marts were rebuilt and published without validating a month")
    for row in report.files.iter_rows(named=True):
        typer.echo(f"  {row['submission_type']:<10} {row['files']:>5} new file(s) "
                   f"({row['files_rejected']} rejected): {row['rows_received'] or 0} rows received, "
                   f"{row['rows_loaded'] or 0} loaded, {row['rows_quarantined'] or 0} quarantined")
    if report.files.is_empty():
        typer.echo("  no new partner files")
    if report.files_waiting:
        typer.echo(f"  {len(report.files_waiting)} file(s) still being written (changed in the last "
                   f"{SETTLE_SECONDS} s), left for the next run: {', '.join(report.files_waiting)}")
    for row in report.findings_by_rule.iter_rows(named=True):
        typer.echo(f"  {row['action']}: {row['submission_type']} rows breaking rule "
                   f"{row['rule']}: {row['findings']}")
    if report.findings_by_rule.height:
        typer.echo("  details (file, row, column, rule, value): audit.quarantine, audit.warnings")
    for failed in report.failed_checks:
        if failed.severity == "ERROR":
            typer.echo(f"  CHECK FAILED: {failed.asset} {failed.check}: publishing stopped; "
                       + (failed.description or "the files and rows are in the check's metadata in "
                                                "the Dagster UI (make dev)"))
    for step in report.failed_steps:
        typer.echo(f"  STEP FAILED: {step.step}: {step.message}")
    if not report.success:
        typer.echo("  yesterday's warehouse and scorecards stay published; once the cause is put right, "
                   "run again (make run)")
    typer.echo(f"warehouse: {settings.warehouse}")
    typer.echo(f"scorecards: {settings.site_dir / 'index.html'}")
    if not report.success:
        raise typer.Exit(code=1)


@inbox.command("report")
def inbox_report(
    run_id: Annotated[str | None, typer.Option("--run", help="run id (default: the latest run)")] = None,
    all_runs: Annotated[bool, typer.Option("--all", help="every file ever received")] = False,
    partner: Annotated[str | None, typer.Option(help="one partner's code")] = None,
) -> None:
    """Print, per partner, the files received, rows loaded and held back (with why), and files rejected."""
    import duckdb

    from pipelines.inbox_report import inbox_report as report
    from pipelines.inbox_report import latest_run

    settings = _settings()
    database = settings.build_database if settings.build_database.exists() else settings.warehouse
    if not database.exists():
        raise typer.BadParameter(f"no warehouse at {database}: run `joinedup run` first")
    with duckdb.connect(str(database), read_only=True) as con:
        chosen = None if all_runs else run_id or latest_run(con)
        typer.echo(report(con, chosen, partner.upper() if partner else None))


@app.command("board-pack")
def board_pack(
    services: Annotated[list[str], typer.Argument(help="service codes, in the order to print")],
    out: Annotated[Path, typer.Option(help="the PDF to write")] = Path("board-pack.pdf"),
) -> None:
    """Print chosen services' scorecards to one A4 PDF (headless Chromium)."""
    from pipelines.board_pack import BoardPackError, render_board_pack, service_pages

    settings = _settings()
    try:
        pages = render_board_pack(service_pages(settings.site_dir, settings.warehouse, services), out)
    except BoardPackError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(f"{out}: {pages} A4 page(s) for {len(services)} service(s)")


@app.command()
def sql(
    statement: Annotated[str, typer.Argument(help="SQL on the warehouse's tables (read-only; no files, "
                                                  "settings or extensions)")],
    csv: Annotated[Path | None, typer.Option(help="write the result to this CSV file (text starting "
                                                  "with =, +, -, @, tab or CR gets a leading ')")] = None,
    parquet: Annotated[Path | None, typer.Option(help="write the result to this Parquet file")] = None,
) -> None:
    """Query the published warehouse read-only; print a table or write CSV/Parquet."""
    import duckdb
    import polars as pl

    from pipelines.analyst import RefusedStatement, query
    from pipelines.spreadsheet_csv import write_spreadsheet_csv

    try:
        result = query(_settings().warehouse, statement)
        if csv:
            write_spreadsheet_csv(result, csv)
        if parquet:
            result.write_parquet(parquet)
    except (duckdb.Error, RefusedStatement, pl.exceptions.PolarsError, OSError) as exc:
        typer.echo(f"joinedup sql: {_one_line(exc)}", err=True)
        raise typer.Exit(code=1) from None
    if not (csv or parquet):
        with pl.Config(tbl_rows=50, tbl_cols=20, fmt_str_lengths=60):
            typer.echo(result)
    else:
        typer.echo(f"{result.height} row(s) written")


def _one_line(error: Exception) -> str:
    """Return an error's message on one line, without DuckDB's echo of the statement."""
    message = " ".join(str(error).split("\nLINE ")[0].split())
    if "disabled by configuration" in message or "configuration has been locked" in message:
        message += " (joinedup sql reads the warehouse's own tables and nothing else)"
    return message


@app.command()
def export(folder: Annotated[Path, typer.Argument(help="folder for one Parquet file per mart")]) -> None:
    """Export every published mart to Parquet for people on other tools."""
    from pipelines.analyst import export_marts

    files = export_marts(_settings().warehouse, folder)
    typer.echo(f"{len(files)} mart(s) written to {folder}")


@app.command()
def contract(
    write: Annotated[bool, typer.Option("--write", help="rewrite the contract from the warehouse")] = False,
) -> None:
    """Check the published warehouse against docs/warehouse-contract.yml (or rewrite it)."""
    from pipelines.analyst import contract_differences, write_contract
    from pipelines.settings import PROJECT_ROOT

    settings, file = _settings(), PROJECT_ROOT / "docs" / "warehouse-contract.yml"
    if write:
        write_contract(settings.warehouse, file)
        typer.echo(f"{file} rewritten from {settings.warehouse}")
        return
    differences = contract_differences(settings.warehouse, file)
    for line in differences:
        typer.echo(line)
    if differences:
        raise typer.Exit(code=1)
    typer.echo("the published warehouse keeps its contract")


@app.command()
def rollback() -> None:
    """Put back the previously published warehouse and its scorecards (and the working database).

    The next run reads the files received since then again: take a bad file out of the inbox first.
    """
    from pipelines.rollback import roll_back_publication

    settings = _settings()
    try:
        restored = roll_back_publication(settings)
    except FileNotFoundError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(f"restored {restored.name} as {settings.warehouse}; scorecards re-published")
