"""The UI side of expiring logins: an ExpiryBanner (10 and 2 minutes before expiry, with Re-login) and
GuiRelogin, which lets a save paused by an expired login (SessionGuard on a worker thread) ask for a new
login on the GUI thread and continue the same commit."""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QEventLoop, QObject, QThread, QTimer, Signal, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from editor_app.auth.expiry import ExpiryWarning, ExpiryWatcher
from editor_app.auth.oauth import LoginError
from editor_app.auth.tokens import Session, Token
from editor_app.ui import theme
from editor_app.ui.notifications import Notification, NotificationArea
from editor_app.ui.signals import emit

# Check at least this often (ms): timers drift when the machine sleeps.
MAX_TIMER_MS = 60_000


class ExpiryBanner(QFrame):
    """A banner above the editor that warns before the login expires; `relogin_requested` on Re-login.

    The clock is the watcher's (injectable); the banner re-arms a timer for the next warning.
    """

    relogin_requested = Signal()
    _token_renewed = Signal(object)

    def __init__(
        self, watcher: ExpiryWatcher, notifications: NotificationArea | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.watcher = watcher
        self.notifications = notifications
        self.setObjectName("expiry-banner")
        self.setProperty("level", "warning")
        # coloured like the warning and error notifications by the app's style sheet (theme.py), in both schemes
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Login expiry warning")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.relogin_button = QPushButton("Log in again")
        self.relogin_button.setAccessibleName("Log in again")
        self.relogin_button.setToolTip("Log in again in the embedded browser; open edits stay open")
        self.relogin_button.clicked.connect(self._request_relogin)
        close = QToolButton()
        close.setIcon(theme.icon("x"))
        close.setObjectName("close-button")
        close.setAccessibleName("Dismiss expiry warning")
        close.clicked.connect(self.hide)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 4, 4)
        row.addWidget(self.label, 1)
        row.addWidget(self.relogin_button)
        row.addWidget(close)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.check)
        self.notification: Notification | None = None
        # renew(done): renews a login that has a refresh token without asking (off the GUI thread), then
        # done(ok); the warning shows only when that fails. None: every login is warned about.
        self.renew: Callable[[Callable[[bool], None]], None] | None = None
        self._token_renewed.connect(self.watch)  # queued when emitted from a worker thread
        self.hide()

    def watch(self, token: Token | None) -> None:
        """Follow a (new) login: hide the old warning and arm the timer for the next one."""
        self.watcher.watch(token)
        self.hide()
        self._drop_notification()
        self._arm()
        token = self.watcher.token
        if token is not None and token.expires_at is not None and self.watcher.thresholds:
            # A token already inside a warning window (e.g. 8 minutes left at start-up) warns at once.
            if token.expires_at - self.watcher.clock() <= max(self.watcher.thresholds):
                self.timer.start(0)

    def watch_renewed(self, token: Token | None) -> None:
        """`watch(token)` from any thread (an adapter renews its token on a worker): runs on the GUI thread."""
        emit(self._token_renewed, token)

    def show_message(self, text: str, *, expired: bool = False) -> None:
        """Show `text` with the Log in again button (e.g. a save paused because the login expired)."""
        self.label.setText(text)
        self._set_level("error" if expired else "warning")
        self.show()

    def _set_level(self, level: str) -> None:
        self.setProperty("level", level)
        self.style().unpolish(self)  # a dynamic property only restyles after a re-polish
        self.style().polish(self)

    def _arm(self) -> None:
        delay = self.watcher.next_check_in()
        if delay is None:
            self.timer.stop()
            return
        self.timer.start(int(min(delay * 1000 + 50, MAX_TIMER_MS)))

    @Slot()
    def check(self) -> ExpiryWarning | None:
        """Show the warning that is due now, if any (the timer calls this; tests call it directly)."""
        warning = self.watcher.check()
        token = self.watcher.token
        if warning is not None and self.renew is not None and token is not None and token.refresh_token:
            watched = token
            # A renewed token arrives through watch_renewed (which starts the warnings over); a failed
            # renewal shows the warning that was due, unless another login came meanwhile.
            self.renew(lambda ok: None if ok or self.watcher.token is not watched else self._show(warning))
            self._arm()
            return None
        if warning is not None:
            self._show(warning)
        self._arm()
        return warning

    def _show(self, warning: ExpiryWarning) -> None:
        self.label.setText(warning.text)
        self._set_level("error" if warning.expired else "warning")
        self.show()
        self._notify(warning)

    def _notify(self, warning: ExpiryWarning) -> None:
        if self.notifications is None:
            return
        self._drop_notification()
        item = self.notifications.notify(warning.text, "error" if warning.expired else "warning")
        item.add_button("Log in again").clicked.connect(self._request_relogin)
        self.notification = item

    def _drop_notification(self) -> None:
        if self.notification is not None:
            try:
                self.notification.dismiss()
            except RuntimeError:
                pass  # already dismissed by the user
            self.notification = None

    def _request_relogin(self) -> None:
        emit(self.relogin_requested)


Ask = Callable[[Session, Callable[[Session | None], None]], None]


class GuiRelogin(QObject):
    """A `relogin` for SessionGuard that asks the user on the GUI thread, from any thread.

    `ask(stale_session, answer)` opens the login (e.g. a LoginDialog in front of the editor, whose open
    edits stay open) and later calls `answer(new_session)`, or `answer(None)` when the user gave up.
    The calling worker waits; on the GUI thread a local event loop waits instead.
    """

    _asked = Signal(object, object)
    waiting_changed = Signal(bool)  # for a "Saving paused: log in to continue" banner

    def __init__(self, ask: Ask, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ask = ask
        self._pending: set[Callable[[Session | None], None]] = set()
        self._asked.connect(self._on_asked)

    def abandon(self) -> None:
        """Answer every waiting re-login with "gave up" (the app is closing); their saves stay drafts."""
        for answer in list(self._pending):
            answer(None)

    @Slot(object, object)
    def _on_asked(self, stale: Session, reply: Callable[[Session | None], None]) -> None:
        emit(self.waiting_changed, True)
        self.ask(stale, reply)

    def __call__(self, stale: Session) -> Session:
        """Block until the user logged in again; raise LoginError(cancelled) when they did not."""
        result: list[Session | None] = []
        done = threading.Event()
        on_gui = QThread.currentThread() is self.thread()
        loop = QEventLoop() if on_gui else None

        def answer(session: Session | None) -> None:
            if done.is_set():
                return
            self._pending.discard(answer)
            result.append(session)
            done.set()
            emit(self.waiting_changed, False)
            if loop is not None:
                loop.quit()

        self._pending.add(answer)
        if on_gui:
            self._on_asked(stale, answer)
            if not done.is_set() and loop is not None:
                loop.exec()
        else:
            emit(self._asked, stale, answer)  # queued to the GUI thread
            done.wait()
        session = result[0]
        if session is None:
            raise LoginError(
                "the login was not renewed; the save is paused and your changes are kept as a draft", cancelled=True
            )
        return session
