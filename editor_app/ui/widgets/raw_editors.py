"""Editors of values the form has no widget for: `hidden` (kept as is) and widgets that are not built in (as YAML)."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QWidget

from editor_app.config.site_config import Field
from editor_app.content import widget_values as wv
from editor_app.ui.widgets.field_editor import FieldEditor, FormContext, make_column


class HiddenEditor(FieldEditor):
    """`hidden`: never shown; its stored value (or default on new entries) is kept."""

    def _show(self, value: Any) -> None:
        self._shown = value

    def _read(self) -> Any:
        return self._original


class RawYamlEditor(FieldEditor):
    """A field whose widget is not built in: its value edited as YAML, with a notice saying why."""

    def __init__(self, fld: Field, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, context, parent)
        self.notice = QLabel(f"⚠ The “{fld.widget}” widget is not built into this app; edit the value as YAML.")
        self.notice.setForegroundRole(self.notice.foregroundRole().PlaceholderText)
        font = self.notice.font()
        font.setItalic(True)
        self.notice.setFont(font)
        self.notice.setWordWrap(True)
        self.notice.setObjectName("rawYamlNotice")
        self.edit = QPlainTextEdit()
        self.edit.setAccessibleName(f"{self._label()} (YAML)")
        self.edit.setTabChangesFocus(True)
        self.edit.setFont(QFont("monospace"))
        self.edit.setFixedHeight(self.edit.fontMetrics().lineSpacing() * 4 + 12)
        self.edit.textChanged.connect(self._edited)
        layout = make_column(self)
        layout.addWidget(self.notice)
        layout.addWidget(self.edit)

    def _show(self, value: Any) -> None:
        self.edit.setPlainText(wv.value_to_yaml(value))

    def _read(self) -> Any:
        try:
            return wv.yaml_to_value(self.edit.toPlainText())
        except ValueError:
            return self.edit.toPlainText()

    def local_problems(self) -> list[str]:
        if not self._touched:
            return []
        try:
            wv.yaml_to_value(self.edit.toPlainText())
        except ValueError as exc:
            return [f"{self._label()}: {exc}."]
        return []

    def focus_target(self) -> QWidget:
        return self.edit
