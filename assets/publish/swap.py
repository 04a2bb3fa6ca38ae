"""Publications: a run's warehouse file and the site built from it, put in place together by one rename.

    publications/000012-20260420T020312Z/joinedup.duckdb    one publication: the warehouse ...
    publications/000012-20260420T020312Z/site/              ... and the site built from it
    publications/current -> 000012-20260420T020312Z         the pointer, replaced in one rename
    <warehouse path> -> publications/current/joinedup.duckdb    fixed links: the paths analysts and
    <site path> -> .../publications/current/site                stakeholders open never change

A publication is built in a folder whose name starts with a dot, renamed to its number when whole and
published by swapping the pointer, so a reader sees the old publication or the new one, never a mix.
Names starting with a dot are never publications: they are leftovers of a run that stopped, removed
by the next clean-up, as are publications newer than the current one (rolled back, or whole but
never switched in). A reader who has the old warehouse open keeps reading it after the swap, and
after its folder is removed (the file is unlinked, not rewritten).
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from assets.faults import fault_point

KEEP_EARLIER = 7
CURRENT = "current"
SITE = "site"
LEFTOVER = "."  # the first character of every name in the folder that is not a publication
STAGING = f"{LEFTOVER}staging-"
# a number (an order that does not depend on the clock), then the time: 000012-20260420T020312Z
PUBLICATION_NAME = re.compile(r"(\d{6})-\d{8}T\d{6}Z")


def copy_into_place(source: Path, target: Path) -> None:
    """Copy `source` beside `target`, then rename it over `target`; a failed copy leaves nothing behind."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.incoming")
    try:
        shutil.copyfile(source, staged)
        os.replace(staged, target)
    finally:
        staged.unlink(missing_ok=True)


def _point(link: Path, to: Path) -> None:
    """Make `link` a symbolic link to `to` (relative to the link's folder), replacing it in one rename.

    A folder in the link's place (an installation copied without its links) is moved aside first.
    """
    relative = os.path.relpath(to, link.parent)
    staged, aside = link.with_name(f".{link.name}.incoming"), link.with_name(f".{link.name}.replaced")
    staged.unlink(missing_ok=True)  # left by a process that stopped here
    shutil.rmtree(aside, ignore_errors=True)
    if link.is_symlink() and os.readlink(link) == relative:
        return
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(relative, staged)
    if link.is_dir() and not link.is_symlink():
        link.rename(aside)
    os.replace(staged, link)
    shutil.rmtree(aside, ignore_errors=True)


def _remove(path: Path) -> None:
    """Remove a file, link or folder; a folder is renamed to a leftover first, never half a publication."""
    if path.is_dir() and not path.is_symlink():
        if not path.name.startswith(LEFTOVER):
            path = path.rename(path.with_name(f"{LEFTOVER}removing-{path.name}"))
        fault_point("publish:cleanup")
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


@dataclass(frozen=True)
class Publications:
    """The publications kept in `root`, and the fixed paths that show the current one."""

    root: Path
    warehouse: Path
    site: Path

    def current(self) -> Path | None:
        """Return the folder of the publication in place (None before the first)."""
        pointer = self.root / CURRENT
        return self.root / os.readlink(pointer) if pointer.is_symlink() else None

    def published(self) -> list[Path]:
        """Return every whole publication kept, oldest first."""
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.iterdir() if PUBLICATION_NAME.fullmatch(p.name))

    def warehouse_in(self, publication: Path) -> Path:
        """Return the warehouse file of a publication (or of a folder being built)."""
        return publication / self.warehouse.name

    def site_in(self, publication: Path) -> Path:
        """Return the site folder of a publication (or of a folder being built)."""
        return publication / SITE

    def _next_name(self) -> str:
        """Return a publication name that sorts after every name in the folder."""
        numbers = [int(m.group(1)) for p in self.root.iterdir() if (m := PUBLICATION_NAME.search(p.name))]
        return f"{max(numbers, default=0) + 1:06d}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"

    def stage(self) -> Path:
        """Create and return the empty folder the next publication is built in."""
        self.root.mkdir(parents=True, exist_ok=True)
        folder = self.root / f"{STAGING}{self._next_name()}"
        folder.mkdir()
        return folder

    def complete(self, staged: Path) -> Path:
        """Give a folder built by `stage` its publication name (whole, not yet in place); return it."""
        return staged.rename(self.root / staged.name.removeprefix(STAGING))

    def switch(self, publication: Path) -> None:
        """Put a whole publication in place: the warehouse and site paths change in one rename."""
        _point(self.warehouse, self.warehouse_in(self.root / CURRENT))
        _point(self.site, self.site_in(self.root / CURRENT))
        _point(self.root / CURRENT, publication)

    def previous(self) -> Path:
        """Return the publication before the current one (FileNotFoundError when none is kept)."""
        current = self.current()
        earlier = [p for p in self.published() if current is None or p.name < current.name]
        if not earlier:
            raise FileNotFoundError(f"no earlier publication is kept in {self.root}")
        return earlier[-1]

    def clean(self, keep: int = KEEP_EARLIER) -> None:
        """Remove leftovers, publications newer than the current one and all but `keep` earlier ones."""
        if not self.root.is_dir():
            return
        for leftover in self.root.glob(f"{LEFTOVER}*"):
            _remove(leftover)
        current = self.current()
        if current is None:  # nothing switched in yet: whole publications wait to be
            return
        newer = [p for p in self.published() if p.name > current.name]
        earlier = [p for p in self.published() if p.name < current.name]
        for publication in newer + earlier[: max(len(earlier) - keep, 0)]:
            _remove(publication)

    def adopt_earlier_layout(self) -> None:
        """Move a warehouse file and site folder published before publications into one of their own."""
        if self.current() is not None or self.warehouse.is_symlink() or not self.warehouse.is_file():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        publication = self.root / self._next_name()
        publication.mkdir()
        os.replace(self.warehouse, self.warehouse_in(publication))
        if self.site.is_dir() and not self.site.is_symlink():
            os.replace(self.site, self.site_in(publication))
        self.switch(publication)
