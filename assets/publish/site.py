"""Render the HTML scorecard site from the marts: index, one page per joint service, reference pages.

The offline Vega script bundle, the chart templates and the compiled page templates are slow to build
and depend only on library and code versions: given a `cache_dir`, they are built once and kept there
(see `build_cache`). Given the previous publication's site, a page whose inputs did not change is
carried over from it with the new publication time (see `page_inputs`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache, partial
from importlib.metadata import version
from pathlib import Path
from typing import Any

import duckdb
import jinja2

from assets.publish.board_rules import BoardRules
from assets.publish.build_cache import cached_text
from assets.publish.changes_summary import publication_summary
from assets.publish.chart_views import chart_templates
from assets.publish.headline import PeerCounts
from assets.publish.index_page import index_context
from assets.publish.index_paths import IndexPaths
from assets.publish.marts import load_marts
from assets.publish.page_inputs import (
    FOOTER_TEMPLATE,
    RECORD,
    PreviousPages,
    code_fingerprint,
    page_digest,
    record_text,
)
from assets.publish.quality import load_quality
from assets.publish.quality_page import OVERDUE_CSV, overdue_csv, quality_page
from assets.publish.reference_pages import definitions_page, dictionary_page
from assets.publish.service_page import ServiceInputs, service_context, shared_inputs
from assets.publish.slugs import file_slugs
from assets.publish.spc_series import load_spc_series
from assets.publish.workforce_panel import findings_by_kind
from assets.validate.data_docs import DATA_DOCS_PAGE

TEMPLATE_DIR = Path(__file__).parent / "templates"
BUNDLE_PATH = Path("assets") / "vega-bundle.js"
STYLE_PATH = Path("assets") / "style.css"
# page file -> its title in the navigation bar
NAVIGATION = {
    "index.html": "All joint services",
    "data-quality.html": "Data quality",
    "definitions.html": "Metric definitions",
    "dictionary.html": "Data dictionary",
    # written by the publish step from Great Expectations' results (assets.validate.data_docs)
    DATA_DOCS_PAGE: "Validation results",
}
# services whose SPC series are held at once while their pages are written: the series are the largest
# part of what a site reads (at 3,000 services, reading every mart at once added 1.1 GB to the run)
SPC_BATCH = 250


def render_site(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    rules: BoardRules,
    cache_dir: Path | None = None,
    previous: Path | None = None,
    generated_at: datetime | None = None,
) -> dict[str, Any]:
    """Write every page and the shared assets under `out_dir`; return counts, bytes and seconds per page.

    `rules` are the partnership's reading rules; `cache_dir` keeps the script bundle and chart templates
    between runs (built in-process without it); `previous` is the previous publication's site, whose
    pages with unchanged inputs are carried over; `generated_at` is the publication time (now if None).
    """
    started = time.perf_counter()
    out_dir = Path(out_dir)
    marts = load_marts(con, spc=False)
    quality = load_quality(con)
    slugs = file_slugs([s["service_code"] for s in marts.services])
    templates = chart_templates(cache_dir)
    loaded = time.perf_counter()
    generated_at = generated_at or datetime.now(UTC).astimezone()
    page = _PageWriter(out_dir, template_environment(cache_dir), generated_at, PreviousPages.read(previous))

    written = page.write_asset(BUNDLE_PATH, javascript_bundle(cache_dir))
    written += page.write_asset(STYLE_PATH, (TEMPLATE_DIR / "style.css").read_text("utf-8"))
    changes = publication_summary(con)
    page(
        "index.html",
        "index.html.j2",
        lambda: index_context(con, marts, quality, slugs, templates, rules, generated_at.date(), changes),
    )
    paths, findings, peers = IndexPaths(marts), findings_by_kind(marts), PeerCounts.of(marts)
    shared = shared_inputs(marts, templates, rules)
    for first in range(0, len(marts.services), SPC_BATCH):
        batch = marts.services[first : first + SPC_BATCH]
        read = marts.with_spc(load_spc_series(con, [s["service_code"] for s in batch]))
        for service in batch:
            inputs = ServiceInputs.of(service, read, quality, paths, peers, findings)
            page(
                f"services/{slugs[service['service_code']]}.html",
                "service.html.j2",
                partial(service_context, inputs, templates, rules),
                inputs.digested(shared),
            )
    for path, script in paths.scripts().items():
        written += page.write_asset(path, script)
    page("data-quality.html", "quality.html.j2", lambda: quality_page(marts, quality))
    written += page.write_asset(Path(OVERDUE_CSV), overdue_csv(quality.overdue))
    page("definitions.html", "definitions.html.j2", definitions_page)
    page("dictionary.html", "dictionary.html.j2", lambda: dictionary_page(con))
    written += page.write_asset(Path(RECORD), record_text(page.footer, page.digests))

    slowest = max(page.seconds, key=lambda name: page.seconds[name])
    return {
        "pages": len(page.seconds),
        "services": len(marts.services),
        "bytes": written + page.bytes,
        "seconds": round(time.perf_counter() - started, 3),
        "read_seconds": round(loaded - started, 3),
        "page_seconds": {name: round(s, 4) for name, s in page.seconds.items()},
        "slowest_page": slowest,
        "rendered": sorted(page.rendered),
        "carried_over": len(page.seconds) - len(page.rendered),
    }


class _PageWriter:
    """Writes pages one by one, each rendered or carried over from `previous` when its inputs are the
    same; times each from reading its figures to writing its file."""

    def __init__(
        self, out_dir: Path, env: jinja2.Environment, generated_at: datetime, previous: PreviousPages | None
    ) -> None:
        self.out_dir = out_dir
        self.env = env
        self.generated_at = generated_at
        self.previous = previous
        self.fingerprint = code_fingerprint(Path(__file__).parent)
        self.footer = env.get_template(FOOTER_TEMPLATE).render(generated_at=generated_at).encode("utf-8")
        self.seconds: dict[str, float] = {}
        self.digests: dict[str, str] = {}
        self.rendered: list[str] = []
        self.bytes = 0

    def __call__(
        self, name: str, template: str, context: Callable[[], dict[str, Any]], inputs: Any = None
    ) -> None:
        """Write page `name`, carried over or rendered from `context()`; its digest covers `inputs` when
        given (what the context is built from: it is then built only to render the page), else the
        context."""
        started = time.perf_counter()
        variables = None
        if inputs is None:
            inputs = variables = _variables(name, context)
        digest = page_digest(self.fingerprint, name, template, inputs)
        if digest is not None:
            self.digests[name] = digest
        data = self.previous.carry_over(name, digest, self.footer) if self.previous else None
        if data is None:
            if variables is None:
                variables = _variables(name, context)
            html = self.env.get_template(template).render(generated_at=self.generated_at, **variables)
            data = html.encode("utf-8")
            self.rendered.append(name)
        self.bytes += _write(self.out_dir / name, data)
        self.seconds[name] = time.perf_counter() - started

    def write_asset(self, path: Path, text: str) -> int:
        """Write a shared file (script, stylesheet) and return its size in bytes."""
        return _write(self.out_dir / path, text.encode("utf-8"))


@cache
def javascript_bundle(cache_dir: Path | None = None) -> str:
    """Vega, Vega-Lite and Vega-Embed as one offline script, matching Altair's Vega-Lite: named by the
    versions of vl-convert and Altair (whose version fixes its Vega-Lite's), so that Altair is imported
    (0.3 s) only to build it."""
    name = f"vega-bundle-vl-convert-{version('vl-convert-python')}-altair-{version('altair')}.js"
    return cached_text(cache_dir, name, _built_bundle)


def _built_bundle() -> str:
    """The script bundle, built by vl-convert for Altair's Vega-Lite (about 9 s)."""
    import altair as alt
    import vl_convert

    major, minor = alt.SCHEMA_VERSION.lstrip("v").split(".")[:2]
    # vl_convert's stubs do not declare the default of javascript_bundle's snippet
    return vl_convert.javascript_bundle(vl_version=f"v{major}_{minor}")  # type: ignore[call-arg]


@cache
class _FiguresEnvironment(jinja2.Environment):
    """Jinja2's environment, looking a dict's key up before trying an attribute it cannot have.

    The pages' figures are dicts, and `row.actual` in a template is Jinja2's `getattr`: an attribute
    first (for a dict, an AttributeError raised and caught on each of the millions of look-ups of a
    national site), then the key. For a plain dict and a name that is not one of dict's own methods
    the attribute cannot exist, so the key is looked up first: the same result, without the exception.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and not hasattr(dict, attribute):
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def template_environment(cache_dir: Path | None = None) -> jinja2.Environment:
    """The Jinja2 environment of the site's templates: autoescaped, failing on any undefined name; the
    `badge`, `icon` and `icon_reference` macros as globals, each badge and icon rendered once.

    Given a `cache_dir`, compiled templates are kept in its `jinja/` folder, checked against their source.
    """
    bytecode = None
    if cache_dir is not None:
        (cache_dir / "jinja").mkdir(parents=True, exist_ok=True)
        bytecode = jinja2.FileSystemBytecodeCache(str(cache_dir / "jinja"))
    env = _FiguresEnvironment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        bytecode_cache=bytecode,
        auto_reload=False,  # the templates do not change while a site is written
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # the same few badges and icons appear thousands of times: each is rendered by its macro once
    macros = vars(env.get_template("macros.html.j2").module)  # a template module's macros are its attributes
    env.globals.update({name: cache(macros[name]) for name in ("badge", "icon", "icon_reference")})
    return env


def _variables(name: str, context: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """What a page's template reads: the page's place in the site and its context."""
    return {"root": "../" * name.count("/"), "page": name, "navigation": NAVIGATION, **context()}


def _write(path: Path, data: bytes) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return len(data)
