"""moment.js format strings, as Decap's datetime widget reads them (`format`, `date_format`, `time_format`).

`format_moment(dt, fmt)` writes a datetime and `parse_moment(text, fmt)` reads one back, for every token
moment documents for display (https://momentjs.com/docs/#/displaying/format/) in its default `en` locale:

    month M Mo MM MMM MMMM · quarter Q Qo · day of month D Do DD · day of year DDD DDDo DDDD
    day of week d do dd ddd dddd · locale / ISO day of week e E · week w wo ww · ISO week W Wo WW
    year Y YY YYYY YYYYY YYYYYY · era year y yo yy yyy yyyy · era N NN NNN NNNN NNNNN
    week year gg gggg ggggg · ISO week year GG GGGG GGGGG · AM/PM A a · hour H HH h hh k kk
    minute m mm · second s ss · fraction S SS SSS … SSSSSSSSS · offset Z ZZ · zone z zz
    Unix time X (seconds) x (milliseconds) · Hmm Hmmss hmm hmmss
    localized LT LTS L LL LLL LLLL l ll lll llll

Text in square brackets (`[at]`) and a character after a backslash are literal; any other character is
literal too. A token may appear any number of times (when parsing, the last one read wins, as in moment).
A format never raises anything but `ValueError` for text that does not match it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

# moment's `formattingTokens` and `localFormattingTokens` (src/lib/format/format.js).
_FORMATTING_TOKENS = re.compile(
    r"(\[[^\[]*\])|(\\)?([Hh]mm(?:ss)?|Mo|MM?M?M?|Do|DDDo|DD?D?D?|ddd?d?|do?|w[o|w]?|W[o|W]?|Qo?|N{1,5}"
    r"|YYYYYY|YYYYY|YYYY|YY|y{2,4}|yo?|gg(?:ggg?)?|GG(?:GGG?)?|e|E|a|A|hh?|HH?|kk?|mm?|ss?|S{1,9}|x|X|zz?|ZZ?|.)",
    re.DOTALL,
)
_LOCAL_TOKENS = re.compile(r"(\[[^\[]*\])|(\\)?(LTS|LT|LL?L?L?|l{1,4})")

# The `en` locale's long date formats.
LOCALIZED_FORMATS: dict[str, str] = {
    "LTS": "h:mm:ss A",
    "LT": "h:mm A",
    "L": "MM/DD/YYYY",
    "LL": "MMMM D, YYYY",
    "LLL": "MMMM D, YYYY h:mm A",
    "LLLL": "dddd, MMMM D, YYYY h:mm A",
    "l": "M/D/YYYY",
    "ll": "MMM D, YYYY",
    "lll": "MMM D, YYYY h:mm A",
    "llll": "ddd, MMM D, YYYY h:mm A",
}

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]  # moment: 0 = Sunday


@dataclass(frozen=True)
class Token:
    """One piece of a format: a token (`YYYY`) or literal text (`literal` True)."""

    text: str
    literal: bool = False


def expand_localized(fmt: str) -> str:
    """`fmt` with the localized tokens (`LT`, `LL`, `llll`, ...) replaced by their `en` formats."""

    def replace(match: re.Match[str]) -> str:
        if match.group(1) is not None or match.group(2) is not None:
            return match.group(0)
        return LOCALIZED_FORMATS[match.group(3)]

    for _ in range(5):  # moment expands at most five levels deep
        expanded = _LOCAL_TOKENS.sub(replace, fmt)
        if expanded == fmt:
            break
        fmt = expanded
    return fmt


def tokenize(fmt: str) -> list[Token]:
    """The tokens and literal pieces of `fmt` (localized formats expanded first), in order."""
    tokens: list[Token] = []
    for match in _FORMATTING_TOKENS.finditer(expand_localized(fmt)):
        bracketed, escaped, token = match.group(1), match.group(2), match.group(3)
        if bracketed is not None:
            piece = Token(bracketed[1:-1], literal=True)
        elif escaped is not None or token not in _FORMATTERS:
            piece = Token(token, literal=True)
        else:
            piece = Token(token)
        if not piece.literal or piece.text:
            tokens.append(piece)
    return tokens


# --- formatting ------------------------------------------------------------------------------------


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _weekday(dt: date) -> int:
    return (dt.weekday() + 1) % 7


def locale_week(day: date) -> tuple[int, int]:
    """(week year, week) in the `en` locale: weeks start on Sunday and week 1 holds January 1st."""
    saturday = day + timedelta(days=6 - _weekday(day))
    year = saturday.year
    first = date(year, 1, 1)
    first_sunday = first - timedelta(days=_weekday(first))
    return year, (day - first_sunday).days // 7 + 1


def _offset(dt: datetime, sep: str) -> str:
    delta = dt.utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}{sep}{minutes % 60:02d}"


def _zone(dt: datetime) -> str:
    if dt.tzinfo is None:
        return ""  # moment without moment-timezone knows no zone name
    if dt.utcoffset() == timedelta(0):
        return "UTC"
    name = dt.tzname() or ""
    return "" if name.startswith("UTC") else name


def _epoch(dt: datetime) -> float:
    aware = dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)  # naive values are taken as UTC
    return aware.timestamp()


def _hour12(dt: datetime) -> int:
    return dt.hour % 12 or 12


def _year(dt: datetime) -> str:
    return f"{dt.year:04d}" if dt.year <= 9999 else f"+{dt.year}"


def _fraction(dt: datetime, digits: int) -> str:
    return f"{dt.microsecond:06d}".ljust(digits, "0")[:digits]


_FORMATTERS: dict[str, Callable[[datetime], str]] = {
    "M": lambda dt: str(dt.month),
    "Mo": lambda dt: _ordinal(dt.month),
    "MM": lambda dt: f"{dt.month:02d}",
    "MMM": lambda dt: MONTHS[dt.month - 1][:3],
    "MMMM": lambda dt: MONTHS[dt.month - 1],
    "Q": lambda dt: str((dt.month - 1) // 3 + 1),
    "Qo": lambda dt: _ordinal((dt.month - 1) // 3 + 1),
    "D": lambda dt: str(dt.day),
    "Do": lambda dt: _ordinal(dt.day),
    "DD": lambda dt: f"{dt.day:02d}",
    "DDD": lambda dt: str(dt.timetuple().tm_yday),
    "DDDo": lambda dt: _ordinal(dt.timetuple().tm_yday),
    "DDDD": lambda dt: f"{dt.timetuple().tm_yday:03d}",
    "d": lambda dt: str(_weekday(dt)),
    "do": lambda dt: _ordinal(_weekday(dt)),
    "dd": lambda dt: WEEKDAYS[_weekday(dt)][:2],
    "ddd": lambda dt: WEEKDAYS[_weekday(dt)][:3],
    "dddd": lambda dt: WEEKDAYS[_weekday(dt)],
    "e": lambda dt: str(_weekday(dt)),
    "E": lambda dt: str(dt.isoweekday()),
    "w": lambda dt: str(locale_week(dt.date())[1]),
    "wo": lambda dt: _ordinal(locale_week(dt.date())[1]),
    "ww": lambda dt: f"{locale_week(dt.date())[1]:02d}",
    "W": lambda dt: str(dt.isocalendar()[1]),
    "Wo": lambda dt: _ordinal(dt.isocalendar()[1]),
    "WW": lambda dt: f"{dt.isocalendar()[1]:02d}",
    "Y": _year,
    "YY": lambda dt: f"{dt.year % 100:02d}",
    "YYYY": lambda dt: f"{dt.year:04d}",
    "YYYYY": lambda dt: f"{dt.year:05d}",
    "YYYYYY": lambda dt: f"+{dt.year:06d}",
    "y": lambda dt: str(dt.year),
    "yo": lambda dt: _ordinal(dt.year),
    "yy": lambda dt: f"{dt.year:02d}",  # era years are zero-filled, never cut (unlike YY)
    "yyy": lambda dt: f"{dt.year:03d}",
    "yyyy": lambda dt: f"{dt.year:04d}",
    "N": lambda dt: "AD",
    "NN": lambda dt: "AD",
    "NNN": lambda dt: "AD",
    "NNNN": lambda dt: "Anno Domini",
    "NNNNN": lambda dt: "AD",
    "gg": lambda dt: f"{locale_week(dt.date())[0] % 100:02d}",
    "gggg": lambda dt: f"{locale_week(dt.date())[0]:04d}",
    "ggggg": lambda dt: f"{locale_week(dt.date())[0]:05d}",
    "GG": lambda dt: f"{dt.isocalendar()[0] % 100:02d}",
    "GGGG": lambda dt: f"{dt.isocalendar()[0]:04d}",
    "GGGGG": lambda dt: f"{dt.isocalendar()[0]:05d}",
    "A": lambda dt: "AM" if dt.hour < 12 else "PM",
    "a": lambda dt: "am" if dt.hour < 12 else "pm",
    "H": lambda dt: str(dt.hour),
    "HH": lambda dt: f"{dt.hour:02d}",
    "h": lambda dt: str(_hour12(dt)),
    "hh": lambda dt: f"{_hour12(dt):02d}",
    "k": lambda dt: str(dt.hour or 24),
    "kk": lambda dt: f"{dt.hour or 24:02d}",
    "m": lambda dt: str(dt.minute),
    "mm": lambda dt: f"{dt.minute:02d}",
    "s": lambda dt: str(dt.second),
    "ss": lambda dt: f"{dt.second:02d}",
    "Hmm": lambda dt: f"{dt.hour}{dt.minute:02d}",
    "Hmmss": lambda dt: f"{dt.hour}{dt.minute:02d}{dt.second:02d}",
    "hmm": lambda dt: f"{_hour12(dt)}{dt.minute:02d}",
    "hmmss": lambda dt: f"{_hour12(dt)}{dt.minute:02d}{dt.second:02d}",
    "Z": lambda dt: _offset(dt, ":"),
    "ZZ": lambda dt: _offset(dt, ""),
    "z": _zone,
    "zz": _zone,
    "X": lambda dt: str(int(_epoch(dt) // 1)),
    "x": lambda dt: str(int(round(_epoch(dt) * 1000))),
}


def _fraction_of(digits: int) -> Callable[[datetime], str]:
    return lambda dt: _fraction(dt, digits)


for _n in range(1, 10):
    _FORMATTERS["S" * _n] = _fraction_of(_n)

TOKENS: frozenset[str] = frozenset(_FORMATTERS)
# Tokens that say something about the date, and about the time of day (X and x say both).
DATE_TOKENS: frozenset[str] = frozenset(
    t for t in TOKENS if t[0] in "MQDdeEwWYyNgGXx"
)
TIME_TOKENS: frozenset[str] = frozenset(t for t in TOKENS if t[0] in "AaHhkmsSXx")


def format_moment(dt: datetime, fmt: str) -> str:
    """`dt` written with the moment format `fmt` (`YYYY-MM-DD HH:mm`, `[at] h A`, `LLL`, ...)."""
    return "".join(t.text if t.literal else _FORMATTERS[t.text](dt) for t in tokenize(fmt))


# --- parsing ---------------------------------------------------------------------------------------

_ORD = r"(?:st|nd|rd|th)"
_MONTH_NAMES = "|".join(sorted({*MONTHS, *(m[:3] for m in MONTHS)}, key=len, reverse=True))
_DAY_NAMES = "|".join(sorted({*WEEKDAYS, *(d[:3] for d in WEEKDAYS), *(d[:2] for d in WEEKDAYS)},
                             key=len, reverse=True))
_MERIDIEM = r"[ap]\.?m?\.?"
_OFFSET = r"Z|[+-]\d\d(?::?\d\d)?"


def _pattern(token: str) -> str:
    """The regular expression (no groups) that reads one token, as moment's parser accepts it."""
    fixed = {
        "M": r"\d{1,2}", "Mo": rf"\d{{1,2}}{_ORD}", "MM": r"\d\d", "MMM": f"(?i:{_MONTH_NAMES})",
        "MMMM": f"(?i:{_MONTH_NAMES})", "Q": r"[1-4]", "Qo": rf"[1-4]{_ORD}",
        "D": r"\d{1,2}", "Do": rf"\d{{1,2}}{_ORD}", "DD": r"\d\d", "DDD": r"\d{1,3}", "DDDo": rf"\d{{1,3}}{_ORD}",
        "DDDD": r"\d{3}", "d": r"[0-6]", "do": rf"[0-6]{_ORD}", "dd": f"(?i:{_DAY_NAMES})",
        "ddd": f"(?i:{_DAY_NAMES})", "dddd": f"(?i:{_DAY_NAMES})", "e": r"[0-6]", "E": r"[1-7]",
        "w": r"\d{1,2}", "wo": rf"\d{{1,2}}{_ORD}", "ww": r"\d\d", "W": r"\d{1,2}", "Wo": rf"\d{{1,2}}{_ORD}",
        "WW": r"\d\d", "Y": r"[+-]?\d{4,6}", "YY": r"\d\d", "YYYY": r"\d{4}", "YYYYY": r"[+-]?\d{5}",
        "YYYYYY": r"[+-]?\d{6}", "y": r"\d{1,4}", "yo": rf"\d{{1,4}}{_ORD}", "yy": r"\d{1,4}", "yyy": r"\d{1,4}",
        "yyyy": r"\d{1,4}", "N": "(?i:AD|BC)", "NN": "(?i:AD|BC)", "NNN": "(?i:AD|BC)",
        "NNNN": "(?i:Anno Domini|Before Christ)", "NNNNN": "(?i:AD|BC)",
        "gg": r"\d\d", "gggg": r"\d{4}", "ggggg": r"\d{5}", "GG": r"\d\d", "GGGG": r"\d{4}", "GGGGG": r"\d{5}",
        "A": f"(?i:{_MERIDIEM})", "a": f"(?i:{_MERIDIEM})", "H": r"\d{1,2}", "HH": r"\d\d", "h": r"\d{1,2}",
        "hh": r"\d\d", "k": r"\d{1,2}", "kk": r"\d\d", "m": r"\d{1,2}", "mm": r"\d\d", "s": r"\d{1,2}",
        "ss": r"\d\d", "Hmm": r"\d{3,4}", "Hmmss": r"\d{5,6}", "hmm": r"\d{3,4}", "hmmss": r"\d{5,6}",
        "Z": _OFFSET, "ZZ": _OFFSET, "z": r"[A-Za-z]*", "zz": r"[A-Za-z]*",
        "X": r"[+-]?\d+(?:\.\d{1,3})?", "x": r"[+-]?\d+",
    }
    if token in fixed:
        return fixed[token]
    return r"\d{1,3}" if len(token) <= 3 else r"\d+"  # S, SS, ... fractions of a second


