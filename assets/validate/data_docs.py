"""Great Expectations Data Docs for the latest validation results, built into a folder that works offline.

A build renders only the pages whose inputs changed since the previous build (the last publication's
folder): every other page is copied from there, as rendering it again would give the same page.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from importlib.metadata import version
from pathlib import Path

from assets.validate.records import StoredResult

SITE = "joinedup"
# beside the pages: what each was built from, so that the next build carries over those unchanged
MANIFEST = "pages.json"
DATA_DOCS_PAGE = "data-quality/index.html"  # where the site publishes the Data Docs index
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
nav.site-nav ul { display: flex; flex-wrap: wrap; gap: 0.25rem 1.5rem; list-style: none; padding: 0; }
nav.site-nav a { color: #005a9c; }
</style>"""
REMOVED = [
    re.compile(r"<script\b[^>]*>.*?</script>", re.S | re.I),
    re.compile(r"<footer\b[^>]*>.*?</footer>", re.S | re.I),
    re.compile(r"<link\b[^>]*>", re.I),
    re.compile(r"<img\b[^>]*src=\"https?://[^>]*>", re.S | re.I),
]
BODY = re.compile(r"<body\b[^>]*>", re.I)
REMOTE_BACKGROUND = re.compile(r"url\(['\"]?https?://[^)]*\)", re.I)
# suites on partner rows hold the rows that break an ERROR rule back and publish the rest
HOLDS_ROWS_BACK = "raw."
INDEX_HEAD = """<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Validation results · Joint services scorecard</title>
<link rel="stylesheet" href="../assets/style.css"></head><body>
{navigation}
<header class="site-header"><h1>Validation results</h1>
<p class="lede">Each row is one set of validation rules (a Great Expectations suite) run over one table,
as the last run left it. Rules on partners' rows hold back the rows that break them and publish the
rest: such a suite reads <strong>rows held back</strong>, and the data-quality page lists the rows.
Rules on the published tables stop publication when they fail. Rules marked as warnings are shown and
hold nothing back. Each suite's name leads to its rules; each result to what failed, with a sample of
the values. When the partnership's areas are validated one by one, a suite's results on partners' rows
are one row: rules broken in any area, the worst result, and under Areas each area that broke a rule
with how many, and every area's own result.</p></header>
<main id="main"><div class="table-scroll"><table class="validation-results">
<thead><tr><th scope="col">Suite</th><th scope="col">Table</th><th scope="col">Validated at</th>
<th scope="col" class="num">Rules</th><th scope="col" class="num">Rules broken</th>
<th scope="col">Result</th></tr></thead><tbody>
"""
# validated area by area, a suite's results are one row with its areas in a column of their own
AREAS_HEAD = (
    '<th scope="col">Result</th></tr>',
    '<th scope="col">Result</th><th scope="col">Areas</th></tr>',
)
INDEX_TAIL = """</tbody></table></div></main>
<footer class="site-footer"><p>Written by Great Expectations from the latest validation results.</p>
</footer></body></html>
"""
OUTCOME_STYLE = {"passed": "flag-ok", "warnings only": "flag", "rows held back": "flag", "failed": "dq-flag"}


def site_navigation(navigation: Mapping[str, str], root: str, current: str | None) -> str:
    """The scorecards' navigation bar for a page `root` below the site (each link made relative)."""
    current_page = ' aria-current="page"'
    links = "".join(
        f'<li><a href="{escape(root + file)}"{current_page if file == current else ""}>'
        f"{escape(label)}</a></li>"
        for file, label in navigation.items()
    )
    return f'<nav class="site-nav" aria-label="Scorecard pages"><ul>{links}</ul></nav>'


def import_builder() -> None:
    """Import what building the Data Docs needs (Great Expectations: about 3 s), ahead of the results."""
    import great_expectations  # noqa: F401
    from great_expectations.core.expectation_validation_result import (  # noqa: F401
        expectationSuiteValidationResultSchema,
    )
    from great_expectations.core.run_identifier import RunIdentifier  # noqa: F401
    from great_expectations.data_context.types.resource_identifiers import (  # noqa: F401
        ValidationResultIdentifier,
    )


