"""Value rules of Decap's built-in widgets, without Qt: validation, numbers, dates, relations, colours, GeoJSON.

The editor's form widgets (ui/widgets) keep only presentation; everything that decides what a value
means, whether it is valid and how it is written back lives here so it is testable without a display.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, timezone
from io import StringIO
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from editor_app.config.site_config import Field

# --- emptiness and validation ----------------------------------------------------------------------


def is_empty(value: Any) -> bool:
    """Whether a value counts as "not filled in" for `required` (Decap: null, '', [] and {} are empty)."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, (list, tuple, dict)):
        return len(value) == 0
    return False


def _count_word(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def validate_field(fld: Field, value: Any, present: bool = True) -> list[str]:
    """Messages for one field's own value (not its children): required, pattern, min/max, GeoJSON."""
    label = fld.label or fld.name
    if not fld.is_builtin_widget or fld.widget == "hidden":
        return []
    if not present or is_empty(value):
        if fld.required and fld.widget != "boolean":
            return [f"{label} is required."]
        return []
    messages: list[str] = []
    opts = fld.options
    if fld.pattern is not None and isinstance(value, (str, int, float)) and not isinstance(value, bool):
        regex, message = fld.pattern
        try:
            if re.search(regex, str(value)) is None:
                messages.append(message or f"{label} does not match the pattern {regex}.")
        except re.error as exc:
            messages.append(f"{label}: the config's pattern {regex!r} is not a valid regular expression ({exc}).")
    if fld.widget == "number":
        number = value
        if isinstance(value, str):
            try:
                number = parse_number(value, opts.get("value_type"))
            except ValueError as exc:
                return [f"{label}: {exc}"]
        if isinstance(number, (int, float)) and not isinstance(number, bool):
            low, high = opts.get("min"), opts.get("max")
            if low is not None and number < low:
                messages.append(f"{label} must be at least {low}.")
            if high is not None and number > high:
                messages.append(f"{label} must be at most {high}.")
    if fld.widget == "list" or (fld.widget in ("select", "relation") and opts.get("multiple")):
        count = len(value) if isinstance(value, list) else 1
        low, high = opts.get("min"), opts.get("max")
        if isinstance(low, (int, float)) and count < low:
            messages.append(f"{label} needs at least {_count_word(int(low), 'item')} (has {count}).")
        if isinstance(high, (int, float)) and count > high:
            messages.append(f"{label} takes at most {_count_word(int(high), 'item')} (has {count}).")
    if fld.widget == "map":
        problem = geojson_problem(value, opts.get("type"))
        if problem:
            messages.append(f"{label}: {problem}")
    if fld.widget == "color" and isinstance(value, str):
        try:
            parse_color(value)
        except ValueError as exc:
            messages.append(f"{label}: {exc}")
    return messages


def validate_entry(fields: Iterable[Field], data: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Every problem of an entry's data as (field path, message), paths like `authors[1].name`."""
    problems: list[tuple[str, str]] = []
    for fld in fields:
        path = f"{prefix}{fld.name}"
        present = isinstance(data, dict) and fld.name in data
        value = data.get(fld.name) if isinstance(data, dict) else None
        problems.extend((path, message) for message in validate_field(fld, value, present))
        if not present or value is None or not fld.is_builtin_widget:
            continue
        if fld.widget == "object" and isinstance(value, dict):
            problems.extend(validate_entry(fld.fields, value, f"{path}."))
        elif fld.widget == "list" and isinstance(value, list):
            for index, item in enumerate(value):
                item_path = f"{path}[{index}]"
                if fld.types:
                    item_type = list_item_type(fld, item)
                    if item_type is not None and isinstance(item, dict):
                        problems.extend(validate_entry(item_type.fields, item, f"{item_path}."))
                elif fld.fields and isinstance(item, dict):
                    problems.extend(validate_entry(fld.fields, item, f"{item_path}."))
                elif fld.field is not None:
                    wrapped = validate_entry([fld.field], {fld.field.name: item}, "")
                    problems.extend((item_path + p[len(fld.field.name):], m) for p, m in wrapped)
    return problems


# --- numbers ---------------------------------------------------------------------------------------


def parse_number(text: str, value_type: str | None = None) -> int | float:
    """A number typed by the user: ints for `value_type: int`, floats for `float`, else the natural type."""
    cleaned = text.strip()
    if not cleaned:
        raise ValueError("enter a number")
    try:
        if value_type == "int":
            number = float(cleaned)
            if not number.is_integer():
                raise ValueError(f"'{text}' is not a whole number")
            return int(number)
        if value_type == "float":
            return float(cleaned)
        return int(cleaned) if re.fullmatch(r"[+-]?\d+", cleaned) else float(cleaned)
    except ValueError as exc:
        if "whole number" in str(exc):
            raise
        raise ValueError(f"'{text}' is not a number") from None


def format_number(value: Any) -> str:
    """The text shown for a stored number (no trailing '.0' noise beyond what the value has)."""
    if value is None:
        return ""
    return str(value)


# --- select ----------------------------------------------------------------------------------------


def select_options(fld: Field) -> list[tuple[str, Any]]:
    """The (label, value) pairs of a select field, whether options are plain values or label/value maps."""
    pairs: list[tuple[str, Any]] = []
    for option in fld.options.get("options") or []:
        if isinstance(option, dict):
            pairs.append((str(option.get("label", option.get("value"))), option.get("value")))
        else:
            pairs.append((str(option), option))
    return pairs


# --- date and time ---------------------------------------------------------------------------------

_TOKEN_RE = re.compile(
    r"\[[^\]]*\]|YYYY|YY|MMMM|MMM|MM|M|Do|DD|D|dddd|ddd|HH|H|hh|h|mm|m|ss|s|SSS|SS|S|A|a|ZZ|Z|X|x"
)
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
DATE_TOKENS = {"YYYY", "YY", "MMMM", "MMM", "MM", "M", "Do", "DD", "D", "X", "x"}
TIME_TOKENS = {"HH", "H", "hh", "h", "mm", "m", "ss", "s", "X", "x"}


def _tokens(fmt: str) -> list[str]:
    """Split a moment/dayjs format into tokens and literal text (literals keep their brackets stripped)."""
    out: list[str] = []
    pos = 0
    for match in _TOKEN_RE.finditer(fmt):
        if match.start() > pos:
            out.append("\0" + fmt[pos:match.start()])
        token = match.group(0)
        out.append("\0" + token[1:-1] if token.startswith("[") else token)
        pos = match.end()
    if pos < len(fmt):
        out.append("\0" + fmt[pos:])
    return out


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _offset(dt: datetime, sep: str) -> str:
    delta = dt.utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}{sep}{minutes % 60:02d}"


def format_datetime(dt: datetime, fmt: str) -> str:
    """Render a datetime with a moment/dayjs format string (`YYYY-MM-DD HH:mm`, `[at] h A`, ...)."""
    parts: list[str] = []
    for token in _tokens(fmt):
        if token.startswith("\0"):
            parts.append(token[1:])
            continue
        hour12 = dt.hour % 12 or 12
        parts.append({
            "YYYY": f"{dt.year:04d}", "YY": f"{dt.year % 100:02d}",
            "MMMM": _MONTHS[dt.month - 1], "MMM": _MONTHS[dt.month - 1][:3],
            "MM": f"{dt.month:02d}", "M": str(dt.month),
            "Do": _ordinal(dt.day), "DD": f"{dt.day:02d}", "D": str(dt.day),
            "dddd": _DAYS[dt.weekday()], "ddd": _DAYS[dt.weekday()][:3],
            "HH": f"{dt.hour:02d}", "H": str(dt.hour), "hh": f"{hour12:02d}", "h": str(hour12),
            "mm": f"{dt.minute:02d}", "m": str(dt.minute), "ss": f"{dt.second:02d}", "s": str(dt.second),
            "SSS": f"{dt.microsecond // 1000:03d}", "SS": f"{dt.microsecond // 10000:02d}",
            "S": str(dt.microsecond // 100000),
            "A": "AM" if dt.hour < 12 else "PM", "a": "am" if dt.hour < 12 else "pm",
            "ZZ": _offset(dt, ""), "Z": _offset(dt, ":"),
            "X": str(int(dt.timestamp())), "x": str(int(dt.timestamp() * 1000)),
        }[token])
    return "".join(parts)


_PARSE_PATTERNS = {
    "YYYY": r"(?P<YYYY>\d{4})", "YY": r"(?P<YY>\d{2})", "MMMM": r"(?P<MMMM>[A-Za-z]+)",
    "MMM": r"(?P<MMM>[A-Za-z]{3})", "MM": r"(?P<MM>\d{2})", "M": r"(?P<M>\d{1,2})",
    "Do": r"(?P<Do>\d{1,2})(?:st|nd|rd|th)", "DD": r"(?P<DD>\d{2})", "D": r"(?P<D>\d{1,2})",
    "dddd": r"[A-Za-z]+", "ddd": r"[A-Za-z]{3}", "HH": r"(?P<HH>\d{2})", "H": r"(?P<H>\d{1,2})",
    "hh": r"(?P<hh>\d{2})", "h": r"(?P<h>\d{1,2})", "mm": r"(?P<mm>\d{2})", "m": r"(?P<m>\d{1,2})",
    "ss": r"(?P<ss>\d{2})", "s": r"(?P<s>\d{1,2})", "SSS": r"(?P<SSS>\d{3})", "SS": r"(?P<SS>\d{2})",
    "S": r"(?P<S>\d)", "A": r"(?P<A>AM|PM|am|pm)", "a": r"(?P<a>am|pm|AM|PM)",
    "ZZ": r"(?P<ZZ>Z|[+-]\d{4})", "Z": r"(?P<Z>Z|[+-]\d{2}:\d{2})", "X": r"(?P<X>\d+)", "x": r"(?P<x>\d+)",
}


def parse_datetime(text: str, fmt: str | None = None) -> datetime:
    """Read a stored date/time string, with a moment/dayjs format or (None) as ISO 8601."""
    text = text.strip()
    if fmt is None:
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
        except ValueError:
            raise ValueError(f"'{text}' is not an ISO 8601 date") from None
    regex = "".join(re.escape(t[1:]) if t.startswith("\0") else _PARSE_PATTERNS[t] for t in _tokens(fmt))
    match = re.fullmatch(regex, text)
    if match is None:
        raise ValueError(f"'{text}' does not match the format {fmt}")
    g = {k: v for k, v in match.groupdict().items() if v is not None}
    if "X" in g:
        return datetime.fromtimestamp(int(g["X"]), UTC)
    if "x" in g:
        return datetime.fromtimestamp(int(g["x"]) / 1000, UTC)
    year = int(g["YYYY"]) if "YYYY" in g else 2000 + int(g["YY"]) if "YY" in g else 1970
    month = 1
    if "MMMM" in g or "MMM" in g:
        name = (g.get("MMMM") or g["MMM"])[:3].lower()
        months = [m[:3].lower() for m in _MONTHS]
        if name not in months:
            raise ValueError(f"'{text}': unknown month '{name}'")
        month = months.index(name) + 1
    elif "MM" in g or "M" in g:
        month = int(g.get("MM") or g["M"])
    day = int(g.get("DD") or g.get("D") or g.get("Do") or 1)
    hour = int(g.get("HH") or g.get("H") or g.get("hh") or g.get("h") or 0)
    meridiem = (g.get("A") or g.get("a") or "").lower()
    if meridiem == "pm" and hour < 12:
        hour += 12
    elif meridiem == "am" and hour == 12:
        hour = 0
    minute = int(g.get("mm") or g.get("m") or 0)
    second = int(g.get("ss") or g.get("s") or 0)
    fraction = g.get("SSS") or g.get("SS") or g.get("S") or "0"
    micro = int(fraction.ljust(6, "0")[:6])
    tz = None
    offset = g.get("Z") or g.get("ZZ")
    if offset:
        if offset == "Z":
            tz = UTC
        else:
            sign = -1 if offset[0] == "-" else 1
            digits = offset[1:].replace(":", "")
            tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    except ValueError as exc:
        raise ValueError(f"'{text}': {exc}") from None


# Shapes of stored strings seen in real sites, most specific first, for fields without `format`.
_DETECTABLE = [
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z"), "YYYY-MM-DDTHH:mm:ss.SSS[Z]"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"), "YYYY-MM-DDTHH:mm:ss[Z]"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}"), "YYYY-MM-DDTHH:mm:ss.SSSZ"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}"), "YYYY-MM-DDTHH:mm:ssZ"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"), "YYYY-MM-DDTHH:mm:ss"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"), "YYYY-MM-DDTHH:mm"),
    (re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"), "YYYY-MM-DD HH:mm:ss"),
    (re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"), "YYYY-MM-DD HH:mm"),
    (re.compile(r"\d{4}-\d{2}-\d{2}"), "YYYY-MM-DD"),
    (re.compile(r"\d{2}:\d{2}:\d{2}"), "HH:mm:ss"),
    (re.compile(r"\d{2}:\d{2}"), "HH:mm"),
]
DECAP_DEFAULT_FORMAT = "YYYY-MM-DDTHH:mm:ss.SSS[Z]"  # dayjs().toISOString(), always UTC


def detect_datetime_format(text: str) -> str | None:
    """The moment format that a stored date string was written with, when it has a common shape."""
    for regex, fmt in _DETECTABLE:
        if regex.fullmatch(text.strip()):
            return fmt
    return None


def datetime_kind(fld: Field) -> str:
    """'date', 'time' or 'datetime': what the picker shows for a datetime/date field."""
    opts = fld.options
    fmt = opts.get("format")
    if fld.widget == "date" or opts.get("time_format") is False:
        return "date"
    if opts.get("date_format") is False:
        return "time"
    if isinstance(fmt, str):
        tokens = set(_tokens(fmt))
        has_date, has_time = bool(tokens & DATE_TOKENS), bool(tokens & TIME_TOKENS)
        if has_date and not has_time:
            return "date"
        if has_time and not has_date:
            return "time"
    return "datetime"


def storage_format(fld: Field, original: Any = None) -> str:
    """The format a datetime field's value is written in: `format`, else the original's shape, else Decap's."""
    fmt = fld.options.get("format")
    if isinstance(fmt, str) and fmt:
        return fmt
    if isinstance(original, str):
        detected = detect_datetime_format(original)
        if detected is not None:
            return detected
    kind = datetime_kind(fld)
    if kind == "date":
        return "YYYY-MM-DD"
    if kind == "time":
        return "HH:mm"
    return DECAP_DEFAULT_FORMAT


def is_utc_format(fmt: str) -> bool:
    """Whether a format writes UTC with a literal Z (Decap's ISO default)."""
    return fmt.endswith("[Z]")


def moment_to_qt(fmt: str) -> str:
    """A moment/dayjs display format as a QDateTimeEdit display format (unknown tokens dropped)."""
    mapping = {"YYYY": "yyyy", "YY": "yy", "MMMM": "MMMM", "MMM": "MMM", "MM": "MM", "M": "M", "DD": "dd",
               "D": "d", "Do": "d", "dddd": "dddd", "ddd": "ddd", "HH": "HH", "H": "H", "hh": "hh", "h": "h",
               "mm": "mm", "m": "m", "ss": "ss", "s": "s", "SSS": "zzz", "A": "AP", "a": "ap"}
    out: list[str] = []
    for token in _tokens(fmt):
        if token.startswith("\0"):
            literal = token[1:]
            if literal:
                out.append("'" + literal.replace("'", "''") + "'" if re.search(r"[A-Za-z]", literal) else literal)
        elif token in mapping:
            out.append(mapping[token])
    return "".join(out)


def picker_display_format(fld: Field) -> str:
    """The Qt display format of a datetime field's picker, from `date_format`/`time_format` or defaults."""
    opts = fld.options
    kind = datetime_kind(fld)
    date_fmt = opts.get("date_format")
    time_fmt = opts.get("time_format")
    date_part = moment_to_qt(date_fmt) if isinstance(date_fmt, str) else "yyyy-MM-dd"
    time_part = moment_to_qt(time_fmt) if isinstance(time_fmt, str) else "HH:mm"
    if kind == "date":
        return date_part
    if kind == "time":
        return time_part
    return f"{date_part} {time_part}"


def read_stored_datetime(value: Any, fmt: str) -> datetime:
    """A stored value (string, or the date/datetime a YAML loader made of it) as a datetime."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, time):
        return datetime.combine(date(1970, 1, 1), value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date")
    try:
        return parse_datetime(value, fmt)
    except ValueError:
        return parse_datetime(value, None)


def write_datetime(dt: datetime, fmt: str, like: Any = None) -> Any:
    """A picked datetime in the stored form: same Python type as `like` when the loader gave one, else text."""
    if isinstance(like, datetime):
        return dt if like.tzinfo is not None or dt.tzinfo is None else dt.replace(tzinfo=None)
    if isinstance(like, date):
        return dt.date()
    if is_utc_format(fmt):
        dt = dt.astimezone(UTC) if dt.tzinfo is not None else dt.replace(tzinfo=UTC)
    return format_datetime(dt, fmt)


def now_default(fld: Field, now: datetime) -> str:
    """Decap's `default: '{{now}}'`: the current time in the field's storage format."""
    fmt = storage_format(fld)
    return format_datetime(now.astimezone(UTC) if is_utc_format(fmt) else now, fmt)


# --- relation --------------------------------------------------------------------------------------


def lookup(data: Any, dotted: str) -> Any:
    """A value at a dotted path (`author.name`, `tags.0`) of entry data, or None."""
    current = data
    for part in dotted.split("."):
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


def render_template(template: str, data: dict[str, Any]) -> str:
    """Fill `{{field}}` / `{{fields.field}}` / `{{slug}}` placeholders from entry data ('' when missing)."""

    def fill(match: re.Match[str]) -> str:
        key = match.group(1).strip()
        if key.startswith("fields."):
            key = key[len("fields."):]
        value = lookup(data, key)
        if value is None:
            return ""
        return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)

    return re.sub(r"\{\{\s*([^}|]+?)\s*(?:\|[^}]*)?\}\}", fill, template)


def relation_value(entry: dict[str, Any], value_field: str) -> Any:
    """The value a relation stores for a found entry (`value_field` may be a `{{slug}}` template)."""
    if "{{" in value_field:
        return render_template(value_field, entry)
    return lookup(entry, value_field)


def relation_display(entry: dict[str, Any], display_fields: list[str] | None, value_field: str) -> str:
    """How a found entry is shown in the relation picker: its display fields joined by spaces."""
    fields = display_fields or [value_field]
    parts = []
    for name in fields:
        text = render_template(name, entry) if "{{" in name else lookup(entry, name)
        if text is not None and text != "":
            parts.append(", ".join(map(str, text)) if isinstance(text, list) else str(text))
    return " ".join(parts) if parts else str(relation_value(entry, value_field) or "")


# --- list ------------------------------------------------------------------------------------------


def list_item_type(fld: Field, item: Any) -> Field | None:
    """The `types` variant of a list item, chosen by its type key (`type` unless `typeKey`)."""
    if not isinstance(item, dict):
        return None
    name = item.get(fld.type_key)
    return next((t for t in fld.types if t.name == name), None)


def list_item_summary(fld: Field, item: Any, index: int) -> str:
    """The one-line title of a collapsed list/object item: `summary` template, else its first value."""
    summary = fld.options.get("summary")
    if isinstance(summary, str) and isinstance(item, dict):
        text = render_template(summary, item).strip()
        if text:
            return text
    if isinstance(item, dict):
        for value in item.values():
            if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
                return str(value).strip().splitlines()[0][:80]
    elif item is not None and not isinstance(item, (list, dict)):
        return str(item)[:80]
    singular = fld.options.get("label_singular") or fld.label
    return f"{singular} {index + 1}"


def parse_simple_list(text: str) -> list[str]:
    """A list without sub-fields, typed as comma-separated text (Decap's simple list)."""
    return [part.strip() for part in text.split(",") if part.strip()]


# --- colour ----------------------------------------------------------------------------------------


def parse_color(text: str) -> tuple[int, int, int, float]:
    """(r, g, b, alpha 0..1) of a colour written as #rgb, #rrggbb, #rrggbbaa or rgb()/rgba()."""
    value = text.strip()
    match = re.fullmatch(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})", value)
    if match:
        digits = match.group(1)
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        alpha = int(digits[6:8], 16) / 255 if len(digits) == 8 else 1.0
        return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16), round(alpha, 2)
    match = re.fullmatch(r"rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*([\d.]+)\s*)?\)", value)
    if match and all(int(match.group(i)) <= 255 for i in (1, 2, 3)):
        alpha = float(match.group(4)) if match.group(4) else 1.0
        if 0 <= alpha <= 1:
            return int(match.group(1)), int(match.group(2)), int(match.group(3)), alpha
    raise ValueError(f"'{text}' is not a colour (use #rrggbb or rgba(r, g, b, a))")


