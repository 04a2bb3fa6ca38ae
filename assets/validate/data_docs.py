"""Great Expectations Data Docs for the latest validation results, built into a folder that works offline."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Sequence
from html import escape
from pathlib import Path

from assets.validate.records import StoredResult
from pipelines.settings import EXPECTATIONS_DIR

SITE = "joinedup"
# GE's page templates load Bootstrap, jQuery, Vega and Font Awesome from CDNs, its logo from S3 (in an
# <img> and in a CSS background) and end in a newsletter footer; a page read offline gets none of the
# assets. Every script (GE's inline ones need jQuery), link, remote image and background and the footer
# are taken out; GE's own stylesheet is inlined in each page already, and this one keeps the tables
# legible without Bootstrap.
OFFLINE_STYLE = """<style>
body { font-family: system-ui, sans-serif; margin: 1rem 2rem; color: #1d1d1d; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { border: 1px solid #bbb; padding: 0.2rem 0.5rem; text-align: left; vertical-align: top; }
.text-danger, .failed { color: #a4001d; } .text-success, .passed { color: #1b6b2f; }
.warnings-only { color: #7a4d00; }
.ge-walkthrough-modal, .modal, .navbar, .cooltip .top { display: none; }
.fa-check-circle::before { content: "\\2713 passed"; } .fa-times::before { content: "\\2717 failed"; }
</style>"""
REMOVED = [
    re.compile(r"<script\b[^>]*>.*?</script>", re.S | re.I),
    re.compile(r"<footer\b[^>]*>.*?</footer>", re.S | re.I),
    re.compile(r"<link\b[^>]*>", re.I),
    re.compile(r"<img\b[^>]*src=\"https?://[^>]*>", re.S | re.I),
]
REMOTE_BACKGROUND = re.compile(r"url\(['\"]?https?://[^)]*\)", re.I)
INDEX_HEAD = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Data quality: validation results</title>
{style}</head><body>
<h1>Data quality: the latest validation results</h1>
<p>Each row is one Great Expectations suite run over one table, as the
last pipeline run left it. Rules of severity ERROR hold rows back or stop publication; WARN rules
are shown. Each suite's name leads to its expectations; each result to what failed and a sample of
the values that failed.</p>
<table><thead><tr><th>Suite</th><th>Table</th><th>Validated at</th><th>Expectations</th>
<th>Failed</th><th>Result</th></tr></thead><tbody>
"""


def _context(folder: Path):
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.add_data_docs_site(SITE, {
        "class_name": "SiteBuilder",
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(folder)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder", "show_cta_footer": False},
    })
    return context


def _identifier(stored: StoredResult):
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    return ValidationResultIdentifier(
        ExpectationSuiteIdentifier(name=stored.suite),
        RunIdentifier(run_name=stored.run_id or "unnamed run", run_time=stored.validated_at),
        f"{stored.target_table}-{stored.chunk + 1}")


def page_path(stored: StoredResult) -> str:
    """Return where, relative to the Data Docs folder, the page of one stored result is written."""
    return "validations/" + "/".join(_identifier(stored).to_tuple()) + ".html"


def make_offline(folder: Path) -> None:
    """Strip every script, link, remote image and background and the footer from the pages under `folder`."""
    for page in folder.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for pattern in REMOVED:
            html = pattern.sub("", html)
        html = REMOTE_BACKGROUND.sub("none", html)
        page.write_text(html.replace("</head>", OFFLINE_STYLE + "</head>", 1), encoding="utf-8")


def result_outcome(result: dict) -> str:
    """Return 'passed', 'warnings only' (every expectation that failed is WARN) or 'failed'."""
    if result["success"]:
        return "passed"
    failed = [r for r in result["results"] if not r["success"]]
    warnings = all(r["expectation_config"].get("severity") == "warning" for r in failed)
    return "warnings only" if warnings else "failed"


def _index(results: Sequence[StoredResult]) -> str:
    rows = []
    for stored in results:
        statistics = stored.result["statistics"]
        outcome = result_outcome(stored.result)
        rows.append(
            f'<tr><td><a href="expectations/{escape(stored.suite)}.html">{escape(stored.suite)}</a></td>'
            f"<td>{escape(stored.target_table)}{f' (chunk {stored.chunk + 1})' if stored.chunk else ''}</td>"
            f"<td>{stored.validated_at:%Y-%m-%d %H:%M}</td>"
            f"<td>{statistics['evaluated_expectations']}</td>"
            f"<td>{statistics['unsuccessful_expectations']}</td>"
            f'<td class="{outcome.replace(" ", "-")}"><a href="{escape(page_path(stored))}">'
            f'{outcome}</a></td></tr>\n')
    return INDEX_HEAD.format(style=OFFLINE_STYLE) + "".join(rows) + "</tbody></table></body></html>\n"


def build_data_docs(results: Sequence[StoredResult], folder: Path) -> Path:
    """Build Data Docs for `results` (see `records.latest_results`) into `folder`; return its index.html.

    The folder gets GE's page per result and per suite, without scripts or remote assets, and an index
    of plain HTML (GE's own index is drawn by scripts from a CDN, so it would be empty offline).
    """
    import great_expectations as gx
    from great_expectations.core.expectation_validation_result import (
        expectationSuiteValidationResultSchema,
    )

    folder.mkdir(parents=True, exist_ok=True)
    context = _context(folder)
    for suite in sorted({r.suite for r in results}):
        spec = json.loads((EXPECTATIONS_DIR / f"{suite}.json").read_text())
        context.suites.add(gx.ExpectationSuite(**spec))
    for stored in results:
        context.validation_results_store.set(
            _identifier(stored), expectationSuiteValidationResultSchema.load(stored.result))
    context.build_data_docs(site_names=[SITE])
    # GE's static folder (brand fonts, animated help images: about 8 MB) is only linked from the pages,
    # and every link goes; its stylesheet is inlined in each page
    shutil.rmtree(folder / "static", ignore_errors=True)
    make_offline(folder)
    index = folder / "index.html"
    index.write_text(_index(results), encoding="utf-8")
    return index
