"""DraftDialog: an unsaved draft from an earlier session exists for an entry; show, restore or discard it."""

from __future__ import annotations

from enum import Enum

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from editor_app.ui.conflict_dialog import unified_difference


class DraftChoice(Enum):
    """What to do with a journaled draft."""

    RESTORE = "restore"
    DISCARD = "discard"
    LATER = "later"  # open the saved version; keep the draft in the journal


class DraftDialog(QDialog):
    """Offers a journaled draft back: Show changes / Restore / Discard (or decide later)."""

    def __init__(
        self, path: str, saved: str, draft: str, when: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Restore unsaved changes?")
        self.setAccessibleName("Restore draft")
        self.choice = DraftChoice.LATER
        since = f" (last edited {when})" if when else ""
        text = QLabel(
            f"<b>{path}</b> has changes that were never saved{since}. "
            "Restore them to keep working, or discard them for good."
        )
        text.setWordWrap(True)
        self.changes_view = QPlainTextEdit(unified_difference(path, saved, draft))
        self.changes_view.setReadOnly(True)
        self.changes_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.changes_view.setAccessibleName("Unsaved changes")
        self.changes_view.setVisible(False)
        self.show_button = QPushButton("Show changes")
        self.show_button.setCheckable(True)
        self.show_button.toggled.connect(self._on_show_toggled)

        buttons = QDialogButtonBox()
        self.restore_button = buttons.addButton("Restore", QDialogButtonBox.ButtonRole.AcceptRole)
        self.discard_button = buttons.addButton("Discard", QDialogButtonBox.ButtonRole.DestructiveRole)
        later = buttons.addButton("Decide later", QDialogButtonBox.ButtonRole.RejectRole)
        self.restore_button.setDefault(True)
        self.restore_button.clicked.connect(lambda: self._choose(DraftChoice.RESTORE))
        self.discard_button.clicked.connect(lambda: self._choose(DraftChoice.DISCARD))
        later.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        self.setMinimumWidth(560)  # the path and the difference's lines fit, instead of wrapping every few words
        layout.addWidget(text)
        layout.addWidget(self.show_button)
        layout.addWidget(self.changes_view, 1)
        layout.addWidget(buttons)

    def _on_show_toggled(self, shown: bool) -> None:
        self.changes_view.setVisible(shown)
        self.show_button.setText("Hide changes" if shown else "Show changes")
        self.adjustSize()

    def _choose(self, choice: DraftChoice) -> None:
        self.choice = choice
        self.accept()