def format_color(r: int, g: int, b: int, alpha: float = 1.0, enable_alpha: bool = False) -> str:
    """A colour as Decap's colour widget writes it: hex, or rgba(...) when alpha is enabled and below 1."""
    if enable_alpha and alpha < 1:
        return f"rgba({r}, {g}, {b}, {round(alpha, 2):g})"
    return f"#{r:02x}{g:02x}{b:02x}"


# --- map (GeoJSON) ---------------------------------------------------------------------------------


def geojson_problem(value: Any, geometry_type: str | None = None) -> str | None:
    """Why a map value is not a valid GeoJSON geometry (of `type`, default Point), or None when it is."""
    if isinstance(value, str):
        try:
            data = json.loads(value)
        except json.JSONDecodeError as exc:
            return f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
    else:
        data = value
    if not isinstance(data, dict):
        return "a GeoJSON geometry must be an object"
    wanted = geometry_type or "Point"
    kind = data.get("type")
    if kind != wanted:
        return f"expected a GeoJSON {wanted}, found {kind!r}"
    coords = data.get("coordinates")

    def position_ok(p: Any) -> bool:
        return (isinstance(p, list) and len(p) >= 2
                and all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in p)
                and -180 <= p[0] <= 180 and -90 <= p[1] <= 90)

    if wanted == "Point":
        if not position_ok(coords):
            return "a Point needs coordinates [longitude, latitude] within -180..180 and -90..90"
    elif wanted == "LineString":
        if not (isinstance(coords, list) and len(coords) >= 2 and all(position_ok(p) for p in coords)):
            return "a LineString needs at least two [longitude, latitude] positions"
    elif wanted == "Polygon":
        if not (isinstance(coords, list) and coords and all(isinstance(r, list) for r in coords)):
            return "a Polygon needs a list of linear rings"
        for ring in coords:
            if len(ring) < 4 or not all(position_ok(p) for p in ring):
                return "each Polygon ring needs at least four [longitude, latitude] positions"
            if ring[0] != ring[-1]:
                return "each Polygon ring must end where it starts"
    return None


# --- raw YAML for widgets that are not built in ------------------------------------------------------


def _yaml() -> YAML:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    return yaml


def value_to_yaml(value: Any) -> str:
    """A value as YAML text for the raw editor of an unknown widget ('' for no value)."""
    if value is None:
        return ""
    stream = StringIO()
    _yaml().dump(value, stream)
    text = stream.getvalue()
    return text[:-5] if text.endswith("\n...\n") else text.rstrip("\n")


def yaml_to_value(text: str) -> Any:
    """Parse the raw editor's YAML back; raises ValueError naming the line of a syntax error."""
    if not text.strip():
        return None
    try:
        return _yaml().load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ValueError(f"invalid YAML ({where}{problem})") from None
