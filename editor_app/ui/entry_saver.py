"""EntrySaver: saves an entry as one commit in the background and sees a blocked save through with the user.

What can stand in a save's way, and what happens then:
- a conflict (someone else changed the file): the conflict dialog; keeping mine saves again on top of theirs,
  taking theirs shows their version (`mine_kept` / `theirs_taken`; the window shows the entry);
- a lock file (another program writes the repository): the lock dialog; removing a stale lock saves again;
- an expired login (sites behind a Git-host login): the expiry banner; after logging in again the same save
  runs again.
"Saves again" means `retry_requested` when the entry is still open (the editor may hold more typing by now,
and the window saves that), else the blocked version is saved in the background.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from editor_app.errors import AuthError, ConflictError, LockedError
from editor_app.ui.conflict_dialog import ConflictChoice, ConflictDialog
from editor_app.ui.contracts import WorkspaceView
from editor_app.ui.expiry_banner import ExpiryBanner
from editor_app.ui.lock_dialog import LockDialog
from editor_app.ui.signals import emit
from editor_app.ui.status_feedback import StatusFeedback
from editor_app.ui.tasks import TaskFailure, TaskRunner, run_in_background
from editor_app.workspace.workspace import OpenEntry

Relogin = Callable[[Callable[[bool], None]], None]  # relogin(done): log in again, then done(ok)


class EntrySaver(QObject):
    """Saving entries and getting past what blocks a save (conflict, lock file, expired login)."""

    saved = Signal(object)  # the OpenEntry as saved
    save_failed = Signal()  # a save did not happen: the entry stays open with its changes
    retry_requested = Signal()  # what blocked the open entry's save is gone: save it again
    mine_kept = Signal(object)  # conflict resolved with my version (an OpenEntry to save again)
    theirs_taken = Signal(object)  # conflict resolved with their version (an OpenEntry; None: they deleted it)

    def __init__(
        self,
        workspace: WorkspaceView,
        runner: TaskRunner,
        feedback: StatusFeedback,
        open_path: Callable[[], str | None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.runner = runner
        self.feedback = feedback
        self._open_path = open_path  # the path of the entry open in the editor, if any
        self._dialog_parent = parent  # the window: its dialogs are the window's
        self.relogin: Relogin | None = None  # set for sites behind a Git-host login
        self._paused_save: OpenEntry | None = None  # the entry whose save waits for a new login
        self.lock_dialog: LockDialog | None = None  # open while a lock file blocks a save

    def save(self, entry: OpenEntry) -> None:
        """Save `entry` in the background; `saved` or `save_failed` (and whatever the failure asks) follows."""
        self.feedback.show_progress(0, 0, f"Saving {entry.path}…")
        run_in_background(
            self.runner,
            lambda: self.workspace.save_entry(entry),
            lambda saved: emit(self.saved, saved),
            lambda failure: self._on_save_failed(entry, failure),
        )

    def _save_again(self, entry: OpenEntry) -> None:
        if self._open_path() == entry.path:
            emit(self.retry_requested)  # the editor still holds the edit (perhaps with more typed since)
            return
        self.feedback.show_progress(0, 0, f"Saving {entry.path}…")
        run_in_background(
            self.runner, lambda: self.workspace.save_entry(entry),
            lambda saved: self.feedback.hide_progress(f"Saved {saved.path}"),
            lambda failure: self._on_save_failed(entry, failure),
        )

    def _on_save_failed(self, entry: OpenEntry, failure: TaskFailure) -> None:
        self.feedback.hide_progress("")
        emit(self.save_failed)
        if isinstance(failure.error, ConflictError):
            self.resolve_conflict(entry, failure.error)
            return
        banner = self.feedback.expiry_banner
        expired = isinstance(failure.error, AuthError) and failure.error.expired
        if expired and self.relogin is not None and banner is not None:
            self._pause_save_for_login(entry, banner)
            return
        if isinstance(failure.error, LockedError):
            self.offer_lock_removal(entry, failure.error)
            return
        self.feedback.notifications.notify_error(
            failure, f"Saving {entry.path} failed (your changes are kept as a draft)")

    # --- a lock file -----------------------------------------------------------------------------

    def offer_lock_removal(self, entry: OpenEntry, error: LockedError) -> LockDialog:
        """Explain the lock that blocked saving `entry`; remove it (when stale) and save again if the user says so."""
        self.feedback.say(f"Saving {entry.path} is blocked by {error.lock}")
        dialog = LockDialog(entry.path, error, self._dialog_parent)
        self.lock_dialog = dialog
        dialog.finished.connect(lambda _result: self._on_lock_dialog_finished(dialog, entry, error))
        dialog.open()
        return dialog

    def _on_lock_dialog_finished(self, dialog: LockDialog, entry: OpenEntry, error: LockedError) -> None:
        self.lock_dialog = None
        dialog.deleteLater()
        if not dialog.remove_chosen or error.remove is None:
            return
        remove = error.remove
        self.feedback.show_progress(0, 0, f"Removing {error.lock}…")
        run_in_background(
            self.runner, remove,
            lambda _done: self._on_lock_removed(entry),
            lambda failure: self._on_save_failed(entry, failure),
        )

    def _on_lock_removed(self, entry: OpenEntry) -> None:
        self.feedback.hide_progress("")
        self._save_again(entry)

    # --- an expired login ------------------------------------------------------------------------

    def log_in_again(self) -> None:
        """Open the login again; a save paused by an expired login resumes after it."""
        if self.relogin is not None:
            self.relogin(self._on_logged_in_again)

    def _pause_save_for_login(self, entry: OpenEntry, banner: ExpiryBanner) -> None:
        # The edit stays in the editor and in the drafts journal; the same save runs again after the login.
        self._paused_save = entry
        banner.show_message(
            f"Saving {entry.path} is paused: your login has expired. Log in again to finish the save; "
            "your changes are kept.",
            expired=True,
        )
        self.feedback.say(f"Saving {entry.path} paused: log in again to finish it")

    def _on_logged_in_again(self, ok: bool) -> None:
        paused, self._paused_save = self._paused_save, None
        if not ok:
            self._paused_save = paused  # still waiting; the banner's button stays
            return
        if self.feedback.expiry_banner is not None:
            self.feedback.expiry_banner.hide()
        if paused is not None:
            self._save_again(paused)

    # --- a conflict ------------------------------------------------------------------------------

    def resolve_conflict(self, entry: OpenEntry, error: ConflictError) -> ConflictDialog:
        """Show the conflict dialog and act on the choice; returns the dialog (tests drive it)."""
        # the file in conflict may be one of the entry's translations: show mine of that file
        mine = self.workspace.conflict_text(entry, error.path)
        theirs = error.theirs.decode("utf-8", "replace") if error.theirs is not None else None
        dialog = ConflictDialog(error.path or entry.path, mine, theirs, self._dialog_parent,
                                deleted=error.deleted, reason=str(error))
        dialog.finished.connect(lambda _result: self._on_conflict_dialog_finished(dialog, entry, error))
        dialog.open()
        return dialog

    def _on_conflict_dialog_finished(self, dialog: ConflictDialog, entry: OpenEntry, error: ConflictError) -> None:
        if dialog.choice is ConflictChoice.KEEP_MINE:
            emit(self.mine_kept, self.workspace.resolve_conflict(entry, dialog.mine, error))
        elif dialog.choice is ConflictChoice.TAKE_THEIRS:
            emit(self.theirs_taken, self.workspace.take_theirs(entry, error))