def _context(folder: Path):
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.add_data_docs_site(
        SITE,
        {
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(folder)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder", "show_cta_footer": False},
        },
    )
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
        f"{stored.target_table}-{stored.chunk + 1}",
    )


def page_path(stored: StoredResult) -> str:
    """Return where, relative to the Data Docs folder, the page of one stored result is written."""
    return "validations/" + "/".join(_identifier(stored).to_tuple()) + ".html"


def make_offline(folder: Path, pages: Collection[str], navigation: Mapping[str, str] | None = None) -> None:
    """Strip every script, link, remote image and background and the footer from `pages` (paths relative
    to `folder`); with `navigation` (the site's pages, `folder` being the site's `data-quality/`), put the
    site's navigation bar at the top of each. A page Great Expectations failed to render (it logs why) is
    not there to rewrite."""
    for name in pages:
        page = folder / name
        if not page.is_file():
            continue
        html = page.read_text(encoding="utf-8")
        for pattern in REMOVED:
            html = pattern.sub("", html)
        html = REMOTE_BACKGROUND.sub("none", html)
        html = html.replace("</head>", OFFLINE_STYLE + "</head>", 1)
        if navigation:
            bar = site_navigation(navigation, "../" * len(Path(name).parts), None)
            if body := BODY.search(html):
                html = html[: body.end()] + bar + html[body.end() :]
        page.write_text(html, encoding="utf-8")


def result_outcome(result: dict, holds_rows_back: bool = False) -> str:
    """Return 'passed', 'warnings only' (every expectation that failed is WARN), 'rows held back' (an ERROR
    rule failed on a suite that quarantines the rows breaking it and publishes the rest) or 'failed'."""
    if result["success"]:
        return "passed"
    failed = [r for r in result["results"] if not r["success"]]
    if all(r["expectation_config"].get("severity") == "warning" for r in failed):
        return "warnings only"
    return "rows held back" if holds_rows_back else "failed"


def _rule(outcome: dict) -> str:
    """Return what identifies an expectation across results: its id, or its type and arguments."""
    config = outcome["expectation_config"]
    kwargs = {k: v for k, v in config.get("kwargs", {}).items() if k != "batch_id"}
    return config.get("id") or json.dumps([config.get("type"), kwargs], sort_keys=True, default=str)


def _outcome(stored: StoredResult) -> str:
    return result_outcome(stored.result, stored.target_table.startswith(HOLDS_ROWS_BACK))


def _result_cell(outcome: str, href: str) -> str:
    return (
        f'<td class="{outcome.replace(" ", "-")}"><a class="{OUTCOME_STYLE[outcome]}" '
        f'href="{escape(href)}">{outcome}</a></td>'
    )


def _suite_cells(stored: StoredResult, table: str, validated_at: str, rules: int, broken: int) -> str:
    return (
        f'<th scope="row"><a href="expectations/{escape(stored.suite)}.html">{escape(stored.suite)}'
        f"</a></th><td>{table}</td><td>{validated_at}</td>"
        f'<td class="num">{rules}</td><td class="num">{broken}</td>'
    )


def _result_row(stored: StoredResult, with_areas: bool) -> str:
    """One result of a table validated whole: a row per chunk."""
    statistics = stored.result["statistics"]
    table = escape(stored.target_table) + (f" (chunk {stored.chunk + 1})" if stored.chunk else "")
    return (
        "<tr>"
        + _suite_cells(
            stored,
            table,
            f"{stored.validated_at:%Y-%m-%d %H:%M}",
            statistics["evaluated_expectations"],
            statistics["unsuccessful_expectations"],
        )
        + _result_cell(_outcome(stored), page_path(stored))
        + ("<td>—</td>" if with_areas else "")
        + "</tr>\n"
    )


