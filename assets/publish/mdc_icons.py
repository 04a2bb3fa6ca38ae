"""Making Data Count's variation and assurance icons, drawn as inline SVG, and its summary matrix.

The icons follow NHS England's Making Data Count style (as NHSRplotthedots 0.2 ships them): a white disc in a
coloured ring, a letter (H or L for a special cause, P, F or ? for assurance), and a small run of dots
(variation) or a process line against a dashed target (assurance). Blue is improvement, orange concern,
purple a special cause of a measure with no better direction, grey common cause and hit and miss. Each icon
is `role="img"` with its meaning as `aria-label` and `<title>`, so it never relies on colour or shape alone.

`variation_icon`, `assurance_icon` and `summary_matrix_rows` are the public API: the service page uses them,
and any other page can (see the module's functions for the kinds).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from markupsafe import Markup, escape

# Making Data Count's colours; each stands out from white by 3:1 or more (WCAG's non-text contrast)
IMPROVEMENT_COLOUR = "#0072C6"
CONCERN_COLOUR = "#E46C0A"
NEUTRAL_COLOUR = "#490092"
COMMON_COLOUR = "#7F7F7F"  # common-cause dots and lines, the hit-and-miss letter
RING_GREY = "#A6A6A6"  # the ring of the grey icons
TARGET_COLOUR = "#DE1B1B"  # the target line on the charts

# kind -> (text alternative, colour, letter, way the last two dots go: 1 up, -1 down, 0 level, None: all grey)
_NEITHER = "neither better nor worse"
VARIATION_ICONS = {
    "common_cause": ("Common cause variation: no signal", COMMON_COLOUR, "", None),
    "improvement": ("Special cause variation: improvement", IMPROVEMENT_COLOUR, "", 0),
    "concern": ("Special cause variation: concern", CONCERN_COLOUR, "", 0),
    "improvement_high": ("Special cause variation: improvement, higher values", IMPROVEMENT_COLOUR, "H", 1),
    "improvement_low": ("Special cause variation: improvement, lower values", IMPROVEMENT_COLOUR, "L", -1),
    "concern_high": ("Special cause variation: concern, higher values", CONCERN_COLOUR, "H", 1),
    "concern_low": ("Special cause variation: concern, lower values", CONCERN_COLOUR, "L", -1),
    "neutral_high": (f"Special cause variation: higher values, {_NEITHER}", NEUTRAL_COLOUR, "H", 1),
    "neutral_low": (f"Special cause variation: lower values, {_NEITHER}", NEUTRAL_COLOUR, "L", -1),
}
# kind -> (text alternative, colour, letter, where the process runs against the dashed target: 1 clear of it
# on the passing side, -1 clear of it on the failing side, 0 across it)
ASSURANCE_ICONS = {
    "pass": ("Assurance: consistently passing the target", IMPROVEMENT_COLOUR, "P", 1),
    "fail": ("Assurance: consistently failing the target", CONCERN_COLOUR, "F", -1),
    "hit_and_miss": (
        "Assurance: hit and miss, the target lies within the process limits",
        COMMON_COLOUR,
        "?",
        0,
    ),
}
# the marts' states -> icon kinds (see docs/metrics.md)
ASSURANCE_KINDS = {
    "consistently passing": "pass",
    "consistently failing": "fail",
    "hit and miss": "hit_and_miss",
}
_SPECIAL_KINDS: dict[tuple[str, str | None], str] = {  # (variation, direction) -> kind
    ("special cause improvement", "higher_is_better"): "improvement_high",
    ("special cause improvement", "lower_is_better"): "improvement_low",
    ("special cause concern", "higher_is_better"): "concern_low",
    ("special cause concern", "lower_is_better"): "concern_high",
}
_NEUTRAL_KINDS = {
    "special cause high": "neutral_high",
    "special cause low": "neutral_low",
    "common cause": "common_cause",
}

_DOT_X = (24, 37, 50, 63, 76)
_COMMON_DOTS_Y = (68, 62, 70, 63, 67)  # an ordinary wander


def variation_kind(variation: str | None, direction: str | None) -> str | None:
    """The icon kind of a variation state (`measure_spc_status.variation`) for a measure's direction; None
    when there is no state (no limits) or it is not one the icons know."""
    if variation is None:
        return None
    return _NEUTRAL_KINDS.get(variation) or _SPECIAL_KINDS.get((variation, direction))


def assurance_kind(assurance: str | None) -> str | None:
    """The icon kind of an assurance state (`measure_spc_status.assurance`); None when not assessed."""
    return ASSURANCE_KINDS.get(assurance) if assurance else None


def _svg(group: str, kind: str, label: str | None, size: int, body: str) -> Markup:
    """The icon as `role="img"` named by `label`, or hidden from assistive technology when `label` is None
    (beside words that say the same)."""
    if label is None:
        naming, title = 'aria-hidden="true"', ""
    else:
        text = escape(label)
        naming, title = f'role="img" aria-label="{text}"', f"<title>{text}</title>"
    return Markup(
        f'<svg class="mdc-icon" data-icon="{group}" data-kind="{kind}" viewBox="0 0 100 100" width="{size}" '
        f'height="{size}" {naming} focusable="false">{title}{body}</svg>'
    )


def _ring_and_letter(colour: str, letter: str, ring: str | None = None) -> str:
    body = f'<circle cx="50" cy="50" r="43" fill="#fff" stroke="{ring or colour}" stroke-width="8"/>'
    if letter:
        body += (
            f'<text x="50" y="46" text-anchor="middle" font-family="Arial, Helvetica, sans-serif" '
            f'font-weight="700" font-size="34" fill="{colour}">{letter}</text>'
        )
    return body


@cache
def variation_icon(kind: str, size: int = 40, decorative: bool = False) -> Markup:
    """The variation icon of `kind` (a key of `VARIATION_ICONS`), `size` pixels square, named by its meaning
    (or hidden from screen readers when `decorative`, for use beside words that say it)."""
    return _svg(
        "variation", kind, None if decorative else VARIATION_ICONS[kind][0], size, _variation_body(kind)
    )


def _variation_body(kind: str) -> str:
    _, colour, letter, way = VARIATION_ICONS[kind]
    if way is None:
        heights = list(_COMMON_DOTS_Y)
    else:
        # three ordinary months, then two special ones moving the way of the signal (kept inside the ring)
        base = {1: 66, 0: 64, -1: 57}[way]
        heights = [base, base - 3, base, base - 8 * way, base - 16 * way]
    points = " ".join(f"{x},{y}" for x, y in zip(_DOT_X, heights, strict=True))
    fills = [COMMON_COLOUR] * 3 + [COMMON_COLOUR if way is None else colour] * 2
    dots = "".join(
        f'<circle cx="{x}" cy="{y}" r="5.5" fill="{fill}"/>'
        for x, y, fill in zip(_DOT_X, heights, fills, strict=True)
    )
    ring = RING_GREY if way is None else None
    return (
        _ring_and_letter(colour, letter, ring)
        + f'<polyline points="{points}" fill="none" stroke="{COMMON_COLOUR}" stroke-width="2.5"/>'
        + dots
    )


@cache
def assurance_icon(kind: str, size: int = 40, decorative: bool = False) -> Markup:
    """The assurance icon of `kind` (a key of `ASSURANCE_ICONS`), `size` pixels square, named by its meaning
    (or hidden from screen readers when `decorative`)."""
    return _svg(
        "assurance", kind, None if decorative else ASSURANCE_ICONS[kind][0], size, _assurance_body(kind)
    )


def _assurance_body(kind: str) -> str:
    _, colour, letter, side = ASSURANCE_ICONS[kind]
    target_y = {1: 74, -1: 57, 0: 66}[side]
    process = "M20 66 C28 58 34 58 40 64 S52 72 58 64 S70 58 80 65"  # a wavy line round y = 64
    return (
        _ring_and_letter(colour, letter, RING_GREY if side == 0 else None)
        + f'<path d="M12 {target_y}H88" stroke="{colour if side else RING_GREY}" stroke-width="4" '
        f'stroke-dasharray="9 4"/>'
        + f'<path d="{process}" transform="translate(0 {-2 if side == 1 else 4 if side == -1 else 0})" '
        f'fill="none" stroke="{COMMON_COLOUR}" stroke-width="4"/>'
    )


# group -> (its kinds, the drawing of a kind)
_GROUPS: dict[str, tuple[dict[str, tuple], Callable[[str], str]]] = {
    "variation": (VARIATION_ICONS, _variation_body),
    "assurance": (ASSURANCE_ICONS, _assurance_body),
}


def icon_symbols() -> Markup:
    """Every icon's drawing once, as SVG symbols in a hidden SVG, for `icon_reference` to draw: a page that
    repeats the icons in every row (the index) carries each drawing once."""
    symbols = "".join(
        f'<symbol id="mdc-{group}-{kind}" viewBox="0 0 100 100">{draw(kind)}</symbol>'
        for group, (kinds, draw) in _GROUPS.items()
        for kind in kinds
    )
    return Markup(
        '<svg class="icon-symbols" width="0" height="0" aria-hidden="true" focusable="false" '
        f'style="position: absolute">{symbols}</svg>'
    )


@cache
def icon_reference(group: str, kind: str, size: int = 40) -> Markup:
    """The decorative icon of `kind` (of `group`: "variation" or "assurance") drawn from its symbol, on a
    page that holds `icon_symbols()`."""
    if kind not in _GROUPS[group][0]:
        raise KeyError(f"no {group} icon {kind!r}")
    return _svg(group, kind, None, size, f'<use href="#mdc-{group}-{kind}"/>')


@dataclass(frozen=True)
class MatrixHeading:
    """A row (variation) or column (assurance) of the summary matrix: its words and its icon, if any."""

    key: str | None  # the marts' state; None for "no limits" (rows) or "not assessed" (columns)
    label: str
    icon: Markup | None
    kind: str = ""  # the icon's kind (a key of VARIATION_ICONS or ASSURANCE_ICONS); empty without one


@dataclass(frozen=True)
class MatrixCell:
    """The measures in one cell of the summary matrix."""

    measures: tuple[str, ...]

    @property
    def count(self) -> int:
        """How many measures the cell holds."""
        return len(self.measures)


@dataclass(frozen=True)
class MatrixRow:
    """One variation state's row of the summary matrix: a cell per assurance column."""

    heading: MatrixHeading
    cells: tuple[MatrixCell, ...]


