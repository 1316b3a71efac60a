"""Spell checking in the form: red wavy underlines as the user types, and the suggestions menu.

The words, dictionaries and caches are `editor_app.content.spelling`'s; this module only draws and asks.
`SpellChecking` attaches to the `string`, `text` and `markdown` fields of a form, each checked in the
locale it is given (the translation in its language, the side-by-side default language in its own).
Only the blocks Qt re-highlights are checked (a keystroke: its paragraph), each word once per locale.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QPoint, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QInputMethodEvent,
    QSyntaxHighlighter,
    QTextBlock,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QLineEdit, QMenu, QPlainTextEdit, QWidget

from editor_app.content.spelling import (
    STATE_FENCE,
    STATE_FRONT_MATTER,
    STATE_TEXT,
    DictionaryCatalog,
    SpellChecker,
    Token,
    WordList,
    default_dictionary_folders,
    normalise_locale,
    words_in,
)
from editor_app.content.text_search import python_index, utf16_offset
from editor_app.paths import AppDirs, resources_dir
from editor_app.ui.widgets.field_editor import FieldEditor

SPELL_COLOR = QColor("#d0312d")
CHECKED_WIDGETS = {"string", "text", "markdown", "richtext"}


def misspelt_format(base: QTextCharFormat | None = None) -> QTextCharFormat:
    """`base` with the platform's spell-check underline (a red wave; dots on macOS)."""
    fmt = QTextCharFormat(base) if base is not None else QTextCharFormat()
    fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SpellCheckUnderline)
    fmt.setUnderlineColor(SPELL_COLOR)
    return fmt


class BlockMarker:
    """Underlines a block's misspelt words for a highlighter; shared by the markdown and text highlighters.

    Typing re-highlights one block: it is checked at once. Loading a long text highlights every block in one
    go: after `BUDGET_S` of checking in one turn of the event loop, further blocks (but never the one with
    the text cursor) are left for later turns (a few ms each), so opening a 20,000-word entry does not
    freeze the window.
    """

    BUDGET_S = 0.008

    def __init__(self, markdown: bool, front_matter: bool = False) -> None:
        self.markdown = markdown
        self.front_matter = front_matter  # a whole file: front matter at the top, its keys not checked
        self.checker: SpellChecker | None = None
        self.widget: QWidget | None = None  # the edit, whose signals are held while deferred blocks are redone
        self._highlighter: QSyntaxHighlighter | None = None
        self._pending: list[QTextBlock] = []
        self._spent = 0.0
        self._turn_scheduled = False
        self._catching_up = False

    def mark(self, highlighter: QSyntaxHighlighter, text: str, previous_state: int) -> int:
        """Underline the misspelt words of `text`, keeping the formats the highlighter already set; the
        block state for the next block (fenced code, front matter)."""
        state = previous_state if previous_state in (STATE_FENCE, STATE_FRONT_MATTER) else STATE_TEXT
        first = self.front_matter and highlighter.currentBlock().blockNumber() == 0
        tokens, next_state = words_in(text, markdown=self.markdown, state=state, first_block=first)
        checker = self.checker
        if checker is None or not tokens:
            return next_state
        self._highlighter = highlighter
        if not self._turn_scheduled:
            self._turn_scheduled = True
            QTimer.singleShot(0, self._next_turn)
        if self._spent > self.BUDGET_S and not self._catching_up and not self._at_cursor(highlighter):
            self._pending.append(highlighter.currentBlock())
            return next_state
        started = time.perf_counter()
        for token in tokens:
            if not checker.is_correct(token.word):
                # keep bold/italic/link colours: underline each run with its own format
                start, stop = utf16_offset(text, token.start), utf16_offset(text, token.end)
                while start < stop:
                    base = highlighter.format(start)
                    end = start + 1
                    while end < stop and highlighter.format(end) == base:
                        end += 1
                    highlighter.setFormat(start, end - start, misspelt_format(base))
                    start = end
        self._spent += time.perf_counter() - started
        return next_state

    def _at_cursor(self, highlighter: QSyntaxHighlighter) -> bool:
        """Whether the block is where the user types: that one is always checked at once."""
        edit = self.widget
        if not isinstance(edit, QPlainTextEdit) or not shiboken6.isValid(edit):
            return False
        return edit.textCursor().blockNumber() == highlighter.currentBlock().blockNumber()

    def pending(self) -> int:
        """Blocks waiting to be checked."""
        return len(self._pending)

    def _next_turn(self) -> None:
        self._turn_scheduled = False
        self._spent = 0.0
        highlighter = self._highlighter
        if not self._pending or highlighter is None or not shiboken6.isValid(highlighter):
            self._pending.clear()
            return
        pending, self._pending = self._pending, []
        started = time.perf_counter()
        self._catching_up = True
        try:
            with _held(self.widget):
                while pending:  # at least one block a turn, however small the budget
                    block = pending.pop(0)
                    if block.isValid():
                        highlighter.rehighlightBlock(block)
                    if time.perf_counter() - started >= self.BUDGET_S:
                        break
        finally:
            self._catching_up = False
        self._pending = pending + self._pending
        if self._pending and not self._turn_scheduled:
            self._turn_scheduled = True
            QTimer.singleShot(0, self._next_turn)


