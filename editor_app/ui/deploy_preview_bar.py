"""DeployPreviewBar: an unpublished entry's deploy preview above the form — its state, a link, and Refresh.

Decap shows "View preview" once the host's commit status for the entry's branch reports a deploy URL, and
"Check for preview" until then. Here the state is spelled out ("Preview building…", "Preview ready",
"Preview failed"), the link opens the deploy (or its log while it builds or after it failed), and Refresh (⟳)
asks the host again; while a deploy builds, the bar asks again by itself every 15 s for 5 minutes. The host
is asked off the GUI thread through the task runner; a result that comes back for an entry that is no longer
shown is dropped.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QToolButton, QWidget

from editor_app.backends.base import PREVIEW_BUILDING, PREVIEW_FAILED, PREVIEW_READY, DeployPreview
from editor_app.ui import theme
from editor_app.ui.signals import emit
from editor_app.ui.tasks import TaskFailure, TaskRunner, run_in_background

PreviewSource = Callable[[], DeployPreview | None]
UrlOpener = Callable[[str], None]

STATE_TEXTS = {PREVIEW_BUILDING: "Preview building…", PREVIEW_READY: "Preview ready", PREVIEW_FAILED: "Preview failed"}
LINK_TEXTS = {PREVIEW_BUILDING: "View build", PREVIEW_READY: "View preview", PREVIEW_FAILED: "View build log"}
NO_PREVIEW_TEXT = "No deploy preview yet"
POLL_INTERVAL_MS = 15_000  # while a deploy builds, ask again this often (Decap polls too)...
POLL_ATTEMPTS = 20  # ...this many times (5 minutes), then only Refresh asks
CHECKING_TEXT = "Checking for a deploy preview…"


def open_in_desktop_browser(url: str) -> None:
    """Open `url` in the user's browser."""
    QDesktopServices.openUrl(QUrl(url))


class DeployPreviewBar(QWidget):
    """The deploy preview of the open unpublished entry; `watch(source)` shows it, `watch(None)` hides the bar."""

    preview_shown = Signal()  # a check finished (with a preview, without one, or failing): the bar shows its result

    def __init__(
        self, runner: TaskRunner, opener: UrlOpener | None = None, parent: QWidget | None = None, *,
        poll_interval_ms: int = POLL_INTERVAL_MS, poll_attempts: int = POLL_ATTEMPTS,
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName("Deploy preview")
        self._runner = runner
        self._opener = opener or open_in_desktop_browser
        self._source: PreviewSource | None = None
        self._generation = 0  # bumped per check and per entry: only the newest check's answer is shown
        self.preview: DeployPreview | None = None
        self._poll_attempts = poll_attempts
        self._polls_left = 0
        self._poll_timer = QTimer(self)
        self._poll_timer.setSingleShot(True)
        self._poll_timer.setInterval(poll_interval_ms)
        self._poll_timer.timeout.connect(self._on_poll_timer_timeout)

        self.state_label = QLabel(NO_PREVIEW_TEXT)
        self.state_label.setObjectName("deploy-preview-state")
        self.state_label.setAccessibleName("Deploy preview state")
        self.state_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state_label.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)  # never clipped
        self.link_button = QPushButton(LINK_TEXTS[PREVIEW_READY])
        self.link_button.setObjectName("deploy-preview-link")
        self.link_button.setFlat(True)
        self.link_button.setCursor(Qt.CursorShape.PointingHandCursor)
        # a link, as Decap shows it (the theme colours it: link colour, underlined); still a button for the keyboard
        self.link_button.setVisible(False)
        self.refresh_button = QToolButton()  # small: the bar shares its row with the workflow status and buttons
        self.refresh_button.setIcon(theme.icon("refresh-cw"))
        self.refresh_button.setAccessibleName("Refresh deploy preview")
        self.refresh_button.setToolTip("Ask the Git host again for this entry's deploy preview")
        self.link_button.clicked.connect(self._on_link_button_clicked)
        self.refresh_button.clicked.connect(self.refresh)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.state_label)
        layout.addWidget(self.link_button)
        layout.addWidget(self.refresh_button)
        self.setVisible(False)

    def watch(self, source: PreviewSource | None) -> None:
        """Show the preview `source()` finds (asked now, in the background); None hides the bar."""
        self._source = source
        self._generation += 1
        self._polls_left = self._poll_attempts
        self._poll_timer.stop()
        self.preview = None
        self.setVisible(source is not None)
        if source is not None:
            self.refresh()

    def refresh(self) -> None:
        """Ask the host again (the Refresh button; after a save)."""
        source = self._source
        if source is None:
            return
        self._poll_timer.stop()
        self._generation += 1
        generation = self._generation
        self.state_label.setText(CHECKING_TEXT)
        self.refresh_button.setEnabled(False)
        run_in_background(
            self._runner,
            source,
            lambda preview: self._on_checked(generation, preview),
            lambda failure: self._on_check_failed(generation, failure),
        )

    def show_preview(self, preview: DeployPreview | None) -> None:
        """Show a found preview (or that there is none yet)."""
        self.preview = preview
        self.refresh_button.setEnabled(True)
        if preview is None:
            self.state_label.setText(NO_PREVIEW_TEXT)
            self.link_button.setVisible(False)
            return
        self.state_label.setText(STATE_TEXTS.get(preview.state, preview.state))
        self.link_button.setText(LINK_TEXTS.get(preview.state, LINK_TEXTS[PREVIEW_READY]))
        self.link_button.setToolTip(preview.url + (f"\n({preview.context})" if preview.context else ""))
        self.link_button.setAccessibleName(f"{self.link_button.text()}: {preview.url}")
        self.link_button.setVisible(bool(preview.url))

    def _on_checked(self, generation: int, preview: DeployPreview | None) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return  # the window closed meanwhile, or another entry or a newer check owns the bar now
        self.show_preview(preview)
        emit(self.preview_shown)
        if preview is not None and preview.state == PREVIEW_BUILDING and self._polls_left > 0:
            self._polls_left -= 1
            self._poll_timer.start()  # still building: look again in a while, as Decap does

    def _on_poll_timer_timeout(self) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._poll_timer.start()  # the editor is not on screen (the board is): look when it is

    def _on_check_failed(self, generation: int, failure: TaskFailure) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return
        self.preview = None
        self.refresh_button.setEnabled(True)
        self.link_button.setVisible(False)
        self.state_label.setText(f"Could not check the deploy preview: {failure}")
        emit(self.preview_shown)

    def _on_link_button_clicked(self) -> None:
        if self.preview is not None and self.preview.url:
            self._opener(self.preview.url)
