"""Find and replace over plain text, Qt-free: literal or regular-expression patterns, case, whole words."""

from __future__ import annotations

import re
from dataclasses import dataclass

from editor_app.errors import ContentError

READING_WORDS_PER_MINUTE = 200
_COUNTED_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_NOT_PROSE = re.compile(r"```.*?```|`[^`\n]*`|\]\([^)]*\)|<[^>\n]+>|\b(?:https?|ftp|mailto):\S+|\{\{.*?\}\}|\{%.*?%\}",
                        re.DOTALL)
_NON_BMP = re.compile("[\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class SearchOptions:
    """What the find bar's check boxes say."""

    match_case: bool = False
    whole_word: bool = False
    regex: bool = False


def compile_pattern(needle: str, options: SearchOptions) -> re.Pattern[str]:
    """The pattern for `needle`; a bad regular expression raises ContentError saying what is wrong."""
    source = needle if options.regex else re.escape(needle)
    if options.whole_word:
        source = rf"(?<!\w)(?:{source})(?!\w)"
    try:
        return re.compile(source, 0 if options.match_case else re.IGNORECASE)
    except re.error as exc:
        raise ContentError(f"the regular expression “{needle}” is not valid: {exc}") from exc


def find_all(text: str, needle: str, options: SearchOptions) -> list[tuple[int, int]]:
    """(start, end) of every non-empty match, in order."""
    if not needle:
        return []
    return [(m.start(), m.end()) for m in compile_pattern(needle, options).finditer(text) if m.end() > m.start()]


def replacement_for(text: str, start: int, end: int, needle: str, replacement: str, options: SearchOptions) -> str:
    """What replaces the match at start..end (`\\1`, `\\g<name>` expand in regular-expression mode)."""
    if not options.regex:
        return replacement
    match = compile_pattern(needle, options).match(text, start)
    if match is None or match.end() != end:
        return replacement
    try:
        return match.expand(replacement)
    except (re.error, IndexError) as exc:
        raise ContentError(f"the replacement “{replacement}” is not valid: {exc}") from exc


def count_words(text: str) -> int:
    """Words of prose in markdown or plain text (code, URLs, tags and shortcodes not counted)."""
    return len(_COUNTED_WORD.findall(_NOT_PROSE.sub(" ", text)))


def reading_minutes(words: int) -> int:
    """Minutes to read `words` at 200 words a minute, rounded up (0 for no words)."""
    return -(-words // READING_WORDS_PER_MINUTE)


def utf16_offset(text: str, index: int) -> int:
    """Qt's position (UTF-16 code units) of the Python index `index` in `text`."""
    if not _NON_BMP.search(text, 0, index):
        return index
    return index + len(_NON_BMP.findall(text, 0, index))


def python_index(text: str, offset: int) -> int:
    """The Python index of Qt's UTF-16 position `offset` in `text`."""
    if not _NON_BMP.search(text):
        return offset
    units = 0
    for i, char in enumerate(text):
        if units >= offset:
            return i
        units += 2 if ord(char) > 0xFFFF else 1
    return len(text)
