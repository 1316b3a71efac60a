"""LockDialog: a git lock file blocked a save; explain it and, when no process holds it, offer to remove it."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from editor_app.errors import LockedError


class LockDialog(QMessageBox):
    """Says which lock blocks the save and why; `remove_button` (only for a stale lock) removes it and saves again."""

    def __init__(self, path: str, error: LockedError, parent: QWidget | None = None) -> None:
        super().__init__(QMessageBox.Icon.Warning, "Save blocked by a lock file",
                         f"{path} was not saved: the repository is locked.", parent=parent)
        self.setAccessibleName("Save blocked by a lock file")
        self.setInformativeText(str(error))
        self.remove_button: QPushButton | None = None
        if error.stale and error.remove is not None:
            self.remove_button = self.addButton("Remove the lock and save again", QMessageBox.ButtonRole.AcceptRole)
            self.remove_button.setAccessibleName("Remove the lock and save again")
            self.cancel_button = self.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
            self.setDefaultButton(self.cancel_button)
        else:
            self.cancel_button = self.addButton("OK", QMessageBox.ButtonRole.RejectRole)

    @property
    def remove_chosen(self) -> bool:
        """True once the user chose to remove the lock."""
        return self.remove_button is not None and self.clickedButton() is self.remove_button
