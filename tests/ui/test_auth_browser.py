"""The embedded login browser end to end against fake auth servers on 127.0.0.1: popup protocol,
implicit grant, PKCE, GoTrue external providers, failure paths and the URL policy."""

from __future__ import annotations

import httpx
import pytest
import shiboken6
from PySide6.QtWebEngineCore import QWebEngineProfile

from editor_app.auth.gotrue import ExternalLogin
from editor_app.auth.oauth import ImplicitFlow, PkceFlow
from editor_app.auth.popup_protocol import PopupLogin
from editor_app.auth.target import LoginTarget
from editor_app.ui.auth_browser import AuthBrowser, BrowserLogin, url_allowed
from tests.fakes.auth_servers import FakeAuthServer


@pytest.fixture
def server():
    fake = FakeAuthServer().start()
    yield fake
    fake.stop()


@pytest.fixture
def browser(qtbot):
    profile = QWebEngineProfile()  # off the record, one per test
    widget = AuthBrowser(profile)
    qtbot.addWidget(widget)
    yield widget
    widget.dispose()
    shiboken6.delete(widget.view)
    shiboken6.delete(widget.page)
    shiboken6.delete(widget)
    shiboken6.delete(profile)


class Outcome:
    """Collects what a BrowserLogin reports."""

    def __init__(self, login: BrowserLogin) -> None:
        self.tokens: list = []
        self.failures: list[tuple[str, bool]] = []
        login.succeeded.connect(self.tokens.append)
        login.failed.connect(lambda message, cancelled: self.failures.append((message, cancelled)))

    @property
    def done(self) -> bool:
        return bool(self.tokens or self.failures)


def run_login(qtbot, browser, flow, **kw) -> Outcome:
    login = BrowserLogin(browser, flow, **kw)
    outcome = Outcome(login)
    login.start()
    qtbot.waitUntil(lambda: outcome.done, timeout=15000)
    return outcome


def popup_target(server: FakeAuthServer, backend: str = "github") -> LoginTarget:
    return LoginTarget(backend=backend, site="s", base_url=server.base_url, site_domain="cms.example.org")


def provider_target(server: FakeAuthServer, backend: str = "gitlab", auth_type: str = "implicit") -> LoginTarget:
    return LoginTarget(
        backend=backend, site="s", base_url=server.base_url, auth_type=auth_type, app_id=server.client_id,
        auth_endpoint="oauth/authorize", auth_token_endpoint="oauth/token", site_url=server.base_url,
    )


# -- popup protocol --------------------------------------------------------------------------------------
def test_popup_page_finds_the_injected_opener_and_hands_over_the_token(qtbot, browser, server):
    outcome = run_login(qtbot, browser, PopupLogin(popup_target(server)), site_origin="https://cms.example.org")
    assert outcome.failures == []
    assert outcome.tokens[0].access_token == "popup-token-1" and outcome.tokens[0].method == "popup"
    auth = [r for r in server.requests if r.path == "/auth"][0]
    assert auth.query == {"provider": "github", "site_id": "cms.example.org", "scope": "repo"}


def test_popup_error_message_is_reported(qtbot, browser, server):
    server.popup_mode = "error"
    outcome = run_login(qtbot, browser, PopupLogin(popup_target(server, "gitlab")))
    assert outcome.tokens == []
    assert "access_denied: the user refused" in outcome.failures[0][0]


def test_popup_messages_from_another_origin_are_refused(qtbot, browser, server):
    other = FakeAuthServer().start()
    other_origin = other.base_url
    try:
        server.popup_redirect_to = other.base_url  # the page that answers is not base_url's
        outcome = run_login(qtbot, browser, PopupLogin(popup_target(server)))
    finally:
        other.stop()
    assert outcome.tokens == []
    assert other_origin in outcome.failures[0][0] and "not from the auth server" in outcome.failures[0][0]


