"""ColorEditor: `color` fields, a colour dialog or, with `allowInput`, a typed value."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QLineEdit, QPushButton, QWidget

from editor_app.config.site_config import Field
from editor_app.content import widget_values as wv
from editor_app.ui.widgets.field_editor import FieldEditor, FormContext, make_column, make_row


class ColorEditor(FieldEditor):
    """`color`: a colour dialog (alpha with `enableAlpha`); typing the value with `allowInput`."""

    def __init__(self, fld: Field, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, context, parent)
        self.enable_alpha = bool(fld.options.get("enable_alpha"))
        self.line = QLineEdit()
        self.line.setAccessibleName(self._label())
        self.line.setReadOnly(not fld.options.get("allow_input"))
        self.line.setMinimumWidth(200)
        self.line.setMaximumWidth(260)
        self.line.textEdited.connect(self._on_line_edited)
        self.swatch = QPushButton()
        self.swatch.setFixedSize(40, 26)
        self.swatch.setAccessibleName(f"{self._label()}: pick a colour")
        self.swatch.setToolTip("Pick a colour")
        self.swatch.clicked.connect(self._on_swatch_clicked)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setAccessibleName(f"{self._label()}: clear")
        self.clear_button.clicked.connect(self._on_clear_clicked)
        make_column(self).addLayout(make_row(self.swatch, self.line, self.clear_button, None, stretch_first=False))

    def _show(self, value: Any) -> None:
        self.line.setText("" if value is None else str(value))
        self._paint_swatch()

    def _paint_swatch(self) -> None:
        try:
            r, g, b, a = wv.parse_color(self.line.text())
        except ValueError:
            self.swatch.setStyleSheet("")
            return
        self.swatch.setStyleSheet(f"background-color: rgba({r}, {g}, {b}, {int(a * 255)});"
                                  " border: 1px solid palette(mid);")

    def _read(self) -> Any:
        return self.line.text().strip()

    def _on_line_edited(self, _text: str) -> None:
        self._paint_swatch()
        self._edited()

    def set_color(self, color: QColor) -> None:
        """Use a colour picked in the dialog."""
        text = wv.format_color(color.red(), color.green(), color.blue(), round(color.alphaF(), 2), self.enable_alpha)
        self.line.setText(text)
        self._paint_swatch()
        self._edited()

    def _on_swatch_clicked(self) -> None:
        dialog = QColorDialog(self)
        if self.enable_alpha:
            dialog.setOption(QColorDialog.ColorDialogOption.ShowAlphaChannel)
        try:
            r, g, b, a = wv.parse_color(self.line.text())
            dialog.setCurrentColor(QColor(r, g, b, int(a * 255)))
        except ValueError:
            pass  # no valid colour yet: the dialog starts at its default
        dialog.colorSelected.connect(self.set_color)
        dialog.open()

    def _on_clear_clicked(self) -> None:
        self.line.clear()
        self._paint_swatch()
        self._edited()

    def local_problems(self) -> list[str]:
        text = self.line.text().strip()
        if self._touched and text:
            try:
                wv.parse_color(text)
            except ValueError as exc:
                return [f"{self._label()}: {exc}."]
        return []

    def focus_target(self) -> QWidget:
        return self.line