def _two_digit_year(text: str) -> int:
    value = int(text)
    return value + (1900 if value > 68 else 2000)  # moment's parseTwoDigitYear


def _number(text: str) -> int:
    return int(re.sub(r"\D", "", text) or "0") * (-1 if text.startswith("-") else 1)


def _month_number(text: str) -> int:
    return [m[:3].lower() for m in MONTHS].index(text[:3].lower()) + 1


def _read_offset(text: str) -> timezone:
    if text.upper() == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "").ljust(4, "0")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))


def parse_moment(text: str, fmt: str) -> datetime:
    """The datetime that `text` written with the moment format `fmt` stands for; ValueError when it does not match.

    Parts the format does not give default to 1970-01-01 00:00; an offset (`Z`, `ZZ`) makes the result aware,
    Unix times (`X`, `x`) are UTC.
    """
    tokens = tokenize(fmt)
    regex = "".join(re.escape(t.text) if t.literal else f"(?P<g{i}>{_pattern(t.text)})" for i, t in enumerate(tokens))
    match = re.fullmatch(regex, text) or re.fullmatch(regex, text.strip())
    if match is None:
        raise ValueError(f"'{text}' does not match the format {fmt}")
    read: dict[str, str] = {}
    for i, token in enumerate(tokens):
        if not token.literal:
            read[token.text] = match.group(f"g{i}")  # a repeated token: the last one wins, as in moment
    return _build(read, text)