class _held:
    """Holds a widget's signals (re-highlighting is not an edit); nothing when there is no widget."""

    def __init__(self, widget: QWidget | None) -> None:
        self._blocker = QSignalBlocker(widget) if widget is not None and shiboken6.isValid(widget) else None

    def __enter__(self) -> None:
        return None

    def __exit__(self, *_exc: object) -> None:
        if self._blocker is not None:
            self._blocker.unblock()


class SpellingHighlighter(QSyntaxHighlighter):
    """A highlighter that draws spelling underlines through its `spelling` marker (SpellChecking finds it)."""

    spelling: BlockMarker


def marker_of(document: QTextDocument) -> BlockMarker | None:
    """The spelling marker of the highlighter on `document`, if it draws spelling."""
    highlighter = document.findChild(QSyntaxHighlighter)
    return highlighter.spelling if isinstance(highlighter, SpellingHighlighter) else None


class SpellHighlighter(SpellingHighlighter):
    """The highlighter of a plain `text` field: only spelling."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.spelling = BlockMarker(markdown=False)

    def highlightBlock(self, text: str) -> None:
        self.spelling.mark(self, text, STATE_TEXT)


class SourceSpellHighlighter(SpellingHighlighter):
    """The highlighter of a whole file's source: front matter values and the markdown body, not the keys."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.spelling = BlockMarker(markdown=True, front_matter=True)

    def highlightBlock(self, text: str) -> None:
        self.setCurrentBlockState(self.spelling.mark(self, text, self.previousBlockState()))


class _LineMarker:
    """Underlines in a QLineEdit, which has no document: formats go in as an input-method event, the one
    public way to give its text layout formats (what input methods use for their underlines)."""

    def __init__(self, line: QLineEdit) -> None:
        self.line = line
        self.checker: SpellChecker | None = None
        self.misspelt: list[Token] = []
        line.textChanged.connect(lambda _text: self.refresh())

    def refresh(self) -> None:
        line = self.line
        if not shiboken6.isValid(line):
            return
        checker = self.checker
        tokens, _state = words_in(line.text(), markdown=False)
        self.misspelt = [t for t in tokens if checker is not None and not checker.is_correct(t.word)]
        text, cursor = line.text(), line.cursorPosition()
        attributes = []
        for t in self.misspelt:
            start, end = utf16_offset(text, t.start), utf16_offset(text, t.end)
            attributes.append(QInputMethodEvent.Attribute(QInputMethodEvent.AttributeType.TextFormat, start - cursor,
                                                          end - start, misspelt_format()))
        QCoreApplication.sendEvent(line, QInputMethodEvent("", attributes))


