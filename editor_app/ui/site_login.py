"""Opening a site from the app: the site's config, its adapter from the registry, and for a Git host the
login (stored token first, then the login dialog), all behind `open_site(choice, dirs, login)`; plus the
main window's expiry warnings and re-login (`attach_host_login`).

Moved out of `app.py`, which only wires these together.
"""

from __future__ import annotations

import time
from pathlib import Path

from editor_app.auth.target import LoginTarget
from editor_app.hosts import LOGIN_HOSTS, display_name
from editor_app.ui.host_session import HostSession

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


class SiteLogin:
    """What opening a Git-host site needs: the LoginService, the login dialog, and the local-server question.

    `make_dialog(target, relogin, parent)` builds a LoginDialog; `ask_local_server(url, info)` says whether
    to use a decap-server that answers for a config with `local_backend`. After `open_site`, `host` holds the
    HostSession of a Git-host site (None otherwise) and `opened` the choice that was really opened (the
    login dialog may switch to the sandbox or a local folder). `run_blocking(label, work)` runs network work
    (connecting, the login check, the first head) where it does not freeze the GUI and returns its result
    or raises its error; without it the work runs right here. `ask_identity(folder, name, email)` asks for
    the commit author of a local site that has none ((name, email), or None when cancelled).
    """

    def __init__(self, service, make_dialog, ask_local_server, *, transport=None, probe_transport=None, on_wait=None,
                 run_blocking=None, ask_identity=None) -> None:
        self.run_blocking = run_blocking
        self.ask_identity = ask_identity
        self.service = service
        self.make_dialog = make_dialog
        self.ask_local_server = ask_local_server
        self.transport = transport
        self.probe_transport = probe_transport
        self.on_wait = on_wait
        self.host: HostSession | None = None
        self.opened = None


def open_site(choice, dirs, login: SiteLogin | None = None):
    """Build the workspace for a chosen site: its config, the backend from the registry, cache and journal.

    A config that names a Git host needs `login` (stored token, else the login dialog); without it the
    error says how to open the site instead.
    """
    from dataclasses import replace

    from editor_app.backends import BACKENDS
    from editor_app.backends.proxy import ProxyBackend, local_server_url, probe_local_server
    from editor_app.backends.test_repo import TestRepoBackend, sample_site_dir
    from editor_app.config.loader import load_site_config
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
        backend = BACKENDS["local"].connect(settings)
        if login is not None and login.ask_identity is not None:
            _ensure_commit_author(backend, login.ask_identity)
        return _workspace(backend, site, dirs)
    config = Path(choice.path)
    site = load_site_config(config)
    name = site.backend.name
    settings = backend_settings_from_config(site)
    if name == "test-repo":
        return _workspace(TestRepoBackend.for_app(settings, dirs), site, dirs)
    if name == "local":
        raise EditorError(f"{config}: backend 'local' needs a working copy; open the site's folder instead")
    server = local_server_url(site.local_backend) if login is not None else None
    if server is not None and login is not None:
        info = _blocking(login, "Looking for a local Decap server…",
                         lambda: probe_local_server(server, transport=login.probe_transport))
        if info is not None and login.ask_local_server(server, info):
            proxy = replace(settings, name="proxy", proxy_url=server)
            return _blocking(
                login, f"Opening {site.backend.repo or config.name} through the local server…",
                lambda: _workspace(ProxyBackend.connect(proxy, transport=login.probe_transport), site, dirs),
            )
    if name == "proxy":
        return _workspace(ProxyBackend.connect(settings), site, dirs)
    if name not in BACKENDS:
        known = ", ".join(sorted(n for n in BACKENDS if n in LOGIN_HOSTS))
        raise EditorError(
            f"{config}: backend '{name}' is not supported by this version of editor-app "
            f"(Git hosts it can open: {known}); open the site's working copy as a local folder instead"
        )
    if login is None:
        raise AuthError(
            f"{config}: opening a '{name}' site needs a login; open its working copy with --local, "
            "or log in from the start dialog"
        )
    return _open_host_site(choice, config, site, settings, BACKENDS[name], dirs, login)


def _open_host_site(choice, config, site, settings, backend_class, dirs, login):
    """Log in (stored token first, then the dialog) and open the site; a stored token the host refuses is forgotten."""
    from editor_app.auth.target import target_from_config
    from editor_app.errors import AuthError
    from editor_app.ui.login_dialog import ensure_login
    from editor_app.ui.start_dialog import SiteChoice

    target = target_from_config(site, site=site.site_url or site.display_url or str(config.resolve()))
    target.check_addresses()  # plain http to a remote host is refused before anyone types a password
    for _attempt in range(2):
        made: list = []

        def make_dialog(made: list = made, target: LoginTarget = target):
            made.append(login.make_dialog(target, False, None))
            return made[-1]

        kind, value = ensure_login(target, login.service, make_dialog)
        if made:  # the dialog may have completed what the config left out (the site's domain)
            target = made[-1].target
        for dialog in made:  # its embedded browser's page goes before the window
            dialog.dispose()
            dialog.deleteLater()
        if kind == "cancelled":
            raise OpenCancelled(f"{config}: login cancelled")
        if kind in ("sandbox", "local"):
            return open_site(SiteChoice(kind, value or ""), dirs, login)
        host = HostSession(target, settings, backend_class, value, login.service,
                           transport=login.transport, on_wait=login.on_wait, read_cache=dirs.cache)
        try:
            workspace = _blocking(login, f"Opening {target.repo or target.site}…",
                                  lambda host=host: _workspace(host.connect(), site, dirs))
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


