"""Composition root: command line, QApplication, and the wiring of layers. The only place layers meet."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import MutableMapping
from pathlib import Path

from editor_app import __version__


def main(argv: list[str]) -> int:
    """Dispatch the command line; returns the process exit code."""
    # Commands that need no GUI run before anything imports Qt.
    if argv and argv[0] == "check-config":
        from editor_app.config.check import main as check_config

        return check_config(argv[1:])
    if argv and argv[0] == "reset-sandbox":
        return reset_sandbox()
    args = parse_arguments(argv)
    if args.version:
        print(f"editor-app {__version__}")
        return 0
    prepare_environment(os.environ, sys.platform, _effective_uid(), self_test=args.self_test)
    if args.self_test:
        return run_self_test()
    return run_gui(args)


def reset_sandbox() -> int:
    """Drop every sandbox edit and workflow entry and put the sample site back; exit code."""
    from editor_app.backends.test_repo import TestRepoBackend, sample_site_dir
    from editor_app.config.site_config import load_site_config
    from editor_app.paths import AppDirs
    from editor_app.workspace.workspace import backend_settings_from_config

    dirs = AppDirs.default()
    site = load_site_config(sample_site_dir() / "config.yml")
    TestRepoBackend.for_app(backend_settings_from_config(site), dirs).reset()
    print("editor-app: the sandbox is back to the sample site")
    return 0


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    """The GUI's options (`check-config` is dispatched before this)."""
    parser = argparse.ArgumentParser(
        prog="editor-app",
        description="Edit a static site's content (configured for Decap CMS) on the desktop.",
        epilog=(
            "Other commands: editor-app check-config PATH — validate a site's config.yml; "
            "editor-app reset-sandbox — put the sandbox's sample site back."
        ),
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--sandbox", action="store_true", help="open the built-in sample site")
    where.add_argument("--local", metavar="PATH", help="open a site's Git working copy")
    where.add_argument("--config", metavar="PATH", help="open the site described by this config.yml")
    where.add_argument("--self-test", action="store_true", help="check that this installation works, then exit")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    return parser.parse_args(argv)


def _effective_uid() -> int | None:
    geteuid = getattr(os, "geteuid", None)
    return geteuid() if geteuid else None


def prepare_environment(
    environ: MutableMapping[str, str], platform: str, uid: int | None, *, self_test: bool = False
) -> None:
    """Environment Qt reads at start-up: WebEngine's sandbox as root, offscreen only for a headless self-test."""
    if platform.startswith("linux"):
        # Chromium refuses to start its sandbox as root; respect an explicit choice either way.
        if uid == 0 and "QTWEBENGINE_DISABLE_SANDBOX" not in environ:
            environ["QTWEBENGINE_DISABLE_SANDBOX"] = "1"
        headless = not environ.get("DISPLAY") and not environ.get("WAYLAND_DISPLAY")
        if self_test and headless and "QT_QPA_PLATFORM" not in environ:
            environ["QT_QPA_PLATFORM"] = "offscreen"


def _make_application(argv0: str = "editor-app"):  # noqa: ANN202 - Qt types are imported lazily
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtWidgets import QApplication

    # QtWebEngine must be imported, and contexts shared, before the QApplication exists.
    import PySide6.QtWebEngineWidgets  # noqa: F401

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication.instance() or QApplication([argv0])
    app.setApplicationName("editor-app")
    app.setOrganizationName("editor-app")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("editor-app")
    return app


def make_settings(dirs):  # noqa: ANN001, ANN201 - AppDirs -> QSettings
    """The app's QSettings, stored as an ini file in the user's config dir."""
    from PySide6.QtCore import QSettings

    dirs.config.mkdir(parents=True, exist_ok=True)
    return QSettings(str(dirs.config / "settings.ini"), QSettings.Format.IniFormat)


# Where sites usually keep Decap's config, relative to the site's folder (first match wins).
CONFIG_LOCATIONS = (
    "static/admin/config.yml",
    "public/admin/config.yml",
    "admin/config.yml",
    "src/admin/config.yml",
    "site/static/admin/config.yml",
    "config.yml",
)


def find_site_config(folder: Path) -> Path:
    """The config.yml of a site's working copy; EditorError naming the places looked at when there is none."""
    from editor_app.errors import NotFoundError

    for relative in CONFIG_LOCATIONS:
        candidate = folder / relative
        if candidate.is_file():
            return candidate
    looked = ", ".join(CONFIG_LOCATIONS)
    raise NotFoundError(f"no Decap CMS config.yml in {folder} (looked at {looked})")


class OpenCancelled(Exception):
    """The user closed the login without choosing anything: back to the start dialog, no error."""


class HostSession:
    """A Git-host site's login while the site is open: the session, adapters built from it, and re-login."""

    def __init__(self, target, settings, backend_class, session, service, *, transport=None, on_wait=None) -> None:  # noqa: ANN001
        self.on_renewed = None  # told the new Session after a silent refresh (from the adapter's thread)
        self.target = target
        self.settings = settings
        self.backend_class = backend_class
        self.session = session
        self.service = service
        self.transport = transport
        self.on_wait = on_wait
        self._refresh_lock = threading.Lock()

    def credentials(self):  # noqa: ANN201 - backends.base.Credentials
        """The session's token as the adapters take it."""
        from editor_app.backends.base import Credentials

        token = self.session.token
        return Credentials(
            token=token.access_token, refresh_token=token.refresh_token, expires_at=token.expires_at,
            token_type=token.token_type,
        )

    def connect(self):  # noqa: ANN201 - Backend
        """A new adapter logged in with the current session (renewing tokens through the LoginService)."""
        import inspect

        accepted = {**inspect.signature(self.backend_class.__init__).parameters,
                    **inspect.signature(self.backend_class.connect).parameters}
        options = {}
        if "refresh" in accepted:
            options["refresh"] = self._refresh
        if "on_wait" in accepted:
            options["on_wait"] = self._waiting
        return self.backend_class.connect(self.settings, self.credentials(), transport=self.transport, **options)

    def _waiting(self, resume_at: float, reason: str) -> None:
        # Called by the adapter's worker thread while the host makes it wait (rate limits); `on_wait` may be
        # set after the adapter was built (the window exists only once the site is open).
        if self.on_wait is not None:
            self.on_wait(resume_at, reason)

    def refresh_now(self):  # noqa: ANN201 - Session
        """Renew the login with its refresh token now (worker thread); the adapters pick the new token up."""
        self._refresh(None)
        return self.session

    def _refresh(self, stale):  # noqa: ANN001, ANN202 - Credentials -> Credentials, called by adapters on a 401
        from editor_app.errors import AuthError

        # One renewal at a time: refresh tokens are often single-use (GoTrue's are), so a second thread that
        # saw the old token gets the renewed one instead of spending the old refresh token again.
        with self._refresh_lock:
            current = self.session.token
            if stale is not None and current.access_token != stale.token and not current.expires_within(60.0, self.service.clock()):
                return self.credentials()  # renewed meanwhile (the window renews refreshable logins before they lapse)
            try:
                self.session = self.service.refresh(self.target, self.session)
            except (AuthError, ValueError) as error:
                if getattr(error, "expired", False):
                    raise
                # A refused refresh (revoked grant, provider error) means the same to the user: log in again.
                raise AuthError(f"{self.target.backend}: renewing the login failed ({error}); log in again", expired=True) from error
            session = self.session
        if self.on_renewed is not None:
            self.on_renewed(session)
        return self.credentials()

    def renew(self, session, workspace) -> None:  # noqa: ANN001
        """After a re-login: keep the token, and give the open workspace an adapter that uses it."""
        self.service.remember(self.target, session)
        self.session = session
        stale, workspace.backend = workspace.backend, self.connect()
        stale.close()  # its token is dead: nothing useful can still run on it


class SiteLogin:
    """What opening a Git-host site needs: the LoginService, the login dialog, and the local-server question.

    `make_dialog(target, relogin, parent)` builds a LoginDialog; `ask_local_server(url, info)` says whether
    to use a decap-server that answers for a config with `local_backend`. After `open_site`, `host` holds the
    HostSession of a Git-host site (None otherwise) and `opened` the choice that was really opened (the
    login dialog may switch to the sandbox or a local folder). `run_blocking(label, work)` runs network work
    (connecting, the login check, the first head) where it does not freeze the GUI and returns its result
    or raises its error; without it the work runs right here.
    """

    def __init__(self, service, make_dialog, ask_local_server, *, transport=None, probe_transport=None, on_wait=None,  # noqa: ANN001
                 run_blocking=None) -> None:  # noqa: ANN001
        self.run_blocking = run_blocking
        self.service = service
        self.make_dialog = make_dialog
        self.ask_local_server = ask_local_server
        self.transport = transport
        self.probe_transport = probe_transport
        self.on_wait = on_wait
        self.host: HostSession | None = None
        self.opened = None


# Git hosts the app logs in to (the adapters come from BACKENDS as they land).
GIT_HOST_BACKENDS = ("github", "gitlab", "bitbucket", "gitea", "azure", "git-gateway", "aws-cognito-github-proxy")


def open_site(choice, dirs, login: SiteLogin | None = None):  # noqa: ANN001, ANN201 - SiteChoice, AppDirs -> Workspace
    """Build the workspace for a chosen site: its config, the backend from the registry, cache and journal.

    A config that names a Git host needs `login` (stored token, else the login dialog); without it the
    error says how to open the site instead.
    """
    from dataclasses import replace

    from editor_app.backends import BACKENDS
    from editor_app.backends.proxy import ProxyBackend, local_server_url, probe_local_server
    from editor_app.backends.test_repo import TestRepoBackend, sample_site_dir
    from editor_app.config.site_config import load_site_config
    from editor_app.errors import AuthError, EditorError
    from editor_app.workspace.workspace import backend_settings_from_config

    if login is not None:
        login.host, login.opened = None, choice
    if choice.kind == "sandbox":
        site = load_site_config(sample_site_dir() / "config.yml")
        return _workspace(TestRepoBackend.for_app(backend_settings_from_config(site), dirs), site, dirs)
    if choice.kind == "local":
        folder = Path(choice.path)
        site = load_site_config(find_site_config(folder))
        # The working copy is the repository, whatever host the config names.
        settings = replace(backend_settings_from_config(site, local_path=str(folder)), name="local")
        return _workspace(BACKENDS["local"](settings), site, dirs)
    config = Path(choice.path)
    site = load_site_config(config)
    name = site.backend.name
    settings = backend_settings_from_config(site)
    if name == "test-repo":
        return _workspace(TestRepoBackend.for_app(settings, dirs), site, dirs)
    if name == "local":
        raise EditorError(f"{config}: backend 'local' needs a working copy; open the site's folder instead")
    server = local_server_url(site.local_backend) if login is not None else None
    if server is not None:
        info = _blocking(login, "Looking for a local Decap server…",
                         lambda: probe_local_server(server, transport=login.probe_transport))
        if info is not None and login.ask_local_server(server, info):
            proxy = replace(settings, name="proxy", proxy_url=server)
            return _blocking(login, f"Opening {site.backend.repo or config.name} through the local server…",
                             lambda: _workspace(ProxyBackend.connect(proxy, transport=login.probe_transport), site, dirs))
    if name == "proxy":
        return _workspace(ProxyBackend.connect(settings), site, dirs)
    if name not in BACKENDS:
        known = ", ".join(sorted(n for n in BACKENDS if n in GIT_HOST_BACKENDS))
        raise EditorError(
            f"{config}: backend '{name}' is not supported by this version of editor-app (Git hosts it can open: {known}); "
            "open the site's working copy as a local folder instead"
        )
    if login is None:
        raise AuthError(
            f"{config}: opening a '{name}' site needs a login; open its working copy with --local, "
            "or log in from the start dialog"
        )
    return _open_host_site(choice, config, site, settings, BACKENDS[name], dirs, login)


def _open_host_site(choice, config, site, settings, backend_class, dirs, login):  # noqa: ANN001, ANN202
    """Log in (stored token first, then the dialog) and open the site; a stored token the host refuses is forgotten."""
    from editor_app.auth.target import target_from_config
    from editor_app.errors import AuthError
    from editor_app.ui.login_dialog import ensure_login
    from editor_app.ui.start_dialog import SiteChoice

    target = target_from_config(site, site=site.site_url or site.display_url or str(config.resolve()))
    for _attempt in range(2):
        made = []

        def make_dialog():  # noqa: ANN202 - LoginDialog
            made.append(login.make_dialog(target, False, None))
            return made[-1]

        kind, value = ensure_login(target, login.service, make_dialog)
        for dialog in made:  # its embedded browser's page goes before the window
            dialog.dispose()
            dialog.deleteLater()
        if kind == "cancelled":
            raise OpenCancelled(f"{config}: login cancelled")
        if kind in ("sandbox", "local"):
            return open_site(SiteChoice(kind, value or ""), dirs, login)
        host = HostSession(target, settings, backend_class, value, login.service,
                           transport=login.transport, on_wait=login.on_wait)
        try:
            workspace = _blocking(login, f"Opening {target.repo or target.site}…", lambda: _workspace(host.connect(), site, dirs))
        except AuthError as error:
            if not error.expired:
                raise
            # The host refused the stored login (revoked or expired): forget it and ask once more.
            login.service.sign_out(target)
            continue
        login.host = host
        login.opened = SiteChoice("config", str(config), target.backend, target.repo)
        return workspace
    raise AuthError(f"{config}: {target.backend} refused the new login too")


def _blocking(login, label: str, work):  # noqa: ANN001, ANN202
    """`work()` through the login's `run_blocking` (off the GUI thread, with a progress dialog), else here."""
    run = getattr(login, "run_blocking", None) if login is not None else None
    return run(label, work) if run is not None else work()


def run_with_progress(runner, parent=None):  # noqa: ANN001, ANN201 - TaskRunner -> run_blocking
    """A `run_blocking` for SiteLogin: the work runs on `runner`'s pool while a busy dialog keeps the GUI alive."""

    def run(label: str, work):  # noqa: ANN001, ANN202
        from PySide6.QtCore import QEventLoop, Qt
        from PySide6.QtWidgets import QProgressDialog

        from editor_app.ui.tasks import run_in_background

        dialog = QProgressDialog(label, "", 0, 0, parent)
        dialog.setCancelButton(None)  # network calls end by their own timeouts; closing here would orphan them
        dialog.setWindowTitle("editor-app")
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        dialog.setMinimumDuration(400)  # a quick open shows nothing
        loop = QEventLoop()
        outcome: dict = {}
        run_in_background(runner, work, lambda result: (outcome.update(result=result), loop.quit()),
                          lambda failure: (outcome.update(failure=failure), loop.quit()))
        if not outcome:
            loop.exec()
        dialog.reset()
        dialog.deleteLater()
        if "failure" in outcome:
            raise outcome["failure"].error
        return outcome["result"]

    return run


def _workspace(backend, site, dirs):  # noqa: ANN001, ANN202
    from editor_app.workspace.cache import ContentCache
    from editor_app.workspace.journal import DraftsJournal
    from editor_app.workspace.site_lock import SiteLock
    from editor_app.workspace.workspace import Workspace, backend_identity

    # One instance at a time writes to a site; a second one opens it read-only and says who holds it.
    lock = SiteLock.take(dirs.data / "locks", backend_identity(backend.settings))
    workspace = Workspace(backend, site, ContentCache(dirs.cache / "content"), DraftsJournal(dirs.data / "drafts"),
                          lock=lock)
    try:
        workspace.open()
    except BaseException:
        lock.release()
        backend.close()
        raise
    return workspace


def _close_workspace(workspace) -> None:  # noqa: ANN001
    """Finish the workspace's queued draft writes and give its site up (its lock) for another instance."""
    close = getattr(workspace, "close", None)
    if close is not None:
        close()


def attach_host_login(window, host: HostSession, make_dialog):  # noqa: ANN001, ANN201 - MainWindow -> ExpiryBanner
    """Expiry warnings and re-login for the main window of a Git-host site; returns the banner.

    Warns 10 and 2 minutes before the token expires; Log in again opens the login dialog in front of the
    window (open edits stay open), swaps the new token into the open workspace, and resumes a paused save.
    """
    from editor_app.auth.expiry import ExpiryWatcher
    from editor_app.ui.expiry_banner import ExpiryBanner
    from editor_app.ui.login_dialog import HOST_NAMES
    from editor_app.ui.signals import emit

    # The banner is the window's warning; a notification with the same words under it would only repeat it.
    banner = ExpiryBanner(ExpiryWatcher(clock=host.service.clock))

    def relogin(done) -> None:  # noqa: ANN001
        dialog = make_dialog(host.target, True, window)

        def finished(_result: int) -> None:
            session = dialog.session
            if session is not None:
                host.renew(session, window.workspace)
                banner.watch(session.token)
            dialog.dispose()
            dialog.deleteLater()
            done(session is not None)

        dialog.finished.connect(finished)
        dialog.open()

    def renew_quietly(done) -> None:  # noqa: ANN001 - a refreshable login is renewed, not warned about
        from editor_app.ui.tasks import run_in_background

        run_in_background(window.runner, lambda: host.refresh_now(), lambda _session: done(True),
                          lambda _failure: done(False))

    window.attach_login(banner, relogin)
    banner.renew = renew_quietly
    banner.watch(host.session.token)
    waits = _WaitRelay(window)
    host_name = HOST_NAMES.get(host.target.backend, host.target.backend)
    waits.waiting.connect(lambda resume_at, reason: window.status_label.setText(
        f"{host_name} asks to wait ({reason}); the work goes on by itself at "
        f"{time.strftime('%H:%M:%S', time.localtime(resume_at))}"))
    host.on_wait = lambda resume_at, reason: emit(waits.waiting, resume_at, reason)  # queued to the GUI thread
    host.on_renewed = lambda session: banner.watch_renewed(session.token)  # a refreshed token moves the warnings
    problem = host.service.store.keyring_problem
    if problem:
        window.notifications.notify(problem, "warning")
    return banner


def _WaitRelay(parent):  # noqa: ANN001, ANN202, N802 - a QObject whose signal carries a host's wait to the GUI thread
    from PySide6.QtCore import QObject, Signal

    class WaitRelay(QObject):
        waiting = Signal(float, str)

    return WaitRelay(parent)


def make_site_login(runner, settings, *, parent=None, store=None, transport=None):  # noqa: ANN001, ANN201 - SiteLogin
    """The app's SiteLogin: tokens in the OS keyring, the login dialog, and a question for a local decap-server."""
    from PySide6.QtWidgets import QMessageBox

    from editor_app.auth.service import LoginService
    from editor_app.auth.token_store import TokenStore
    from editor_app.ui.login_dialog import LoginDialog, LoginMemory

    service = LoginService(store or TokenStore())
    memory = LoginMemory(settings)

    def make_dialog(target, relogin, dialog_parent):  # noqa: ANN001, ANN202
        return LoginDialog(target, service, runner, memory, relogin=relogin, parent=dialog_parent or parent)

    def ask_local_server(url: str, info: dict) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, "Local server found",
                          f"A local Decap server answers at {url} for {info.get('repo') or 'this site'}.", parent=parent)
        box.setInformativeText("Edit the files on this computer through it, or log in to the site's Git host?")
        use = box.addButton("Use the local server", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Log in to the Git host", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(use)
        box.exec()
        return box.clickedButton() is use

    return SiteLogin(service, make_dialog, ask_local_server, transport=transport,
                     run_blocking=run_with_progress(runner, parent))


class SiteWindows:
    """The app's main window, one site at a time: another site replaces it only once that site is open.

    `make_window(workspace)` builds a MainWindow; `pick_another()` asks for a SiteChoice (None: stay);
    `report_failure` is open_until_chosen's.
    """

    def __init__(self, make_window, login: SiteLogin, dirs, recent, pick_another, report_failure, runner) -> None:  # noqa: ANN001
        self.make_window = make_window
        self.login = login
        self.dirs = dirs
        self.recent = recent
        self.pick_another = pick_another
        self.report_failure = report_failure
        self.runner = runner
        self.window = None

    def show(self, workspace):  # noqa: ANN001, ANN201 - Workspace -> MainWindow
        """A window for `workspace`, in place of the current one (whose tasks end and backend closes first)."""
        window = self.make_window(workspace)
        if self.login.host is not None:
            attach_host_login(window, self.login.host, self.login.make_dialog)
        window.open_another_requested.connect(self.open_another)
        previous, self.window = self.window, window
        window.show()
        if previous is not None:
            self.runner.wait()
            previous.discard_and_close()  # its open entry was saved or discarded when the user asked
            previous.workspace.backend.close()
            _close_workspace(previous.workspace)
            previous.deleteLater()
        window.load_site()
        return window

    def open_another(self) -> None:
        """Ask for another site and open it; the current one stays when the user cancels or gives up."""
        choice = self.pick_another()
        if choice is None:
            return
        workspace = open_until_chosen(choice, self.dirs, self.login, self.pick_another, self.report_failure)
        if workspace is None:
            return
        self.recent.remember(self.login.opened or choice)
        self.show(workspace)


def run_gui(args: argparse.Namespace) -> int:
    """Show the start dialog (or open the site given on the command line) and run the event loop."""
    from editor_app.paths import AppDirs
    from editor_app.ui.main_window import MainWindow
    from editor_app.ui.start_dialog import RecentSites, SiteChoice, StartDialog
    from editor_app.ui.tasks import TaskRunner
    from editor_app.ui.theme import apply_theme

    app = _make_application()
    apply_theme(app)
    dirs = AppDirs.default()
    instance = _sweep_temp_folders()
    settings = make_settings(dirs)
    recent = RecentSites(settings)
    if args.sandbox:
        choice = SiteChoice("sandbox")
    elif args.local:
        choice = SiteChoice("local", str(Path(args.local).resolve()))
    elif args.config:
        choice = SiteChoice("config", str(Path(args.config).resolve()))
    else:
        dialog = StartDialog(recent)
        if not dialog.exec() or dialog.chosen is None:
            return 0
        choice = dialog.chosen
    runner = TaskRunner()
    login = make_site_login(runner, settings)

    def pick_another() -> SiteChoice | None:
        dialog = StartDialog(recent)
        return dialog.chosen if dialog.exec() else None

    workspace = open_until_chosen(choice, dirs, login, pick_another, _report_open_failure)
    if workspace is None:
        login.service.close()
        return 2
    recent.remember(login.opened or choice)
    windows = SiteWindows(lambda ws: MainWindow(ws, settings, runner), login, dirs, recent, pick_another,
                          _report_open_failure, runner)
    windows.show(workspace)
    code = app.exec()
    runner.wait()
    windows.window.workspace.backend.close()
    _close_workspace(windows.window.workspace)
    instance.release()
    login.service.close()
    return code


def _sweep_temp_folders():  # noqa: ANN202 - RunningInstance
    """Mark this process as a running instance, then remove the temporary folders crashed instances left."""
    from editor_app.workspace.temp_folders import RunningInstance, sweep_stale_temp_folders

    instance = RunningInstance.register()
    removed = sweep_stale_temp_folders()
    if removed:
        print(f"editor-app: removed {len(removed)} temporary folder(s) left by an earlier crash", file=sys.stderr)
    return instance


def open_until_chosen(choice, dirs, login: SiteLogin, pick_another, report_failure):  # noqa: ANN001, ANN201
    """Open `choice`; when that fails (reported through `report_failure(choice, message, details)`, which
    says whether to go on) or its login is cancelled, open what `pick_another()` returns. None when the
    user gives up."""
    from editor_app.ui.notifications import describe_error

    while choice is not None:
        try:
            return open_site(choice, dirs, login)
        except OpenCancelled:
            pass  # the user closed the login: let them pick again
        except Exception as error:  # a site that cannot be opened is reported, then the user picks another
            message, details = describe_error(error)
            print(f"editor-app: cannot open the site: {message}", file=sys.stderr)
            if details:
                print(details, file=sys.stderr)
            if not report_failure(choice, message, details):
                return None
        choice = pick_another()
    return None


def _report_open_failure(choice, message: str, details: str) -> bool:  # noqa: ANN001 - SiteChoice
    """Tell the user why a site did not open; True when they want to choose another one."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Critical, "Cannot open the site", f"{choice.label} could not be opened.")
    box.setInformativeText(message)
    if details:
        box.setDetailedText(details)
    box.setStandardButtons(QMessageBox.StandardButton.Retry | QMessageBox.StandardButton.Close)
    box.button(QMessageBox.StandardButton.Retry).setText("Choose another site…")
    return box.exec() == QMessageBox.StandardButton.Retry


def run_self_test() -> int:
    """Open the sandbox in a throw-away data dir, open an entry, render its preview, load a page; exit code."""
    from editor_app.paths import HOME_OVERRIDE_VARIABLE, AppDirs

    with tempfile.TemporaryDirectory(prefix="editor-app-self-test-") as home:
        # Every module that asks for the user's dirs gets the temporary ones: user data is never touched.
        previous = os.environ.get(HOME_OVERRIDE_VARIABLE)
        os.environ[HOME_OVERRIDE_VARIABLE] = home
        try:
            return _run_self_test_in(AppDirs.under(Path(home)))
        finally:
            if previous is None:
                os.environ.pop(HOME_OVERRIDE_VARIABLE, None)
            else:
                os.environ[HOME_OVERRIDE_VARIABLE] = previous


def _run_self_test_in(dirs) -> int:  # noqa: ANN001
    from editor_app.ui.main_window import MainWindow
    from editor_app.ui.self_test import SelfTest, check_embedded_browser
    from editor_app.ui.start_dialog import SiteChoice
    from editor_app.ui.tasks import TaskRunner
    from editor_app.ui.theme import apply_theme

    app = _make_application()
    apply_theme(app)
    test = SelfTest(app)
    state: dict[str, object] = {}

    def open_main_window() -> str:
        workspace = open_site(SiteChoice("sandbox"), dirs)
        window = MainWindow(workspace, make_settings(dirs), TaskRunner())
        state["window"] = window
        window.show()
        window.load_site()
        window.wait_until_loaded()
        return f"{window.collection_tree.topLevelItemCount()} collections"

    def open_entry() -> str:
        window = state["window"]
        return window.open_first_entry_for_self_test()

    def render_preview() -> str:
        window = state["window"]
        return window.render_preview_for_self_test()

    ok = test.step("open the main window on the sandbox", open_main_window)
    ok = ok and test.step("open an entry", open_entry)
    ok = ok and test.step("render the entry's preview", render_preview)
    ok = ok and test.step("load a local page in the embedded browser", lambda: check_embedded_browser(app))
    window = state.get("window")
    if window is not None:
        window.discard_and_close()
    code = test.exit_code()
    print("self-test: passed" if code == 0 else "self-test: FAILED", flush=True)
    return code