def _areas_row(results: list[StoredResult]) -> str:
    """The results of one suite on one table in every area, combined: the latest time, the suite's rules,
    the rules broken in any area, the worst outcome; each area that broke a rule named with how many, and
    every area's result (each chunk's) a link to its page."""
    areas: dict[str, list[StoredResult]] = {}
    for stored in results:
        areas.setdefault(str(stored.area), []).append(stored)
    broken_in = {
        area: {_rule(r) for stored in found for r in stored.result["results"] if not r["success"]}
        for area, found in areas.items()
    }
    worst = max((_outcome(stored) for stored in results), key=list(OUTCOME_STYLE).index)
    breaking = [area for area in areas if broken_in[area]]
    named = ", ".join(f"{escape(area)} ({len(broken_in[area])})" for area in breaking)
    summary = f"{len(areas)} area{'s' if len(areas) != 1 else ''}" + (
        f"; rules broken in {len(breaking)}: {named}, {sum(len(broken_in[a]) for a in breaking)} in all"
        if breaking
        else ", no rule broken"
    )
    items = "".join(
        f'<li><a href="{escape(page_path(stored))}">{escape(area)}'
        f"{f' (chunk {stored.chunk + 1})' if stored.chunk else ''}</a>: {_outcome(stored)}, "
        f"{stored.result['statistics']['unsuccessful_expectations']} of "
        f"{stored.result['statistics']['evaluated_expectations']} rules broken</li>"
        for area, found in areas.items()
        for stored in found
    )
    first = results[0]
    return (
        "<tr>"
        + _suite_cells(
            first,
            escape(first.target_table),
            f"{max(stored.validated_at for stored in results):%Y-%m-%d %H:%M}",
            max(stored.result["statistics"]["evaluated_expectations"] for stored in results),
            len(set().union(*broken_in.values())),
        )
        + f'<td class="{worst.replace(" ", "-")}"><span class="{OUTCOME_STYLE[worst]}">{worst}</span></td>'
        + f"<td><details><summary>{summary}</summary><ul>{items}</ul></details></td></tr>\n"
    )


def index_rows(results: Sequence[StoredResult]) -> list[str]:
    """Return the rows of the Data Docs' index: one per result (a row per chunk) of a table validated
    whole; for a table validated area by area (area partitions), one per suite, the areas combined."""
    with_areas = any(stored.area is not None for stored in results)
    grouped: dict[tuple[str, str], list[StoredResult]] = {}
    for stored in results:
        grouped.setdefault((stored.suite, stored.target_table), []).append(stored)
    rows = []
    for group in grouped.values():
        rows += [_result_row(stored, with_areas) for stored in group if stored.area is None]
        if by_area := [stored for stored in group if stored.area is not None]:
            rows.append(_areas_row(by_area))
    return rows


def _index(results: Sequence[StoredResult], navigation: Mapping[str, str]) -> str:
    head = INDEX_HEAD.format(navigation=site_navigation(navigation, "../", DATA_DOCS_PAGE))
    if any(stored.area is not None for stored in results):
        head = head.replace(AREAS_HEAD[0], AREAS_HEAD[1])
    return head + "".join(index_rows(results)) + INDEX_TAIL


@dataclass(frozen=True)
class DataDocsBuilt:
    """The Data Docs built into a folder: its index, and its pages (paths relative to the folder) rendered
    by Great Expectations or carried over unchanged from the previous build."""

    index: Path
    rendered: tuple[str, ...]
    carried: tuple[str, ...]


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _build_format(navigation: Mapping[str, str]) -> str:
    """What every page is built with beside its own input: Great Expectations' version, this module (its
    offline rewriting) and the site's navigation. A page built with another is rendered again."""
    module = Path(__file__).read_text(encoding="utf-8")
    return _digest(version("great_expectations"), module, json.dumps(navigation, sort_keys=True))


