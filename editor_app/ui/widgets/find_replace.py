"""FindReplaceBar: find (Ctrl+F) and replace (Ctrl+H) in one text field or the body.

Matching is `editor_app.content.text_search`'s (literal or regular expression, match case, whole word);
this bar only selects matches in the control and edits it. "Replace all" is one undo step.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QWidget,
)

from editor_app.content.text_search import SearchOptions, find_all, python_index, replacement_for, utf16_offset
from editor_app.errors import ContentError
from editor_app.ui import theme

TextControl = QPlainTextEdit | QLineEdit


class FindReplaceBar(QWidget):
    """A bar over the form: the text to find, what replaces it, the options and the match count."""

    closed = Signal()

    def __init__(self, target: Callable[[], TextControl | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._target = target
        self._control: TextControl | None = None
        self.find_box = QLineEdit()
        self.find_box.setPlaceholderText("Find")
        self.find_box.setAccessibleName("Find")
        self.find_box.setClearButtonEnabled(True)
        self.replace_box = QLineEdit()
        self.replace_box.setPlaceholderText("Replace with")
        self.replace_box.setAccessibleName("Replace with")
        # compact toggles, as in Obsidian's and most editors' find bars (the text keeps the Alt mnemonic and names
        # the toggle for screen readers)
        self.case_box = self._toggle("Match &case", "case-sensitive")
        self.word_box = self._toggle("&Whole word", "whole-word")
        self.regex_box = self._toggle("Regular e&xpression", "regex")
        self.previous_button = QPushButton("Previous")
        self.next_button = QPushButton("Next")
        self.replace_button = QPushButton("Replace")
        self.replace_all_button = QPushButton("Replace all")
        self.close_button = QToolButton()
        self.close_button.setIcon(theme.icon("x"))
        self.close_button.setObjectName("close-button")
        self.close_button.setAccessibleName("Close find")
        self.status = QLabel()
        self.status.setAccessibleName("Matches")
        self.target_label = QLabel()
        self.target_label.setForegroundRole(self.target_label.foregroundRole().PlaceholderText)
        layout = QGridLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        layout.addWidget(self.find_box, 0, 0)
        layout.addWidget(self.previous_button, 0, 1)
        layout.addWidget(self.next_button, 0, 2)
        layout.addWidget(self.case_box, 0, 3)
        layout.addWidget(self.word_box, 0, 4)
        layout.addWidget(self.regex_box, 0, 5)
        layout.addWidget(self.status, 0, 6)
        layout.addWidget(self.close_button, 0, 7)
        layout.addWidget(self.replace_box, 1, 0)
        layout.addWidget(self.replace_button, 1, 1)
        layout.addWidget(self.replace_all_button, 1, 2)
        layout.addWidget(self.target_label, 1, 3, 1, 4)
        layout.setColumnStretch(0, 1)
        self.find_box.textChanged.connect(self._on_find_box_changed)
        self.find_box.returnPressed.connect(self.find_next)
        self.replace_box.returnPressed.connect(self.replace_current)
        for box in (self.case_box, self.word_box, self.regex_box):
            box.toggled.connect(self._on_find_box_changed)
        self.next_button.clicked.connect(self.find_next)
        self.previous_button.clicked.connect(self.find_previous)
        self.replace_button.clicked.connect(self.replace_current)
        self.replace_all_button.clicked.connect(self.replace_all)
        self.close_button.clicked.connect(self.close_bar)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.close_bar)
        self.hide()

    @staticmethod
    def _toggle(text: str, icon: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setIcon(theme.icon(icon))
        button.setCheckable(True)
        button.setObjectName("find-option")
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        button.setToolTip(text.replace("&", ""))
        button.setAccessibleName(text.replace("&", ""))
        return button

    # --- opening ---

    def open(self, replace: bool) -> None:
        """Show the bar for the control the user was in, with its selection as the text to find."""
        control = self._target()
        if control is not None:
            self._control = control
        selected = self._selected_text()
        if selected and "\u2029" not in selected:
            self.find_box.setText(selected)
        for widget in (self.replace_box, self.replace_button, self.replace_all_button):
            widget.setVisible(replace)
        self.show()
        self.find_box.setFocus()
        self.find_box.selectAll()
        self._update_status()

    def close_bar(self) -> None:
        """Hide the bar and give the text its focus back."""
        self.hide()
        if self._control is not None and shiboken6.isValid(self._control):
            self._control.setFocus()
        self.closed.emit()

    @property
    def control(self) -> TextControl | None:
        """The text being searched."""
        if self._control is not None and not shiboken6.isValid(self._control):
            self._control = None
        return self._control

    def options(self) -> SearchOptions:
        """The options as ticked."""
        return SearchOptions(self.case_box.isChecked(), self.word_box.isChecked(), self.regex_box.isChecked())

    # --- finding ---

    def matches(self) -> list[tuple[int, int]]:
        """(start, end) Python indices of every match in the control's text (a bad pattern: none, and says so)."""
        control = self.control
        if control is None:
            return []
        try:
            return find_all(self._text(control), self.find_box.text(), self.options())
        except ContentError as exc:
            self.status.setText(str(exc))
            return []

    def find_next(self) -> bool:
        """Select the next match after the selection (wrapping); False when there is none."""
        return self._find(backward=False)

    def find_previous(self) -> bool:
        """Select the match before the selection (wrapping)."""
        return self._find(backward=True)

    def _find(self, backward: bool) -> bool:
        control = self.control
        found = self.matches()
        if control is None or not found:
            self._update_status(found)
            return False
        start, end = self._selection(control)
        if backward:
            before = [m for m in found if m[1] <= start] or found
            match = before[-1]
        else:
            after = [m for m in found if m[0] >= end and m != (start, end)] or found
            match = after[0]
        self._select(control, *match)
        self._update_status(found, found.index(match))
        return True

    # --- replacing ---

    def replace_current(self) -> None:
        """Replace the selected match (or find the next one first), then select the next."""
        control = self.control
        if control is None:
            return
        found = self.matches()
        selection = self._selection(control)
        if selection not in found:
            self.find_next()
            return
        text = self._text(control)
        try:
            new = replacement_for(text, *selection, self.find_box.text(), self.replace_box.text(), self.options())
        except ContentError as exc:
            self.status.setText(str(exc))
            return
        self._replace(control, [(selection[0], selection[1], new)])
        self.find_next()

    def replace_all(self) -> int:
        """Replace every match in one undoable step; the number replaced."""
        control = self.control
        found = self.matches()
        if control is None or not found:
            self._update_status(found)
            return 0
        text = self._text(control)
        try:
            edits = [(s, e, replacement_for(text, s, e, self.find_box.text(), self.replace_box.text(), self.options()))
                     for s, e in found]
        except ContentError as exc:
            self.status.setText(str(exc))
            return 0
        self._replace(control, edits)
        self.status.setText(f"Replaced {len(edits)}")
        return len(edits)

    # --- the control ---

    @staticmethod
    def _text(control: TextControl) -> str:
        return control.text() if isinstance(control, QLineEdit) else control.toPlainText()

    def _selected_text(self) -> str:
        control = self.control
        if control is None:
            return ""
        return control.selectedText() if isinstance(control, QLineEdit) else control.textCursor().selectedText()

    def _selection(self, control: TextControl) -> tuple[int, int]:
        """The selection as Python indices."""
        text = self._text(control)
        if isinstance(control, QLineEdit):
            start = control.selectionStart() if control.hasSelectedText() else control.cursorPosition()
            units = (start, start + len(control.selectedText().encode("utf-16-le")) // 2)
        else:
            cursor = control.textCursor()
            units = (cursor.selectionStart(), cursor.selectionEnd())
        return python_index(text, units[0]), python_index(text, units[1])

    def _select(self, control: TextControl, start: int, end: int) -> None:
        text = self._text(control)
        a, b = utf16_offset(text, start), utf16_offset(text, end)
        if isinstance(control, QLineEdit):
            control.setSelection(a, b - a)
            return
        cursor = control.textCursor()
        cursor.setPosition(a)
        cursor.setPosition(b, QTextCursor.MoveMode.KeepAnchor)
        control.setTextCursor(cursor)
        control.ensureCursorVisible()

    def _replace(self, control: TextControl, edits: list[tuple[int, int, str]]) -> None:
        text = self._text(control)
        if isinstance(control, QLineEdit):
            new = text
            for start, end, replacement in reversed(edits):
                new = new[:start] + replacement + new[end:]
            control.selectAll()
            control.insert(new)  # one step on the line's undo stack
            control.textEdited.emit(control.text())  # a user edit: the field is touched
            return
        cursor = QTextCursor(control.document())
        cursor.beginEditBlock()
        for start, end, replacement in reversed(edits):
            cursor.setPosition(utf16_offset(text, start))
            cursor.setPosition(utf16_offset(text, end), QTextCursor.MoveMode.KeepAnchor)
            cursor.insertText(replacement)
        cursor.endEditBlock()

    def _on_find_box_changed(self, *_args: object) -> None:
        self._update_status()

    def _update_status(self, found: list[tuple[int, int]] | None = None, current: int | None = None) -> None:
        control = self.control
        name = control.accessibleName() if control is not None else ""
        self.target_label.setText(f"in “{name}”" if name else "")
        if not self.find_box.text():
            self.status.setText("")
            return
        if found is None:
            found = self.matches()
            if not found and self.status.text().startswith("the regular"):
                return
        if not found:
            self.status.setText("No matches")
        elif current is None:
            self.status.setText(f"{len(found)} match{'es' if len(found) != 1 else ''}")
        else:
            self.status.setText(f"{current + 1} of {len(found)}")
