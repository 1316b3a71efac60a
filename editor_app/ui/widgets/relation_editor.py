"""RelationEditor: `relation` fields, entries of another collection found as you type."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton, QWidget

from editor_app.config.site_config import Field
from editor_app.content import widget_values as wv
from editor_app.ui.widgets.field_editor import FieldEditor, FormContext, make_column, make_row


class RelationEditor(FieldEditor):
    """`relation`: search another collection; stores `value_field`, shows `display_fields`.

    Choices are built as Decap builds them (content.widget_values.relation_options): `{{slug}}` and other
    templates, nested paths, and `*` paths into a files collection's list, one choice per list item.
    """

    def __init__(self, fld: Field, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, context, parent)
        opts = fld.options
        self.settings = wv.RelationSettings.of(fld)
        self.multiple = bool(opts.get("multiple"))
        self.collection = self.settings.collection
        self.value_field = self.settings.value_field
        self.search_fields = self.settings.search_fields
        self.display_fields = self.settings.display_fields
        self.limit = int(opts.get("options_length") or 20)
        self.search = QLineEdit()
        target = str(opts.get("file") or self.collection)  # a files collection's list: name the file
        self.search.setPlaceholderText(f"Search {target}…")
        self.search.setAccessibleName(f"{self._label()}: search {target}")
        self.search.textEdited.connect(self._on_search_edited)
        self.search.returnPressed.connect(self._on_search_return_pressed)
        self.search.installEventFilter(self)
        self.results = QListWidget()
        self.results.setAccessibleName(f"{self._label()}: matching entries")
        self.results.setMaximumHeight(130)
        self.results.itemActivated.connect(self._on_result_activated)
        self.results.itemClicked.connect(self._on_result_activated)
        self.results.hide()
        self.no_match = QLabel()
        self.no_match.setObjectName("empty-state")
        self.no_match.hide()
        self.chosen = QListWidget()
        self.chosen.setAccessibleName(f"{self._label()}: chosen")
        self.chosen.setMaximumHeight(26 if not self.multiple else 90)
        self.chosen.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.chosen.model().rowsMoved.connect(self._edited)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setAccessibleName(f"{self._label()}: remove the chosen entry")
        self.remove_button.clicked.connect(self._on_remove_clicked)
        layout = make_column(self)
        layout.addLayout(make_row(self.chosen, self.remove_button))
        layout.addWidget(self.search)
        layout.addWidget(self.results)
        layout.addWidget(self.no_match)
        self._labels: dict[str, str] = {}

    def options(self, query: str = "") -> list[wv.RelationOption]:
        """The choices whose search fields match `query` (all for ''), each value once, in entry order."""
        source = self.context.relation_source
        if source is None:
            return []
        settings = self.settings
        return settings.options(source.search(settings.collection, query, settings.search_fields, settings.file),
                                query)

    def _label_of(self, value: Any) -> str:
        key = _value_key(value)
        if key not in self._labels:
            for option in self.options():
                self._labels.setdefault(_value_key(option.value), option.label)
        return self._labels.get(key, str(value))  # not found: the target collection may still be loading

    def _add_chosen(self, value: Any) -> None:
        item = QListWidgetItem(self._label_of(value))
        item.setData(Qt.ItemDataRole.UserRole, value)
        item.setToolTip(f"Stored as: {value}")
        self.chosen.addItem(item)

    def refresh_labels(self) -> None:
        """Show the chosen entries by their display fields, and search again (the target collection loaded)."""
        self._labels.clear()
        for row in range(self.chosen.count()):
            item = self.chosen.item(row)
            item.setText(self._label_of(item.data(Qt.ItemDataRole.UserRole)))
        if self.search.text().strip():  # typed before the entries were there: search again
            self._on_search_edited(self.search.text())

    def _show(self, value: Any) -> None:
        self.chosen.clear()
        self._hide_results()
        self.search.clear()
        values = value if isinstance(value, list) else ([] if value in (None, "") else [value])
        for v in values:
            self._add_chosen(v)

    def _read(self) -> Any:
        values = [self.chosen.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.chosen.count())]
        if self.multiple:
            return values
        return values[0] if values else ""

    def _on_search_edited(self, text: str) -> None:
        query = text.strip()
        if not query:
            self._hide_results()
            return
        self.results.clear()
        for option in self.options(query)[: self.limit]:
            item = QListWidgetItem(option.label)
            item.setData(Qt.ItemDataRole.UserRole, option.value)
            item.setToolTip(f"Stored as: {option.value}")
            self.results.addItem(item)
        self.results.setVisible(self.results.count() > 0)
        self.no_match.setText(f"No {self.field.label or self.field.name} matches “{query}”.")
        self.no_match.setVisible(self.results.count() == 0)
        if self.results.count():
            self.results.setCurrentRow(0)

    def _hide_results(self) -> None:
        self.results.clear()
        self.results.hide()
        self.no_match.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Up and Down in the search box move through the matches, Escape closes them."""
        if watched is self.search and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress \
                and not self.results.isHidden():
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                step = 1 if key == Qt.Key.Key_Down else -1
                row = max(0, min(self.results.count() - 1, self.results.currentRow() + step))
                self.results.setCurrentRow(row)
                return True
            if key == Qt.Key.Key_Escape:
                self._hide_results()
                return True
        return super().eventFilter(watched, event)

    def _on_search_return_pressed(self) -> None:
        if not self.results.isHidden() and self.results.currentItem() is not None:
            self._on_result_activated(self.results.currentItem())

    def _on_result_activated(self, item: QListWidgetItem) -> None:
        self.pick(item.data(Qt.ItemDataRole.UserRole))

    def pick(self, value: Any) -> None:
        """Choose an entry by its stored value (replaces the choice unless `multiple`)."""
        if not self.multiple:
            self.chosen.clear()
        elif value in self._read():
            return
        self._add_chosen(value)
        self.search.clear()
        self._hide_results()
        self._edited()

    def _on_remove_clicked(self) -> None:
        row = self.chosen.currentRow() if self.chosen.currentRow() >= 0 else self.chosen.count() - 1
        if row >= 0:
            self.chosen.takeItem(row)
            self._edited()

    def focus_target(self) -> QWidget:
        return self.search


def _value_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
