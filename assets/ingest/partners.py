"""Partner mapping files (`pipelines/partners/<PARTNER_CODE>.yaml`): a partner's own headers, codes and units.

Adding a partner that sends figures its own way is adding one of these files, not code. Publications
that do not follow the file naming rule are described in `sources/` beside them (`assets.ingest.sources`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from assets.contract import SUBMISSION_TYPES, SubmissionType
from assets.ingest.mapping import CONTRACT_LAYOUT, MappingError, ReturnMapping, parse_return_mapping

DATE_ORDERS = ("day_first", "month_first")
PROFILE_KEYS = {"partner_code", "name", "date_order", "returns"}


@dataclass(frozen=True)
class PartnerProfile:
    """A partner's mapping file: the date order it writes and its layout per submission type."""

    partner_code: str
    source: str | None = None
    date_order: str | None = None
    returns: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    def mapping(self, kind: SubmissionType) -> ReturnMapping:
        """Return this partner's layout of `kind` (the contract's own when it declares none)."""
        return self.returns.get(kind.name, CONTRACT_LAYOUT)


@cache
def default_profile(partner_code: str) -> PartnerProfile:
    """Return the profile of a partner without a mapping file: the contract's own layout of every type."""
    return PartnerProfile(partner_code)


def parse_returns(spec: Any, source: str) -> MappingProxyType:
    """Return {submission type: layout} from a mapping file's `returns`, or raise MappingError."""
    returns = spec or {}
    if not isinstance(returns, dict):
        raise MappingError(f"{source}: returns maps submission types to their layouts")
    unknown = sorted(set(returns) - set(SUBMISSION_TYPES))
    if unknown:
        raise MappingError(f"{source}: unknown submission type(s) {', '.join(unknown)}")
    return MappingProxyType(
        {
            name: parse_return_mapping(SUBMISSION_TYPES[name], body, f"{source} returns.{name}")
            for name, body in returns.items()
        }
    )


def parse_date_order(spec: dict, source: str) -> str | None:
    """Return the mapping file's declared date order, or raise MappingError."""
    date_order = spec.get("date_order")
    if date_order is not None and date_order not in DATE_ORDERS:
        raise MappingError(f"{source}: date_order must be one of {', '.join(DATE_ORDERS)}")
    return date_order


def read_yaml(text: str, source: str) -> Any:
    """Return a mapping file's YAML, or raise MappingError when it is not valid YAML."""
    try:
        # libyaml's loader where PyYAML was built with it: the same safe subset, several times faster
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise MappingError(f"{source}: not valid YAML ({exc})") from exc


def parse_profile(text: str, source: str) -> PartnerProfile:
    """Return the profile a mapping file's YAML describes, or raise MappingError saying what is wrong."""
    spec = read_yaml(text, source)
    if not isinstance(spec, dict) or set(spec) - PROFILE_KEYS or "partner_code" not in spec:
        raise MappingError(f"{source}: expected partner_code and keys from {sorted(PROFILE_KEYS)}")
    return PartnerProfile(
        partner_code=str(spec["partner_code"]).upper(),
        source=source,
        date_order=parse_date_order(spec, source),
        returns=parse_returns(spec.get("returns"), source),
    )


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
