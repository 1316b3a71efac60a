"""TypingJournal: what is typed into the open entry goes to the drafts journal while it is typed.

Typing is journaled when it rests, during continuous typing at least every JOURNAL_MAX_WAIT_MS (a kill -9 then
loses at most the last ~2 s), and at once when the focus leaves the editor. A save journals the entry itself
and stops the timers (`stop`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

from editor_app.ui.contracts import WorkspaceView
from editor_app.ui.notifications import NotificationArea
from editor_app.ui.signals import emit
from editor_app.workspace.workspace import OpenEntry

JOURNAL_DELAY_MS = 400  # journal once typing rests this long...
JOURNAL_MAX_WAIT_MS = 1500  # ...and at the latest this long after the first change not yet journaled


class TypingJournal(QObject):
    """Journals the open entry's unsaved changes soon after they are typed."""

    journaled = Signal(object)  # the OpenEntry just handed to the journal

    def __init__(
        self,
        workspace: WorkspaceView,
        notifications: NotificationArea,
        editor: QWidget,
        unsaved_entry: Callable[[], OpenEntry | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.notifications = notifications
        self._editor = editor
        self._unsaved_entry = unsaved_entry  # the open entry when it has unsaved changes, else None
        self._timer = QTimer(self, singleShot=True, interval=JOURNAL_DELAY_MS)
        self._timer.timeout.connect(self.journal_now)
        self._deadline = QTimer(self, singleShot=True, interval=JOURNAL_MAX_WAIT_MS)
        self._deadline.timeout.connect(self.journal_now)
        self._problem_shown: Exception | None = None
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_application_focus_changed)

    def typed(self) -> None:
        """The entry changed: journal it once typing rests (or the longest wait is over)."""
        self._timer.start()
        if not self._deadline.isActive():
            self._deadline.start()

    def stop(self) -> None:
        """Journal nothing more for the changes so far (a save journals them itself)."""
        self._timer.stop()
        self._deadline.stop()

    def journal_now(self) -> None:
        """Hand the unsaved changes to the journal now."""
        self.stop()
        entry = self._unsaved_entry()
        if entry is None:
            return
        # Off the GUI thread (writing the text costs tens of ms: typing must not wait).
        self.workspace.journal_draft_soon(entry)
        problem = self.workspace.journal_error
        if problem is not None and problem is not self._problem_shown:
            self._problem_shown = problem
            self.notifications.notify(f"Your typing could not be kept in the drafts journal: {problem}. "
                                      "Save soon.", "warning")
        emit(self.journaled, entry)

    def _on_application_focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        # Leaving the editor (another pane, another window, another app) journals what was typed right away.
        if self._timer.isActive() and _inside(old, self._editor) and not _inside(new, self._editor):
            self.journal_now()


def _inside(widget: QWidget | None, container: QWidget) -> bool:
    """Whether `widget` is `container` or one of its descendants."""
    return widget is not None and (widget is container or container.isAncestorOf(widget))
