"""Spell checking, Qt-free: Hunspell dictionaries per locale, markdown-aware tokenising, user and site words.

Engine: **chunspell-next** (the `hunspell` module), chosen from the measurements in the project's
spell-check reference: it is the one maintained Hunspell binding with wheels for Windows, macOS (arm64 and
x86_64) and Linux that needs no system library, checks 20,000 words in 0.04 s (en) to 0.33 s (fr), and
suggests in ≤ 0.3 s. pyenchant needs a system libenchant off Windows and drags 95 MB into a Windows
bundle; spylls is 10-50x slower on French and German; frequency lists (pyspellchecker, symspellpy) know
neither French elision nor German compounds. chunspell-next holds the GIL, so a worker thread would not
keep typing smooth anyway: the highlighter checks only the blocks Qt re-highlights, with a per-word cache
(a keystroke re-checks one paragraph, almost all cache hits), and suggestions are computed only when a
context menu opens. `Speller` is a small interface so another engine (spylls) can stand in.

Dictionaries are Hunspell `.aff`/`.dic` pairs (the format of LibreOffice, Firefox and Enchant), found in,
in order: the user's `dictionaries/` data folder (where a user drops e.g. a GPL German dictionary that we
do not bundle), the app's `resources/dictionaries/`, chunspell-next's own `en_US` (SCOWL, permissive) and,
on Linux, the system's `/usr/share/hunspell`. A locale maps with fallbacks: `fr-CA` → `fr_CA`, `fr`,
`fr_FR`, then any `fr_*`.

Words the user adds go to one per-user list (`spelling/words.txt` in the app's data folder). A site may
also keep a shared list committed with its content: the top-level config key `spelling_words` names its
repository path (e.g. `spelling_words: .cms/spelling-words.txt`), one word per line; the context menu's
"Add to the site's word list" commits to it (`Workspace.add_site_word`).
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

SITE_WORDS_KEY = "spelling_words"
"""The top-level config key naming the repository path of the site's shared word list."""

# Block states a highlighter carries from one line to the next.
STATE_TEXT = 0
STATE_FENCE = 1
STATE_FRONT_MATTER = 2

_WORD = re.compile(r"[\w'’\-]+")
_SKIP_SPANS = re.compile(
    r"`[^`]*`"  # code spans
    r"|\{\{[<%].*?[%>]\}\}|\{%.*?%\}|\{\{.*?\}\}"  # shortcodes and template tags
    r"|<[^>\s][^>]*>"  # HTML tags
    r"|\]\([^)]*\)"  # link and image targets
    r"|\b(?:https?|ftp|mailto):\S+|\bwww\.\S+"  # URLs
    r"|[\w.+\-]+@[\w\-]+\.[\w.\-]+"  # e-mail addresses
)
_MAYBE_SKIPPED = re.compile(r"[`{<\]:@]|www\.")  # cheap pre-test: most lines have nothing to skip
_DIGIT = re.compile(r"[\d_]")
_FRONT_MATTER_KEY = re.compile(r"^\s*-?\s*[\w\-\"']+\s*:")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")


@dataclass(frozen=True)
class Token:
    """A word to check: where it starts in the block and its text."""

    start: int
    word: str

    @property
    def end(self) -> int:
        """The index just past the word."""
        return self.start + len(self.word)


def words_in(text: str, *, markdown: bool = True, state: int = STATE_TEXT,
             first_block: bool = False) -> tuple[list[Token], int]:
    """The checkable words of one line (block) and the state for the next line.

    Skips code spans, fenced code, URLs, e-mail addresses, HTML tags, link targets, shortcodes
    (`{{< >}}`, `{{% %}}`, `{% %}`, `{{ }}`) and, in front matter, the keys. `markdown` False checks
    plain text (still skipping URLs).
    """
    if markdown:
        stripped = text.strip()
        if state == STATE_FRONT_MATTER:
            if stripped in ("---", "+++"):
                return [], STATE_TEXT
            key = _FRONT_MATTER_KEY.match(text)
            offset = key.end() if key else 0
            return _tokens(text, offset), STATE_FRONT_MATTER
        if first_block and stripped in ("---", "+++"):
            return [], STATE_FRONT_MATTER
        if _FENCE.match(text):
            return [], STATE_TEXT if state == STATE_FENCE else STATE_FENCE
        if state == STATE_FENCE:
            return [], STATE_FENCE
        if text.startswith(("    ", "\t")) and not text.lstrip().startswith(("-", "*", "+")):
            return [], STATE_TEXT  # an indented code block
    return _tokens(text, 0), STATE_TEXT


