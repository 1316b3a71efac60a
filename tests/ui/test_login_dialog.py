"""The login dialog: what it shows for a site, each way to log in (driven end to end against the fakes
on 127.0.0.1), tokens in the keyring, sign out, the sandbox and local-folder choices."""

from __future__ import annotations

import keyring
import keyring.backends.fail
import pytest
import shiboken6
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWebEngineCore import QWebEngineProfile

from editor_app.auth.service import LoginService
from editor_app.auth.target import LoginTarget
from editor_app.auth.token_store import SERVICE, TokenStore
from editor_app.auth.tokens import Token
from editor_app.backends.token_check import check_personal_token
from editor_app.ui.auth_browser import AuthBrowser
from editor_app.ui.login_dialog import BROWSER_SIZE, LoginDialog, LoginMemory
from tests.fakes.auth_servers import FakeAuthServer


@pytest.fixture
def server():
    fake = FakeAuthServer().start()
    yield fake
    fake.stop()


@pytest.fixture
def memory(tmp_path) -> LoginMemory:
    return LoginMemory(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def make_dialog(qtbot, runner, memory, server):
    made = []

    def make(target: LoginTarget, *, store: TokenStore | None = None, web_url: str | None = None, **kw) -> LoginDialog:
        service = LoginService(store or TokenStore(), github_web_url=web_url or server.base_url,
                               check_token=check_personal_token)
        profile = QWebEngineProfile()
        dialog = LoginDialog(target, service, runner, memory, browser=AuthBrowser(profile), **kw)
        qtbot.addWidget(dialog)
        made.append((dialog, service, profile))
        return dialog

    yield make
    for dialog, service, profile in made:
        runner.wait()
        dialog.dispose()
        shiboken6.delete(dialog)
        shiboken6.delete(profile)
        service.close()


def github_target(server, **kw) -> LoginTarget:
    return LoginTarget(
        backend="github", site="https://blog.example.org", repo="octo/site", base_url=server.base_url,
        api_root=f"{server.base_url}/github", site_url="https://blog.example.org", **kw,
    )


def gateway_target(server) -> LoginTarget:
    return LoginTarget(backend="git-gateway", site=server.base_url, repo="octo/site", site_url=server.base_url)


def test_dialog_shows_the_site_backend_repository_and_where_to_create_a_token(make_dialog, server):
    dialog = make_dialog(github_target(server))
    assert "blog.example.org" in dialog.site_label.text()
    assert dialog.backend_label.text() == "GitHub — repository octo/site"
    assert dialog.login_button.text() == "Log in with GitHub" and not dialog.login_button.isHidden()
    assert (
        "github.com/settings/tokens/new" in dialog.token_help.text() and "<code>repo</code>" in dialog.token_help.text()
    )
    assert dialog.gateway_box.isHidden() and dialog.device_button.isHidden()


def test_popup_login_in_the_dialog_stores_the_token_and_remembers_the_site(
    qtbot, make_dialog, server, memory_keyring, memory
):
    dialog = make_dialog(github_target(server))
    with qtbot.waitSignal(dialog.login_succeeded, timeout=15000) as signal:
        dialog.login_button.click()
    session = signal.args[0]
    assert session.token.access_token == "popup-token-1" and session.backend == "github"
    stored = memory_keyring.passwords[(SERVICE, "github@https://blog.example.org")]
    assert Token.from_json(stored).access_token == "popup-token-1"
    assert memory.recent_sites() == ["https://blog.example.org"]
    assert dialog.result() == LoginDialog.DialogCode.Accepted


def test_a_refused_popup_login_says_why_and_keeps_the_dialog_open(qtbot, make_dialog, server, memory_keyring):
    server.popup_mode = "error"
    dialog = make_dialog(github_target(server))
    dialog.login_button.click()
    qtbot.waitUntil(lambda: "Login failed" in dialog.status_label.text(), timeout=15000)
    assert "access_denied: the user refused" in dialog.status_label.text()
    assert memory_keyring.passwords == {} and dialog.pages.currentIndex() == 0


def test_cancelling_the_browser_login(qtbot, make_dialog, server):
    server.popup_mode = "close"  # never answers: the page closes itself
    dialog = make_dialog(github_target(server))
    dialog.login_button.click()
    assert dialog.pages.currentIndex() == 1  # the browser is shown inside the dialog
    qtbot.waitUntil(lambda: dialog.status_label.text() == "Login cancelled.", timeout=15000)
    assert dialog.pages.currentIndex() == 0


def test_personal_token_login_names_the_user(qtbot, make_dialog, server, memory, memory_keyring):
    dialog = make_dialog(github_target(server))
    dialog.token_edit.setText("ghp_good")
    with qtbot.waitSignal(dialog.login_succeeded, timeout=10000) as signal:
        dialog.token_button.click()
    assert signal.args[0].user == "octo"
    assert memory.last_user("https://blog.example.org") == "octo"
    assert (SERVICE, "github@https://blog.example.org") in memory_keyring.passwords


def test_a_token_without_the_needed_scope_is_explained(qtbot, make_dialog, server, memory_keyring):
    server.github_scopes = "gist"
    dialog = make_dialog(github_target(server))
    dialog.token_edit.setText("ghp_good")
    dialog.token_button.click()
    qtbot.waitUntil(lambda: "Login failed" in dialog.status_label.text(), timeout=10000)
    assert "lacks the scope 'repo'" in dialog.status_label.text() and "ghp_good" not in dialog.status_label.text()
    assert memory_keyring.passwords == {}


def test_github_device_login_shows_the_code_and_finishes(qtbot, make_dialog, server):
    server.device_interval = 0
    dialog = make_dialog(github_target(server, device_client_id=server.client_id))
    assert not dialog.device_button.isHidden()
    with qtbot.waitSignal(dialog.login_succeeded, timeout=10000) as signal:
        dialog.device_button.click()
        qtbot.waitUntil(lambda: "WDJB-MJHT" in dialog.device_label.text(), timeout=10000)
    assert signal.args[0].token.method == "device"


def test_device_verification_page_opens_inside_the_dialog_and_back(qtbot, make_dialog, server):
    server.device_interval = 0
    server.device_approve_after = 10_000  # the user has not entered the code yet
    dialog = make_dialog(github_target(server, device_client_id=server.client_id))
    dialog.device_button.click()
    qtbot.waitUntil(lambda: "WDJB-MJHT" in dialog.device_label.text(), timeout=10000)
    dialog.device_label.linkActivated.emit(f"{server.base_url}/login/device")
    assert dialog.pages.currentIndex() == 1
    dialog.back_button.click()
    assert dialog.pages.currentIndex() == 0
    dialog.reject()  # closing the dialog stops the polling
    qtbot.waitUntil(lambda: "Login cancelled." == dialog.status_label.text(), timeout=10000)


def test_git_gateway_password_login_reads_host_and_user(qtbot, make_dialog, server):
    dialog = make_dialog(gateway_target(server))
    assert not dialog.gateway_box.isHidden() and dialog.login_button.isHidden() and dialog.token_box.isHidden()
    dialog.email_edit.setText("ed@example.org")
    dialog.password_edit.setText("s3cret")
    with qtbot.waitSignal(dialog.login_succeeded, timeout=10000) as signal:
        dialog.password_button.click()
    session = signal.args[0]
    assert (session.user, session.host, session.backend) == ("ed@example.org", "github", "git-gateway")
    assert dialog.password_edit.text() == ""


def test_git_gateway_wrong_password(qtbot, make_dialog, server):
    dialog = make_dialog(gateway_target(server))
    dialog.email_edit.setText("ed@example.org")
    dialog.password_edit.setText("nope")
    dialog.password_button.click()
    qtbot.waitUntil(lambda: "Invalid email or password" in dialog.status_label.text(), timeout=10000)


def test_git_gateway_external_provider_in_the_embedded_browser(qtbot, make_dialog, server):
    dialog = make_dialog(gateway_target(server))
    with qtbot.waitSignal(dialog.login_succeeded, timeout=15000) as signal:
        dialog.provider_buttons["github"].click()
    assert signal.args[0].host == "github" and signal.args[0].user == "ed@example.org"


def test_sign_out_forgets_the_token_and_the_user(qtbot, make_dialog, server, memory, memory_keyring):
    store = TokenStore()
    target = github_target(server)
    store.save(target.site, "github", Token(access_token="old"))
    memory.remember(target.site, "octo")
    dialog = make_dialog(target, store=store)
    assert dialog.user_label.text() == "Last signed in as octo" and not dialog.sign_out_button.isHidden()
    dialog.sign_out_button.click()
    assert memory_keyring.passwords == {} and memory.last_user(target.site) == ""
    assert dialog.sign_out_button.isHidden() and "Signed out" in dialog.status_label.text()


def test_without_a_keyring_the_dialog_says_the_login_lasts_this_session_only(qtbot, make_dialog, server):
    keyring.set_keyring(keyring.backends.fail.Keyring())  # restored by the memory_keyring fixture
    dialog = make_dialog(github_target(server))
    dialog.token_edit.setText("ghp_good")
    with qtbot.waitSignal(dialog.login_succeeded, timeout=10000):
        dialog.token_button.click()
    assert "session only" in dialog.keyring_label.text() and not dialog.keyring_label.isHidden()


def test_sandbox_and_local_folder_choices(qtbot, make_dialog, server, tmp_path):
    dialog = make_dialog(github_target(server), choose_folder=lambda parent: str(tmp_path))
    with qtbot.waitSignal(dialog.local_folder_requested) as chosen:
        dialog.local_button.click()
    assert chosen.args == [str(tmp_path)]
    other = make_dialog(github_target(server))
    with qtbot.waitSignal(other.sandbox_requested):
        other.sandbox_button.click()


def test_implicit_bitbucket_login_through_the_dialog(qtbot, make_dialog, server):
    target = LoginTarget(
        backend="bitbucket", site=server.base_url, repo="octo/site", auth_type="implicit", app_id=server.client_id,
        base_url=server.base_url, auth_endpoint="oauth/authorize", site_url=server.base_url,
    )
    dialog = make_dialog(target)
    with qtbot.waitSignal(dialog.login_succeeded, timeout=15000) as signal:
        dialog.login_button.click()
    assert signal.args[0].token.expires_at is not None and "/admin/" not in server.paths()


# -- a save that meets an expired login ---------------------------------------------------------------
class ExpiringHost:
    """Commits only with the token it currently accepts; anything else is a 401 (expired login)."""

    def __init__(self, valid: str) -> None:
        self.valid = valid
        self.commits: list[tuple[str, str]] = []

    def commit(self, session, message: str) -> str:
        from editor_app.errors import AuthError

        if session.token.access_token != self.valid:
            raise AuthError("401 Bad credentials", expired=True)
        self.commits.append((session.token.access_token, message))
        return "c1"


def test_save_paused_by_an_expired_login_finishes_after_relogin_in_the_dialog(qtbot, make_dialog, server, runner):
    from editor_app.auth.session_guard import SessionGuard
    from editor_app.auth.tokens import Session
    from editor_app.ui.expiry_banner import GuiRelogin

    host = ExpiringHost(valid="ghp_good")
    dialogs: list[LoginDialog] = []

    def ask(stale, answer):
        dialog = make_dialog(github_target(server))
        dialog.login_succeeded.connect(answer)
        dialog.rejected.connect(lambda: answer(None))
        dialogs.append(dialog)
        dialog.show()

    relogin = GuiRelogin(ask)
    waiting: list[bool] = []
    relogin.waiting_changed.connect(waiting.append)
    guard = SessionGuard(
        Session(site="https://blog.example.org", backend="github", token=Token(access_token="expired")), relogin=relogin
    )
    results: list = []
    runner.run(lambda: guard.run(lambda s: host.commit(s, "Update “Hello”")), results.append, results.append)

    qtbot.waitUntil(lambda: bool(dialogs) and dialogs[0].isVisible(), timeout=10000)
    assert results == [] and host.commits == []  # the save waits for the login
    dialogs[0].token_edit.setText("ghp_good")
    dialogs[0].token_button.click()
    qtbot.waitUntil(lambda: bool(results), timeout=10000)
    assert results == ["c1"]
    assert host.commits == [("ghp_good", "Update “Hello”")]
    assert waiting == [True, False]


def test_a_relogin_the_user_closes_leaves_the_save_paused_as_a_draft(qtbot, make_dialog, server, runner):
    from editor_app.auth.oauth import LoginError
    from editor_app.auth.session_guard import SessionGuard
    from editor_app.auth.tokens import Session
    from editor_app.ui.expiry_banner import GuiRelogin

    host = ExpiringHost(valid="never")
    dialogs: list[LoginDialog] = []

    def ask(stale, answer):
        dialog = make_dialog(github_target(server))
        dialog.rejected.connect(lambda: answer(None))
        dialogs.append(dialog)
        dialog.show()

    guard = SessionGuard(
        Session(site="s", backend="github", token=Token(access_token="expired")), relogin=GuiRelogin(ask)
    )
    failures: list = []
    runner.run(lambda: guard.run(lambda s: host.commit(s, "m")), None, failures.append)
    qtbot.waitUntil(lambda: bool(dialogs) and dialogs[0].isVisible(), timeout=10000)
    dialogs[0].reject()
    qtbot.waitUntil(lambda: bool(failures), timeout=10000)
    error = failures[0].error
    assert isinstance(error, LoginError) and error.cancelled and "kept as a draft" in str(error)
    assert host.commits == []


def test_without_a_keyring_the_dialog_warns_as_soon_as_it_opens(make_dialog, server):
    keyring.set_keyring(keyring.backends.fail.Keyring())  # restored by the memory_keyring fixture
    dialog = make_dialog(github_target(server))
    assert not dialog.keyring_label.isHidden() and "No usable system keyring" in dialog.keyring_label.text()


def test_relogin_asked_on_the_gui_thread_waits_in_a_local_event_loop(qtbot):
    from PySide6.QtCore import QTimer

    from editor_app.auth.tokens import Session
    from editor_app.ui.expiry_banner import GuiRelogin

    fresh = Session(site="s", backend="github", token=Token(access_token="new"))
    relogin = GuiRelogin(lambda stale, answer: QTimer.singleShot(50, lambda: answer(fresh)))
    assert relogin(Session(site="s", backend="github", token=Token(access_token="old"))) is fresh


def test_abandoned_relogins_give_up(qtbot):
    from PySide6.QtCore import QTimer

    from editor_app.auth.oauth import LoginError
    from editor_app.auth.tokens import Session
    from editor_app.ui.expiry_banner import GuiRelogin

    relogin = GuiRelogin(lambda stale, answer: None)  # the dialog never answers (the app is quitting)
    QTimer.singleShot(50, relogin.abandon)
    with pytest.raises(LoginError) as info:
        relogin(Session(site="s", backend="github", token=Token(access_token="old")))
    assert info.value.cancelled



def test_relogin_dialog_answers_the_paused_save_and_offers_no_other_site(qtbot, make_dialog, server):
    from editor_app.auth.tokens import Session
    from editor_app.ui.login_dialog import ask_with_dialog

    dialogs: list[LoginDialog] = []

    def make(stale):
        dialog = make_dialog(github_target(server), relogin=True)
        dialogs.append(dialog)
        return dialog

    answers: list = []
    ask_with_dialog(make)(Session(site="s", backend="github", token=Token(access_token="old")), answers.append)
    dialog = dialogs[0]
    assert dialog.isVisible() and dialog.sandbox_button.isHidden() and dialog.local_button.isHidden()
    assert "open edits stay open" in dialog.status_label.text()
    dialog.token_edit.setText("ghp_good")
    dialog.token_button.click()
    qtbot.waitUntil(lambda: bool(answers), timeout=10000)
    assert answers[0].token.access_token == "ghp_good"


def test_ensure_login_uses_a_valid_stored_login_without_a_dialog(make_dialog, server):
    from editor_app.auth.service import LoginService
    from editor_app.ui.login_dialog import ensure_login

    service = LoginService(TokenStore())
    target = github_target(server)
    service.store.save(target.site, "github", Token(access_token="kept"))
    try:
        kind, session = ensure_login(target, service, lambda: pytest.fail("no dialog needed"))
        assert kind == "session" and session.token.access_token == "kept"
        assert ensure_login(LoginTarget(backend="test-repo"), service, lambda: pytest.fail("no dialog")) == (
            "session",
            None,
        )
    finally:
        service.close()


def test_ensure_login_reports_the_dialogs_choice(qtbot, make_dialog, server):
    from PySide6.QtCore import QTimer

    from editor_app.auth.service import LoginService
    from editor_app.ui.login_dialog import ensure_login

    service = LoginService(TokenStore())
    made: list[LoginDialog] = []

    def make():
        dialog = make_dialog(github_target(server))
        made.append(dialog)
        QTimer.singleShot(50, dialog.sandbox_button.click)
        return dialog

    try:
        assert ensure_login(github_target(server), service, make) == ("sandbox", None)
    finally:
        service.close()


def netlify_popup_target(server=None, **kw) -> LoginTarget:
    """A GitHub site logging in through Netlify's auth server, as most Decap sites do, with no site_url."""
    api = {"api_root": f"{server.base_url}/github"} if server is not None else {}
    return LoginTarget(backend="github", site="/sites/garden/static/admin/config.yml", repo="octo/site", **api, **kw)


def test_a_missing_site_domain_is_asked_for_at_once_and_remembered(qtbot, make_dialog, server, memory):
    dialog = make_dialog(netlify_popup_target(server))
    assert "config.yml" not in dialog.windowTitle() and "octo/site" in dialog.site_label.text()
    # Shown as the dialog opens, with the fix, before anything is clicked; the site's own login waits.
    assert not dialog.problem_label.isHidden() and "domain" in dialog.problem_label.text()
    assert "color" in dialog.problem_label.styleSheet()
    assert not dialog.site_domain_row.isHidden() and not dialog.login_button.isEnabled()
    assert dialog.token_box.isEnabled()  # a token still works meanwhile
    qtbot.keyClicks(dialog.site_domain_edit, "https://garden.example.org/")
    assert dialog.target.site_id == "garden.example.org"
    assert dialog.problem_label.isHidden() and dialog.login_button.isEnabled()
    qtbot.keyClicks(dialog.token_edit, "ghp_good")
    with qtbot.waitSignal(dialog.login_succeeded, timeout=10000):
        qtbot.mouseClick(dialog.token_button, Qt.MouseButton.LeftButton)
    assert memory.site_domain("/sites/garden/static/admin/config.yml") == "garden.example.org"
    again = make_dialog(netlify_popup_target(server))
    assert again.target.site_id == "garden.example.org" and again.login_button.isEnabled()


def test_an_app_id_the_config_lacks_is_named_with_its_fix(make_dialog):
    dialog = make_dialog(LoginTarget(backend="gitlab", site="https://garden.example.org", repo="o/r",
                                     auth_type="pkce", site_url="https://garden.example.org"))
    assert "app_id" in dialog.problem_label.text() and not dialog.login_button.isEnabled()
    assert dialog.site_domain_row.isHidden()


def test_cancel_closes_the_dialog(qtbot, make_dialog, server):
    dialog = make_dialog(github_target(server))
    dialog.show()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == LoginDialog.DialogCode.Rejected and not dialog.isVisible()


def test_offline_says_what_could_not_be_reached_and_keeps_the_token_box_whole(qtbot, make_dialog):
    dead = "http://127.0.0.1:9"  # the discard port: nothing listens, the connection is refused
    dialog = make_dialog(netlify_popup_target(site_domain="garden.example.org", device_client_id="client-1"),
                         web_url=dead)
    dialog.show()
    qtbot.mouseClick(dialog.device_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Login failed" in dialog.status_label.text(), timeout=10000)
    text = dialog.status_label.text()
    assert "could not connect to 127.0.0.1" in text and "Check the internet connection" in text
    assert "ConnectError" not in text and "color" in dialog.status_label.styleSheet()
    qtbot.wait(50)  # the layout settles
    assert dialog.token_box.height() >= dialog.token_box.minimumSizeHint().height()
    assert dialog.token_help.height() >= dialog.token_help.heightForWidth(dialog.token_help.width()) - 1


def test_the_login_page_gets_a_browser_windows_room(qtbot, make_dialog, server):
    server.popup_mode = "close"
    dialog = make_dialog(github_target(server))
    dialog.show()
    before = dialog.size()
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    assert dialog.pages.currentIndex() == 1
    room = dialog.screen().availableGeometry().size() * 0.9
    assert dialog.width() >= min(BROWSER_SIZE.width(), room.width()) - 1
    assert dialog.height() >= min(BROWSER_SIZE.height(), room.height()) - 1
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 0, timeout=15000)
    assert dialog.size() == before  # back to the choices at their own size