ICON_SIZE_IN_MATRIX = 30


def _heading(
    key: str | None, label: str, icon: Callable[..., Markup] | None = None, kind: str = ""
) -> MatrixHeading:
    """A matrix heading whose icon is decorative: the heading's words say the same."""
    return MatrixHeading(key, label, icon(kind, ICON_SIZE_IN_MATRIX, decorative=True) if icon else None, kind)


MATRIX_COLUMNS = (
    _heading("consistently passing", "Consistently passing", assurance_icon, "pass"),
    _heading("hit and miss", "Hit and miss", assurance_icon, "hit_and_miss"),
    _heading("consistently failing", "Consistently failing", assurance_icon, "fail"),
    _heading(None, "Not assessed"),  # no target that month, no direction or no limits
)
# rows always shown, then rows shown only when a measure falls in them
_CORE_ROWS = (
    _heading("special cause improvement", "Special cause improvement", variation_icon, "improvement"),
    _heading("common cause", "Common cause", variation_icon, "common_cause"),
    _heading("special cause concern", "Special cause concern", variation_icon, "concern"),
)
_OTHER_ROWS = (
    _heading("special cause high", "Special cause high (no better way)", variation_icon, "neutral_high"),
    _heading("special cause low", "Special cause low (no better way)", variation_icon, "neutral_low"),
    _heading(None, "No process limits"),
)


def summary_matrix_rows(measures: Iterable[tuple[str, str | None, str | None]]) -> list[MatrixRow]:
    """The summary matrix of `measures`, each (name, variation, assurance) as `measure_spc_status` holds them:
    variation down (improvement, common cause, concern always; high, low and no limits when they occur),
    assurance across (`MATRIX_COLUMNS`), each cell the names of its measures in the order given."""
    columns = [c.key for c in MATRIX_COLUMNS]
    rows = {h.key for h in (*_CORE_ROWS, *_OTHER_ROWS)}
    cells: dict[tuple[str | None, str | None], list[str]] = {}
    for name, variation, assurance in measures:
        if variation not in rows or assurance not in columns:
            raise ValueError(f"{name}: unknown variation {variation!r} or assurance {assurance!r}")
        cells.setdefault((variation, assurance), []).append(name)
    shown = [*_CORE_ROWS, *(h for h in _OTHER_ROWS if any((h.key, c) in cells for c in columns))]
    return [MatrixRow(h, tuple(MatrixCell(tuple(cells.get((h.key, c), ()))) for c in columns)) for h in shown]
