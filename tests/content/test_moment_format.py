"""moment.js formats of the datetime widget: every documented token formats and parses, repeated or not."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from editor_app.content import widget_values as wv
from editor_app.content.moment_format import TOKENS, format_moment, parse_moment, tokenize

# Sunday, January 1st 2023, five past midnight: ISO week 52 of 2022, locale week 1 of 2023, hour "24" for k.
SUNDAY = datetime(2023, 1, 1, 0, 5, 7, 89000)

# What moment 2.30 (locale en) writes for SUNDAY, token by token.
EXPECTED = {
    "M": "1", "Mo": "1st", "MM": "01", "MMM": "Jan", "MMMM": "January",
    "Q": "1", "Qo": "1st",
    "D": "1", "Do": "1st", "DD": "01", "DDD": "1", "DDDo": "1st", "DDDD": "001",
    "d": "0", "do": "0th", "dd": "Su", "ddd": "Sun", "dddd": "Sunday", "e": "0", "E": "7",
    "w": "1", "wo": "1st", "ww": "01", "W": "52", "Wo": "52nd", "WW": "52",
    "Y": "2023", "YY": "23", "YYYY": "2023", "YYYYY": "02023", "YYYYYY": "+002023",
    "y": "2023", "yo": "2023rd", "yy": "2023", "yyy": "2023", "yyyy": "2023",
    "N": "AD", "NN": "AD", "NNN": "AD", "NNNN": "Anno Domini", "NNNNN": "AD",
    "gg": "23", "gggg": "2023", "ggggg": "02023", "GG": "22", "GGGG": "2022", "GGGGG": "02022",
    "A": "AM", "a": "am", "H": "0", "HH": "00", "h": "12", "hh": "12", "k": "24", "kk": "24",
    "m": "5", "mm": "05", "s": "7", "ss": "07",
    "S": "0", "SS": "08", "SSS": "089", "SSSS": "0890", "SSSSS": "08900", "SSSSSS": "089000",
    "SSSSSSS": "0890000", "SSSSSSSS": "08900000", "SSSSSSSSS": "089000000",
    "Hmm": "005", "Hmmss": "00507", "hmm": "1205", "hmmss": "120507",
    "Z": "+00:00", "ZZ": "+0000", "z": "", "zz": "",
    "X": "1672531507", "x": "1672531507089",
}
LOCALIZED = {
    "LT": "12:05 AM", "LTS": "12:05:07 AM", "L": "01/01/2023", "LL": "January 1, 2023",
    "LLL": "January 1, 2023 12:05 AM", "LLLL": "Sunday, January 1, 2023 12:05 AM",
    "l": "1/1/2023", "ll": "Jan 1, 2023", "lll": "Jan 1, 2023 12:05 AM", "llll": "Sun, Jan 1, 2023 12:05 AM",
}
# Enough to pin the whole moment down, so that any one token can be added and the value must survive.
FULL = "YYYY-MM-DD HH:mm:ss.SSS"


def test_the_table_covers_every_token():
    assert set(EXPECTED) == TOKENS


@pytest.mark.parametrize("token", sorted(EXPECTED))
def test_every_token_formats_as_moment_does(token):
    assert format_moment(SUNDAY, token) == EXPECTED[token]


@pytest.mark.parametrize("token", sorted(EXPECTED))
def test_every_token_parses_back_next_to_a_full_date(token):
    fmt = f"{FULL} [|] {token}"
    text = format_moment(SUNDAY, fmt)
    parsed = parse_moment(text, fmt)
    if token == "X":  # Unix seconds: a UTC moment, whole seconds
        assert parsed == SUNDAY.replace(microsecond=0, tzinfo=UTC)
    elif token == "x":  # Unix milliseconds
        assert parsed == SUNDAY.replace(tzinfo=UTC)
    elif token in ("Z", "ZZ"):  # an offset makes the value aware
        assert parsed == SUNDAY.replace(tzinfo=UTC) and parsed.tzinfo is not None
    else:
        assert parsed == SUNDAY


@pytest.mark.parametrize("token", sorted(LOCALIZED))
def test_localized_formats_expand_to_the_en_locale_and_parse_back(token):
    assert format_moment(SUNDAY, token) == LOCALIZED[token]
    parsed = parse_moment(LOCALIZED[token], token)
    assert parsed.minute == (5 if "T" in token.upper() or len(token) >= 3 else 0)
    if token not in ("LT", "LTS"):
        assert parsed.date() == SUNDAY.date()


@pytest.mark.parametrize(("fmt", "text", "expected"), [
    ("GGGG-[W]WW-E", "2022-W52-7", datetime(2023, 1, 1)),
    ("gggg [week] w e", "2023 week 1 0", datetime(2023, 1, 1)),
    ("gggg-ww", "2025-01", datetime(2024, 12, 29)),
    ("YYYY-DDDD", "2024-366", datetime(2024, 12, 31)),
    ("YYYY DDDo", "2024 60th", datetime(2024, 2, 29)),
    ("Qo [quarter] YYYY", "3rd quarter 2024", datetime(2024, 7, 1)),
    ("YY-M-D", "69-1-2", datetime(1969, 1, 2)),
    ("YY-M-D", "68-1-2", datetime(2068, 1, 2)),
    ("MMMM Do YYYY, h:mm:ss a", "march 9th 2024, 10:05:07 pm", datetime(2024, 3, 9, 22, 5, 7)),
    ("MMM D YYYY kk:mm", "Dec 24 2023 24:00", datetime(2023, 12, 24, 0, 0)),
    ("YYYYMMDD Hmmss", "20240309 220507", datetime(2024, 3, 9, 22, 5, 7)),
    ("dddd, LL", "Saturday, March 9, 2024", datetime(2024, 3, 9)),
    ("X", "1709935200.5", datetime(2024, 3, 8, 22, 0, 0, 500000, tzinfo=UTC)),
    ("YYYY-MM-DDTHH:mm:ssZZ", "2024-03-09T22:05:07-0230",
     datetime(2024, 3, 9, 22, 5, 7, tzinfo=timezone(-timedelta(hours=2, minutes=30)))),
    ("YYYY-MM-DD\\THH", "2024-03-09T22", datetime(2024, 3, 9, 22)),
])
def test_tokens_that_pin_a_date_on_their_own(fmt, text, expected):
    assert parse_moment(text, fmt) == expected


@pytest.mark.parametrize("fmt", ["h:mm aaa", "YYYY YYYY", "HH:mm [at] HH:mm", "D D D", "A A"])
def test_repeated_tokens_format_and_parse(fmt):
    moment = datetime(2024, 3, 9, 22, 5)
    text = format_moment(moment, fmt)
    parsed = parse_moment(text, fmt)
    assert format_moment(parsed, fmt) == text
    assert wv.parse_datetime(text, fmt) == parsed  # the widget's reader: no re.error on a repeated token


def test_h_mm_aaa_is_three_meridiems_as_in_moment():
    assert format_moment(datetime(2024, 3, 9, 22, 5), "h:mm aaa") == "10:05 pmpmpm"


def test_literal_text_in_brackets_and_after_a_backslash():
    moment = datetime(2024, 3, 9, 18, 30)
    assert format_moment(moment, "[Today is] dddd [at] h A") == "Today is Saturday at 6 PM"
    assert format_moment(moment, "YYYY [YYYY] \\Y") == "2024 YYYY Y"
    assert parse_moment("2024 YYYY Y 03", "YYYY [YYYY] \\Y MM") == datetime(2024, 3, 1)
    assert [t.text for t in tokenize("[at]HH")] == ["at", "HH"]


@pytest.mark.parametrize("fmt", [
    "[", "]", "[[", "[unclosed", "((", "(?P<YYYY>x)", "\\", "*+?{}|^$", "YYYY(", "h:mm aaa)", "[a]]]", "..",
])
def test_hostile_formats_never_raise_anything_but_value_error(fmt):
    text = format_moment(SUNDAY, fmt)
    assert parse_moment(text, fmt) is not None
    with pytest.raises(ValueError):
        parse_moment(text + "?!", fmt)


def test_random_formats_format_and_never_raise_re_error():
    rng = random.Random(16)
    alphabet = list("YMDdHhkmsSAaZXxQwWgGeEN[]\\()*+?.|^$ -:/") + ["Do", "LT", "LLLL", "[at]"]
    for _ in range(2000):
        fmt = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        text = format_moment(SUNDAY, fmt)
        try:
            parse_moment(text, fmt)
        except ValueError:
            pass  # e.g. a day-of-year against a month: refused as a value, never a crash


def test_datetime_kind_knows_the_new_tokens():
    from editor_app.config.site_config import Field

    def kind(fmt: str) -> str:
        return wv.datetime_kind(Field(name="d", label="D", widget="datetime", options={"format": fmt}))

    assert kind("LT") == "time" and kind("LL") == "date" and kind("LLL") == "datetime"
    assert kind("GGGG-[W]WW") == "date" and kind("kk:mm") == "time"
    assert wv.moment_to_qt("LL") == "MMMM d, yyyy"
