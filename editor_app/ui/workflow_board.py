"""WorkflowBoard: unpublished entries in three columns (Draft, In review, Ready); move them, publish them.

One model holds every card; each column is a view of the cards of one status, and the board keeps one
selection across the columns (a card key), so the buttons always act on the card the user last picked,
wherever it moved since. Cards move by drag and drop between columns or by the buttons.

The board only shows and asks: it emits `status_change_requested`, `publish_requested`, `delete_requested`
and `entry_activated`; the window runs the workspace calls and then calls `move_entry`/`remove_entry`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from PySide6.QtCore import (
    QAbstractListModel,
    QItemSelection,
    QItemSelectionModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QFontMetrics,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from editor_app.backends.base import STATUS_DRAFT, STATUS_PENDING_PUBLISH, STATUS_PENDING_REVIEW, WORKFLOW_STATUSES
from editor_app.ui import theme
from editor_app.ui.signals import emit

STATUS_TITLES = {STATUS_DRAFT: "Draft", STATUS_PENDING_REVIEW: "In review", STATUS_PENDING_PUBLISH: "Ready"}
KEY_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_ROLE = Qt.ItemDataRole.UserRole + 2
SUBTITLE_ROLE = Qt.ItemDataRole.UserRole + 3
PREVIEW_ROLE = Qt.ItemDataRole.UserRole + 4  # the card's deploy preview as shown ("Preview ready"), "" without one
PREVIEW_TEXTS = {"building": "Preview building…", "ready": "Preview ready", "failed": "Preview failed"}
CARD_MIME_TYPE = "application/x-editor-app-workflow-card"
EMPTY_COLUMN_TEXT = "No entries here. Drag a card onto this column to give it this status."

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class WorkflowCard:
    """One unpublished entry on the board."""

    collection: str
    slug: str
    title: str
    status: str
    collection_label: str = ""
    updated: str = ""
    preview_state: str = ""  # the deploy preview's state (building, ready, failed); "" when none is known
    preview_url: str = ""

    @property
    def key(self) -> str:
        """Decap's content key `<collection>/<slug>`."""
        return f"{self.collection}/{self.slug}"

    @property
    def subtitle(self) -> str:
        """Where the entry lives, and when it last changed."""
        where = self.collection_label or self.collection
        return where + (f" · {self.updated}" if self.updated else "")

    @property
    def preview_text(self) -> str:
        """The deploy preview's state as the card says it, "" without a preview."""
        return PREVIEW_TEXTS.get(self.preview_state, self.preview_state)