def test_a_popup_page_that_closes_itself_cancels_the_login(qtbot, browser, server):
    server.popup_mode = "close"
    outcome = run_login(qtbot, browser, PopupLogin(popup_target(server)))
    assert outcome.tokens == [] and outcome.failures[0][1] is True


# -- implicit grant and PKCE ------------------------------------------------------------------------------
def test_implicit_grant_takes_the_token_and_never_loads_the_redirect_page(qtbot, browser, server):
    outcome = run_login(qtbot, browser, ImplicitFlow(provider_target(server, "bitbucket")))
    assert outcome.failures == []
    assert outcome.tokens[0].access_token == server.issued[-1]
    assert "/oauth/authorize" in server.paths() and "/admin/" not in server.paths()


def test_implicit_grant_with_a_wrong_state_fails(qtbot, browser, server):
    server.wrong_state = True
    outcome = run_login(qtbot, browser, ImplicitFlow(provider_target(server)))
    assert outcome.tokens == [] and "state does not match" in outcome.failures[0][0]
    assert "/admin/" not in server.paths()


def test_implicit_grant_refused_by_the_provider(qtbot, browser, server):
    server.provider_error = "access_denied"
    outcome = run_login(qtbot, browser, ImplicitFlow(provider_target(server)))
    assert "access_denied" in outcome.failures[0][0]


def test_pkce_exchanges_the_code_off_the_gui_thread(qtbot, browser, server, runner):
    with httpx.Client(timeout=5) as client:
        flow = PkceFlow(provider_target(server, "gitea", "pkce"), client)
        outcome = run_login(qtbot, browser, flow, run_background=runner.run)
    assert outcome.failures == []
    assert outcome.tokens[0].access_token == server.issued[-1] and outcome.tokens[0].refresh_token
    assert server.paths()[-1] == "/oauth/token" and "/admin/" not in server.paths()


def test_gotrue_external_provider_login(qtbot, browser, server):
    target = LoginTarget(backend="git-gateway", site="s", site_url=server.base_url)
    outcome = run_login(qtbot, browser, ExternalLogin(target, "github"))
    assert outcome.failures == []
    assert outcome.tokens[0].access_token == server.issued[-1]
    assert "/" not in server.paths()  # the site page the redirect pointed at was never loaded


# -- URL policy -------------------------------------------------------------------------------------------
def test_url_policy_allows_https_and_loopback_http_only():
    assert url_allowed("https://github.com/login/oauth/authorize")
    assert url_allowed("http://127.0.0.1:8080/auth") and url_allowed("http://localhost/x") and url_allowed("http://[::1]:9/")
    assert not url_allowed("http://github.com/login")
    assert not url_allowed("file:///etc/passwd")
    assert not url_allowed("qrc:///qtwebchannel/qwebchannel.js")
    assert not url_allowed("data:text/html,<p>x</p>")
    assert url_allowed("data:image/png;base64,AAAA", navigation=False)
    assert not url_allowed("javascript:alert(1)")


def test_opening_a_file_url_is_refused(qtbot, browser):
    login = BrowserLogin(browser, PopupLogin(LoginTarget(backend="github", base_url="file:///tmp")))
    outcome = Outcome(login)
    login.start()
    assert outcome.failures and "file:" in outcome.failures[0][0]


@pytest.mark.parametrize("window", ["", "1"])
def test_a_page_cannot_leave_for_plain_http_even_through_window_open(qtbot, browser, server, window):
    with qtbot.waitSignal(browser.navigation_blocked, timeout=15000) as blocked:
        browser.open(f"{server.base_url}/goto?to=http://example.com/&window={window}")
    assert blocked.args == ["http://example.com/"]


def test_a_blocked_navigation_fails_the_login_with_a_clear_message(qtbot, browser, server):
    server.popup_redirect_to = "http://example.com"  # the auth server sends the browser to plain http
    outcome = run_login(qtbot, browser, PopupLogin(popup_target(server)))
    assert "http: address (example.com)" in outcome.failures[0][0]