def _blocking(login, label: str, work):
    """`work()` through the login's `run_blocking` (off the GUI thread, with a progress dialog), else here."""
    run = login.run_blocking if login is not None else None
    return run(label, work) if run is not None else work()


def run_with_progress(runner, parent=None):
    """A `run_blocking` for SiteLogin: the work runs on `runner`'s pool while a busy dialog keeps the GUI alive."""

    def run(label: str, work):
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
        def done(result: object) -> None:
            outcome["result"] = result
            loop.quit()

        def failed(failure: object) -> None:
            outcome["failure"] = failure
            loop.quit()

        run_in_background(runner, work, done, failed)
        if not outcome:
            loop.exec()
        dialog.reset()
        dialog.deleteLater()
        if "failure" in outcome:
            raise outcome["failure"].error
        return outcome["result"]

    return run


def _ensure_commit_author(backend, ask_identity) -> None:
    """A local site whose git has no user.name/user.email: ask once (prefilled with the logged-in user's name and
    e-mail) and keep the answer in the repository's own git config. Cancelling leaves the error as it was."""
    from editor_app.backends.local import NoAuthorError, logged_in_identity

    try:
        backend.current_user()
    except NoAuthorError:
        answer = ask_identity(str(backend.root), *logged_in_identity())
        if answer is None:
            backend.close()
            raise
        backend.set_author(*answer)


def _workspace(backend, site, dirs):
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


def attach_host_login(window, host: HostSession, make_dialog):
    """Expiry warnings and re-login for the main window of a Git-host site; returns the banner.

    Warns 10 and 2 minutes before the token expires; Log in again opens the login dialog in front of the
    window (open edits stay open), swaps the new token into the open workspace, and resumes a paused save.
    """
    from editor_app.auth.expiry import ExpiryWatcher
    from editor_app.ui.expiry_banner import ExpiryBanner
    from editor_app.ui.signals import emit

    # The banner is the window's warning; a notification with the same words under it would only repeat it.
    banner = ExpiryBanner(ExpiryWatcher(clock=host.service.clock))

    def relogin(done) -> None:
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

    def renew_quietly(done) -> None:
        from editor_app.ui.tasks import run_in_background

        run_in_background(window.runner, lambda: host.refresh_now(), lambda _session: done(True),
                          lambda _failure: done(False))

    window.attach_login(banner, relogin)
    banner.renew = renew_quietly
    banner.watch(host.session.token)
    waits = _WaitRelay(window)
    host_name = display_name(host.target.backend)
    waits.waiting.connect(lambda resume_at, reason: window.status_label.setText(
        f"{host_name} asks to wait ({reason}); the work goes on by itself at "
        f"{time.strftime('%H:%M:%S', time.localtime(resume_at))}"))
    host.on_wait = lambda resume_at, reason: emit(waits.waiting, resume_at, reason)  # queued to the GUI thread
    host.on_renewed = lambda session: banner.watch_renewed(session.token)  # a refreshed token moves the warnings
    problem = host.service.store.keyring_problem
    if problem:
        window.notifications.notify(problem, "warning")
    return banner


def _WaitRelay(parent):
    from PySide6.QtCore import QObject, Signal

    class WaitRelay(QObject):
        waiting = Signal(float, str)

    return WaitRelay(parent)


def make_site_login(runner, settings, *, parent=None, store=None, transport=None):
    """The app's SiteLogin: tokens in the OS keyring, the login dialog, and a question for a local decap-server."""
    from PySide6.QtWidgets import QMessageBox

    from editor_app.auth.service import LoginService
    from editor_app.auth.token_store import TokenStore
    from editor_app.backends.token_check import check_personal_token
    from editor_app.ui.login_dialog import LoginDialog, LoginMemory

    service = LoginService(store or TokenStore(), check_token=check_personal_token)
    memory = LoginMemory(settings)

    def make_dialog(target, relogin, dialog_parent):
        return LoginDialog(target, service, runner, memory, relogin=relogin, parent=dialog_parent or parent)

    def ask_local_server(url: str, info: dict) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, "Local server found",
                          f"A local Decap server answers at {url} for {info.get('repo') or 'this site'}.",
                          parent=parent)
        box.setInformativeText("Edit the files on this computer through it, or log in to the site's Git host?")
        use = box.addButton("Use the local server", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Log in to the Git host", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(use)
        box.exec()
        return box.clickedButton() is use

    def ask_identity(folder: str, name: str, email: str):
        from editor_app.ui.identity_dialog import ask_commit_author

        return ask_commit_author(folder, name, email, parent)

    return SiteLogin(service, make_dialog, ask_local_server, transport=transport,
                     run_blocking=run_with_progress(runner, parent), ask_identity=ask_identity)