class WorkflowModel(QAbstractListModel):
    """Every card on the board, in the order they were given; cards drag out as their content key."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cards: list[WorkflowCard] = []

    def set_cards(self, cards: Iterable[WorkflowCard]) -> None:
        """Replace every card."""
        known = {card.key: card for card in self._cards}
        self.beginResetModel()
        self._cards = [
            # a refreshed card keeps the preview it showed until the next check answers
            replace(card, preview_state=old.preview_state, preview_url=old.preview_url)
            if not card.preview_state and (old := known.get(card.key)) is not None else card
            for card in {card.key: card for card in cards}.values()
        ]
        self.endResetModel()

    def cards(self) -> list[WorkflowCard]:
        """The cards, in board order."""
        return list(self._cards)

    def card(self, key: str) -> WorkflowCard | None:
        """A card by content key."""
        return next((card for card in self._cards if card.key == key), None)

    def set_status(self, key: str, status: str) -> None:
        """Give a card another status; it goes to the end of its new column."""
        row = self._row(key)
        if row is None:
            return
        card = self._cards[row]
        self.remove(key)
        self.beginInsertRows(QModelIndex(), len(self._cards), len(self._cards))
        self._cards.append(replace(card, status=status))
        self.endInsertRows()

    def set_preview(self, key: str, state: str, url: str) -> None:
        """Show a card's deploy preview ("" state: none)."""
        row = self._row(key)
        if row is None:
            return
        self._cards[row] = replace(self._cards[row], preview_state=state, preview_url=url)
        emit(self.dataChanged, self.index(row, 0), self.index(row, 0))

    def remove(self, key: str) -> None:
        """Take a card off the board."""
        row = self._row(key)
        if row is not None:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._cards[row]
            self.endRemoveRows()

    def _row(self, key: str) -> int | None:
        return next((row for row, card in enumerate(self._cards) if card.key == key), None)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._cards)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._cards):
            return None
        card = self._cards[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return card.title
        if role == Qt.ItemDataRole.AccessibleTextRole:
            preview = f", {card.preview_text}" if card.preview_text else ""
            return f"{card.title}, {card.subtitle}, {STATUS_TITLES[card.status]}{preview}"
        if role == Qt.ItemDataRole.ToolTipRole:
            preview = f"\n{card.preview_text}: {card.preview_url}" if card.preview_url else ""
            return f"{card.title}\n{card.key}{preview}"
        if role == KEY_ROLE:
            return card.key
        if role == STATUS_ROLE:
            return card.status
        if role == SUBTITLE_ROLE:
            return card.subtitle
        if role == PREVIEW_ROLE:
            return card.preview_text
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else Qt.ItemFlag.ItemIsDropEnabled

    def mimeTypes(self) -> list[str]:
        return [CARD_MIME_TYPE]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        data = QMimeData()
        keys = [str(index.data(KEY_ROLE)) for index in indexes if index.isValid()]
        data.setData(CARD_MIME_TYPE, "\n".join(keys[:1]).encode("utf-8"))
        return data

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction


class _StatusFilter(QSortFilterProxyModel):
    """The cards of one status."""

    def __init__(self, status: str, source: WorkflowModel) -> None:
        super().__init__(source)
        self.status = status
        self.setSourceModel(source)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        return bool(model.index(source_row, 0, source_parent).data(STATUS_ROLE) == self.status)


class _CardDelegate(QStyledItemDelegate):
    """A card: the title in bold over its collection and date, on a raised tile; selected cards use the
    palette's highlight colours, so their text stays readable in light and dark themes."""

    PADDING = 8

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        metrics = QFontMetrics(option.font)
        return QSize(160, metrics.height() * 2 + self.PADDING * 2 + 4)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        focused = bool(option.state & QStyle.StateFlag.State_HasFocus)
        tile = option.rect.adjusted(2, 2, -2, -2)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        background = palette.color(QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Base)
        painter.setBrush(background)
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 2 if focused else 1))
        painter.drawRoundedRect(tile, 6, 6)
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(palette.color(text_role))
        inner = tile.adjusted(self.PADDING, self.PADDING, -self.PADDING, -self.PADDING)
        title_font = QFont(option.font)
        title_font.setBold(True)
        metrics = QFontMetrics(title_font)
        painter.setFont(title_font)
        title = metrics.elidedText(str(index.data(Qt.ItemDataRole.DisplayRole)), Qt.TextElideMode.ElideRight,
                                   inner.width())
        painter.drawText(QRect(inner.left(), inner.top(), inner.width(), metrics.height()),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), title)
        painter.setFont(option.font)
        if not selected:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        small = QFontMetrics(option.font)
        line = QRect(inner.left(), inner.top() + metrics.height() + 4, inner.width(), metrics.height())
        preview = str(index.data(PREVIEW_ROLE) or "")
        if preview:  # the deploy preview's state, at the right of the second line; the subtitle gives way
            preview_width = min(small.horizontalAdvance(preview) + 2, inner.width() // 2)
            painter.drawText(line, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                             small.elidedText(preview, Qt.TextElideMode.ElideRight, preview_width))
            line.setWidth(max(0, inner.width() - preview_width - self.PADDING))
        subtitle = small.elidedText(str(index.data(SUBTITLE_ROLE)), Qt.TextElideMode.ElideRight, line.width())
        painter.drawText(line, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), subtitle)
        painter.restore()