class SpellChecking(QObject):
    """Spell checking of the text fields of forms, per locale, with the suggestions menu."""

    dictionary_missing = Signal(str, str)  # locale, message: said once per locale
    menu_shown = Signal(QMenu)

    def __init__(self, catalog: DictionaryCatalog, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.enabled = True
        self._reported: set[str] = set()
        self._markers: list[tuple[QWidget, Any]] = []  # (edit, BlockMarker/_LineMarker)
        self.menu: QMenu | None = None
        # set when the site keeps a shared word list (config `spelling_words`): commits a word to it
        self.save_site_word: Callable[[str], None] | None = None

    # --- attaching ---

    def checker_for(self, locale: str) -> SpellChecker | None:
        """The locale's checker; the first time a locale has none, `dictionary_missing` says so."""
        checker = self.catalog.checker(locale)
        if checker is None and locale not in self._reported:
            self._reported.add(locale)
            problem = self.catalog.problems.get(normalise_locale(locale))
            if problem:
                self.dictionary_missing.emit(locale, f"Spelling in “{locale}” is not checked: {problem}.")
                return None
            folder = self.catalog.folders[0] if self.catalog.folders else None
            where = f" Put Hunspell's {locale}.aff and {locale}.dic in {folder} to check it." if folder else ""
            self.dictionary_missing.emit(locale,
                                         f"No spelling dictionary for “{locale}”: its text is not checked.{where}")
        return checker

    def attach_form(self, form: QWidget, locale: str) -> None:
        """Check the `string`, `text` and `markdown` fields found in `form` in `locale`."""
        checker = self.checker_for(locale) if self.enabled else None
        for editor in form.findChildren(FieldEditor):
            if editor.field.widget not in CHECKED_WIDGETS:
                continue
            target = editor.focus_target()
            if isinstance(target, (QPlainTextEdit, QLineEdit)):
                self.attach(target, checker)

    def attach_source(self, edit: QPlainTextEdit, locale: str) -> None:
        """Check a whole file's source (front matter and body) in `locale`."""
        if edit.document().findChild(SourceSpellHighlighter) is None:
            SourceSpellHighlighter(edit.document())
        self.attach(edit, self.checker_for(locale) if self.enabled else None)

    def attach(self, edit: QPlainTextEdit | QLineEdit, checker: SpellChecker | None) -> None:
        """Check one text control with `checker` (None: stop checking it)."""
        self._markers = [(e, m) for e, m in self._markers if shiboken6.isValid(e)]
        marker = next((m for e, m in self._markers if e is edit), None)
        if marker is None:
            marker = self._new_marker(edit)
            self._markers.append((edit, marker))
            edit.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            edit.customContextMenuRequested.connect(lambda pos, e=edit: self.show_menu(e, pos))
        if not isinstance(marker, _LineMarker):
            marker.widget = edit
        if marker.checker is checker:
            return
        marker.checker = checker
        self._refresh(edit, marker)

    def _new_marker(self, edit: QPlainTextEdit | QLineEdit) -> Any:
        if isinstance(edit, QLineEdit):
            return _LineMarker(edit)
        existing = marker_of(edit.document())
        if existing is not None:
            return existing  # the markdown highlighter draws spelling itself
        return SpellHighlighter(edit.document()).spelling

    def _refresh(self, edit: QWidget, marker: Any, word: str | None = None) -> None:
        if isinstance(marker, _LineMarker):
            marker.refresh()
            return
        assert isinstance(edit, QPlainTextEdit)
        highlighter = edit.document().findChild(QSyntaxHighlighter)
        if highlighter is None:
            return
        # re-highlighting makes the document report a change: not an edit, so the field must not hear it
        with QSignalBlocker(edit):
            if word is None:
                highlighter.rehighlight()
                return
            block = edit.document().begin()
            while block.isValid():
                if word in block.text():
                    highlighter.rehighlightBlock(block)
                block = block.next()

    def checker_of(self, edit: QWidget) -> SpellChecker | None:
        """The checker an attached control uses."""
        return next((m.checker for e, m in self._markers if e is edit), None)

    # --- the context menu ---

    def word_at(self, edit: QPlainTextEdit | QLineEdit, pos: QPoint) -> tuple[int, Token] | None:
        """(block position, token) of the checkable word under `pos` (viewport coordinates), if any."""
        if isinstance(edit, QLineEdit):
            index = python_index(edit.text(), edit.cursorPositionAt(pos))
            tokens, _ = words_in(edit.text(), markdown=False)
            return next(((0, t) for t in tokens if t.start <= index <= t.end), None)
        cursor = edit.cursorForPosition(pos)
        block = cursor.block()
        index = python_index(block.text(), cursor.position() - block.position())
        previous = block.previous()
        state = previous.userState() if previous.isValid() else STATE_TEXT
        marker = marker_of(edit.document())
        markdown = marker is not None and marker.markdown
        first = marker is not None and marker.front_matter and block.blockNumber() == 0
        tokens, _ = words_in(block.text(), markdown=markdown, first_block=first,
                             state=state if state in (STATE_FENCE, STATE_FRONT_MATTER) else STATE_TEXT)
        return next(((block.position(), t) for t in tokens if t.start <= index <= t.end), None)

    def build_menu(self, edit: QPlainTextEdit | QLineEdit, pos: QPoint) -> QMenu:
        """The control's standard menu with, over a misspelt word, suggestions, "Add to dictionary", "Ignore"."""
        if isinstance(edit, QLineEdit):
            menu = edit.createStandardContextMenu()
        else:
            menu = edit.createStandardContextMenu(edit.viewport().mapToGlobal(pos))
        checker = self.checker_of(edit)
        found = self.word_at(edit, pos)
        if checker is None or found is None or checker.is_correct(found[1].word):
            return menu
        offset, token = found
        first = menu.actions()[0] if menu.actions() else None
        suggestions = checker.suggest(token.word)
        items: list[QAction] = []
        for suggestion in suggestions:
            action = QAction(suggestion, menu)
            font = action.font()
            font.setBold(True)
            action.setFont(font)
            action.triggered.connect(lambda _c=False, s=suggestion: self.replace(edit, offset, token, s))
            items.append(action)
        if not suggestions:
            none = QAction("No suggestions", menu)
            none.setEnabled(False)
            items.append(none)
        add = QAction(f"Add “{token.word}” to dictionary", menu)
        add.triggered.connect(lambda: self.add_word(token.word))
        ignore = QAction("Ignore", menu)
        ignore.setToolTip("Accept this word until the app closes")
        ignore.triggered.connect(lambda: self.ignore_word(token.word))
        items.append(add)
        if self.save_site_word is not None:
            save = self.save_site_word
            shared = QAction("Add to the site's word list", menu)
            shared.setToolTip("Commit the word to the list every editor of this site shares")
            shared.triggered.connect(lambda: save(token.word))
            items.append(shared)
        items.append(ignore)
        menu.insertActions(first, items)  # type: ignore[arg-type]  # None appends
        menu.insertSeparator(first)  # type: ignore[arg-type]
        return menu

    def show_menu(self, edit: QPlainTextEdit | QLineEdit, pos: QPoint) -> QMenu:
        """Open the context menu at `pos` (not modal: the menu stays in `self.menu` until it closes)."""
        menu = self.build_menu(edit, pos)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.menu = menu
        target = edit if isinstance(edit, QLineEdit) else edit.viewport()
        menu.popup(target.mapToGlobal(pos))
        self.menu_shown.emit(menu)
        return menu

    def replace(self, edit: QPlainTextEdit | QLineEdit, offset: int, token: Token, text: str) -> None:
        """Put `text` in place of the word (one undo step)."""
        if isinstance(edit, QLineEdit):
            start = utf16_offset(edit.text(), token.start)
            edit.setSelection(start, utf16_offset(edit.text(), token.end) - start)
            edit.insert(text)
            edit.textEdited.emit(edit.text())  # a user edit: the field is touched
            return
        line = edit.document().findBlock(offset).text()
        cursor = QTextCursor(edit.document())
        cursor.setPosition(offset + utf16_offset(line, token.start))
        cursor.setPosition(offset + utf16_offset(line, token.end), QTextCursor.MoveMode.KeepAnchor)
        cursor.beginEditBlock()
        cursor.insertText(text)
        cursor.endEditBlock()

    def add_word(self, word: str) -> None:
        """Add to the user's dictionary and re-check where the word appears."""
        self.catalog.add_word(word)
        self._recheck(word)

    def ignore_word(self, word: str) -> None:
        """Accept the word for this session."""
        self.catalog.ignore(word)
        self._recheck(word)

    def set_site_words(self, words: list[str]) -> None:
        """The site's shared word list arrived: re-check everything."""
        self.catalog.set_site_words(words)
        for edit, marker in self._live():
            self._refresh(edit, marker)

    def _recheck(self, word: str) -> None:
        for edit, marker in self._live():
            self._refresh(edit, marker, word)

    def _live(self) -> list[tuple[QWidget, Any]]:
        self._markers = [(e, m) for e, m in self._markers if shiboken6.isValid(e)]
        return list(self._markers)

    def misspelt_words(self, edit: QWidget) -> list[str]:
        """The words underlined in `edit` now (from its layout's formats), for tests and the status."""
        if isinstance(edit, QLineEdit):
            marker = next((m for e, m in self._markers if e is edit), None)
            return [t.word for t in marker.misspelt] if marker is not None else []
        assert isinstance(edit, QPlainTextEdit)
        found = []
        block = edit.document().begin()
        while block.isValid():
            text = block.text()
            for fmt_range in block.layout().formats():
                if fmt_range.format.underlineStyle() == QTextCharFormat.UnderlineStyle.SpellCheckUnderline:
                    start = python_index(text, fmt_range.start)
                    found.append(text[start:python_index(text, fmt_range.start + fmt_range.length)])
            block = block.next()
        return found


def user_spell_checking(dirs: AppDirs | None = None, parent: QObject | None = None) -> SpellChecking:
    """Spell checking with the user's word list and the dictionaries found for this user and app."""
    dirs = dirs or AppDirs.default()
    catalog = DictionaryCatalog(default_dictionary_folders(dirs.data, resources_dir()),
                                WordList(dirs.data / "spelling" / "words.txt"))
    return SpellChecking(catalog, parent)
