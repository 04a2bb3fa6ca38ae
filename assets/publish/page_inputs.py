"""What each page is rendered from, digested, so that a page whose inputs did not change is carried over
from the previous publication instead of being rendered again.

A page is its template applied to its context; the publication time, in the footer every page shares,
is the only thing it shows that is not in its context. A page's digest covers its name, its template,
the publication code (every template and module of assets/publish, whose methods templates may call
on the context's objects, and Jinja2's version) and what the page is made from, pickled, by value:

- a joint service's page: its inputs (`service_page.ServiceInputs`), the only data its context is built
  from, each cut to what is the service's own (its marts' rows, its data quality, the peers its path
  chart draws, the peer counts and findings of its kind), with the digest of what every service page
  reads alike (reference tables, chart templates, the board's rules). Its context is built only when
  the page is rendered. The marts and data quality are read in a fixed order, so that equal inputs
  pickle alike;
- any other page: its whole context, every value its template can read.

The site keeps the digests and its footer in `page-inputs.json`; the next publication copies a page whose
digest is unchanged, with the old footer replaced by the new one: the same bytes as rendering it again.
Anything that cannot be carried over exactly (inputs that cannot be pickled, a page missing from the
previous site, a footer not found once) is rendered.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import secrets
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


def page_digest(fingerprint: str, name: str, template: str, inputs: Any) -> str | None:
    """The digest of a page's inputs (its context, or what it is built from); None when they cannot be
    pickled.

    Equal pickles are equal values; equal values pickled differently (a set's order, an object shared
    or repeated) only cost a page rendered again.
    """
    try:
        pickled = pickle.dumps((fingerprint, name, template, inputs), protocol=5)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    return hashlib.sha256(pickled).hexdigest()


def inputs_digest(inputs: Any) -> str:
    """The digest of inputs many pages share, for each page's digest to hold in their place; when they
    cannot be pickled, a digest new each time, which no previous page's digest holds."""
    try:
        return hashlib.sha256(pickle.dumps(inputs, protocol=5)).hexdigest()
    except (pickle.PicklingError, TypeError, AttributeError):
        return secrets.token_hex(32)


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
