"""Opening a Git-host site from the app: stored tokens, the login dialog, a local decap-server, and a save
that survives an expired login. Driven end to end against the fake GitHub served on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import keyring
import keyring.backends.fail
import pytest
import shiboken6
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWebEngineCore import QWebEngineProfile
from PySide6.QtWidgets import QApplication

from editor_app.auth.service import LoginService
from editor_app.auth.token_store import SERVICE, TokenStore
from editor_app.auth.tokens import Token
from editor_app.backends.github import GitHubBackend
from editor_app.backends.token_check import check_personal_token
from editor_app.paths import AppDirs
from editor_app.ui.auth_browser import AuthBrowser
from editor_app.ui.login_dialog import LoginDialog, LoginMemory
from editor_app.ui.main_window import MainWindow
from editor_app.ui.site_login import OpenCancelled, SiteLogin, attach_host_login, open_site
from editor_app.ui.start_dialog import SiteChoice
from tests.fakes.git_store import GitStore
from tests.fakes.github import FakeGitHub
from tests.fakes.server import serve
from tests.ui.fakes import FakeEditor, ScriptedPrompts

SITE_URL = "https://blog.example.org"
POST = "content/posts/hello.md"
POST_TEXT = b"---\ntitle: Hello\n---\nFirst post.\n"


@pytest.fixture
def github():
    fake = FakeGitHub(GitStore(), owner="octo", repo="site", tokens={"good-token": "octo", "fresh-token": "octo"})
    fake.commit_files("octo/site", "main", {POST: POST_TEXT}, "Seed the site")
    with serve(fake) as url:
        fake.url = url
        yield fake


def write_config(folder: Path, api_root: str, extra: str = "") -> Path:
    backend = f"backend:\n  name: github\n  repo: octo/site\n  branch: main\n  api_root: {api_root}\n"
    return write_site_config(folder, backend, SITE_URL, extra)


def write_site_config(folder: Path, backend: str, site_url: str, extra: str = "") -> Path:
    """config.yml with `backend` (its YAML), `site_url` and one posts collection."""
    config = folder / "config.yml"
    config.write_text(
        f"{backend}"
        f"site_url: {site_url}\n"
        "media_folder: static/images\n"
        f"{extra}"
        "collections:\n"
        "  - name: posts\n"
        "    label: Posts\n"
        "    folder: content/posts\n"
        "    create: true\n"
        "    fields:\n"
        "      - {name: title, label: Title, widget: string}\n"
        "      - {name: body, label: Body, widget: markdown}\n",
        encoding="utf-8",
    )
    return config


def file_on_main(fake: FakeGitHub, path: str) -> bytes:
    store = fake.repos["octo/site"].store
    tree = store.commit(store.refs["heads/main"]).tree
    return store.blob(store.files(tree)[path])


class Dialogs:
    """Builds real login dialogs (each with its own browser profile) and records them."""

    def __init__(self, service: LoginService, runner, memory: LoginMemory, qtbot) -> None:
        self.service, self.runner, self.memory, self.qtbot = service, runner, memory, qtbot
        self.made: list[LoginDialog] = []
        self.profiles: list[QWebEngineProfile] = []

    def __call__(self, target, relogin, parent) -> LoginDialog:
        profile = QWebEngineProfile()
        self.profiles.append(profile)
        dialog = LoginDialog(target, self.service, self.runner, self.memory, browser=AuthBrowser(profile),
                             relogin=relogin, parent=parent)
        self.made.append(dialog)
        return dialog


@pytest.fixture
def login(qtbot, runner, tmp_path):
    service = LoginService(TokenStore(), check_token=check_personal_token)
    memory = LoginMemory(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    dialogs = Dialogs(service, runner, memory, qtbot)
    asked: list[tuple[str, dict]] = []
    site_login = SiteLogin(service, dialogs, lambda url, info: asked.append((url, info)) or False)
    site_login.dialogs, site_login.asked = dialogs, asked
    yield site_login
    runner.wait()
    service.close()
    for dialog in dialogs.made:  # each page goes before its profile
        if shiboken6.isValid(dialog):
            dialog.dispose()
            shiboken6.delete(dialog)
    for profile in dialogs.profiles:
        shiboken6.delete(profile)


def when_dialog_shows(login: SiteLogin, act) -> None:
    """Run `act(dialog)` as soon as the login dialog is on screen (it runs its own event loop)."""

    def poll() -> None:
        shown = [d for d in login.dialogs.made if d.isVisible()]
        if shown:
            act(shown[-1])
        else:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)


def test_opening_a_github_config_with_a_stored_token_opens_the_site_without_a_dialog(github, login, tmp_path, app_home):
    config = write_config(tmp_path, github.url)
    login.service.store.save(SITE_URL, "github", Token(access_token="good-token", method="pat"))

    workspace = open_site(SiteChoice("config", str(config)), AppDirs.under(app_home), login)

    assert login.dialogs.made == []
    assert isinstance(workspace.backend, GitHubBackend) and workspace.user.login == "octo"
    assert login.opened == SiteChoice("config", str(config), "github", "octo/site")
    assert [e.path for e in workspace.load_collection("posts")] == [POST]
    workspace.backend.close()


def test_without_a_stored_token_the_login_dialog_appears_and_a_token_login_opens_the_site(
    github, login, tmp_path, app_home, memory_keyring
):
    config = write_config(tmp_path, github.url)

    def log_in(dialog: LoginDialog) -> None:
        assert "octo/site" in dialog.backend_label.text()
        dialog.token_edit.setText("good-token")
        dialog.token_button.click()

    when_dialog_shows(login, log_in)
    workspace = open_site(SiteChoice("config", str(config)), AppDirs.under(app_home), login)

    assert len(login.dialogs.made) == 1
    assert workspace.user.login == "octo"
    stored = memory_keyring.get_password(SERVICE, f"github@{SITE_URL}")
    assert Token.from_json(stored).access_token == "good-token"
    workspace.backend.close()


def test_a_stored_token_the_host_refuses_is_forgotten_and_the_dialog_asks_again(
    github, login, tmp_path, app_home, memory_keyring
):
    config = write_config(tmp_path, github.url)
    login.service.store.save(SITE_URL, "github", Token(access_token="revoked-token", method="pat"))
    when_dialog_shows(login, lambda d: (d.token_edit.setText("fresh-token"), d.token_button.click()))

    workspace = open_site(SiteChoice("config", str(config)), AppDirs.under(app_home), login)

    assert len(login.dialogs.made) == 1
    assert Token.from_json(memory_keyring.get_password(SERVICE, f"github@{SITE_URL}")).access_token == "fresh-token"
    workspace.backend.close()


def test_closing_the_login_dialog_cancels_opening_without_an_error(github, login, tmp_path, app_home):
    config = write_config(tmp_path, github.url)
    when_dialog_shows(login, lambda d: d.reject())

    with pytest.raises(OpenCancelled):
        open_site(SiteChoice("config", str(config)), AppDirs.under(app_home), login)


def test_choosing_the_sandbox_in_the_login_dialog_opens_the_sandbox(github, login, tmp_path, app_home):
    config = write_config(tmp_path, github.url)
    when_dialog_shows(login, lambda d: d.sandbox_button.click())

    workspace = open_site(SiteChoice("config", str(config)), AppDirs.under(app_home), login)

    assert workspace.backend.name == "test-repo"
    assert login.opened == SiteChoice("sandbox") and login.host is None


def test_a_backend_the_registry_lacks_gets_a_clear_message(github, login, tmp_path, app_home, monkeypatch):
    from editor_app.backends import BACKENDS

    monkeypatch.delitem(BACKENDS, "github")  # as for a host whose adapter this build does not have
    config = write_config(tmp_path, github.url)

    with pytest.raises(Exception, match="backend 'github' is not supported by this version of editor-app"):
        open_site(SiteChoice("config", str(config)), AppDirs.under(app_home), login)
    assert login.dialogs.made == []


def test_without_a_keyring_the_login_dialog_says_so_and_the_site_opens_for_this_session(
    github, login, tmp_path, app_home, qtbot, runner
):
    keyring.set_keyring(keyring.backends.fail.Keyring())
    config = write_config(tmp_path, github.url)
    seen: list[str] = []

    def log_in(dialog: LoginDialog) -> None:
        seen.append(dialog.keyring_label.text() if dialog.keyring_label.isVisibleTo(dialog) else "")
        dialog.token_edit.setText("good-token")
        dialog.token_button.click()

    when_dialog_shows(login, log_in)
    workspace = open_site(SiteChoice("config", str(config)), AppDirs.under(app_home), login)

    assert "No usable system keyring" in seen[0] and "this session only" in seen[0]
    assert login.host.session.token.access_token == "good-token"
    window = MainWindow(workspace, QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat), runner, FakeEditor,
                        ScriptedPrompts(confirm=True))
    qtbot.addWidget(window)
    attach_host_login(window, login.host, login.make_dialog)
    assert [n.message for n in window.notifications.notifications] == [login.service.store.keyring_problem]
    # Reopening in the same app session uses the session-only token: no second dialog.
    window.discard_and_close()
    workspace.backend.close()
    again = open_site(SiteChoice("config", str(config)), AppDirs.under(app_home), login)
    assert len(login.dialogs.made) == 1
    again.backend.close()


def decap_server_like(request: httpx.Request) -> httpx.Response:
    """Answers like `npx decap-server` in fs mode: info, and the one post of the site."""
    from editor_app.backends.proxy import content_id

    body = json.loads(request.content or b"{}")
    if request.method == "POST" and body.get("action") == "info":
        return httpx.Response(200, json={"repo": "site", "publish_modes": ["simple"], "type": "local_fs"})
    text = "---\ntitle: Local hello\n---\nOn this computer.\n"
    entry = {"data": text, "file": {"path": POST, "id": content_id(text.encode())}}
    if request.method == "POST" and body.get("action") == "entriesByFolder":
        return httpx.Response(200, json=[entry])
    if request.method == "POST" and body.get("action") == "entriesByFiles":
        wanted = [f["path"] for f in body["params"]["files"]]
        return httpx.Response(200, json=[entry] if POST in wanted else [])
    return httpx.Response(404, json={"error": "unknown action"})


def test_using_the_local_server_opens_the_site_through_it_without_a_login(github, login, tmp_path, app_home):
    from editor_app.backends.proxy import ProxyBackend

    login.ask_local_server = lambda url, info: True
    with serve(decap_server_like) as server:
        config = write_config(tmp_path, github.url, f"local_backend:\n  url: {server}/api/v1\n")
        workspace = open_site(SiteChoice("config", str(config)), AppDirs.under(app_home), login)
        entries = workspace.load_collection("posts")
        workspace.backend.close()

    assert isinstance(workspace.backend, ProxyBackend) and login.host is None and login.dialogs.made == []
    assert [(e.path, e.data["title"]) for e in entries] == [(POST, "Local hello")]


def test_a_local_backend_config_offers_the_local_server_when_one_answers(github, login, tmp_path, app_home):
    with serve(decap_server_like) as server:
        url = f"{server}/api/v1"
        config = write_config(tmp_path, github.url, f"local_backend:\n  url: {url}\n  allowed_hosts: [127.0.0.1]\n")
        login.service.store.save(SITE_URL, "github", Token(access_token="good-token", method="pat"))

        workspace = open_site(SiteChoice("config", str(config)), AppDirs.under(app_home), login)

    assert [(u, info["type"]) for u, info in login.asked] == [(url, "local_fs")]
    assert isinstance(workspace.backend, GitHubBackend)  # declined: the Git host's login was used
    workspace.backend.close()


def test_a_local_backend_config_asks_nothing_when_no_decap_server_answers(github, login, tmp_path, app_home):
    # The fake GitHub answers HTTP, but not like decap-server; a closed port does not answer at all.
    with serve(lambda request: httpx.Response(404, json={"message": "Not Found"})) as other:
        pass
    for url in (f"{github.url}/api/v1", f"{other}/api/v1"):
        config = write_config(tmp_path, github.url, f"local_backend:\n  url: {url}\n")
        login.service.store.save(SITE_URL, "github", Token(access_token="good-token", method="pat"))
        workspace = open_site(SiteChoice("config", str(config)), AppDirs.under(app_home), login)
        workspace.backend.close()
    assert login.asked == []


def test_a_save_that_meets_an_expired_login_waits_for_a_new_login_and_then_lands(
    github, login, tmp_path, app_home, qtbot, runner
):
    config = write_config(tmp_path, github.url)
    login.service.store.save(SITE_URL, "github", Token(access_token="good-token", method="pat"))
    workspace = open_site(SiteChoice("config", str(config)), AppDirs.under(app_home), login)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(workspace, settings, runner, FakeEditor, ScriptedPrompts(confirm=True))
    qtbot.addWidget(window)
    banner = attach_host_login(window, login.host, login.make_dialog)
    window.show()
    with qtbot.waitSignal(window.site_loaded, timeout=20000):
        window.load_site()
    window.collection_tree.select_collection("posts")
    with qtbot.waitSignal(window.entry_opened, timeout=10000):
        window.open_entry("posts", POST)
    qtbot.keyClicks(window.editor.title, " again")

    del github.tokens["good-token"]  # the host now refuses the token: the login expired
    window.save_entry()
    qtbot.waitUntil(banner.isVisible, timeout=10000)
    assert "paused" in banner.label.text() and "your changes are kept" in banner.label.text()
    assert window.editor.title.text() == "Hello again" and window.is_dirty
    assert file_on_main(github, POST) == POST_TEXT
    # Nothing typed is lost even if the app stopped now: the edit is in the drafts journal.
    assert [d.entry.data["title"] for d in window.workspace.pending_drafts()] == ["Hello again"]

    when_dialog_shows(login, lambda d: (d.token_edit.setText("fresh-token"), d.token_button.click()))
    with qtbot.waitSignal(window.entry_saved, timeout=20000):
        banner.relogin_button.click()

    assert b"title: Hello again" in file_on_main(github, POST)
    assert not banner.isVisible() and not window.is_dirty and window.workspace.pending_drafts() == []
    assert login.host.session.token.access_token == "fresh-token"
    assert login.service.store.load(SITE_URL, "github").access_token == "fresh-token"
    window.discard_and_close()
    window.workspace.backend.close()
    QApplication.processEvents()


def test_the_banner_warns_before_a_token_with_an_expiry_runs_out(github, login, tmp_path, app_home, qtbot, runner):
    now = [1_000_000.0]
    login.service.clock = lambda: now[0]
    config = write_config(tmp_path, github.url)
    login.service.store.save(
        SITE_URL, "github", Token(access_token="good-token", method="pat", expires_at=now[0] + 3600)
    )
    workspace = open_site(SiteChoice("config", str(config)), AppDirs.under(app_home), login)
    window = MainWindow(workspace, QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat), runner, FakeEditor,
                        ScriptedPrompts(confirm=True))
    qtbot.addWidget(window)
    banner = attach_host_login(window, login.host, login.make_dialog)
    window.show()

    assert banner.check() is None and not banner.isVisible()
    now[0] += 3600 - 590
    warning = banner.check()
    assert warning is not None and banner.isVisible() and "10 minutes" in banner.label.text()
    window.discard_and_close()
    window.workspace.backend.close()


def test_a_login_with_eight_minutes_left_warns_as_soon_as_the_window_opens(
    github, login, tmp_path, app_home, qtbot, runner
):
    import time

    config = write_config(tmp_path, github.url)
    login.service.store.save(
        SITE_URL, "github", Token(access_token="good-token", method="pat", expires_at=time.time() + 480)
    )
    workspace = open_site(SiteChoice("config", str(config)), AppDirs.under(app_home), login)
    window = MainWindow(workspace, QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat), runner, FakeEditor,
                        ScriptedPrompts(confirm=True))
    qtbot.addWidget(window)
    banner = attach_host_login(window, login.host, login.make_dialog)
    window.show()

    qtbot.waitUntil(banner.isVisible, timeout=3000)
    assert "expires in 8 minutes" in banner.label.text()
    window.discard_and_close()
    window.workspace.backend.close()


def test_a_cancelled_login_leads_back_to_choosing_a_site(github, login, tmp_path, app_home):
    from editor_app.app import open_until_chosen

    config = write_config(tmp_path, github.url)
    when_dialog_shows(login, lambda d: d.reject())
    picks, reports = [SiteChoice("sandbox")], []

    workspace = open_until_chosen(SiteChoice("config", str(config)), AppDirs.under(app_home), login,
                                  lambda: picks.pop(), lambda *args: reports.append(args) or True)

    assert workspace.backend.name == "test-repo" and picks == [] and reports == []


def test_a_site_that_cannot_open_is_reported_and_the_user_may_give_up(login, tmp_path, app_home, monkeypatch, github):
    from editor_app.app import open_until_chosen
    from editor_app.backends import BACKENDS

    monkeypatch.delitem(BACKENDS, "github")
    config = write_config(tmp_path, github.url)
    reports = []

    workspace = open_until_chosen(SiteChoice("config", str(config)), AppDirs.under(app_home), login,
                                  lambda: pytest.fail("the user gave up; nothing else to pick"),
                                  lambda choice, message, details: reports.append(message) or False)

    assert workspace is None
    assert len(reports) == 1 and "backend 'github' is not supported" in reports[0]


def test_an_expired_login_while_opening_an_entry_shows_the_banner_and_works_after_logging_in_again(
    github, login, tmp_path, app_home, qtbot, runner
):
    config = write_config(tmp_path, github.url)
    login.service.store.save(SITE_URL, "github", Token(access_token="good-token", method="pat"))
    workspace = open_site(SiteChoice("config", str(config)), AppDirs.under(app_home), login)
    window = MainWindow(workspace, QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat), runner, FakeEditor,
                        ScriptedPrompts(confirm=True))
    qtbot.addWidget(window)
    banner = attach_host_login(window, login.host, login.make_dialog)
    window.show()
    with qtbot.waitSignal(window.site_loaded, timeout=20000):
        window.load_site()
    window.collection_tree.select_collection("posts")
    del github.tokens["good-token"]

    window.open_entry("posts", POST)
    qtbot.waitUntil(banner.isVisible, timeout=10000)
    assert f"Opening {POST} failed: your login has expired" in banner.label.text()
    assert window.notifications.notifications == []

    when_dialog_shows(login, lambda d: (d.token_edit.setText("fresh-token"), d.token_button.click()))
    banner.relogin_button.click()
    qtbot.waitUntil(lambda: not banner.isVisible(), timeout=10000)
    with qtbot.waitSignal(window.entry_opened, timeout=10000):
        window.open_entry("posts", POST)
    assert window.editor.title.text() == "Hello"
    window.discard_and_close()
    window.workspace.backend.close()


def test_a_host_that_makes_the_adapter_wait_says_so_in_the_status_bar(github, login, tmp_path, app_home, qtbot, runner):
    import threading
    import time

    config = write_config(tmp_path, github.url)
    login.service.store.save(SITE_URL, "github", Token(access_token="good-token", method="pat"))
    workspace = open_site(SiteChoice("config", str(config)), AppDirs.under(app_home), login)
    window = MainWindow(workspace, QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat), runner, FakeEditor,
                        ScriptedPrompts(confirm=True))
    qtbot.addWidget(window)
    attach_host_login(window, login.host, login.make_dialog)
    resume_at = time.time() + 90

    # The adapter reports a wait from its worker thread, through the callback it was built with.
    worker = threading.Thread(target=workspace.backend.http.on_wait, args=(resume_at, "secondary rate limit"))
    worker.start()
    worker.join()

    at = time.strftime("%H:%M:%S", time.localtime(resume_at))
    expected = f"GitHub asks to wait (secondary rate limit); the work goes on by itself at {at}"
    qtbot.waitUntil(lambda: window.status_label.text() == expected, timeout=3000)
    window.discard_and_close()
    workspace.backend.close()
