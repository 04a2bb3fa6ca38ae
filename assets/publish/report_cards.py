"""The partners' own words on a service page: comments on their figures and each measure's report card."""

from __future__ import annotations

from typing import Any

from assets.publish.display import day, month, plural, sentence_case
from assets.publish.marts import Marts, Row

STATUS_WORDS = {"on time": "received on time", "late": "received late"}


def measure_comments(service_code: str, measure_code: str, marts: Marts) -> list[dict[str, Any]]:
    """The partners' comments on a measure's figures, newest first: the month (or quarter) each explains,
    who wrote it and what it says (partner text, escaped by the template like every other value)."""
    return [
        {
            "period": r["period"].isoformat(),
            "when": (
                f"quarter from {month(r['period'])}" if r["period_grain"] == "quarter" else month(r["period"])
            ),
            "partner": marts.partner_name(r["partner_code"]),
            "text": r["comment"],
        }
        for r in marts.comments.get((service_code, measure_code), [])
    ]


def _action(row: Row, marts: Marts) -> dict[str, Any]:
    return {
        "action": row["action"],
        "owner": marts.partner_name(row["owner_partner_code"]),
        "due": day(row["due_date"]),
        "status": sentence_case(row["status"]),
        "overdue": bool(row["is_overdue"]),
        "overdue_words": (f"Overdue by {plural(row['days_overdue'], 'day')}" if row["is_overdue"] else None),
    }


def report_card(service_code: str, measure_code: str, marts: Marts) -> dict[str, Any]:
    """A measure's latest report card (story, partners, what works, actions with the overdue ones flagged),
    and, when a later quarter's card is missing, which one."""
    rows = marts.report_cards.get((service_code, measure_code), [])
    card = next((r for r in rows if r["is_latest_card"]), None)
    due = max(rows, key=lambda r: r["period"], default=None)
    missing = (
        f"No report card was received for {due['quarter_label']} (due {day(due['deadline'])})"
        + (f"; this is {card['quarter_label']}'s, the latest." if card else ".")
        if due and due["card_status"] == "missing"
        else None
    )
    actions = [_action(r, marts) for r in marts.actions.get((service_code, measure_code), [])] if card else []
    return {
        "code": measure_code,
        "name": marts.measure_name(measure_code),
        "quarter": card["quarter_label"] if card else None,
        "arrival": (
            f"Sent by {marts.partner_name(card['sent_by_partner_code'])} on "
            f"{day(card['submitted_on'])}, "
            f"{STATUS_WORDS.get(card['card_status'], card['card_status'])}"
        )
        if card
        else None,
        "late": bool(card and card["card_status"] == "late"),
        "missing": missing,
        "story": card["story"] if card else None,
        "partners": card["partners_with_a_role"] if card else None,
        "what_works": card["what_works"] if card else None,
        "actions": actions,
        "overdue": sum(a["overdue"] for a in actions),
        "as_of": day(card["as_of"]) if card else None,
    }
