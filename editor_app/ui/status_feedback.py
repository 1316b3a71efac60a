"""StatusFeedback: what the window says about work under way — the status line, the progress bar, failures.

Shared by the window's parts (collection browser, workflow, the open entry): one place decides how a running
task shows and how a failed one is reported, e.g. an expired login goes to the expiry banner, not a popup.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar

from editor_app.errors import AuthError
from editor_app.ui.expiry_banner import ExpiryBanner
from editor_app.ui.notifications import NotificationArea
from editor_app.ui.tasks import TaskFailure, TaskRunner


class StatusFeedback:
    """The status bar's text and progress bar, and the reporting of failed background work."""

    def __init__(self, runner: TaskRunner, notifications: NotificationArea) -> None:
        self.runner = runner
        self.notifications = notifications
        self.status_label = QLabel()
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(200)
        self.progress_bar.setAccessibleName("Progress")
        self.progress_bar.setVisible(False)
        self.expiry_banner: ExpiryBanner | None = None  # set for sites behind a Git-host login

    def say(self, text: str) -> None:
        """Put `text` in the status line."""
        self.status_label.setText(text)

    def show_progress(self, done: int, total: int, text: str) -> None:
        """Show work under way (total 0: no count known)."""
        self.progress_bar.setVisible(True)
        self.progress_bar.setRange(0, total)
        self.progress_bar.setValue(done)
        self.status_label.setText(text)

    def hide_progress(self, text: str) -> None:
        """Work is done: hide the bar unless other work still runs, and say `text` (if any)."""
        if self.runner.running <= 1:
            self.progress_bar.setVisible(False)
        if text:
            self.status_label.setText(text)

    def report_failure(self, failure: TaskFailure, context: str) -> None:
        """Say that work failed: an expired login on the expiry banner, anything else as a notification."""
        self.hide_progress(context)  # the status bar must not go on saying "Opening …"
        if isinstance(failure.error, AuthError) and failure.error.expired and self.expiry_banner is not None:
            # Not an error to read in a popup: the way on is the banner's Log in again.
            self.expiry_banner.show_message(
                f"{context}: your login has expired. Log in again to continue.", expired=True
            )
            return
        self.notifications.notify_error(failure, context)
