"""Value rules of Decap's built-in widgets, without Qt: validation, numbers, dates, relations, colours, GeoJSON.

The editor's form widgets (ui/widgets) keep only presentation; everything that decides what a value
means, whether it is valid and how it is written back lives here so it is testable without a display.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from io import StringIO
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from editor_app.config.site_config import Field
from editor_app.config.yaml12 import AliasBombError, check_alias_expansion
from editor_app.content import moment_format

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


def _naming(label: str, message: str) -> str:
    """A config's own message for a field, prefixed with the field's label unless it already names it."""
    return message if label.casefold() in message.casefold() else f"{label}: {message}"


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
                messages.append(_naming(label, message) if message else f"{label} does not match the pattern {regex}.")
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

DATE_TOKENS = moment_format.DATE_TOKENS
TIME_TOKENS = moment_format.TIME_TOKENS


def _tokens(fmt: str) -> list[str]:
    """A moment format's tokens, and its literal text marked with a leading NUL."""
    return ["\0" + t.text if t.literal else t.text for t in moment_format.tokenize(fmt)]


def format_datetime(dt: datetime, fmt: str) -> str:
    """Render a datetime with a moment format string (`YYYY-MM-DD HH:mm`, `[at] h A`, `LLL`, ...)."""
    return moment_format.format_moment(dt, fmt)


def parse_datetime(text: str, fmt: str | None = None) -> datetime:
    """Read a stored date/time string, with a moment format or (None) as ISO 8601; ValueError when it does not fit."""
    text = text.strip()
    if fmt is None:
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
        except ValueError:
            raise ValueError(f"'{text}' is not an ISO 8601 date") from None
    return moment_format.parse_moment(text, fmt)


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
    mapping = {"YYYY": "yyyy", "Y": "yyyy", "YYYYY": "yyyy", "YYYYYY": "yyyy", "yyyy": "yyyy", "y": "yyyy",
               "YY": "yy", "yy": "yy", "MMMM": "MMMM", "MMM": "MMM", "MM": "MM", "M": "M", "Mo": "M", "DD": "dd",
               "D": "d", "Do": "d", "dddd": "dddd", "ddd": "ddd", "dd": "ddd", "HH": "HH", "H": "H", "kk": "HH",
               "k": "H", "hh": "hh", "h": "h", "mm": "mm", "m": "m", "ss": "ss", "s": "s", "SSS": "zzz",
               "A": "AP", "a": "ap", "Hmm": "Hmm", "hmm": "hmm", "Hmmss": "Hmmss", "hmmss": "hmmss",
               "Z": "t", "ZZ": "t", "z": "t", "zz": "t"}
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


def expand_path(data: Any, path: str) -> list[str]:
    """Decap's `expandPath`: a dotted path with `*` steps, one concrete path per list item it crosses.

    `authors.*.id` over `{"authors": [{...}, {...}]}` is `["authors.0.id", "authors.1.id"]`; a path without
    `*` is itself; a `*` that meets no list expands to nothing.
    """
    found: list[tuple[Any, list[str]]] = [(data, [])]
    for part in path.split("."):
        following: list[tuple[Any, list[str]]] = []
        for node, steps in found:
            if part == "*":
                if isinstance(node, list):
                    following.extend((item, [*steps, str(i)]) for i, item in enumerate(node))
            else:
                following.append((lookup(node, part) if node is not None else None, [*steps, part]))
        found = following
    return [".".join(steps) for _node, steps in found]


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _relation_field_text(entry: dict[str, Any], key: str, position: int) -> str:
    """A display or search field of one relation option (the `position`-th item where `key` has `*`)."""
    if "{{" in key:
        return render_template(key, entry)
    paths = expand_path(entry, key)
    if not paths:
        return ""
    return _as_text(lookup(entry, paths[position] if position < len(paths) else paths[0]))


@dataclass(frozen=True)
class RelationOption:
    """One choice of a relation field: the value it stores, the label it shows, the texts a search reads."""

    value: Any
    label: str
    search_texts: tuple[str, ...]

    def matches(self, query: str) -> bool:
        """Whether every word of `query` occurs in the search texts (case and accents ignored)."""
        haystack = fold_text(" ".join(self.search_texts))
        return all(word in haystack for word in fold_text(query).split())


def fold_text(text: str) -> str:
    """Lower case without accents, for searching: "María" and "maria" match."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def relation_options(entry: dict[str, Any], value_field: str, display_fields: list[str] | None,
                     search_fields: list[str] | None) -> list[RelationOption]:
    """The choices one found entry offers, as Decap's relation widget builds them.

    A `value_field` with `*` (a files collection's list, `authors.*.id`) offers one choice per list item,
    labelled and searched by the same item of the display and search fields; otherwise the entry is one
    choice. Choices without a value are left out.
    """
    value_paths = [value_field] if "{{" in value_field else expand_path(entry, value_field)
    options = []
    for position, path in enumerate(value_paths):
        value = render_template(path, entry) if "{{" in path else lookup(entry, path)
        if is_empty(value):
            continue
        label = " ".join(filter(None, (_relation_field_text(entry, key, position)
                                       for key in display_fields or [value_field])))
        texts = tuple(_relation_field_text(entry, key, position) for key in search_fields or [value_field])
        options.append(RelationOption(value, label or _as_text(value), texts))
    return options


@dataclass(frozen=True)
class RelationSettings:
    """A relation field's options as Decap reads them (defaults included)."""

    collection: str
    value_field: str
    search_fields: list[str]
    display_fields: list[str]
    file: str | None

    @classmethod
    def of(cls, fld: Field) -> RelationSettings:
        """The relation options of `fld`."""
        opts = fld.options
        value_field = str(opts.get("value_field", "{{slug}}"))
        file = opts.get("file")
        return cls(
            collection=str(opts.get("collection", "")),
            value_field=value_field,
            search_fields=[str(f) for f in opts.get("search_fields") or [value_field]],
            display_fields=[str(f) for f in opts.get("display_fields") or []],
            file=str(file) if file else None,
        )

    def options(self, entries: Iterable[dict[str, Any]], query: str = "") -> list[RelationOption]:
        """The choices `entries` offer that match `query` (all for ''), each value once, in entry order."""
        found: list[RelationOption] = []
        seen: set[str] = set()
        for entry in entries:
            for option in relation_options(entry, self.value_field, self.display_fields, self.search_fields):
                key = json.dumps(option.value, sort_keys=True, default=str)
                if key not in seen and option.matches(query):
                    seen.add(key)
                    found.append(option)
        return found


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
        check_alias_expansion(text)
        return _yaml().load(text)
    except AliasBombError as exc:
        where = f"line {exc.problem_mark.line + 1}: " if exc.problem_mark is not None else ""
        raise ValueError(f"invalid YAML ({where}{exc.problem})") from None
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ValueError(f"invalid YAML ({where}{problem})") from None
