"""LoginDialog: log in to a site's Git host (the config's auth method in the embedded browser, GitHub's
device code, a personal access token, or Git Gateway's email + password), or choose the sandbox or a
local folder. Remembers recent sites and the last user; Sign out forgets the token."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import shiboken6
from PySide6.QtCore import QSettings, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from editor_app.auth.device_flow import DeviceCode
from editor_app.auth.oauth import LoginError
from editor_app.auth.popup_protocol import origin_of
from editor_app.auth.service import LoginService
from editor_app.auth.target import LoginTarget, login_problems
from editor_app.auth.tokens import Session, Token
from editor_app.hosts import DEVICE, HOST_NAMES, TOKEN, host_spec
from editor_app.ui import theme
from editor_app.ui.auth_browser import AuthBrowser, BrowserLogin
from editor_app.ui.signals import emit
from editor_app.ui.tasks import TaskFailure, TaskRunner

RECENT_KEY = "login/recent_sites"
LAST_USER_KEY = "login/last_user"
SITE_DOMAIN_KEY = "login/site_domain"
BROWSER_SIZE = QSize(980, 760)  # the login page's room: providers' pages are laid out for a browser window
MAX_RECENT = 10
GATEWAY_PROVIDERS = ("github", "gitlab", "bitbucket", "google")


class LoginMemory:
    """Recent sites (newest first) and the last user per site, in the app's QSettings. Never tokens."""

    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    def recent_sites(self) -> list[str]:
        """Sites logged in to, newest first."""
        value = self.settings.value(RECENT_KEY, [])
        items = [value] if isinstance(value, str) else value if isinstance(value, list) else []  # one comes as str
        return [str(v) for v in items if v]

    def remember(self, site: str, user: str) -> None:
        """Put `site` first in the recent list and remember its user."""
        recent = [site] + [s for s in self.recent_sites() if s != site]
        self.settings.setValue(RECENT_KEY, recent[:MAX_RECENT])
        if user:
            self.settings.setValue(f"{LAST_USER_KEY}/{_settings_key(site)}", user)

    def last_user(self, site: str) -> str:
        """Who logged in to `site` last ("" when unknown)."""
        return str(self.settings.value(f"{LAST_USER_KEY}/{_settings_key(site)}", "") or "")

    def site_domain(self, site: str) -> str:
        """The domain the user gave for `site` when its config names none ("" when never asked)."""
        return str(self.settings.value(f"{SITE_DOMAIN_KEY}/{_settings_key(site)}", "") or "")

    def remember_site_domain(self, site: str, domain: str) -> None:
        """Keep the domain given for `site`, so the next login does not ask again."""
        self.settings.setValue(f"{SITE_DOMAIN_KEY}/{_settings_key(site)}", domain)

    def forget_user(self, site: str) -> None:
        """Sign out: the site stays in the recent list, its user does not."""
        self.settings.remove(f"{LAST_USER_KEY}/{_settings_key(site)}")


def error_style() -> str:
    """The style of an error line: the theme's error colour for the scheme in use (readable on both)."""
    return f"color: {theme.colour('error')};"


def _settings_key(site: str) -> str:
    # QSettings treats / and \ as group separators.
    return site.replace("/", "|").replace("\\", "|")


def _failure_text(error: Any) -> str:
    if isinstance(error, TaskFailure):
        error = error.error
    return str(error) or type(error).__name__


