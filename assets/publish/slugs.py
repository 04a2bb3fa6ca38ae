"""File names made from codes partners and services are known by: safe in a path, unique, stable."""

from __future__ import annotations

import re


def file_slugs(codes: list[str], fallback: str = "service") -> dict[str, str]:
    """Map each code to a unique file-name slug made only of [a-z0-9-] (`fallback` for a code with none)."""
    slugs: dict[str, str] = {}
    taken: set[str] = set()
    for code in sorted(codes):
        base = re.sub(r"[^a-z0-9]+", "-", code.lower()).strip("-") or fallback
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        slugs[code] = slug
    return slugs