def page_inputs(results: Sequence[StoredResult], expectations_dir: Path) -> dict[str, str]:
    """Return every page of the Data Docs of `results` but the index (its path relative to the folder)
    with a digest of what it is rendered from: a suite's page from its rules, a result's from the result
    (its path names the suite, run and table)."""
    pages = {
        f"expectations/{suite}.html": _digest(
            (expectations_dir / f"{suite}.json").read_text(encoding="utf-8")
        )
        for suite in sorted({stored.suite for stored in results})
    }
    for stored in results:
        pages[page_path(stored)] = _digest(json.dumps(stored.result, sort_keys=True))
    return pages


def _built_before(previous: Path | None, build_format: str) -> dict[str, str]:
    """Return the pages of the build in `previous` with their digests, if it was built the same way."""
    if previous is None:
        return {}
    try:
        manifest = json.loads((previous / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # no build there, or one from before manifests
        return {}
    return manifest["pages"] if manifest.get("format") == build_format else {}


def _render(
    results: Sequence[StoredResult], suites: Collection[str], folder: Path, expectations_dir: Path
) -> None:
    """Have Great Expectations write the pages of `results` and of `suites` (and only those) into `folder`."""
    import great_expectations as gx

    context = _context(folder)
    for suite in sorted(suites):
        spec = json.loads((expectations_dir / f"{suite}.json").read_text(encoding="utf-8"))
        context.suites.add(gx.ExpectationSuite(**spec))
    # each result is stored as the JSON Great Expectations keeps it in (the audit trail holds it in that
    # shape already), rather than loaded into its objects and serialised again: the page renderer loads it
    store = context.validation_results_store
    for stored in results:
        store.store_backend.set(store.key_to_tuple(_identifier(stored)), json.dumps(stored.result))
    # GE's own index is drawn by scripts from a CDN: the folder gets one of ours instead
    context.build_data_docs(site_names=[SITE], build_index=False)
    # GE's static folder (brand fonts, animated help images: about 8 MB) is only linked from the pages,
    # and every link goes; its stylesheet is inlined in each page
    shutil.rmtree(folder / "static", ignore_errors=True)


def build_data_docs(
    results: Sequence[StoredResult],
    folder: Path,
    expectations_dir: Path,
    navigation: Mapping[str, str] | None = None,
    previous: Path | None = None,
) -> DataDocsBuilt:
    """Build Data Docs for `results` (see `records.latest_results`), whose suites are in
    `expectations_dir`, into `folder`.

    The folder gets GE's page per result and per suite, without scripts or remote assets, and an index
    in the scorecards' style (GE's own index is drawn by scripts from a CDN, so it would be empty
    offline). `navigation` is the site's pages by file and title, when `folder` is the site's
    `data-quality/`. With `previous` (the folder of an earlier build, say the last publication's), a page
    built there from the same input, the same way, is copied rather than rendered.
    """
    navigation = navigation or {}
    folder.mkdir(parents=True, exist_ok=True)
    build_format = _build_format(navigation)
    pages = page_inputs(results, expectations_dir)
    before = _built_before(previous, build_format)
    carried: tuple[str, ...] = ()
    if previous is not None:
        carried = tuple(
            page
            for page, digest in pages.items()
            if before.get(page) == digest and (previous / page).is_file()
        )
        for page in carried:
            (folder / page).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(previous / page, folder / page)
    to_render = set(pages).difference(carried)
    rendered = tuple(page for page in pages if page in to_render)
    if rendered:
        _render(
            [stored for stored in results if page_path(stored) in to_render],
            {stored.suite for stored in results if f"expectations/{stored.suite}.html" in to_render},
            folder,
            expectations_dir,
        )
        make_offline(folder, rendered, navigation)
    index = folder / "index.html"
    index.write_text(_index(results, navigation), encoding="utf-8")
    # written last: a build stopped half-way leaves no manifest, and the next renders every page
    (folder / MANIFEST).write_text(json.dumps({"format": build_format, "pages": pages}, indent=1), "utf-8")
    return DataDocsBuilt(index, rendered, carried)