class LoginDialog(QDialog):
    """See the module docstring. The app connects the three signals; the dialog never opens a site itself."""

    login_succeeded = Signal(object)  # Session
    sandbox_requested = Signal()
    local_folder_requested = Signal(str)

    def __init__(
        self,
        target: LoginTarget,
        service: LoginService,
        runner: TaskRunner,
        memory: LoginMemory,
        *,
        choose_folder: Callable[[QWidget], str] | None = None,
        browser: AuthBrowser | None = None,
        relogin: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.target = target
        self.service = service
        self.runner = runner
        self.memory = memory
        self.choose_folder = choose_folder or (
            lambda parent: QFileDialog.getExistingDirectory(parent, "Open a local site folder")
        )
        self.session: Session | None = None
        self._browser_login: BrowserLogin | None = None
        self._device_cancelled = False
        self._busy = False
        remembered = memory.site_domain(target.site)
        if remembered and not target.site_id:
            target = dataclasses.replace(target, site_domain=remembered)
            self.target = target
        host = HOST_NAMES.get(target.backend, target.backend)
        title = site_title(target)
        self.setWindowTitle(f"Log in — {title}")
        self.setMinimumWidth(560)

        # -- what site, which backend ----------------------------------------------------------------
        self.site_label = QLabel(f"<b style='font-size:large'>{_escape(title)}</b>")
        self.site_label.setAccessibleName("Site")
        self.backend_label = QLabel(f"{host}" + (f" — repository {_escape(target.repo)}" if target.repo else ""))
        self.backend_label.setAccessibleName("Backend and repository")
        last = memory.last_user(target.site)
        self.user_label = QLabel(f"Last signed in as {_escape(last)}" if last else "")
        self.user_label.setVisible(bool(last))
        self.sign_out_button = QPushButton("Sign out")
        self.sign_out_button.setToolTip("Forget the saved login for this site")
        self.sign_out_button.clicked.connect(self.sign_out)
        self.sign_out_button.setVisible(service.store.load(target.site, target.backend) is not None)

        # -- ways to log in ----------------------------------------------------------------------------
        self.login_button = QPushButton(self._login_button_text())
        self.login_button.setDefault(True)
        self.sign_out_button.setAutoDefault(False)  # Enter logs in; it never signs out
        self.login_button.clicked.connect(self.start_browser_login)
        self.login_button.setVisible(target.method not in ("gotrue", "none"))

        self.gateway_box = QGroupBox("Site account (Netlify Identity)")
        self.email_edit = QLineEdit(last if "@" in last else "")
        self.email_edit.setPlaceholderText("you@example.org")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_button = QPushButton("Log in")
        self.password_button.clicked.connect(self.start_password_login)
        form = QFormLayout(self.gateway_box)
        form.addRow("Email", self.email_edit)
        form.addRow("Password", self.password_edit)
        form.addRow("", self.password_button)
        providers = QHBoxLayout()
        self.provider_buttons: dict[str, QPushButton] = {}
        for provider in GATEWAY_PROVIDERS:
            button = QPushButton(f"Continue with {HOST_NAMES.get(provider, provider.capitalize())}")
            button.clicked.connect(lambda _=False, p=provider: self.start_external_login(p))
            providers.addWidget(button)
            self.provider_buttons[provider] = button
        form.addRow(providers)
        self.gateway_box.setVisible(target.method == "gotrue")
        if target.method == "gotrue":
            # Offer only the logins the site's Identity has turned on (its public settings say which).
            self.runner.run(lambda: self.service.identity_providers(target), self._show_identity_providers,
                            lambda _failure: None)  # unknown: every way stays offered

        self.device_button = QPushButton("Log in with a code (GitHub device login)")
        self.device_button.clicked.connect(self.start_device_login)
        methods = host_spec(target.backend).login_methods
        self.device_button.setVisible(DEVICE in methods and bool(target.device_client_id))
        self.device_label = QLabel()
        self.device_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.device_label.setOpenExternalLinks(False)  # the page opens in the embedded browser
        self.device_label.linkActivated.connect(self._open_device_page)
        self.device_label.setVisible(False)

        # -- what the config's login settings lack, shown at once, with the fix -------------------------
        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(error_style())
        self.problem_label.setAccessibleName("What stops the login")
        self.problem_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.site_domain_edit = QLineEdit(remembered)
        self.site_domain_edit.setPlaceholderText("garden.example.org")
        self.site_domain_edit.setAccessibleName("The site's domain")
        self.site_domain_edit.textEdited.connect(self._on_site_domain_edit_text_edited)
        self.site_domain_row = QWidget()
        domain_row = QHBoxLayout(self.site_domain_row)
        domain_row.setContentsMargins(0, 0, 0, 0)
        domain_label = QLabel("Site &domain:")
        domain_label.setBuddy(self.site_domain_edit)
        domain_row.addWidget(domain_label)
        domain_row.addWidget(self.site_domain_edit, 1)

        self.token_box = QGroupBox("Personal access token")
        page, scopes = target.token_page()
        self.token_edit = QLineEdit()
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setPlaceholderText("Paste a token")
        self.token_edit.setAccessibleName("Personal access token")
        self.token_button = QPushButton("Use token")
        self.token_button.clicked.connect(self.start_token_login)
        self.token_help = QLabel(
            (f'<a href="{page}">Create a token on {host}</a>' if page else f"Create a token on {host}")
            + (f" with the scopes: <code>{_escape(scopes)}</code>" if scopes else "")
        )
        self.token_help.setOpenExternalLinks(True)  # the user's own browser, where they are logged in
        self.token_help.setWordWrap(True)
        token_row = QHBoxLayout()
        token_row.addWidget(self.token_edit, 1)
        token_row.addWidget(self.token_button)
        token_layout = QVBoxLayout(self.token_box)
        token_layout.addLayout(token_row)
        token_layout.addWidget(self.token_help)
        self.token_box.setVisible(TOKEN in host_spec(target.backend).login_methods)

        self.sandbox_button = QPushButton("Try the sandbox (sample site, nothing is sent anywhere)")
        self.sandbox_button.clicked.connect(self._on_sandbox)
        self.local_button = QPushButton("Open a local folder…")
        self.local_button.clicked.connect(self._on_local)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        if relogin:  # logging in again for an open site: no other site to switch to
            self.sandbox_button.setVisible(False)
            self.local_button.setVisible(False)

        self.status_label = QLabel(
            "Log in again to keep saving: your login has expired or is about to. Your open edits stay open and "
            "nothing is lost." if relogin else ""
        )
        self.status_label.setWordWrap(True)
        self.status_label.setAccessibleName("Login status")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.keyring_label = QLabel()
        self.keyring_label.setWordWrap(True)
        self.keyring_label.setObjectName("warning")
        self._show_keyring_problem()

        # -- the embedded browser page -----------------------------------------------------------------
        self.browser = browser or AuthBrowser(parent=self)
        self.back_button = QPushButton("Cancel login")
        self.back_button.clicked.connect(self.cancel_browser_login)
        browser_page = QWidget()
        browser_layout = QVBoxLayout(browser_page)
        browser_layout.setContentsMargins(0, 0, 0, 0)
        browser_layout.addWidget(self.browser, 1)
        browser_layout.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignRight)

        choices = QWidget()
        layout = QVBoxLayout(choices)
        layout.addWidget(self.site_label)
        layout.addWidget(self.backend_label)
        user_row = QHBoxLayout()
        user_row.addWidget(self.user_label, 1)
        user_row.addStretch(0 if last else 1)  # without a user line, Sign out stays a small button on the right
        user_row.addWidget(self.sign_out_button)
        layout.addLayout(user_row)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.site_domain_row)
        layout.addWidget(self.login_button)
        layout.addWidget(self.gateway_box)
        layout.addWidget(self.device_button)
        layout.addWidget(self.device_label)
        layout.addWidget(self.token_box)
        other = QHBoxLayout()
        other.addWidget(self.sandbox_button)
        other.addWidget(self.local_button)
        other.addStretch(1)
        other.addWidget(self.cancel_button)
        layout.addLayout(other)
        layout.addWidget(self.status_label)
        layout.addWidget(self.keyring_label)
        layout.addStretch(1)

        self.pages = QStackedWidget()
        self.pages.addWidget(choices)
        self.pages.addWidget(browser_page)
        outer = QVBoxLayout(self)
        outer.addWidget(self.pages)
        outer.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)  # a long message never squashes a box
        self._choices_size: QSize | None = None
        self._show_login_problems()
        # Focus starts on the site's own way to log in, not on the first button of the form (Sign out).
        first = next((w for w in (self.login_button, self.email_edit, self.token_edit) if not w.isHidden()
                      and (w is not self.email_edit or not self.gateway_box.isHidden())
                      and (w is not self.token_edit or not self.token_box.isHidden())), None)
        if first is not None:
            first.setFocus()

    # -- helpers -----------------------------------------------------------------------------------------
    def _login_button_text(self) -> str:
        host = HOST_NAMES.get(self.target.backend, self.target.backend)
        return f"Log in with {host}"

    def _show_keyring_problem(self) -> None:
        problem = self.service.store.keyring_problem
        # The headline says what it means for the user; the keyring library's own words go in the tooltip.
        self.keyring_label.setText(
            "<b>No usable system keyring</b> on this computer, so your login cannot be saved: it is kept "
            "for this session only, and you will be asked again next time." if problem else ""
        )
        self.keyring_label.setToolTip(problem or "")
        self.keyring_label.setVisible(bool(problem))

    def _set_status(self, text: str, error: bool = False) -> None:
        self.status_label.setText(text)
        self.status_label.setProperty("level", "error" if error else "info")
        self.status_label.setStyleSheet(error_style() if error else "")
        self._grow_to_fit()

    def _grow_to_fit(self) -> None:
        """Grow taller when a message wraps onto more lines, instead of squashing the boxes above it.

        A wrapped label's height depends on its width, which the layout's minimum size does not see: give
        the messages their wrapped height as their minimum, so the dialog's minimum grows with them.
        """
        for label in (self.status_label, self.problem_label):
            width = max(label.width(), self.width() - 40, 200)
            label.setMinimumHeight(label.heightForWidth(width) if label.text() else 0)

    def _show_login_problems(self) -> None:
        """Say what the config's login settings lack, with the fix; the site's login waits until it is fixed."""
        problems = login_problems(self.target)
        self.problem_label.setText("<br>".join(f"<b>{_escape(p.what)}</b><br>{_escape(p.fix)}" for p in problems))
        self.problem_label.setVisible(bool(problems))
        asks = any(p.asks_site_domain for p in problems) or bool(self.site_domain_edit.text().strip())
        self.site_domain_row.setVisible(asks and self.target.method == "popup")
        self.login_button.setEnabled(not problems and not self._busy)
        self.login_button.setToolTip("Fix what is shown above first" if problems else "")
        self._grow_to_fit()

    def _on_site_domain_edit_text_edited(self, text: str) -> None:
        domain = text.strip().removeprefix("https://").removeprefix("http://").split("/", 1)[0]
        self.target = dataclasses.replace(self.target, site_domain=domain)
        self._show_login_problems()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        buttons = (self.login_button, self.password_button, self.token_button, self.device_button)
        for widget in (*buttons, *self.provider_buttons.values()):
            widget.setEnabled(not busy)
        if not busy:
            self._show_login_problems()  # the site's own login stays off while its settings lack something

    def _show_browser(self, shown: bool) -> None:
        if shown == (self.pages.currentIndex() == 1):
            return
        self.pages.setCurrentIndex(1 if shown else 0)
        if shown:  # a login page gets a browser window's room, as much as the screen allows
            self._choices_size = self.size()
            room = BROWSER_SIZE
            screen = self.screen()
            if screen is not None:
                room = room.boundedTo(screen.availableGeometry().size() * 0.9)
            self.resize(room.expandedTo(self.size()))
        elif self._choices_size is not None:
            self.resize(self._choices_size)

    # -- flows -------------------------------------------------------------------------------------------
    def start_browser_login(self) -> None:
        """Log in in the embedded browser with the method the site's config implies."""
        try:
            flow = self.service.browser_flow(self.target)
        except (LoginError, ValueError) as exc:
            self._set_status(str(exc), error=True)
            return
        self._run_in_browser(flow)

    def _show_identity_providers(self, offered: dict[str, bool]) -> None:
        if not offered or not shiboken6.isValid(self):
            return
        for provider, button in self.provider_buttons.items():
            button.setVisible(bool(offered.get(provider)))
        if offered.get("email") is False:  # external providers only: no password on this site
            for widget in (self.email_edit, self.password_edit, self.password_button):
                widget.setVisible(False)
            layout = self.gateway_box.layout()
            for field in (self.email_edit, self.password_edit, self.password_button):
                label = layout.labelForField(field) if isinstance(layout, QFormLayout) else None
                if label is not None:
                    label.setVisible(False)

    def start_external_login(self, provider: str) -> None:
        """Git Gateway: log in through an external provider in the embedded browser."""
        self._run_in_browser(self.service.external_login(self.target, provider))

    def _run_in_browser(self, flow: Any) -> None:
        # The app answers the popup page as the site's CMS window would (auth servers check that origin).
        site_origin = origin_of(self.target.site_url) if self.target.site_url.startswith("https://") else ""
        login = BrowserLogin(self.browser, flow, run_background=self.runner.run, site_origin=site_origin)
        login.succeeded.connect(self._on_browser_token)
        login.failed.connect(self._on_browser_failed)
        self._browser_login = login
        self._set_status("Waiting for the login page…")
        self._show_browser(True)
        login.start()

    def cancel_browser_login(self) -> None:
        """The user gave up on the browser login."""
        if self._browser_login is not None:
            self._browser_login.cancel()
        else:  # a page shown for the device login: back to the choices, the code stays valid
            self.browser.stop()
            self._show_browser(False)

    def _on_browser_token(self, token: Token) -> None:
        self._browser_login = None
        self._show_browser(False)
        self._finish_in_background(lambda: self.service.finish(self.target, token))

    def _on_browser_failed(self, message: str, cancelled: bool) -> None:
        self._browser_login = None
        self._show_browser(False)
        self._set_status("Login cancelled." if cancelled else f"Login failed: {message}", error=not cancelled)

    def start_password_login(self) -> None:
        """Git Gateway: email + password against GoTrue (off the GUI thread)."""
        email, password = self.email_edit.text().strip(), self.password_edit.text()
        self.password_edit.clear()  # the password is not kept in the widget
        self._finish_in_background(lambda: self.service.password_login(self.target, email, password))

    def start_token_login(self) -> None:
        """Validate the pasted personal access token (off the GUI thread)."""
        secret = self.token_edit.text()
        self._finish_in_background(lambda: self.service.personal_token_login(self.target, secret))

    def start_device_login(self) -> None:
        """GitHub device flow: show the code and the page, poll until approved."""
        try:
            flow = self.service.device_flow(self.target)
        except LoginError as exc:
            self._set_status(str(exc), error=True)
            return
        self._device_cancelled = False
        self._set_busy(True)
        self._set_status("Asking GitHub for a code…")

        def started(code: DeviceCode) -> None:
            self.device_code = code
            self.device_label.setText(
                f'Enter the code <b style="font-size:large">{code.user_code}</b> at '
                f'<a href="{code.verification_uri}">{code.verification_uri}</a> — waiting for your approval…'
            )
            self.device_label.setVisible(True)
            self.runner.run(
                lambda: flow.wait(code, cancelled=lambda: self._device_cancelled),
                lambda token: self._finish_in_background(lambda: self.service.finish(self.target, token)),
                self._on_failed,
            )

        self.runner.run(flow.start, started, self._on_failed)

    def _open_device_page(self, url: str) -> None:
        # Shown in the embedded browser, inside the dialog; the login completes by polling.
        self._show_browser(True)
        self.browser.open(url)

    def _finish_in_background(self, work: Callable[[], Session]) -> None:
        self._set_busy(True)
        self._set_status("Checking the login…")
        self.runner.run(work, self._on_session, self._on_failed)

    def _on_failed(self, failure: Any) -> None:
        self._set_busy(False)
        self._show_browser(False)
        self.device_label.setVisible(False)
        error = failure.error if isinstance(failure, TaskFailure) else failure
        cancelled = isinstance(error, LoginError) and error.cancelled
        text = "Login cancelled." if cancelled else f"Login failed: {_failure_text(failure)}"
        self._set_status(text, error=not cancelled)

    def _on_session(self, session: Session) -> None:
        self._set_busy(False)
        self.device_label.setVisible(False)
        self.session = session
        persistent = self.service.remember(self.target, session)
        self._show_keyring_problem()
        self.memory.remember(self.target.site, session.user)
        if not self.site_domain_row.isHidden() and self.target.site_domain:
            self.memory.remember_site_domain(self.target.site, self.target.site_domain)
        self.sign_out_button.setVisible(True)
        if session.user:
            self.user_label.setText(f"Signed in as {_escape(session.user)}")
            self.user_label.setVisible(True)
        self._set_status("Logged in." if persistent else "Logged in for this session only (no system keyring).")
        emit(self.login_succeeded, session)
        self.accept()

    # -- other choices -------------------------------------------------------------------------------------
    def sign_out(self) -> None:
        """Forget the saved token (and the last user) of this site."""
        self.service.sign_out(self.target)
        self.memory.forget_user(self.target.site)
        self.user_label.setVisible(False)
        self.sign_out_button.setVisible(False)
        self._set_status("Signed out: the saved login was removed.")

    def _on_sandbox(self) -> None:
        emit(self.sandbox_requested)
        self.accept()

    def _on_local(self) -> None:
        path = self.choose_folder(self)
        if path:
            emit(self.local_folder_requested, path)
            self.accept()

    def done(self, result: int) -> None:
        self._device_cancelled = True
        if self._browser_login is not None:
            self._browser_login.cancel()
        super().done(result)

    def closeEvent(self, event: Any) -> None:
        # Closing the window during a login is a cancelled login, not an error.
        self._device_cancelled = True
        if self._browser_login is not None:
            self._browser_login.cancel()
        super().closeEvent(event)

    def dispose(self) -> None:
        """Release the embedded browser's page before its profile."""
        self.browser.dispose()


