"""Sorting, view filters, view groups and full-text search over a collection's in-memory index.

Pure functions over entries that have `data` (a mapping) and `search_text` (lowercased text of every
field, computed once when the entry is indexed), so a search keystroke over 10,000 entries is one
substring test per entry.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol


class Indexed(Protocol):
    """What the view functions need of an entry."""

    @property
    def data(self) -> Mapping[str, Any]: ...

    @property
    def search_text(self) -> str: ...


def field_value(data: Mapping[str, Any], name: str) -> Any:
    """The value at a dotted field path (`author.name`, `images.0`), or None."""
    value: Any = data
    for part in name.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, (list, tuple)) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def value_text(value: Any) -> str:
    """A field value as Decap's filters and groups see it (`String(value)`; booleans as true/false)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ",".join(value_text(v) for v in value)
    return str(value)


def search_text_of(data: Mapping[str, Any], *extra: str) -> str:
    """The lowercased text of every value in `data` (nested lists and objects included) plus `extra`."""
    parts: list[str] = [e for e in extra if e]

    def walk(value: Any) -> None:
        if isinstance(value, Mapping):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)
        elif value is not None:
            parts.append(value_text(value))

    walk(data)
    return "\n".join(parts).lower()


def _sort_key(value: Any) -> tuple[int, Any]:
    # Missing values sort last; numbers, dates and text each compare among themselves.
    if value is None or value == "":
        return (3, "")
    if isinstance(value, bool):
        return (0, float(value))
    if isinstance(value, (int, float)):
        return (0, float(value))
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.UTC)
        return (1, value.isoformat())
    if isinstance(value, _dt.date):
        return (1, value.isoformat())
    return (2, value_text(value).casefold())


def sort_entries(entries: Iterable[Any], field: str, *, descending: bool = False) -> list[Any]:
    """Entries ordered by `field` (dotted path); entries without a value come last either way."""
    present = [e for e in entries]
    with_value = [e for e in present if _sort_key(field_value(e.data, field))[0] != 3]
    without = [e for e in present if _sort_key(field_value(e.data, field))[0] == 3]
    with_value.sort(key=lambda e: _sort_key(field_value(e.data, field)), reverse=descending)
    return with_value + without


def matches_filter(data: Mapping[str, Any], field: str, pattern: Any) -> bool:
    """Decap's view filter: a boolean pattern compares equal, else `pattern` is a regex searched in the text."""
    value = field_value(data, field)
    if isinstance(pattern, bool):
        return (value is True) if pattern else (value is False or value is None)
    if isinstance(value, (list, tuple)):
        return any(re.search(str(pattern), value_text(v)) for v in value)
    return re.search(str(pattern), value_text(value)) is not None


def filter_entries(entries: Iterable[Any], filters: Sequence[Any]) -> list[Any]:
    """Entries matching every filter of `filters` (objects with `field` and `pattern`)."""
    return [e for e in entries if all(matches_filter(e.data, f.field, f.pattern) for f in filters)]


def group_entries(entries: Iterable[Any], field: str, pattern: str | None = None) -> dict[str, list[Any]]:
    """Decap's view group: the group's label is the first match of `pattern` in the value (the value without one).

    Entries whose value does not match (or is missing) go to the "" group; groups keep first-seen order.
    """
    groups: dict[str, list[Any]] = {}
    compiled = re.compile(pattern) if pattern else None
    for entry in entries:
        text = value_text(field_value(entry.data, field))
        if compiled is not None:
            found = compiled.search(text)
            label = found.group(0) if found else ""
        else:
            label = text
        groups.setdefault(label, []).append(entry)
    return groups


def search_entries(entries: Iterable[Any], text: str) -> list[Any]:
    """Entries whose text contains every word of `text` (case-insensitive); empty text matches all."""
    words = text.lower().split()
    if not words:
        return list(entries)
    if len(words) == 1:
        word = words[0]
        return [e for e in entries if word in e.search_text]
    return [e for e in entries if all(w in e.search_text for w in words)]
