"""EntryWorkflowBar: above the editor under editorial workflow, the open entry's status and what to do with it."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from editor_app.backends.base import WORKFLOW_STATUSES
from editor_app.ui.signals import emit
from editor_app.ui.workflow_board import STATUS_TITLES

PUBLISHED_NOTE = "Published — saving creates a draft for review."
NEW_ENTRY_NOTE = "New — saving creates a draft for review."


class EntryWorkflowBar(QWidget):
    """The entry's status, its deploy preview, Publish, Delete unpublished changes."""

    status_chosen = Signal(str)  # one of WORKFLOW_STATUSES
    publish_requested = Signal()
    delete_requested = Signal()

    def __init__(self, preview_bar: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status_box = QComboBox()
        self.status_box.setAccessibleName("Workflow status")
        for status in WORKFLOW_STATUSES:
            self.status_box.addItem(STATUS_TITLES[status])
        self.publish_button = QPushButton("Publish")
        self.delete_button = QPushButton("Delete unpublished changes")
        self.published_label = QLabel(PUBLISHED_NOTE)
        self.status_title = QLabel("&Status:")
        self.status_title.setBuddy(self.status_box)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.status_title)
        layout.addWidget(self.status_box)
        layout.addWidget(self.published_label)
        layout.addSpacing(8)
        layout.addWidget(preview_bar)
        layout.addStretch(1)
        layout.addWidget(self.delete_button)
        layout.addWidget(self.publish_button)
        self.status_box.activated.connect(self._on_status_box_activated)
        self.publish_button.clicked.connect(lambda: emit(self.publish_requested))
        self.delete_button.clicked.connect(lambda: emit(self.delete_requested))

    def show_status(self, status: str | None, *, is_new: bool = False) -> None:
        """Show an unpublished entry's status, or that the entry is published (or new) with none."""
        self.setVisible(True)
        unpublished = status in WORKFLOW_STATUSES
        for widget in (self.status_title, self.status_box, self.publish_button, self.delete_button):
            widget.setVisible(unpublished)
        self.published_label.setText(NEW_ENTRY_NOTE if is_new else PUBLISHED_NOTE)
        self.published_label.setVisible(not unpublished)
        if unpublished:
            self.status_box.setCurrentIndex(WORKFLOW_STATUSES.index(status))
            self.publish_button.setEnabled(status == WORKFLOW_STATUSES[-1])

    def _on_status_box_activated(self, position: int) -> None:
        emit(self.status_chosen, WORKFLOW_STATUSES[position])
