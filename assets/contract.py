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
            ("partner_code", "service_code", "measure_code", "period",
             "numerator", "denominator", "value", "comment"),
            key=("partner_code", "service_code", "measure_code", "period"),
            numeric=("numerator", "denominator", "value"),
            free_text=("comment",),
            suppressible=("numerator", "denominator", "value"),
            grains=GRAINS,
        ),
        SubmissionType(
            "workforce",
            ("partner_code", "service_code", "period", "staff_group_code", "headcount",
             "contracted_fte", "vacant_fte", "leavers", "sickness_days_lost", "available_days",
             "agency_fte", "training_hours", "pay_bill"),
            key=("partner_code", "service_code", "staff_group_code", "period"),
            numeric=("headcount", "contracted_fte", "vacant_fte", "leavers", "sickness_days_lost",
                     "available_days", "agency_fte", "training_hours", "pay_bill"),
            suppressible=("headcount", "leavers"),
        ),
        SubmissionType(
            "finance",
            ("partner_code", "service_code", "period", "pay_cost", "non_pay_cost"),
            key=("partner_code", "service_code", "period"),
            numeric=("pay_cost", "non_pay_cost"),
        ),
    )
}