def _tokens(text: str, offset: int) -> list[Token]:
    masked = _SKIP_SPANS.sub(_blank, text) if _MAYBE_SKIPPED.search(text) else text
    found = []
    for match in _WORD.finditer(masked, offset):
        raw = match.group(0)
        word = raw.strip("'’-")
        if len(word) < 2 or _DIGIT.search(word):
            continue
        rest = word[1:]
        if rest != rest.lower():
            continue  # acronyms and camelCase names are not prose
        found.append(Token(match.start() + (raw.index(word) if word is not raw else 0), word))
    return found


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group(0))


def all_words(text: str, *, markdown: bool = True) -> Iterator[Token]:
    """Every checkable word of a whole text (blocks are its lines), with offsets into the text."""
    state, position = STATE_TEXT, 0
    for i, line in enumerate(text.split("\n")):
        tokens, state = words_in(line, markdown=markdown, state=state, first_block=i == 0)
        for token in tokens:
            yield Token(position + token.start, token.word)
        position += len(line) + 1


class Speller(Protocol):
    """A spelling engine loaded with one dictionary."""

    def check(self, word: str) -> bool:
        """Whether the dictionary accepts `word`."""

    def suggest(self, word: str) -> list[str]:
        """Corrections for `word`, best first."""

    def add(self, word: str) -> None:
        """Accept `word` from now on (this session)."""


class HunspellSpeller:
    """chunspell-next (module `hunspell`) over a `<name>.aff`/`<name>.dic` pair in `folder`."""

    def __init__(self, folder: Path, name: str) -> None:
        import hunspell  # type: ignore[import-untyped]  # chunspell-next ships no stubs

        self._engine = hunspell.Hunspell(name, hunspell_data_dir=str(folder))
        self._lock = threading.Lock()  # one Hunspell object is not safe to share between threads

    def check(self, word: str) -> bool:
        """Whether the dictionary accepts `word` (words its encoding cannot hold are misspelt)."""
        try:
            with self._lock:
                return bool(self._engine.spell(word))
        except UnicodeEncodeError:
            return False

    def suggest(self, word: str) -> list[str]:
        """Hunspell's suggestions."""
        try:
            with self._lock:
                return [str(s) for s in self._engine.suggest(word)]
        except UnicodeEncodeError:
            return []

    def add(self, word: str) -> None:
        """Add a run-time word."""
        try:
            with self._lock:
                self._engine.add(word)
        except UnicodeEncodeError:
            pass  # a word the dictionary's encoding cannot store stays in the checker's own set


class SpellChecker:
    """One locale's checker: the engine behind a per-word cache, plus accepted and ignored words."""

    def __init__(self, locale: str, dictionary: str, speller: Speller) -> None:
        self.locale = locale
        self.dictionary = dictionary
        self._speller = speller
        self._cache: dict[str, bool] = {}
        self._accepted: set[str] = set()
        self._ignored: set[str] = set()

    def is_correct(self, word: str) -> bool:
        """Whether `word` is spelt right (cached; typographic apostrophes count as plain ones)."""
        known = self._cache.get(word)
        if known is None:
            plain = word.replace("’", "'")
            known = (plain in self._accepted or plain.lower() in self._accepted or plain in self._ignored
                     or self._speller.check(plain))
            self._cache[word] = known
        return known

    def suggest(self, word: str, limit: int = 5) -> list[str]:
        """Up to `limit` corrections, keeping the word's typographic apostrophe."""
        found = self._speller.suggest(word.replace("’", "'"))
        if "’" in word:
            found = [s.replace("'", "’") for s in found]
        return found[:limit]

    def accept(self, words: Iterable[str]) -> None:
        """Words from the user's or the site's list: correct in every text from now on."""
        for word in words:
            plain = word.strip().replace("’", "'")
            if plain:
                self._accepted.add(plain)
                self._speller.add(plain)
        self._cache.clear()

    def ignore(self, word: str) -> None:
        """Accept `word` for this session only."""
        self._ignored.add(word.replace("’", "'"))
        self._cache.pop(word, None)

    def cached(self) -> int:
        """How many words the cache holds."""
        return len(self._cache)


def normalise_locale(locale: str) -> str:
    """`fr-ca` → `fr_CA`, `de` → `de`."""
    parts = locale.replace("-", "_").split("_")
    if len(parts) == 1:
        return parts[0].lower()
    return parts[0].lower() + "_" + parts[1].upper()


