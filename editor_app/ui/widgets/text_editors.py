"""Editors of typed text: `string`, `text` and `number` (bounds, Up/Down steps, only numbers typed)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QValidator
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QWidget

from editor_app.config.site_config import Field
from editor_app.content import number_input
from editor_app.content import widget_values as wv
from editor_app.ui.signals import emit
from editor_app.ui.widgets.field_editor import FieldEditor, FormContext, make_column, make_row


class StringEditor(FieldEditor):
    """`string`: one line of text."""

    def __init__(self, fld: Field, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, context, parent)
        self.line = QLineEdit()
        self.line.setAccessibleName(self._label())
        self.line.textEdited.connect(self._edited)
        make_column(self).addWidget(self.line)

    def _show(self, value: Any) -> None:
        self.line.setText("" if value is None else str(value))

    def _read(self) -> Any:
        return self.line.text()

    def focus_target(self) -> QWidget:
        return self.line


class TextEditor(FieldEditor):
    """`text`: several lines of plain text."""

    def __init__(self, fld: Field, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, context, parent)
        self.edit = QPlainTextEdit()
        self.edit.setAccessibleName(self._label())
        self.edit.setTabChangesFocus(True)
        self.edit.setFixedHeight(self.edit.fontMetrics().lineSpacing() * 5 + 12)
        self.edit.textChanged.connect(self._edited)
        make_column(self).addWidget(self.edit)

    def _show(self, value: Any) -> None:
        self.edit.setPlainText("" if value is None else str(value))

    def _read(self) -> Any:
        return self.edit.toPlainText()

    def focus_target(self) -> QWidget:
        return self.edit


class _NumberLine(QLineEdit):
    """A line edit where Up/Down step the number by the field's `step`."""

    stepped = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            emit(self.stepped, 1 if event.key() == Qt.Key.Key_Up else -1)
            return
        super().keyPressEvent(event)


class _NumberValidator(QValidator):
    """Refuses keystrokes that cannot lead to a number of the field's kind ("400abc" stops at "400").

    `strict` is off while the text is a stored value that is not a number: it stays editable, and the check
    starts again once the text is a number."""

    def __init__(self, options: dict[str, Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.options = options
        self.strict = True

    def validate(self, text: str, pos: int) -> object:
        if not self.strict or number_input.accepts_typing(text, self.options):
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Invalid, text, pos


class NumberEditor(FieldEditor):
    """`number`: int or float (`value_type`), `min`/`max`, Up/Down step by `step`; only numbers can be typed."""

    def __init__(self, fld: Field, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, context, parent)
        self.line = _NumberLine()
        self.line.setAccessibleName(self._label())
        opts = fld.options
        self.validator = _NumberValidator(opts, self)
        self.line.setValidator(self.validator)
        self.hint = QLabel(number_input.number_hint(opts))
        self.hint.setObjectName("numberHint")
        self.hint.setForegroundRole(self.hint.foregroundRole().PlaceholderText)
        self.line.setAccessibleDescription(self.hint.text())
        self.line.setMaximumWidth(220)
        self.line.textEdited.connect(self._edited)
        self.line.textEdited.connect(self._on_line_edited)
        self.line.stepped.connect(self._on_line_stepped)
        layout = make_column(self)
        layout.addLayout(make_row(self.line, self.hint, None, stretch_first=False))

    def _show(self, value: Any) -> None:
        text = wv.format_number(value)
        self.validator.strict = number_input.accepts_typing(text, self.field.options)
        self.line.setText(text)
        self._update_hint()

    def _on_line_edited(self, text: str) -> None:
        if not self.validator.strict and number_input.accepts_typing(text, self.field.options):
            self.validator.strict = True
        self._update_hint()

    def _update_hint(self) -> None:
        """The range hint, or what is wrong with the number typed (above the maximum, …)."""
        value = self._read() if self.line.text().strip() else None
        problem = number_input.range_problem(value, self.field.options)
        self.hint.setText(f"Out of range: {problem}" if problem else number_input.number_hint(self.field.options))
        font = self.hint.font()
        font.setBold(problem is not None)  # readable in any palette; saving names it as a problem as well
        self.hint.setFont(font)

    def _read(self) -> Any:
        text = self.line.text()
        if not text.strip():
            return None
        try:
            return wv.parse_number(text, self.field.options.get("value_type"))
        except ValueError:
            return text  # kept as typed; local_problems() blocks the save

    def local_problems(self) -> list[str]:
        if self._touched and self.line.text().strip():
            try:
                wv.parse_number(self.line.text(), self.field.options.get("value_type"))
            except ValueError as exc:
                return [f"{self._label()}: {exc}."]
        return []

    def _on_line_stepped(self, direction: int) -> None:
        step = self.field.options.get("step") or 1
        current = self._read()
        base = current if isinstance(current, (int, float)) else 0
        number = base + direction * step
        opts = self.field.options
        if opts.get("min") is not None:
            number = max(number, opts["min"])
        if opts.get("max") is not None:
            number = min(number, opts["max"])
        if opts.get("value_type") == "int" or (isinstance(number, float) and number.is_integer()
                                                and isinstance(base, int) and isinstance(step, int)):
            number = int(number)
        self.line.setText(str(number))
        self._edited()

    def focus_target(self) -> QWidget:
        return self.line
