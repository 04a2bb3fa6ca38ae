"""Partner mapping files (`pipelines/partners/<PARTNER_CODE>.yaml`): a partner's own headers, codes and units.

Adding a partner that sends figures its own way is adding one of these files, not code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from assets.contract import SUBMISSION_TYPES, SubmissionType

DATE_ORDERS = ("day_first", "month_first")
PERCENT_SCALES = ("fraction", "percent")
PROFILE_KEYS = {"partner_code", "name", "date_order", "returns"}
RETURN_KEYS = {"columns", "codes", "sheets", "period_from_sheet_name", "percent"}


def normalise_header(text: str) -> str:
    """Return a header as compared with the contract: lower case, words separated by one space."""
    return re.sub(r"[^0-9a-z%£]+", " ", text.lower()).strip()


@dataclass(frozen=True)
class ReturnMapping:
    """How one partner lays out one submission type."""

    columns: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    codes: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    sheets: tuple[str, ...] = ()
    period_from_sheet_name: bool = False
    percent: str | None = None


@dataclass(frozen=True)
class PartnerProfile:
    """A partner's mapping file: the date order it writes and its layout per submission type."""

    partner_code: str
    source: str | None = None
    date_order: str | None = None
    returns: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    def mapping(self, kind: SubmissionType) -> ReturnMapping:
        """Return this partner's layout of `kind` (the contract's own when it declares none)."""
        return self.returns.get(kind.name, ReturnMapping())


class MappingError(ValueError):
    """A partner mapping file that does not say what the pipeline needs to know."""


def _return_mapping(kind: SubmissionType, spec: Any, where: str) -> ReturnMapping:
    if not isinstance(spec, dict) or set(spec) - RETURN_KEYS:
        raise MappingError(f"{where}: expected a mapping with keys from {sorted(RETURN_KEYS)}")
    columns = {normalise_header(str(k)): str(v) for k, v in (spec.get("columns") or {}).items()}
    unknown = sorted(set(columns.values()) - set(kind.columns))
    if unknown:
        raise MappingError(f"{where}: {', '.join(unknown)} is not a {kind.name} column "
                           f"(the contract has {', '.join(kind.columns)})")
    codes = spec.get("codes") or {}
    if not isinstance(codes, dict) or set(codes) - set(kind.codes):
        raise MappingError(f"{where}: codes may translate only {', '.join(kind.codes)}")
    percent = spec.get("percent")
    if percent is not None and percent not in PERCENT_SCALES:
        raise MappingError(f"{where}: percent must be one of {', '.join(PERCENT_SCALES)}")
    if percent is not None and not kind.in_measure_unit:
        raise MappingError(f"{where}: {kind.name} has no figures in the measure's unit")
    return ReturnMapping(
        columns=MappingProxyType(columns),
        codes=MappingProxyType({column: MappingProxyType({str(k): str(v) for k, v in table.items()})
                                for column, table in codes.items()}),
        sheets=tuple(str(s) for s in spec.get("sheets") or ()),
        period_from_sheet_name=bool(spec.get("period_from_sheet_name", False)),
        percent=percent,
    )


def parse_profile(text: str, source: str) -> PartnerProfile:
    """Return the profile a mapping file's YAML describes, or raise MappingError saying what is wrong."""
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MappingError(f"{source}: not valid YAML ({exc})") from exc
    if not isinstance(spec, dict) or set(spec) - PROFILE_KEYS or "partner_code" not in spec:
        raise MappingError(f"{source}: expected partner_code and keys from {sorted(PROFILE_KEYS)}")
    date_order = spec.get("date_order")
    if date_order is not None and date_order not in DATE_ORDERS:
        raise MappingError(f"{source}: date_order must be one of {', '.join(DATE_ORDERS)}")
    returns = spec.get("returns") or {}
    unknown = sorted(set(returns) - set(SUBMISSION_TYPES))
    if unknown:
        raise MappingError(f"{source}: unknown submission type(s) {', '.join(unknown)}")
    return PartnerProfile(
        partner_code=str(spec["partner_code"]).upper(), source=source, date_order=date_order,
        returns=MappingProxyType({name: _return_mapping(SUBMISSION_TYPES[name], body,
                                                        f"{source} returns.{name}")
                                  for name, body in returns.items()}))


def load_profiles(folder: Path) -> tuple[dict[str, PartnerProfile], dict[str, str]]:
    """Return ({partner code: profile}, {partner code: problem}) for every `<code>.yaml` in `folder`."""
    profiles: dict[str, PartnerProfile] = {}
    problems: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        code = path.stem.upper()
        try:
            profile = parse_profile(path.read_text(encoding="utf-8"), path.name)
        except MappingError as exc:
            problems[code] = str(exc)
            continue
        if profile.partner_code != code:
            problems[code] = f"{path.name}: partner_code {profile.partner_code} differs from the file name"
            continue
        profiles[code] = profile
    return profiles, problems
