"""Non-blocking notifications: a banner stack that shows readable messages, with details for unexpected errors."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from editor_app.errors import EditorError
from editor_app.ui import theme
from editor_app.ui.signals import emit
from editor_app.ui.tasks import TaskFailure

LEVELS = ("info", "warning", "error")
LEVEL_ICONS = {"info": "info", "warning": "triangle-alert", "error": "circle-alert"}


class Notification(QFrame):
    """One message; an optional details expander (tracebacks) and a close button."""

    closed = Signal()

    def __init__(self, message: str, level: str = "info", details: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key: str | None = None  # set by NotificationArea.notify: a keyed message is shown once at a time
        if level not in LEVELS:
            raise ValueError(f"unknown notification level {level!r}; expected one of {LEVELS}")
        self.level = level
        self.setObjectName(f"notification-{level}")
        self.setProperty("level", level)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(f"{level.capitalize()} notification")
        self.icon_label = QLabel()  # the level at a glance, in its colour, as Sveltia's and Decap's toasts show it
        self.icon_label.setObjectName("notification-icon")
        self.icon_label.setPixmap(theme.icon(LEVEL_ICONS[level], tint=level).pixmap(16, 16))
        self.icon_label.setAccessibleName(level.capitalize())
        self.message_label = QLabel(message)
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.details_button = QToolButton()
        self.details_button.setText("Details")
        self.details_button.setCheckable(True)
        self.details_button.setAccessibleName("Show details")
        self.details_button.setVisible(bool(details))
        close_button = QToolButton()
        close_button.setIcon(theme.icon("x"))
        close_button.setObjectName("close-button")
        close_button.setAccessibleName("Dismiss notification")
        close_button.setToolTip("Dismiss")
        close_button.clicked.connect(self.dismiss)
        self.details_view = QPlainTextEdit(details)
        self.details_view.setReadOnly(True)
        self.details_view.setAccessibleName("Error details")
        self.details_view.setVisible(False)
        self.details_view.setMaximumHeight(180)
        self.details_button.toggled.connect(self.details_view.setVisible)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.icon_label, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.message_label, 1)
        row.addWidget(self.details_button)
        row.addWidget(close_button)
        self._row = row
        self.buttons: list[QPushButton] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.details_view)

    @property
    def message(self) -> str:
        """The text shown."""
        return self.message_label.text()

    def add_button(self, text: str) -> QPushButton:
        """A button next to the message (the way on, e.g. the expiry warning's "Log in again")."""
        button = QPushButton(text, self)
        button.setAccessibleName(text)
        self._row.insertWidget(len(self.buttons) + 1, button)
        self.buttons.append(button)
        return button

    def dismiss(self) -> None:
        """Remove this notification."""
        self.hide()
        emit(self.closed)
        self.deleteLater()


def describe_error(error: BaseException | TaskFailure) -> tuple[str, str]:
    """(message, details) for an error: an EditorError's own message, else a generic one plus the traceback."""
    details = ""
    if isinstance(error, TaskFailure):
        details = error.details
        error = error.error
    if isinstance(error, EditorError):
        return str(error), ""
    message = f"Something unexpected went wrong ({type(error).__name__}: {error})."
    if not details:
        import traceback

        details = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return message, details


class NotificationArea(QWidget):
    """A stack of notifications at the top of a window; info messages fade after a while, errors stay."""

    INFO_TIMEOUT_MS = 6000
    MAX_SHOWN = 4

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Notifications")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(6, 6, 6, 0)
        self._layout.setSpacing(4)
        self._items: list[Notification] = []
        self.setVisible(False)

    @property
    def notifications(self) -> list[Notification]:
        """The notifications currently shown, oldest first."""
        return list(self._items)

    def notify(self, message: str, level: str = "info", details: str = "", *, key: str | None = None) -> Notification:
        """Show a message; returns the notification (tests, or to dismiss it early).

        A message with a `key` replaces the one shown with the same key instead of stacking under it.
        """
        if key is not None:
            self.dismiss_key(key)
        item = Notification(message, level, details, self)
        item.key = key
        item.closed.connect(lambda: self._forget(item))
        self._items.append(item)
        self._layout.addWidget(item)
        while len(self._items) > self.MAX_SHOWN:
            self._items[0].dismiss()
        self.setVisible(True)
        if level == "info":
            QTimer.singleShot(self.INFO_TIMEOUT_MS, item, item.dismiss)
        return item

    def notify_error(self, error: BaseException | TaskFailure, context: str = "") -> Notification:
        """Show an error: readable message first, traceback behind 'Details' for unexpected ones."""
        message, details = describe_error(error)
        if context:
            message = f"{context}: {message}"
        return self.notify(message, "error", details)

    def dismiss_key(self, key: str) -> None:
        """Remove the notification shown with this key, if any."""
        for item in [i for i in self._items if i.key == key]:
            self._items.remove(item)
            item.dismiss()
        self.setVisible(bool(self._items))

    def _forget(self, item: Notification) -> None:
        if item in self._items:
            self._items.remove(item)
        self.setVisible(bool(self._items))


class Prompts:
    """The modal questions the app asks; tests pass a scripted stand-in instead of clicking message boxes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self._parent = parent

    def confirm(self, title: str, text: str, action: str = "OK", *, destructive: bool = False) -> bool:
        """A question answered by a button that names the action (`action`) or Cancel; True for the action.

        A destructive question has Cancel as its default button, so Enter never deletes anything.
        """
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Warning if destructive else QMessageBox.Icon.Question, title, text,
                          parent=self._parent)
        go = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole if destructive
                           else QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel if destructive else go)
        box.setEscapeButton(cancel)
        box.exec()
        return box.clickedButton() is go

    def save_discard_cancel(self, name: str) -> str:
        """Unsaved changes to the entry called `name`: "save", "discard" or "cancel"."""
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes", f"“{name}” has unsaved changes.",
                          parent=self._parent)
        box.setInformativeText("Save them before leaving? Discarded changes are gone for good.")
        save = box.addButton("Save", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Discard changes", QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(save)
        box.setEscapeButton(cancel)
        box.exec()
        clicked = box.clickedButton()
        return "save" if clicked is save else "discard" if clicked is discard else "cancel"

    def restore_draft(self, path: str, saved: str, draft: str, when: str) -> str:
        """A journaled draft exists: "restore", "discard" or "later" (the DraftDialog)."""
        from editor_app.ui.draft_dialog import DraftDialog

        dialog = DraftDialog(path, saved, draft, when, self._parent)
        dialog.exec()
        return dialog.choice.value
