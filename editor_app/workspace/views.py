"""Field values, the collection `filter` and full-text search over a collection's in-memory index.

Pure functions over entries that have `data` (a mapping) and `search_text` (lowercased text of every
field, computed once when the entry is indexed), so a search keystroke over 10,000 entries is one
substring test per entry.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Mapping
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


def matches_filter(data: Mapping[str, Any], field: str, pattern: Any) -> bool:
    """Decap's view filter: a boolean pattern compares equal, else `pattern` is a regex searched in the text."""
    value = field_value(data, field)
    if isinstance(pattern, bool):
        return (value is True) if pattern else (value is False or value is None)
    if isinstance(value, (list, tuple)):
        return any(re.search(str(pattern), value_text(v)) for v in value)
    return re.search(str(pattern), value_text(value)) is not None


def search_entries(entries: Iterable[Any], text: str) -> list[Any]:
    """Entries whose text contains every word of `text` (case-insensitive); empty text matches all."""
    words = text.lower().split()
    if not words:
        return list(entries)
    if len(words) == 1:
        word = words[0]
        return [e for e in entries if word in e.search_text]
    return [e for e in entries if all(w in e.search_text for w in words)]
