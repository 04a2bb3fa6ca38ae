"""Charts on pages: the chart templates serialised once, each page's rows, title and description set in."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from assets.publish.build_cache import cached_text
from assets.publish.chart_names import ROWS
from assets.publish.display import number

if TYPE_CHECKING:
    from assets.publish.index_paths import PeerPoints

# the modules the templates are built from: `charts` and what it reads of the publication's own
CHART_MODULES = ("charts", "chart_names", "mdc_icons", "board_rules")
CHART_SOURCES = tuple(Path(__file__).with_name(f"{module}.py") for module in CHART_MODULES)
_SLOT = "\x00"  # stands for the rows, title and description while a template is serialised


@dataclass(frozen=True)
class Template:
    """A chart spec serialised for a page, cut where its rows, title and description go."""

    parts: tuple[str, str, str, str]

    @classmethod
    def of(cls, spec: dict[str, Any]) -> Template:
        """Serialise `spec` once, its rows bound to the `ROWS` dataset."""
        if {"title", "description"} & spec.keys():
            raise ValueError("a chart template's title and description are set on each page")
        slotted = {
            **spec,
            "datasets": {**spec.get("datasets", {}), ROWS: _SLOT},
            "title": _SLOT,
            "description": _SLOT,
        }
        parts = tuple(safe_json(slotted).split(json.dumps(_SLOT)))
        if len(parts) != 4:
            raise ValueError("a chart template holds the character that marks its slots")
        return cls(parts)

    def fill(self, rows_json: str, title: str | dict[str, str], description: str) -> Markup:
        """The spec with its rows (already `safe_json`), `title` and `description` set, as `safe_json` would
        serialise it."""
        head, after_rows, after_title, tail = self.parts
        return Markup(
            f"{head}{rows_json}{after_rows}{safe_json(title)}{after_title}{safe_json(description)}{tail}"
        )


ChartTemplates = dict[str, Template]


@cache
def chart_templates(cache_dir: Path | None = None) -> ChartTemplates:
    """Every chart template by name (`charts.build_specs`), from the build cache when it holds them: Altair
    is imported (0.3 s) only to build them."""
    code = hashlib.sha256(b"\0".join(path.read_bytes() for path in CHART_SOURCES)).hexdigest()[:16]
    name = f"chart-templates-altair-{version('altair')}-{code}.json"
    specs = json.loads(cached_text(cache_dir, name, _built_specs))
    return {name: Template.of(spec) for name, spec in specs.items()}


def _built_specs() -> str:
    """Every chart template, built by Altair, as JSON."""
    from assets.publish import charts

    return json.dumps(charts.build_specs())


@dataclass(frozen=True)
class ChartView:
    """One chart on a page: its kind, heading, text description and embedded Vega-Lite spec."""

    html_id: str
    kind: str  # partnership, path, spc or workforce: the page's `data-chart` attribute
    title: str
    description: str
    spec_json: Markup
    peers: PeerPoints | None = None  # points the page loads from a shared script and adds to the chart


def chart_view(
    html_id: str,
    kind: str,
    template: Template,
    rows_json: str,
    title: str,
    description: str,
    subtitle: str | None = None,
) -> ChartView:
    """A chart filled with its rows (serialised by `safe_json`), its title and description both in the spec
    and on the page."""
    heading: str | dict[str, str] = {"text": title, "subtitle": subtitle} if subtitle else title
    return ChartView(html_id, kind, title, description, template.fill(rows_json, heading, description))


def json_number(value: float | None, digits: int = 2) -> str:
    """A figure as `safe_json` writes it once rounded by `display.number`: `null` when missing."""
    found = number(value, digits)
    return "null" if found is None else repr(found)


def safe_json(value: Any) -> str:
    """Serialise for a `<script type="application/json">`, safe against `</script>`."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
