"""Spelling, Qt-free: tokenising markdown, dictionaries per locale with fallbacks, user and site words."""

from __future__ import annotations

from pathlib import Path

import pytest

from editor_app.content.spelling import (
    DictionaryCatalog,
    Speller,
    WordList,
    all_words,
    format_word_list,
    normalise_locale,
    parse_word_list,
)

DICTIONARIES = Path(__file__).parent / "dictionaries"


def words(text: str, markdown: bool = True) -> list[str]:
    return [t.word for t in all_words(text, markdown=markdown)]


def test_code_spans_blocks_urls_and_shortcodes_are_not_checked() -> None:
    text = ("Hello `codde` and https://exampel.org/pathh or www.exampel.com\n"
            "```python\nbadd = 1\n```\n"
            "{{< figgure src=\"x\" >}} {% inclde x %} [linkk text](/imagge.png) <spann>wrold</spann>\n"
            "    indentedd code\n"
            "mail me@exampel.org PySide CMS l’homme well-known x2y")
    assert words(text) == ["Hello", "and", "or", "linkk", "text", "wrold", "mail", "l’homme", "well-known"]


def test_front_matter_keys_are_skipped_but_values_checked() -> None:
    text = "---\ntitel: Helo there\ntags:\n  - naem\n---\nBody"
    assert words(text) == ["Helo", "there", "naem", "Body"]


def test_offsets_point_into_the_text() -> None:
    text = "one\n`x` twoo"
    assert [(t.start, text[t.start:t.end]) for t in all_words(text)] == [(0, "one"), (8, "twoo")]


def test_plain_text_mode_keeps_backticks_but_skips_urls() -> None:
    assert words("see https://x.org/aa ```", markdown=False) == ["see"]


def test_each_locale_gets_its_own_dictionary() -> None:
    catalog = DictionaryCatalog([DICTIONARIES])
    english, french = catalog.checker("en"), catalog.checker("fr")
    assert english is not None and french is not None
    assert english.dictionary == "en_US" and french.dictionary == "fr_FR"
    assert english.is_correct("colour") and not french.is_correct("colour")
    assert french.is_correct("maisons") and not english.is_correct("maisons")
    assert french.is_correct("l’été") and french.is_correct("l'homme")
    assert english.suggest("wrold")[0] == "world"
    assert french.suggest("cafe")[0] == "café"


@pytest.mark.parametrize(("locale", "expected"), [("fr-CA", "fr_FR"), ("fr_FR", "fr_FR"), ("en-GB", "en_US"),
                                                    ("EN", "en_US"), ("de", None)])
def test_locale_fallbacks(locale: str, expected: str | None) -> None:
    found = DictionaryCatalog([DICTIONARIES]).find(locale)
    assert (found[0] if found else None) == expected


def test_a_locale_without_dictionary_has_no_checker() -> None:
    assert DictionaryCatalog([DICTIONARIES, Path("/nonexistent")]).checker("de") is None


def test_normalise_locale() -> None:
    assert normalise_locale("pt-br") == "pt_BR" and normalise_locale("FR") == "fr"


def test_added_words_are_saved_and_accepted_in_every_locale(tmp_path: Path) -> None:
    words_file = tmp_path / "spelling" / "words.txt"
    catalog = DictionaryCatalog([DICTIONARIES], WordList(words_file))
    english, french = catalog.checker("en"), catalog.checker("fr")
    assert english is not None and french is not None
    assert not english.is_correct("Sveltia")  # cached as wrong first
    catalog.add_word("Sveltia")
    assert english.is_correct("Sveltia") and french.is_correct("Sveltia")
    assert words_file.read_text(encoding="utf-8") == "Sveltia\n"
    again = DictionaryCatalog([DICTIONARIES], WordList(words_file)).checker("en")
    assert again is not None and again.is_correct("Sveltia")


def test_site_words_and_ignored_words() -> None:
    catalog = DictionaryCatalog([DICTIONARIES])
    english = catalog.checker("en")
    assert english is not None
    catalog.set_site_words(["Hugo", "Decap"])
    assert english.is_correct("Hugo") and english.is_correct("Decap")
    assert not english.is_correct("qwzx")
    catalog.ignore("qwzx")
    assert english.is_correct("qwzx")
    french = catalog.checker("fr")
    assert french is not None and french.is_correct("Decap")


def test_word_list_format_round_trips() -> None:
    text = format_word_list(["b", "A", "a", "b"])
    assert text == "A\na\nb\n"
    assert parse_word_list("# comment\n\nA\n a \n") == ["A", "a"]


def test_a_dictionary_that_cannot_be_loaded_is_reported_not_raised() -> None:
    def broken_engine(folder: Path, name: str) -> Speller:
        raise OSError(f"File '{folder / name}.aff' not found or accessible")

    catalog = DictionaryCatalog([DICTIONARIES], engine=broken_engine)
    assert catalog.checker("fr") is None
    assert "could not be loaded" in catalog.problems["fr"] and "fr_FR.dic" in catalog.problems["fr"]
