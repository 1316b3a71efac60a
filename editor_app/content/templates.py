"""Decap's string templates (`{{...}}` with filters) for summaries, slugs, paths and preview paths.

`compile_template(template, data, *, date=None, identifier="", processor=None)` replaces each
`{{key | filter}}`: `fields.<name>` (explicit field), the date keys `year month day hour minute second`
(UTC, zero-padded, only when `date` is given), `slug` (the identifier), else a data path such as
`author.name` or `images[0]`. Filters: `upper`, `lower`, `date('<dayjs format>')`, `default('x')`,
`ternary('a', 'b')`, `truncate(n[, '...'])`. `summary_for_entry(...)` adds Decap's summary variables
(`dirname`, `filename`, `extension`, `commit_author`, `commit_date`). `format_dayjs(dt, fmt)` formats
a datetime with dayjs tokens.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from editor_app.content.moment_format import format_moment

TEMPLATE_PATTERN = re.compile(r"{{([^}{|]+?)\s*(?:\|\s*([^}{]+?))?\s*}}")
DATE_KEYS = ("year", "month", "day", "hour", "minute", "second")
FIELD_PREFIX = "fields."
DATE_FIELD_NAMES = ("date", "publishDate", "publish_date")

def parse_date(value: Any) -> datetime | None:
    """A datetime from a date/datetime value or an ISO-like string; None when it is not a date."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    # "2015-11-02T00:00.000Z" (minutes with milliseconds, seen in Decap's samples) -> add seconds.
    text = re.sub(r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2})(\.\d+)", r"\1:00\2", text)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def format_dayjs(dt: datetime, fmt: str) -> str:
    """Format `dt` with dayjs/moment tokens (YYYY MM DD HH mm ss SSS MMM dddd A Z ..., [literal])."""
    return format_moment(dt, fmt)


def _to_text(value: Any) -> str:
    """JavaScript-like String(value): objects and lists as JSON, booleans lower-case, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


_FILTERS: list[tuple[re.Pattern[str], Callable[[Any, re.Match[str]], Any]]] = [
    (re.compile(r"^upper$"), lambda v, m: _to_text(v).upper()),
    (re.compile(r"^lower$"), lambda v, m: _to_text(v).lower()),
    (
        re.compile(r"^date\('(.+)'\)$"),
        lambda v, m: format_dayjs(d, m.group(1)) if (d := parse_date(v)) is not None else "",
    ),
    (re.compile(r"^default\('(.+)'\)$"), lambda v, m: v if _truthy(v) else m.group(1)),
    (re.compile(r"^ternary\('(.*)',\s*'(.*)'\)$"), lambda v, m: m.group(1) if _truthy(v) else m.group(2)),
    (
        re.compile(r"""^truncate\(([0-9]+)(?:,\s*['"]([^'"]*)['"])?\)$"""),
        lambda v, m: _truncate(_to_text(v), int(m.group(1)), m.group(2)),
    ),
]


def _truthy(value: Any) -> bool:
    return value not in (None, "", False, 0) and value == value  # NaN is falsy in JavaScript


def _truncate(text: str, length: int, omission: str | None) -> str:
    if len(text) <= length:
        return text
    return text[:length] + (omission if omission is not None else "...")


def apply_filter(value: Any, name: str) -> Any:
    """Apply one filter expression (e.g. `date('YYYY')`); an unknown filter leaves the value as is."""
    for pattern, transform in _FILTERS:
        match = pattern.match(name.strip())
        if match:
            return transform(value, match)
    return value


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def lookup(data: Mapping[str, Any], key: str) -> Any:
    """The value at a data path like `author.name` or `images[0].src` (None when absent)."""
    current: Any = data
    for match in _PATH_PART.finditer(key.strip()):
        name, index = match.groups()
        if index is not None:
            if isinstance(current, list) and int(index) < len(current):
                current = current[int(index)]
            else:
                return None
        elif isinstance(current, Mapping) and name in current:
            current = current[name]
        elif isinstance(current, list) and name.isdigit() and int(name) < len(current):
            current = current[int(name)]
        else:
            return None
    return current


def compile_template(
    template: str,
    data: Mapping[str, Any],
    *,
    date: datetime | None = None,
    identifier: Any = "",
    processor: Callable[[Any], str] | None = None,
) -> str:
    """Replace every `{{...}}` in `template`; `processor` (e.g. slug sanitising) is applied to each value."""

    def replace(match: re.Match[str]) -> str:
        key = match.group(1).strip()
        filter_expr = match.group(2)
        value: Any
        if key.startswith(FIELD_PREFIX):
            value = lookup(data, key[len(FIELD_PREFIX):])
        elif key in DATE_KEYS and date is not None:
            value = _date_part(date, key)
        elif key == "slug":
            value = identifier
        else:
            value = lookup(data, key)
        if filter_expr:
            value = apply_filter(value, filter_expr)
        if processor is not None:
            return processor(value)
        return _to_text(value)

    return TEMPLATE_PATTERN.sub(replace, template)


def _date_part(dt: datetime, key: str) -> str:
    utc = dt.astimezone(UTC) if dt.tzinfo is not None else dt
    values = {"year": f"{utc.year:04d}", "month": f"{utc.month:02d}", "day": f"{utc.day:02d}",
              "hour": f"{utc.hour:02d}", "minute": f"{utc.minute:02d}", "second": f"{utc.second:02d}"}
    return values[key]


def template_variables(template: str) -> list[str]:
    """The keys a template uses, in order (e.g. ["title", "fields.date"])."""
    return [m.group(1).strip() for m in TEMPLATE_PATTERN.finditer(template)]


def file_template_fields(path: str, folder: str | None) -> dict[str, str]:
    """Decap's `dirname` (relative to the folder), `filename` and `extension` of an entry path."""
    directory, _, name = path.rpartition("/")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    folder = (folder or "").strip("/")
    if folder and (directory == folder or directory.startswith(folder + "/")):
        directory = directory[len(folder):].lstrip("/")
    return {"dirname": directory, "filename": stem, "extension": extension}


def entry_date(data: Mapping[str, Any], date_field: str | None = None) -> datetime | None:
    """The entry's date: `date_field` when given, else the first of date/publishDate/publish_date."""
    names = (date_field,) if date_field else DATE_FIELD_NAMES
    for name in names:
        if name and name in data:
            parsed = parse_date(data[name])
            if parsed is not None:
                return parsed
    return None


def summary_for_entry(
    template: str,
    data: Mapping[str, Any],
    *,
    path: str = "",
    folder: str | None = None,
    identifier: Any = "",
    date_field: str | None = None,
    commit_author: str | None = None,
    commit_date: str | None = None,
) -> str:
    """An entry's summary line as Decap's `summaryFormatter` builds it."""
    values = dict(data)
    values.update(file_template_fields(path, folder) if path else {})
    if commit_author is not None and "commit_author" not in data:
        values["commit_author"] = commit_author
    if commit_date is not None and "commit_date" not in data:
        values["commit_date"] = commit_date
    return compile_template(template, values, date=entry_date(data, date_field), identifier=identifier)
