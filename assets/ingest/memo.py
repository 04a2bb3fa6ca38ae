"""Remember what is worked out from a mapping, so that files sharing a layout work it out once.

Mappings are frozen dataclasses holding read-only dicts, so they cannot be hashed: entries are kept by
the mapping's identity. Each entry holds its mapping, which therefore outlives it, so an identity is
never reused while its entry is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class MappingMemo(Generic[Value]):
    """Values keyed by a mapping's identity and a hashable key, at most `limit` of them (all forgotten
    at once when full: a pass meets a few hundred layouts)."""

    def __init__(self, limit: int = 4096) -> None:
        self._entries: dict[tuple[int, Hashable], tuple[object, Value]] = {}
        self._limit = limit

    def get(self, mapping: object, key: Hashable, compute: Callable[[], Value]) -> Value:
        """Return the value kept for (mapping, key), computing and keeping it the first time."""
        found = self._entries.get((id(mapping), key))
        if found is not None and found[0] is mapping:
            return found[1]
        value = compute()
        if len(self._entries) >= self._limit:
            self._entries.clear()
        self._entries[(id(mapping), key)] = (mapping, value)
        return value
