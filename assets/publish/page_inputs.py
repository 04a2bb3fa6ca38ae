"""What each page is rendered from, digested, so that a page whose inputs did not change is carried over
from the previous publication instead of being rendered again.

A page is its template applied to its context; the publication time, in the footer every page shares,
is the only thing it shows that is not in its context. A page's digest covers its name, its template,
the publication code (every template and module of assets/publish, whose methods templates may call
on the context's objects, and Jinja2's version) and its whole context, pickled: every value a template
can read, by value (a context that cannot be pickled is not digested). The site keeps the digests
and its footer in `page-inputs.json`; the next publication copies a page whose digest is unchanged,
with the old footer replaced by the new one: the same bytes as rendering it again. Anything that
cannot be carried over exactly (a context that cannot be pickled, a page missing from the previous
site, a footer not found once) is rendered.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

RECORD = "page-inputs.json"
FOOTER_TEMPLATE = "footer.html.j2"


def code_fingerprint(folder: Path) -> str:
    """A digest of Jinja2's version and of every module and template under `folder`, by name and source."""
    digest = hashlib.sha256(jinja2.__version__.encode())
    for path in sorted([*folder.rglob("*.py"), *folder.rglob("*.j2"), *folder.rglob("*.css")]):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def page_digest(fingerprint: str, name: str, template: str, context: dict[str, Any]) -> str | None:
    """The digest of a page's inputs; None when its context cannot be pickled.

    Equal pickles are equal values; equal values pickled differently (a set's order, an object shared
    or repeated) only cost a page rendered again.
    """
    try:
        inputs = pickle.dumps((fingerprint, name, template, context), protocol=5)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    return hashlib.sha256(inputs).hexdigest()


@dataclass(frozen=True)
class PreviousPages:
    """The pages of the previous publication, their digests and the footer they were written with."""

    folder: Path
    footer: bytes
    digests: dict[str, str]

    @classmethod
    def read(cls, folder: Path | None) -> PreviousPages | None:
        """The previous site's record of its pages; None without a site or a readable record."""
        if folder is None:
            return None
        try:
            record = json.loads((folder / RECORD).read_text("utf-8"))
            return cls(folder, record["footer"].encode("utf-8"), dict(record["pages"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def carry_over(self, name: str, digest: str | None, footer: bytes) -> bytes | None:
        """The previous page `name` with today's footer, if its inputs are those digested; else None."""
        if digest is None or self.digests.get(name) != digest:
            return None
        try:
            page = (self.folder / name).read_bytes()
        except OSError:
            return None
        if page.count(self.footer) != 1:
            return None
        return page.replace(self.footer, footer)


def record_text(footer: bytes, digests: dict[str, str]) -> str:
    """The text of a site's `page-inputs.json`: its footer and every digested page's digest."""
    return json.dumps({"footer": footer.decode("utf-8"), "pages": dict(sorted(digests.items()))}, indent=1)
