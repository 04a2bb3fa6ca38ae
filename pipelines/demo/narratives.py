"""Report cards the demo's partners send each quarter: the story behind the curve, partners with a role to
play, what works and the action plan, one file per accountable partner and quarter.

Most arrive within the deadline; some late, some cards are never written, the last area's partners have
not sent their latest quarter, one card is resubmitted with an action dropped, and one action's status is
written as no status the contract knows (quarantined).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import xlsxwriter

from assets.contract import SUBMISSION_TYPES
from pipelines.demo.layouts import XLSX_PARTNER_TYPES
from pipelines.demo.quarterly import financial_quarter, quarter_start
from pipelines.demo.truth import Partnership, Service, partner_suffix

COLUMNS = list(SUBMISSION_TYPES["narratives"].columns)
SUBMITTED_DAYS_AFTER_QUARTER = (8, 20)  # the deadline is 15 working days after the quarter (about 21 days)
LATE_DAYS_AFTER_QUARTER = (35, 70)
LATE_PROBABILITY = 0.1
CARD_MISSING_PROBABILITY = 0.06
NO_ACTIONS_PROBABILITY = 0.15
RESUBMITTED_DAYS_AFTER_ORIGINAL = 21
UNKNOWN_STATUS = "Finished"
STATUS_AS_WRITTEN = {
    "done": ("Done", "done", "DONE"),
    "in progress": ("In progress", "in-progress"),
    "not started": ("Not started", "not_started"),
}

TRENDS = {
    "better": (
        "{measure} has improved for the third month running since {cause}.",
        "{measure} is turning the corner now that {cause}.",
    ),
    "worse": (
        "{measure} slipped this quarter: {pressure}.",
        "{measure} is below where we want it, mainly because {pressure}.",
    ),
    "flat": (
        "{measure} is holding around its usual level: {pressure}, but {cause}.",
        "{measure} has not moved much this quarter, although {cause}.",
    ),
}
CAUSES = (
    "the daily multi-agency huddle started",
    "trusted assessors joined the ward teams",
    "the shared caseload list went live",
    "weekend cover was added",
    "the new referral form removed duplicate assessments",
)
PRESSURES = (
    "winter pressures slowed flow through the service",
    "two experienced staff left in the autumn",
    "referrals rose by a fifth over the summer",
    "the case management system changed mid-quarter",
    "agency cover fell through at short notice",
)
OUTSIDE_PARTNERS = (
    "GP practices",
    "housing providers",
    "the ambulance service",
    "schools",
    "community pharmacies",
    "Jobcentre Plus",
)
WHAT_WORKS = (
    "Home first: assessing people at home rather than on the ward.",
    "A named key worker for each family, kept for the whole case.",
    "Peer support workers alongside clinicians.",
    "Text reminders two days before appointments.",
    "Daily huddles with every partner around one list.",
    "Strengths-based conversations (evidence from the regional pilot).",
)
ACTIONS = (
    "Recruit two trusted assessors",
    "Extend the daily huddle to weekends",
    "Train front-line staff in strengths-based practice",
    "Audit the quarter's cases that missed",
    "Agree one shared caseload report",
    "Pilot evening clinics",
    "Review the referral criteria",
    "Set up a joint duty rota",
)


@dataclass(frozen=True)
class NarrativeFiles:
    """The report card files written and what the demo planted in them."""

    paths: list[tuple[str, int, str]]  # (path under the inbox, rows, format)
    truth: dict


@dataclass
class _Card:
    partner: str
    service: str
    measure: str
    quarter: tuple[int, int]
    story: str
    partners: str
    what_works: str
    actions: list[list]  # [action, owner, due date, status as written]


def _label(quarter: tuple[int, int]) -> str:
    start, number = quarter
    return f"Q{number} {start}/{(start + 1) % 100:02d}"


def _quarter_end(quarter: tuple[int, int]) -> date:
    return quarter_start(quarter[0], quarter[1] + 1) - timedelta(days=1)


def _card(
    service: Service,
    measure,
    quarter: tuple[int, int],
    ages: int,
    names: dict[str, str],
    rng: np.random.Generator,
) -> _Card:
    """One measure's card for a quarter; `ages` is how many quarters older than the latest it is."""
    trend = str(rng.choice(list(TRENDS)))
    story = str(rng.choice(TRENDS[trend])).format(
        measure=measure.name, cause=rng.choice(CAUSES), pressure=rng.choice(PRESSURES)
    )
    others = [names[p] for p in service.members if p != service.accountable[measure.code]]
    partners = "; ".join([*others[:2], str(rng.choice(OUTSIDE_PARTNERS))])
    end = _quarter_end(quarter)
    actions = []
    if rng.random() >= NO_ACTIONS_PROBABILITY:
        for action in rng.choice(ACTIONS, size=int(rng.integers(1, 4)), replace=False):
            months = int(rng.integers(1, 10))
            # due at the end of a month 1 to 9 months after the quarter
            after = end.month + months
            due = date(end.year + after // 12, after % 12 + 1, 1) - timedelta(days=1)
            # older cards' actions are mostly done; the latest ones mostly under way
            done = rng.random() < min(0.9, 0.25 * ages)
            status = "done" if done else str(rng.choice(["in progress", "not started"], p=[0.7, 0.3]))
            actions.append(
                [
                    str(action),
                    str(rng.choice(service.members)),
                    due,
                    str(rng.choice(STATUS_AS_WRITTEN[status])),
                ]
            )
    return _Card(
        service.accountable[measure.code],
        service.code,
        measure.code,
        quarter,
        story,
        partners,
        str(rng.choice(WHAT_WORKS)),
        actions,
    )


def _rows(cards: list[_Card], repeat_text: bool) -> list[list]:
    """Contract rows: one per action (one for a card without), the card's text on its first row only
    unless `repeat_text`."""
    rows = []
    for card in cards:
        for index, action in enumerate(card.actions or [[None, None, None, None]]):
            text = [card.story, card.partners, card.what_works] if index == 0 or repeat_text else [None] * 3
            rows.append([card.partner, card.service, card.measure, _label(card.quarter), *text, *action])
    return rows


def _csv(rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(
        ["" if v is None else v.isoformat() if isinstance(v, date) else v for v in row] for row in rows
    )
    return out.getvalue().encode("utf-8")


def _xlsx(rows: list[list], day: date) -> bytes:
    content = io.BytesIO()
    book = xlsxwriter.Workbook(content, {"in_memory": True})
    book.set_properties({"created": datetime.combine(day, datetime.min.time())})
    sheet = book.add_worksheet("Report cards")
    as_date = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(0, 0, COLUMNS)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, date):
                sheet.write_datetime(r, c, datetime.combine(value, datetime.min.time()), as_date)
            elif value is not None:
                sheet.write(r, c, value)
    book.close()
    return content.getvalue()


def write_narratives(
    inbox: Path, partnership: Partnership, names: dict[str, str], seed: int
) -> NarrativeFiles:
    """Write every accountable partner's report cards, one file per partner and quarter."""
    rng = np.random.default_rng(seed + 2)  # its own stream: the other files stay as they were
    quarters = sorted({financial_quarter(p) for p in partnership.periods})
    quarters = [q for q in quarters if sum(financial_quarter(p) == q for p in partnership.periods) == 3]
    silent_area = partnership.services[-1].code.split("-", 1)[0]
    folder = inbox / "narratives"
    folder.mkdir(parents=True, exist_ok=True)
    paths, missing, late = [], [], []
    fault = resubmission = None
    for age, quarter in enumerate(reversed(quarters)):
        by_partner: dict[str, list[_Card]] = {}
        for service in partnership.services:
            for measure in service.measures:
                card = _card(service, measure, quarter, age, names, rng)
                silent = age == 0 and service.code.startswith(f"{silent_area}-")
                if silent or rng.random() < CARD_MISSING_PROBABILITY:
                    missing.append(
                        {
                            "service_code": service.code,
                            "measure_code": measure.code,
                            "quarter": _label(quarter),
                        }
                    )
                    continue
                by_partner.setdefault(card.partner, []).append(card)
        for partner, cards in sorted(by_partner.items()):
            is_late = rng.random() < LATE_PROBABILITY
            days = LATE_DAYS_AFTER_QUARTER if is_late else SUBMITTED_DAYS_AFTER_QUARTER
            day = _quarter_end(quarter) + timedelta(days=int(rng.integers(*days, endpoint=True)))
            # on a card's last action, so that the row held back is not the one carrying the card's text
            planted = (
                next((c for c in cards if len(c.actions) >= 2), None) if fault is None and age == 1 else None
            )
            if planted:
                planted.actions[-1][3] = UNKNOWN_STATUS
            path = _write(folder, partner, day, cards, None)
            if planted:
                fault = {
                    "file": path[0],
                    "service_code": planted.service,
                    "measure_code": planted.measure,
                    "quarter": _label(quarter),
                    "status": UNKNOWN_STATUS,
                }
            paths.append(path)
            if is_late:
                late.append(path[0])
            again = next((c for c in cards if len(c.actions) >= 2 and c is not planted), None)
            if resubmission is None and age == 1 and again:
                resubmission = _resubmit(folder, again, day, path[0])
                paths.append(tuple(resubmission.pop("written")))
    truth = {
        "quarters": [_label(q) for q in quarters],
        "missing": missing,
        "late_files": late,
        "files": len(paths),
        "rows": sum(rows for _, rows, _ in paths),
        "silent_area": silent_area,
        "unknown_status": fault,
        "resubmission": resubmission,
    }
    return NarrativeFiles(paths, truth)


def _resubmit(folder: Path, card: _Card, day: date, original: str) -> dict:
    """Send `card` again three weeks later with its last action dropped and its first one done."""
    dropped = card.actions[-1][0]
    corrected = _Card(**{**card.__dict__, "actions": [[*card.actions[0][:3], "Done"], *card.actions[1:-1]]})
    written = _write(
        folder,
        card.partner,
        day + timedelta(days=RESUBMITTED_DAYS_AFTER_ORIGINAL),
        [corrected],
        "resubmitted",
    )
    return {
        "file": written[0],
        "original_file": original,
        "service_code": card.service,
        "measure_code": card.measure,
        "quarter": _label(card.quarter),
        "dropped_action": dropped,
        "actions": len(corrected.actions),
        "written": list(written),
    }


def _write(
    folder: Path, partner: str, day: date, cards: list[_Card], label: str | None
) -> tuple[str, int, str]:
    """Write one partner's cards: a workbook (text repeated on every row) for the partner types that
    send workbooks, else a CSV (text on each card's first row only)."""
    workbook = partner_suffix(partner) in XLSX_PARTNER_TYPES
    rows = _rows(cards, repeat_text=workbook)
    extension = "xlsx" if workbook else "csv"
    name = f"{partner}_{day:%Y%m%d}{f'_{label}' if label else ''}.{extension}"
    (folder / name).write_bytes(_xlsx(rows, day) if workbook else _csv(rows))
    return f"{folder.name}/{name}", len(rows), extension
