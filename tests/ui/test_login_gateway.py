"""Opening a Git Gateway site from the app: the login dialog's site-account login (GoTrue), the host behind
the gateway, a save signed by the Identity user, and a stored login that is renewed on the next start.
Driven end to end against the fake Netlify site (Identity + Git Gateway + GitHub) served on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from editor_app.auth.tokens import Token
from editor_app.backends.git_gateway import GitGatewayBackend
from editor_app.paths import AppDirs
from editor_app.ui.login_dialog import LoginDialog
from editor_app.ui.site_login import open_site
from editor_app.ui.start_dialog import SiteChoice
from tests.fakes.git_gateway_factories import EMAIL, PASSWORD, make_fake_gateway
from tests.fakes.server import serve
from tests.ui.test_login_wiring import login, when_dialog_shows, write_site_config  # noqa: F401 - the fixture is used

POST = "content/posts/hello.md"
POST_TEXT = b"---\ntitle: Hello\n---\nFirst post.\n"


@pytest.fixture
def site():
    gateway = make_fake_gateway("github", {POST: POST_TEXT}, roles=["editor"])
    with serve(gateway) as url:
        gateway.url = url
        yield gateway


def write_config(folder: Path, site_url: str) -> Path:
    return write_site_config(folder, "backend:\n  name: git-gateway\n  branch: main\n", site_url)


def test_a_git_gateway_site_opens_after_the_site_account_login_and_saves_as_that_user(
    site, login, tmp_path, app_home  # noqa: F811 - the fixture imported above
):
    config = write_config(tmp_path, site.url)

    def log_in(dialog: LoginDialog) -> None:
        assert not dialog.gateway_box.isHidden()
        dialog.email_edit.setText(EMAIL)
        dialog.password_edit.setText(PASSWORD)
        dialog.password_button.click()

    when_dialog_shows(login, log_in)
    workspace = open_site(SiteChoice("config", str(config)), AppDirs.under(app_home), login)

    assert isinstance(workspace.backend, GitGatewayBackend) and workspace.backend.host == "github"
    assert workspace.backend.host_label == "Git Gateway (GitHub)"
    assert workspace.user.login == EMAIL
    assert [e.path for e in workspace.load_collection("posts")] == [POST]
    entry = workspace.open_entry("posts", POST)
    saved = workspace.save_entry(entry.with_data({**entry.data, "title": "Hello again"}))
    store = site.host_fake.repos["o/r"].store
    head = store.commit(store.refs["heads/main"])
    assert (head.author.name, head.author.email) == ("Ed Itor", EMAIL)
    assert b"Hello again" in store.blob(store.files(head.tree)[POST])
    assert saved.data["title"] == "Hello again"
    assert login.host.session.host == "github"
    workspace.backend.close()


def test_the_window_says_who_edits_through_which_gateway(site, login, tmp_path, app_home, runner, qtbot):  # noqa: F811 - the fixture imported above
    from PySide6.QtCore import QSettings

    from editor_app.ui.main_window import MainWindow
    from tests.ui.fakes import FakeEditor, ScriptedPrompts

    grant = site.grant(EMAIL)
    login.service.store.save(site.url, "git-gateway", Token(access_token=grant["access_token"],
                                                            refresh_token=grant["refresh_token"], method="gotrue"))
    workspace = open_site(SiteChoice("config", str(write_config(tmp_path, site.url))), AppDirs.under(app_home), login)
    window = MainWindow(workspace, QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat), runner, FakeEditor,
                        ScriptedPrompts())
    qtbot.addWidget(window)
    assert window.account_label.text() == f"{EMAIL} · Git Gateway (GitHub)"
    window.discard_and_close()
    workspace.backend.close()


def test_a_git_gateway_site_opens_after_an_external_provider_login_in_the_embedded_browser(
    site, login, tmp_path, app_home  # noqa: F811 - the fixture imported above
):
    config = write_config(tmp_path, site.url)
    when_dialog_shows(login, lambda dialog: dialog.provider_buttons["github"].click())

    workspace = open_site(SiteChoice("config", str(config)), AppDirs.under(app_home), login)

    assert workspace.user.login == EMAIL and workspace.backend.host == "github"
    assert [e.path for e in workspace.load_collection("posts")] == [POST]
    workspace.backend.close()


def test_a_stored_gateway_login_that_has_lapsed_is_renewed_without_asking(
    site, login, tmp_path, app_home  # noqa: F811 - the fixture imported above
):
    config = write_config(tmp_path, site.url)
    grant = site.grant(EMAIL)
    lapsed = Token(
        access_token=grant["access_token"], refresh_token=grant["refresh_token"], expires_at=1.0, method="gotrue"
    )
    login.service.store.save(site.url, "git-gateway", lapsed)

    workspace = open_site(SiteChoice("config", str(config)), AppDirs.under(app_home), login)

    assert login.dialogs.made == []
    assert workspace.user.login == EMAIL
    renewed = login.service.store.load(site.url, "git-gateway")
    assert renewed.access_token != grant["access_token"] and renewed.expires_at > 1.0
    workspace.backend.close()


def test_a_gateway_login_about_to_lapse_is_renewed_in_the_open_window_without_a_warning(
    site, login, tmp_path, app_home, runner, qtbot  # noqa: F811 - the fixture imported above
):
    import time

    from PySide6.QtCore import QSettings

    from editor_app.ui.main_window import MainWindow
    from editor_app.ui.site_login import attach_host_login
    from tests.ui.fakes import FakeEditor, ScriptedPrompts

    grant = site.grant(EMAIL)
    soon = Token(access_token=grant["access_token"], refresh_token=grant["refresh_token"], expires_at=time.time() + 480,
                 method="gotrue")
    login.service.store.save(site.url, "git-gateway", soon)
    workspace = open_site(SiteChoice("config", str(write_config(tmp_path, site.url))), AppDirs.under(app_home), login)
    window = MainWindow(workspace, QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat), runner, FakeEditor,
                        ScriptedPrompts())
    qtbot.addWidget(window)
    banner = attach_host_login(window, login.host, login.make_dialog)
    window.show()

    qtbot.waitUntil(lambda: login.host.session.token.access_token != grant["access_token"], timeout=10000)
    qtbot.waitUntil(lambda: banner.watcher.token is login.host.session.token, timeout=5000)
    assert banner.isHidden()
    assert login.service.store.load(site.url, "git-gateway").access_token == login.host.session.token.access_token
    window.discard_and_close()
    workspace.backend.close()


def test_the_login_dialog_offers_only_the_logins_the_sites_identity_has_turned_on(site, login, qtbot):  # noqa: F811 - the fixture imported above
    from editor_app.auth.target import LoginTarget

    site.external_providers = {"gitlab"}
    target = LoginTarget(backend="git-gateway", site=site.url, site_url=site.url)
    dialog = login.make_dialog(target, False, None)
    qtbot.waitUntil(lambda: dialog.provider_buttons["github"].isHidden(), timeout=5000)
    assert not dialog.provider_buttons["gitlab"].isHidden()
    assert dialog.provider_buttons["bitbucket"].isHidden() and dialog.provider_buttons["google"].isHidden()
    assert not dialog.password_button.isHidden()

    site.identity_email = False
    external_only = login.make_dialog(target, False, None)
    qtbot.waitUntil(lambda: external_only.password_button.isHidden(), timeout=5000)
    assert external_only.email_edit.isHidden() and not external_only.provider_buttons["gitlab"].isHidden()
