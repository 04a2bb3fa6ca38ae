"""The submission types partners send: their columns, keys and numeric fields (docs/data-contract.md)."""

from __future__ import annotations

from dataclasses import dataclass

GRAINS = ("month", "quarter")


@dataclass(frozen=True)
class SubmissionType:
    """One kind of partner submission and the shape the contract gives it."""

    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    numeric: tuple[str, ...]
    free_text: tuple[str, ...] = ()
    suppressible: tuple[str, ...] = ()
    in_measure_unit: tuple[str, ...] = ()
    grains: tuple[str, ...] = ("month",)
    # columns telling apart the rows of one key (a report card's actions); a file holds each once
    item: tuple[str, ...] = ()
    # day columns (an action's due date), typed as dates
    dates: tuple[str, ...] = ()
    # columns holding one of a fixed set of labels, read ignoring case, spaces, hyphens and underscores
    labels: tuple[str, ...] = ()
    # what a resubmission can restate, when the type has no figures (a report card's text and actions)
    content: tuple[str, ...] = ()

    @property
    def figures(self) -> tuple[str, ...]:
        """Columns whose change makes a resubmission a restatement: the figures, else the content."""
        return self.numeric or self.content

    @property
    def row_key(self) -> tuple[str, ...]:
        """Columns a file may hold each value of once: the key and the item."""
        return (*self.key, *self.item)

    @property
    def text(self) -> tuple[str, ...]:
        """Columns kept as text."""
        return tuple(c for c in self.columns if c not in self.numeric)

    @property
    def codes(self) -> tuple[str, ...]:
        """Text columns holding reference codes (a partner may use its own codes for these)."""
        return tuple(c for c in self.text if c.endswith("_code"))


SUBMISSION_TYPES: dict[str, SubmissionType] = {
    t.name: t
    for t in (
        SubmissionType(
            "targets",
            ("partner_code", "service_code", "measure_code", "period", "target_value", "tolerance"),
            key=("service_code", "measure_code", "period"),
            numeric=("target_value", "tolerance"),
            in_measure_unit=("target_value", "tolerance"),
        ),
        SubmissionType(
            "outcomes",
            (
                "partner_code",
                "service_code",
                "measure_code",
                "period",
                "numerator",
                "denominator",
                "value",
                "comment",
            ),
            key=("partner_code", "service_code", "measure_code", "period"),
            numeric=("numerator", "denominator", "value"),
            free_text=("comment",),
            suppressible=("numerator", "denominator", "value"),
            grains=GRAINS,
        ),
        SubmissionType(
            "workforce",
            (
                "partner_code",
                "service_code",
                "period",
                "staff_group_code",
                "headcount",
                "contracted_fte",
                "vacant_fte",
                "leavers",
                "sickness_days_lost",
                "available_days",
                "agency_fte",
                "training_hours",
                "pay_bill",
            ),
            key=("partner_code", "service_code", "staff_group_code", "period"),
            numeric=(
                "headcount",
                "contracted_fte",
                "vacant_fte",
                "leavers",
                "sickness_days_lost",
                "available_days",
                "agency_fte",
                "training_hours",
                "pay_bill",
            ),
            suppressible=("headcount", "leavers"),
        ),
        SubmissionType(
            "finance",
            ("partner_code", "service_code", "period", "pay_cost", "non_pay_cost"),
            key=("partner_code", "service_code", "period"),
            numeric=("pay_cost", "non_pay_cost"),
        ),
        # One row per action of a report card, the card's text on its first row (repeated or left blank
        # on the rows below); a card without actions is one row with the action columns blank. A card is
        # sent whole: a resubmission supersedes every row of the earlier one (docs/data-contract.md).
        SubmissionType(
            "narratives",
            (
                "partner_code",
                "service_code",
                "measure_code",
                "period",
                "story",
                "partners_with_a_role",
                "what_works",
                "action",
                "action_owner_code",
                "action_due",
                "action_status",
            ),
            key=("service_code", "measure_code", "period"),
            item=("action",),
            numeric=(),
            free_text=("story", "partners_with_a_role", "what_works", "action"),
            grains=("quarter",),
            dates=("action_due",),
            labels=("action_status",),
            content=(
                "story",
                "partners_with_a_role",
                "what_works",
                "action",
                "action_owner_code",
                "action_due",
                "action_status",
            ),
        ),
    )
}
