"""Source mappings (`<partners folder>/sources/<name>.yaml`): publications not named `<PARTNER>_<DATE>`.

A source mapping says which files under the inbox it reads (name patterns), the day they count as
submitted (one day, or each file's own: `assets.ingest.submitted`), whose figures they are (one partner,
or each row's own), and their layout per submission type; and, for reports, the publication's name and
publisher.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from assets.contract import SubmissionType
from assets.ingest.inbox import ignored
from assets.ingest.mapping import MappingError, ReturnMapping
from assets.ingest.partners import parse_date_order, parse_returns, read_yaml
from assets.ingest.submitted import SubmittedOn, parse_submitted

SOURCES_FOLDER = "sources"
SOURCE_KEYS = {"name", "publisher", "files", "submitted_on", "partner_code", "date_order", "returns"}


@dataclass(frozen=True)
class SourceMapping:
    """A publication's mapping file: its files, submission date, partner and layout per submission type."""

    source: str
    patterns: tuple[str, ...]
    name: str | None = None
    publisher: str | None = None
    submitted_on: SubmittedOn | None = None
    partner_code: str | None = None
    date_order: str | None = None
    returns: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    def mapping(self, kind: SubmissionType) -> ReturnMapping | None:
        """Return the publication's layout of `kind`, or None when it does not give that type."""
        return self.returns.get(kind.name)

    @property
    def mapping_file(self) -> str:
        """Return the mapping file as the audit and seeds.publications name it: `sources/<name>.yaml`."""
        return f"{SOURCES_FOLDER}/{self.source}"


def _patterns(spec: object, source: str) -> tuple[str, ...]:
    files = spec.get("files") if isinstance(spec, dict) else None
    if isinstance(files, str):
        files = [files]
    outside = not isinstance(files, list) or any(".." in str(p) or str(p).startswith("/") for p in files)
    if not files or outside:
        raise MappingError(f"{source}: files lists name patterns under the inbox (e.g. '**/*.csv')")
    return tuple(str(p) for p in files)


def _optional_text(spec: dict, key: str, source: str) -> str | None:
    value = spec.get(key)
    if value is not None and not (isinstance(value, str) and value.strip()):
        raise MappingError(f"{source}: {key} is the publication's {key} as text, e.g. {key}: NHS England")
    return value.strip() if value else None


def source_patterns(text: str, source: str) -> tuple[str, ...]:
    """Return the file-name patterns of a source mapping, or raise MappingError when it names none."""
    return _patterns(read_yaml(text, source), source)


def parse_source(text: str, source: str) -> SourceMapping:
    """Return the source mapping a file's YAML describes, or raise MappingError saying what is wrong."""
    spec = read_yaml(text, source)
    patterns = _patterns(spec, source)
    if set(spec) - SOURCE_KEYS or "returns" not in spec:
        raise MappingError(
            f"{source}: expected files, submitted_on, returns and keys from {sorted(SOURCE_KEYS)}"
        )
    submitted = parse_submitted(spec.get("submitted_on"), source)
    partner = spec.get("partner_code")
    name, publisher = (_optional_text(spec, key, source) for key in ("name", "publisher"))
    return SourceMapping(
        source=source,
        patterns=patterns,
        name=name,
        publisher=publisher,
        submitted_on=submitted,
        partner_code=str(partner).upper() if partner else None,
        date_order=parse_date_order(spec, source),
        returns=parse_returns(spec["returns"], source),
    )


def load_sources(folder: Path) -> tuple[list[SourceMapping], list[SourceMapping], dict[str, str]]:
    """Return (sources, broken sources with their patterns, {source: problem}) from `<folder>/sources/`.

    A broken source whose file patterns can be read still claims its files (they are rejected as
    `mapping_file`); one whose patterns cannot be read raises MappingError, since no file can be told apart.
    """
    sources, broken, problems = [], [], {}
    directory = folder / SOURCES_FOLDER
    for path in sorted(directory.glob("*.yaml")) if directory.is_dir() else []:
        text = path.read_text(encoding="utf-8")
        try:
            sources.append(parse_source(text, path.name))
        except MappingError as exc:
            broken.append(SourceMapping(path.name, source_patterns(text, path.name)))
            problems[path.name] = str(exc)
    return sources, broken, problems


def source_files(inbox: Path, source: SourceMapping) -> list[Path]:
    """Return the paths under the inbox that the source's patterns name, in order, links among them.

    Temporary files (dot names) and the operator's own folders are left out.
    """
    return sorted({p for pattern in source.patterns for p in inbox.glob(pattern) if not ignored(p)})