def site_title(target: LoginTarget) -> str:
    """How the dialog names the site: its domain or repository, never a config file's path."""
    host = urlsplit(target.site_url).hostname if target.site_url else None
    return host or target.site_domain or target.repo or "this site"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def ask_with_dialog(
    make_dialog: Callable[[Session], LoginDialog],
) -> Callable[[Session, Callable[[Session | None], None]], None]:
    """An `ask` for GuiRelogin: open a (window-modal, non-blocking) re-login dialog for the stale session
    and answer with the new session, or None when the dialog closed without a login."""

    def ask(stale: Session, answer: Callable[[Session | None], None]) -> None:
        dialog = make_dialog(stale)
        dialog.finished.connect(lambda _result: answer(dialog.session))
        dialog.open()

    return ask


def ensure_login(
    target: LoginTarget, service: LoginService, make_dialog: Callable[[], LoginDialog]
) -> tuple[str, Any]:
    """What opening a site needs: ("session", Session) from the keyring when still valid, else the dialog's
    choice — ("session", Session), ("sandbox", None), ("local", path) or ("cancelled", None). Blocks (exec)."""
    if target.method == "none":
        return "session", None
    stored = service.stored_session(target)
    if stored is not None:
        return "session", stored
    dialog = make_dialog()
    choice: list[tuple[str, Any]] = []
    dialog.login_succeeded.connect(lambda session: choice.append(("session", session)))
    dialog.sandbox_requested.connect(lambda: choice.append(("sandbox", None)))
    dialog.local_folder_requested.connect(lambda path: choice.append(("local", path)))
    dialog.exec()
    return choice[0] if choice else ("cancelled", None)
