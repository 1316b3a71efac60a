"""Find/replace matching, word counts and Qt's UTF-16 positions, Qt-free."""

from __future__ import annotations

import pytest

from editor_app.content.text_search import (
    SearchOptions,
    count_words,
    find_all,
    python_index,
    reading_minutes,
    replacement_for,
    utf16_offset,
)
from editor_app.errors import ContentError

TEXT = "Cat cat category cat."


@pytest.mark.parametrize(("needle", "options", "expected"), [
    ("cat", SearchOptions(), [(0, 3), (4, 7), (8, 11), (17, 20)]),
    ("cat", SearchOptions(match_case=True), [(4, 7), (8, 11), (17, 20)]),
    ("cat", SearchOptions(whole_word=True), [(0, 3), (4, 7), (17, 20)]),
    (r"c\w+y", SearchOptions(regex=True), [(8, 16)]),
    ("a.", SearchOptions(), []),  # literal: the dot is a dot
    ("", SearchOptions(), []),
])
def test_find_all(needle: str, options: SearchOptions, expected: list[tuple[int, int]]) -> None:
    assert find_all(TEXT, needle, options) == expected


def test_regex_replacements_expand_groups_and_bad_patterns_say_so() -> None:
    options = SearchOptions(regex=True)
    assert replacement_for("cat 12", 0, 6, r"cat (\d+)", r"\1 cats", options) == "12 cats"
    assert replacement_for("cat 12", 0, 3, "cat", r"\1", SearchOptions()) == r"\1"  # literal mode
    with pytest.raises(ContentError, match="not valid"):
        find_all("x", "(", options)
    with pytest.raises(ContentError, match="replacement"):
        replacement_for("cat 12", 0, 6, r"cat (\d+)", r"\2", options)


def test_word_count_skips_code_urls_and_markup() -> None:
    text = "# Title here\n\nSome **bold** words, l’été and well-known.\n```\nnot counted\n```\nsee https://x.org `x y`"
    assert count_words(text) == 9
    assert reading_minutes(0) == 0 and reading_minutes(1) == 1 and reading_minutes(200) == 1
    assert reading_minutes(201) == 2


def test_utf16_positions_round_trip_around_emoji() -> None:
    text = "a😀b😀c"
    assert [utf16_offset(text, i) for i in range(len(text) + 1)] == [0, 1, 3, 4, 6, 7]
    assert [python_index(text, u) for u in (0, 1, 3, 4, 6, 7)] == [0, 1, 2, 3, 4, 5]
    assert utf16_offset("plain", 3) == 3 and python_index("plain", 3) == 3