def _first(read: dict[str, str], *names: str) -> str | None:
    for name in names:
        if name in read:
            return read[name]
    return None


def _build(read: dict[str, str], text: str) -> datetime:
    try:
        if "x" in read:
            return datetime.fromtimestamp(int(read["x"]) / 1000, UTC)
        if "X" in read:
            return datetime.fromtimestamp(float(read["X"]), UTC)
        day = _date_of(read)
        hour, minute, second = _time_of(read)
        fraction = _first(read, *("S" * n for n in range(9, 0, -1))) or "0"
        micro = int(fraction.ljust(6, "0")[:6])
        offset = _first(read, "Z", "ZZ")
        tz = _read_offset(offset) if offset else None
        return datetime(day.year, day.month, day.day, hour, minute, second, micro, tzinfo=tz)
    except (ValueError, OverflowError, OSError) as exc:  # out of range: a value error, never a crash
        raise ValueError(f"'{text}': {exc}") from None


def _date_of(read: dict[str, str]) -> date:
    year_text = _first(read, "YYYYYY", "YYYYY", "YYYY", "Y", "yyyy", "yyy", "yy", "y", "yo")
    if year_text is not None:
        year = _number(year_text)
        if _first(read, "N", "NN", "NNN", "NNNN", "NNNNN") in ("BC", "Before Christ"):
            year = 1 - year
    elif "YY" in read:
        year = _two_digit_year(read["YY"])
    else:
        year = 1970
    month_text = _first(read, "MMMM", "MMM")
    if month_text is not None:
        month = _month_number(month_text)
    elif (number := _first(read, "MM", "M", "Mo")) is not None:
        month = _number(number)
    elif "Q" in read or "Qo" in read:
        month = (_number(read.get("Q") or read["Qo"]) - 1) * 3 + 1
    else:
        month = 0
    day_text = _first(read, "DD", "D", "Do")
    if month or day_text is not None:
        return date(year, month or 1, _number(day_text) if day_text is not None else 1)
    if (yday := _first(read, "DDDD", "DDD", "DDDo")) is not None:
        return date(year, 1, 1) + timedelta(days=_number(yday) - 1)
    if any(k in read for k in ("W", "WW", "Wo", "E", "GG", "GGGG", "GGGGG")):
        week_year = _first(read, "GGGGG", "GGGG")
        iso_year = int(week_year) if week_year else _two_digit_year(read["GG"]) if "GG" in read else year
        return date.fromisocalendar(iso_year, _number(_first(read, "WW", "W", "Wo") or "1"),
                                    int(read.get("E", "1")))
    if any(k in read for k in ("w", "ww", "wo", "e", "gg", "gggg", "ggggg")):
        week_year = _first(read, "ggggg", "gggg")
        locale_year = int(week_year) if week_year else _two_digit_year(read["gg"]) if "gg" in read else year
        first = date(locale_year, 1, 1)
        start = first - timedelta(days=_weekday(first))
        week = _number(_first(read, "ww", "w", "wo") or "1")
        weekday = int(_first(read, "e", "d") or "0")
        return start + timedelta(days=(week - 1) * 7 + weekday)
    return date(year, 1, 1)


def _time_of(read: dict[str, str]) -> tuple[int, int, int]:
    hour = minute = second = 0
    composite = _first(read, "Hmmss", "hmmss", "Hmm", "hmm")
    if composite is not None:
        with_seconds = "Hmmss" in read or "hmmss" in read
        digits = composite[:-2] if with_seconds else composite
        hour, minute = int(digits[:-2]), int(digits[-2:])
        second = int(composite[-2:]) if with_seconds else 0
    if (h24 := _first(read, "HH", "H")) is not None:
        hour = int(h24)
    elif (k := _first(read, "kk", "k")) is not None:
        hour = int(k) % 24
    elif (h12 := _first(read, "hh", "h")) is not None:
        hour = int(h12)
    meridiem = (_first(read, "A", "a") or "").lower()
    if meridiem.startswith("p") and hour < 12:
        hour += 12
    elif meridiem.startswith("a") and hour == 12:
        hour = 0
    if (m := _first(read, "mm", "m")) is not None:
        minute = int(m)
    if (s := _first(read, "ss", "s")) is not None:
        second = int(s)
    return hour, minute, second