def default_dictionary_folders(data_dir: Path | None, resources: Path | None) -> list[Path]:
    """Where dictionaries are looked for, first match wins (see the module docstring)."""
    folders = []
    if data_dir is not None:
        folders.append(data_dir / "dictionaries")
    if resources is not None:
        folders.append(resources / "dictionaries")
    try:
        import hunspell

        folders.append(Path(hunspell.__file__).parent / "dictionaries")
    except ImportError:  # the engine is missing: every locale reports "no dictionary"
        pass
    if sys.platform.startswith("linux"):
        folders += [Path("/usr/share/hunspell"), Path("/usr/share/myspell/dicts")]
    return folders


class DictionaryCatalog:
    """Finds a Hunspell dictionary for a locale in a list of folders and builds its checker once."""

    def __init__(self, folders: list[Path], words: WordList | None = None,
                 engine: Callable[[Path, str], Speller] | None = None) -> None:
        self.folders = folders
        self.words = words
        self._engine: Callable[[Path, str], Speller] = engine or HunspellSpeller
        self._checkers: dict[str, SpellChecker | None] = {}
        self.problems: dict[str, str] = {}  # locale -> why its dictionary could not be loaded
        self._site_words: list[str] = []
        self._lock = threading.Lock()

    def available(self) -> dict[str, Path]:
        """Dictionary name → folder, first folder winning."""
        found: dict[str, Path] = {}
        for folder in self.folders:
            try:
                names = os.listdir(folder)
            except OSError:
                continue
            for name in sorted(names):
                if name.endswith(".dic") and (folder / (name[:-4] + ".aff")).is_file():
                    found.setdefault(name[:-4], folder)
        return found

    def find(self, locale: str) -> tuple[str, Path] | None:
        """The dictionary (name, folder) for `locale`, with fallbacks; None when there is none."""
        wanted = normalise_locale(locale)
        language = wanted.split("_")[0]
        available = self.available()
        preferred = {"en": "en_US", "pt": "pt_BR", "nb": "nb_NO", "sv": "sv_SE", "da": "da_DK"}
        for name in (wanted, language, preferred.get(language, ""), f"{language}_{language.upper()}"):
            if name and name in available:
                return name, available[name]
        for name in sorted(available):
            if name.split("_")[0].lower() == language:
                return name, available[name]
        return None

    def checker(self, locale: str) -> SpellChecker | None:
        """The checker of `locale` (built once, with the user's and the site's words), or None."""
        key = normalise_locale(locale or "en")
        with self._lock:
            if key in self._checkers:
                return self._checkers[key]
            found = self.find(key)
            checker = None
            if found is not None:
                name, folder = found
                try:
                    speller = self._engine(folder, name)
                except (ImportError, OSError) as exc:  # no engine, or files that cannot be read
                    self.problems[key] = f"the dictionary {folder / name}.dic could not be loaded: {exc}"
                else:
                    checker = SpellChecker(key, name, speller)
                    checker.accept(self._site_words)
                    if self.words is not None:
                        checker.accept(self.words.words())
            self._checkers[key] = checker
            return checker

    def set_site_words(self, words: Iterable[str]) -> None:
        """The site's shared list (read from the repository by the caller)."""
        self._site_words = [w for w in words if w.strip()]
        for checker in self._loaded():
            checker.accept(self._site_words)

    def add_word(self, word: str) -> None:
        """Add a word to the user's list (saved) and to every loaded checker."""
        if self.words is not None:
            self.words.add(word)
        for checker in self._loaded():
            checker.accept([word])

    def ignore(self, word: str) -> None:
        """Accept a word in every locale until the app closes."""
        for checker in self._loaded():
            checker.ignore(word)

    def _loaded(self) -> list[SpellChecker]:
        with self._lock:
            return [c for c in self._checkers.values() if c is not None]


class WordList:
    """A word list file, one word per line (the user's dictionary; a site's list uses the same format)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def words(self) -> list[str]:
        """The words in the file ([] when there is no file yet)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        return parse_word_list(text)

    def add(self, word: str) -> None:
        """Add `word` (kept sorted, no duplicates; atomic write so a crash never truncates the list)."""
        words = set(self.words())
        words.add(word.strip())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(format_word_list(words), encoding="utf-8")
        os.replace(temporary, self.path)


def parse_word_list(text: str) -> list[str]:
    """Words of a list file: one per line; blank lines and `#` comments are skipped."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def format_word_list(words: Iterable[str]) -> str:
    """A list file's text: sorted case-insensitively, one word per line."""
    unique = sorted({w for w in words if w}, key=lambda w: (w.lower(), w))
    return "".join(w + "\n" for w in unique)