def test_window_open_to_an_allowed_page_stays_in_the_same_view(qtbot, browser, server):
    with qtbot.waitSignal(browser.load_finished, timeout=15000):
        browser.open(f"{server.base_url}/goto?window=1&to={server.base_url}/admin/")
    qtbot.waitUntil(lambda: "/admin/" in server.paths(), timeout=15000)
    qtbot.waitUntil(lambda: browser.page.url().path() == "/admin/", timeout=15000)


def test_a_plain_http_image_is_blocked_without_ending_the_login(qtbot, browser, server):
    blocked: list[str] = []
    browser.navigation_blocked.connect(blocked.append)
    with qtbot.waitSignal(browser.load_finished, timeout=15000) as loaded:
        browser.open(f"{server.base_url}/image-page")
    assert loaded.args == [True] and blocked == []
    assert browser.page.url().path() == "/image-page"
    assert browser.blocked_resources == ["http://example.com/logo.png"]


# -- host policy --------------------------------------------------------------------------------------------
@pytest.fixture
def outside(qtbot):
    """An AuthBrowser whose 'system browser' records what it is given (no real browser starts)."""
    opened: list[str] = []
    profile = QWebEngineProfile()
    widget = AuthBrowser(profile, open_externally=opened.append)
    qtbot.addWidget(widget)
    widget.opened = opened
    yield widget
    widget.dispose()
    shiboken6.delete(widget.view)
    shiboken6.delete(widget.page)
    shiboken6.delete(widget)
    shiboken6.delete(profile)


def other_host(server: FakeAuthServer) -> str:
    """The same loopback fake under another host name: a host the login was not started on."""
    return server.base_url.replace("127.0.0.1", "localhost")


def click_link(qtbot, browser) -> None:
    browser.page.runJavaScript("document.getElementById('out').click()")


def test_a_link_the_user_clicks_to_another_host_opens_in_the_system_browser(qtbot, outside, server):
    elsewhere = f"{other_host(server)}/admin/"
    with qtbot.waitSignal(outside.load_finished, timeout=15000):
        outside.open(f"{server.base_url}/links?to={elsewhere}")
    with qtbot.waitSignal(outside.opened_externally, timeout=15000) as opened:
        click_link(qtbot, outside)
    assert opened.args == [elsewhere] and outside.opened == [elsewhere]
    qtbot.wait(300)
    assert outside.page.url().path() == "/links" and "/admin/" not in server.paths()


def test_a_link_to_a_host_the_login_needs_stays_in_the_login(qtbot, outside, server):
    needed = other_host(server)
    with qtbot.waitSignal(outside.load_finished, timeout=15000):
        outside.open(f"{server.base_url}/links?to={needed}/admin/", hosts=["localhost"])
    click_link(qtbot, outside)
    qtbot.waitUntil(lambda: outside.page.url().path() == "/admin/", timeout=15000)
    assert outside.page.url().host() == "localhost" and outside.opened == []


def test_a_server_redirect_to_another_host_is_followed_and_that_host_may_then_be_clicked(qtbot, outside, server):
    provider = other_host(server)
    with qtbot.waitSignal(outside.load_finished, timeout=15000):
        outside.open(f"{server.base_url}/bounce?to={provider}/links?to={provider}/admin/")
    qtbot.waitUntil(lambda: outside.page.url().path() == "/links", timeout=15000)
    assert outside.page.url().host() == "localhost" and "localhost" in outside.allowed_hosts
    click_link(qtbot, outside)
    qtbot.waitUntil(lambda: outside.page.url().path() == "/admin/", timeout=15000)
    assert outside.opened == []


def test_a_login_allows_the_hosts_its_target_names():
    target = LoginTarget(backend="gitlab", auth_type="pkce", base_url="https://sso.example.org",
                         api_root="https://git.example.org/api/v4", site_url="https://blog.example.org")
    assert set(target.browser_hosts()) == {"sso.example.org", "git.example.org"}
    assert set(LoginTarget(backend="github", site_url="https://blog.example.org").browser_hosts()) == {
        "github.com", "api.netlify.com"}
