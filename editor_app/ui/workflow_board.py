"""WorkflowBoard: unpublished entries in three columns (Draft, In review, Ready); move them, publish them.

The board only shows and asks: it emits `status_change_requested`, `publish_requested`, `delete_requested`
and `entry_activated`; the window runs the workspace calls and then calls `move_entry`/`remove_entry`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from editor_app.backends.base import STATUS_DRAFT, STATUS_PENDING_PUBLISH, STATUS_PENDING_REVIEW, WORKFLOW_STATUSES
from editor_app.ui.signals import emit

STATUS_TITLES = {STATUS_DRAFT: "Draft", STATUS_PENDING_REVIEW: "In review", STATUS_PENDING_PUBLISH: "Ready"}
KEY_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class WorkflowCard:
    """One unpublished entry on the board."""

    collection: str
    slug: str
    title: str
    status: str
    collection_label: str = ""
    updated: str = ""

    @property
    def key(self) -> str:
        """Decap's content key `<collection>/<slug>`."""
        return f"{self.collection}/{self.slug}"


class _StatusColumn(QListWidget):
    """A column that accepts cards dragged from the other columns."""

    card_dropped = Signal(str, str)  # key, status of this column

    def __init__(self, status: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status = status
        self.setAccessibleName(f"{STATUS_TITLES[status]} column")
        self.setObjectName("workflow-column")
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(True)
        self.setSpacing(3)

    def dropEvent(self, event: QDropEvent) -> None:
        source = event.source()
        if not isinstance(source, _StatusColumn) or source is self:
            event.ignore()
            return
        # The board moves the card itself once the status changed; Qt must not copy the item.
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()
        self.take_cards_from(source)

    def take_cards_from(self, source: _StatusColumn) -> None:
        """A drop of `source`'s selected cards on this column: ask for this column's status."""
        for item in source.selectedItems():
            emit(self.card_dropped, item.data(KEY_ROLE), self.status)


class WorkflowBoard(QWidget):
    """The editorial workflow board."""

    status_change_requested = Signal(str, str, str)  # collection, slug, new status
    publish_requested = Signal(str, str)
    delete_requested = Signal(str, str)
    entry_activated = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Editorial workflow")
        self._cards: dict[str, WorkflowCard] = {}
        self.columns: dict[str, _StatusColumn] = {}
        grid = QGridLayout()
        for position, status in enumerate(WORKFLOW_STATUSES):
            title = QLabel(STATUS_TITLES[status])
            title.setObjectName("workflow-column-title")
            column = _StatusColumn(status)
            title.setBuddy(column)
            column.card_dropped.connect(self._on_column_card_dropped)
            column.itemActivated.connect(self._on_column_item_activated)
            column.currentItemChanged.connect(lambda current, _previous, c=column: self._on_selection(c, current))
            grid.addWidget(title, 0, position)
            grid.addWidget(column, 1, position)
            self.columns[status] = column
        self.back_button = QPushButton("← Move back")
        self.forward_button = QPushButton("Move forward →")
        self.publish_button = QPushButton("Publish")
        self.delete_button = QPushButton("Delete changes…")
        self.hint_label = QLabel("Drag a card to another column, or select it and use the buttons. "
                                 "Double-click a card to open the entry.")
        self.hint_label.setObjectName("empty-state")
        self.hint_label.setWordWrap(True)  # a long hint must not set the window's minimum width
        self.empty_label = QLabel("No unpublished changes. Saving an entry puts it here as a draft.")
        self.empty_label.setWordWrap(True)
        self.empty_label.setObjectName("empty-state")
        self.back_button.clicked.connect(lambda: self._move_selected(-1))
        self.forward_button.clicked.connect(lambda: self._move_selected(+1))
        self.publish_button.clicked.connect(self._on_publish_clicked)
        self.delete_button.clicked.connect(self._on_delete_clicked)
        buttons = QHBoxLayout()
        for button in (self.back_button, self.forward_button, self.publish_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.hint_label)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty_label)
        layout.addLayout(grid, 1)
        layout.addLayout(buttons)
        self._update_buttons()

    def set_cards(self, cards: Iterable[WorkflowCard]) -> None:
        """Show these unpublished entries."""
        self._cards = {card.key: card for card in cards}
        for column in self.columns.values():
            column.clear()
        for card in self._cards.values():
            self._add_item(card)
        self.empty_label.setVisible(not self._cards)
        self._update_buttons()

    def card(self, key: str) -> WorkflowCard | None:
        """A card by content key."""
        return self._cards.get(key)

    def keys_in(self, status: str) -> list[str]:
        """The content keys shown in a column, top to bottom."""
        column = self.columns[status]
        return [column.item(i).data(KEY_ROLE) for i in range(column.count())]

    def move_entry(self, key: str, status: str) -> None:
        """Show a card in another column (after its status changed)."""
        card = self._cards.get(key)
        if card is None:
            return
        self._take_item(key)
        moved = WorkflowCard(card.collection, card.slug, card.title, status, card.collection_label, card.updated)
        self._cards[key] = moved
        self._add_item(moved).setSelected(True)
        self._update_buttons()

    def remove_entry(self, key: str) -> None:
        """Drop a card (published or deleted)."""
        self._take_item(key)
        self._cards.pop(key, None)
        self.empty_label.setVisible(not self._cards)
        self._update_buttons()

    def selected_card(self) -> WorkflowCard | None:
        """The card selected in any column."""
        for column in self.columns.values():
            for item in column.selectedItems():
                return self._cards.get(item.data(KEY_ROLE))
        return None

    def select(self, key: str) -> None:
        """Select a card."""
        for column in self.columns.values():
            for i in range(column.count()):
                if column.item(i).data(KEY_ROLE) == key:
                    column.setCurrentRow(i)
                    return

    def _add_item(self, card: WorkflowCard) -> QListWidgetItem:
        where = card.collection_label or card.collection
        text = f"{card.title}\n{where}" + (f" · {card.updated}" if card.updated else "")
        item = QListWidgetItem(text)
        item.setData(KEY_ROLE, card.key)
        item.setToolTip(card.key)
        self.columns[card.status].addItem(item)
        return item

    def _take_item(self, key: str) -> None:
        for column in self.columns.values():
            for i in range(column.count()):
                if column.item(i).data(KEY_ROLE) == key:
                    column.takeItem(i)
                    return

    def _on_selection(self, column: _StatusColumn, current: QListWidgetItem | None) -> None:
        if current is not None:
            for other in self.columns.values():
                if other is not column:
                    other.clearSelection()
        self._update_buttons()

    def _on_column_card_dropped(self, key: str, status: str) -> None:
        card = self._cards.get(key)
        if card is not None and card.status != status:
            emit(self.status_change_requested, card.collection, card.slug, status)

    def _on_column_item_activated(self, item: QListWidgetItem) -> None:
        card = self._cards.get(item.data(KEY_ROLE))
        if card is not None:
            emit(self.entry_activated, card.collection, card.slug)

    def _move_selected(self, step: int) -> None:
        card = self.selected_card()
        if card is None:
            return
        position = WORKFLOW_STATUSES.index(card.status) + step
        if 0 <= position < len(WORKFLOW_STATUSES):
            emit(self.status_change_requested, card.collection, card.slug, WORKFLOW_STATUSES[position])

    def _on_publish_clicked(self) -> None:
        card = self.selected_card()
        if card is not None:
            emit(self.publish_requested, card.collection, card.slug)

    def _on_delete_clicked(self) -> None:
        card = self.selected_card()
        if card is not None:
            emit(self.delete_requested, card.collection, card.slug)

    def _update_buttons(self) -> None:
        card = self.selected_card()
        position = WORKFLOW_STATUSES.index(card.status) if card else -1
        self.back_button.setEnabled(card is not None and position > 0)
        self.forward_button.setEnabled(card is not None and position < len(WORKFLOW_STATUSES) - 1)
        # Decap publishes only entries that are Ready; the board follows the same rule.
        self.publish_button.setEnabled(card is not None and card.status == STATUS_PENDING_PUBLISH)
        self.delete_button.setEnabled(card is not None)
