"""Editors that choose among values: `boolean` (a check box) and `select` (one or several options)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QListWidget, QListWidgetItem, QWidget

from editor_app.config.site_config import Field
from editor_app.content import widget_values as wv
from editor_app.ui.widgets.field_editor import FieldEditor, FormContext, make_column, make_row


class BooleanEditor(FieldEditor):
    """`boolean`: a check box."""

    def __init__(self, fld: Field, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, context, parent)
        self.check = QCheckBox(self._label())
        self.check.setAccessibleName(self._label())
        self.check.toggled.connect(self._edited)
        make_column(self).addWidget(self.check)

    def _show(self, value: Any) -> None:
        self.check.setChecked(bool(value))

    def _read(self) -> Any:
        return self.check.isChecked()

    def is_present(self) -> bool:
        return self._present or self._touched

    def focus_target(self) -> QWidget:
        return self.check


class SelectEditor(FieldEditor):
    """`select`: one option from a combo box, or several (`multiple`) from a check list."""

    def __init__(self, fld: Field, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, context, parent)
        self.options = wv.select_options(fld)
        self.multiple = bool(fld.options.get("multiple"))
        layout = make_column(self)
        if self.multiple:
            self.list = QListWidget()
            self.list.setAccessibleName(self._label())
            self.list.itemChanged.connect(self._edited)
            layout.addWidget(self.list)
        else:
            self.combo = QComboBox()
            self.combo.setAccessibleName(self._label())
            self.combo.activated.connect(self._edited)
            self.combo.setMinimumWidth(200)
            layout.addLayout(make_row(self.combo, None, stretch_first=False))

    def _fill(self, extra: list[Any]) -> None:
        pairs = list(self.options) + [(f"{v} (not an option)", v) for v in extra]
        if self.multiple:
            self.list.clear()
            for label, value in pairs:
                item = QListWidgetItem(label)
                item.setData(Qt.ItemDataRole.UserRole, value)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                self.list.addItem(item)
            # as tall as its options (up to eight rows), no empty box under short lists
            rows = min(max(self.list.count(), 1), 8)
            self.list.setFixedHeight(self.list.sizeHintForRow(0) * rows + 2 * self.list.frameWidth() + 2)
        else:
            self.combo.clear()
            self.combo.addItem("— none —", None)
            for label, value in pairs:
                self.combo.addItem(label, value)

    def _show(self, value: Any) -> None:
        known = [v for _label, v in self.options]
        values = value if isinstance(value, list) else ([] if value is None else [value])
        self._fill([v for v in values if v not in known])
        if self.multiple:
            for i in range(self.list.count()):
                item = self.list.item(i)
                if item.data(Qt.ItemDataRole.UserRole) in values:
                    item.setCheckState(Qt.CheckState.Checked)
        else:
            index = next((i for i in range(1, self.combo.count()) if self.combo.itemData(i) in values), 0)
            self.combo.setCurrentIndex(index)

    def _read(self) -> Any:
        if self.multiple:
            return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())
                    if self.list.item(i).checkState() == Qt.CheckState.Checked]
        return self.combo.currentData()

    def choose(self, *values: Any) -> None:
        """Select these option values as the user would."""
        if self.multiple:
            for i in range(self.list.count()):
                item = self.list.item(i)
                checked = item.data(Qt.ItemDataRole.UserRole) in values
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        else:
            index = next(i for i in range(self.combo.count()) if self.combo.itemData(i) == values[0])
            self.combo.setCurrentIndex(index)
            self._edited()

    def focus_target(self) -> QWidget:
        return self.list if self.multiple else self.combo