class _StatusColumn(QListView):
    """The cards of one status; a card dropped here from another column asks for this column's status."""

    card_dropped = Signal(str, str)  # key, status of this column

    def __init__(self, status: str, model: WorkflowModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status = status
        self.cards = _StatusFilter(status, model)
        self.setModel(self.cards)
        self.setItemDelegate(_CardDelegate(self))
        self.setAccessibleName(f"{STATUS_TITLES[status]} column")
        self.setObjectName("workflow-column")
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setUniformItemSizes(True)
        self.setSpacing(2)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.cards.rowCount() == 0:  # an empty column says so, and how cards get there
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.viewport().rect().adjusted(8, 8, -8, -8),
                             int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap),
                             EMPTY_COLUMN_TEXT)
            painter.end()

    def index_of(self, key: str) -> QModelIndex:
        """The view's index of a card, invalid when the card is not in this column."""
        for row in range(self.cards.rowCount()):
            index = self.cards.index(row, 0)
            if index.data(KEY_ROLE) == key:
                return index
        return QModelIndex()

    def keys(self) -> list[str]:
        """The content keys shown, top to bottom."""
        return [str(self.cards.index(row, 0).data(KEY_ROLE)) for row in range(self.cards.rowCount())]

    def _dropped_key(self, event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> str | None:
        mime = event.mimeData()
        if not mime.hasFormat(CARD_MIME_TYPE):
            return None
        key = bytes(mime.data(CARD_MIME_TYPE).data()).decode("utf-8")
        return key if key and not self.index_of(key).isValid() else None  # a card already here stays put

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_key(event) is None:
            event.ignore()
            return
        event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._dropped_key(event) is None:
            event.ignore()
            return
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        key = self._dropped_key(event)
        if key is None:
            event.ignore()
            return
        # The board moves the card itself once the status changed; Qt must not remove the dragged row.
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()
        emit(self.card_dropped, key, self.status)


class WorkflowBoard(QWidget):
    """The editorial workflow board."""

    status_change_requested = Signal(str, str, str)  # collection, slug, new status
    publish_requested = Signal(str, str)
    delete_requested = Signal(str, str)
    entry_activated = Signal(str, str)
    preview_open_requested = Signal(str)  # the URL of the selected card's deploy preview

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Editorial workflow")
        self.model = WorkflowModel(self)
        self._selected: str | None = None  # the one selected card's key, whichever column shows it
        self.columns: dict[str, _StatusColumn] = {}
        grid = QGridLayout()
        for position, status in enumerate(WORKFLOW_STATUSES):
            column = _StatusColumn(status, self.model)
            title = QLabel(STATUS_TITLES[status])
            title.setObjectName("workflow-column-title")
            title.setBuddy(column)
            column.card_dropped.connect(self._on_column_card_dropped)
            column.activated.connect(self._on_column_activated)
            column.selectionModel().selectionChanged.connect(
                lambda selected, _deselected, c=column: self._on_column_selection_changed(c, selected))
            grid.addWidget(title, 0, position)
            grid.addWidget(column, 1, position)
            self.columns[status] = column
        self.back_button = QPushButton(theme.icon("arrow-left"), "Move back")
        self.forward_button = QPushButton(theme.icon("arrow-right"), "Move forward")
        self.forward_button.setLayoutDirection(Qt.LayoutDirection.RightToLeft)  # the arrow after the words
        self.publish_button = QPushButton("Publish")
        self.delete_button = QPushButton("Delete changes…")
        self.preview_button = QPushButton("Open preview")
        self.preview_button.setToolTip("Open the selected entry's deploy preview in the browser")
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
        self.preview_button.clicked.connect(self._on_preview_clicked)
        buttons = QHBoxLayout()
        for button in (self.back_button, self.forward_button, self.publish_button, self.delete_button,
                       self.preview_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.hint_label)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty_label)
        layout.addLayout(grid, 1)
        layout.addLayout(buttons)
        self._update_buttons()

    def set_cards(self, cards: Iterable[WorkflowCard]) -> None:
        """Show these unpublished entries; the selected card stays selected when it is still there."""
        self.model.set_cards(cards)
        self.empty_label.setVisible(not self.model.rowCount())
        self._show_selection()

    def card(self, key: str) -> WorkflowCard | None:
        """A card by content key."""
        return self.model.card(key)

    def set_previews(self, previews: Mapping[str, tuple[str, str] | None]) -> None:
        """Show deploy previews on the cards: content key -> (state, url), or None for "no preview"."""
        for key, preview in previews.items():
            state, url = preview if preview is not None else ("", "")
            self.model.set_preview(key, state, url)
        self._update_buttons()

    def keys_in(self, status: str) -> list[str]:
        """The content keys shown in a column, top to bottom."""
        return self.columns[status].keys()

    def move_entry(self, key: str, status: str) -> None:
        """Show a card in another column (after its status changed); it stays the selected card."""
        if self.model.card(key) is None:
            return
        self.model.set_status(key, status)
        self._selected = key
        self._show_selection()

    def remove_entry(self, key: str) -> None:
        """Drop a card (published or deleted)."""
        self.model.remove(key)
        if self._selected == key:
            self._selected = None
        self.empty_label.setVisible(not self.model.rowCount())
        self._show_selection()

    def selected_card(self) -> WorkflowCard | None:
        """The selected card, in whichever column it is."""
        return self.model.card(self._selected) if self._selected is not None else None

    def select(self, key: str) -> None:
        """Select a card."""
        if self.model.card(key) is not None:
            self._selected = key
            self._show_selection()

    def _show_selection(self) -> None:
        """Make the columns show exactly the one selected card (or none) selected."""
        if self._selected is not None and self.model.card(self._selected) is None:
            self._selected = None
        for column in self.columns.values():
            index = column.index_of(self._selected) if self._selected is not None else QModelIndex()
            selection = column.selectionModel()
            selection.blockSignals(True)
            if index.isValid():
                selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
                column.scrollTo(index)
            else:
                selection.clear()
            selection.blockSignals(False)
            column.viewport().update()
        self._update_buttons()

    def _on_column_selection_changed(self, column: _StatusColumn, selected: QItemSelection) -> None:
        indexes = selected.indexes()
        if indexes:
            self._selected = str(indexes[0].data(KEY_ROLE))
        elif self._selected is not None and column.index_of(self._selected).isValid():
            self._selected = None  # the user cleared the selection in the column that showed it
        self._show_selection()

    def _on_column_card_dropped(self, key: str, status: str) -> None:
        card = self.model.card(key)
        if card is not None and card.status != status:
            self._selected = key
            self._show_selection()
            emit(self.status_change_requested, card.collection, card.slug, status)

    def _on_column_activated(self, index: QModelIndex) -> None:
        card = self.model.card(str(index.data(KEY_ROLE)))
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

    def _on_preview_clicked(self) -> None:
        card = self.selected_card()
        if card is not None and card.preview_url:
            emit(self.preview_open_requested, card.preview_url)

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
        self.preview_button.setEnabled(card is not None and bool(card.preview_url))
