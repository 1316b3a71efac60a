"""The start dialog's way to Git-host sites: opening a config.yml, recent sites that remember their host and
repository, and the app's SiteLogin (real dialogs, the local-server question)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from editor_app.auth.target import LoginTarget
from editor_app.auth.tokens import Token
from editor_app.paths import AppDirs
from editor_app.ui.login_dialog import LoginDialog
from editor_app.ui.site_login import make_site_login, open_site
from editor_app.ui.start_dialog import RECENT_KEY, RecentSites, SiteChoice, StartDialog
from tests.ui.test_login_wiring import SITE_URL, github, write_config  # noqa: F401 - the fixture is used

GITHUB_SITE = SiteChoice("config", "/sites/blog/static/admin/config.yml", "github", "octo/site")


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def test_open_a_sites_config_leads_to_that_config(qtbot, settings, monkeypatch, tmp_path):
    config = tmp_path / "config.yml"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (str(config), "Decap CMS config (*.yml *.yaml)"))
    dialog = StartDialog(RecentSites(settings))
    qtbot.addWidget(dialog)

    assert dialog.config_button.text() == "Open a site's config.yml…"
    with qtbot.waitSignal(dialog.site_chosen) as signal:
        dialog.config_button.click()

    assert signal.args == [SiteChoice("config", str(config))] and dialog.chosen == SiteChoice("config", str(config))


def test_recent_git_host_sites_show_their_repository_and_host(qtbot, settings):
    recent = RecentSites(settings)
    recent.remember(SiteChoice("sandbox"))
    recent.remember(GITHUB_SITE)
    dialog = StartDialog(recent)
    qtbot.addWidget(dialog)

    assert dialog.recent_list.item(0).text() == "octo/site (GitHub) — /sites/blog/static/admin/config.yml"
    assert dialog.recent_list.item(1).text() == "Sandbox (sample site)"


def test_a_site_is_listed_once_whether_or_not_its_host_is_known_yet(settings):
    recent = RecentSites(settings)
    recent.remember(SiteChoice("config", GITHUB_SITE.path))  # chosen in the start dialog, before the login
    recent.remember(GITHUB_SITE)  # opened: the app now knows backend and repository

    assert recent.load() == [GITHUB_SITE]


def test_recent_sites_written_by_an_earlier_version_still_load(settings):
    settings.setValue(RECENT_KEY, ["config:/sites/old/config.yml", "local:/sites/garden", "ftp:/nope", "{not json"])

    assert RecentSites(settings).load() == [
        SiteChoice("config", "/sites/old/config.yml"),
        SiteChoice("local", "/sites/garden"),
    ]


def test_reopening_a_recent_git_host_site_uses_the_stored_token_without_asking(
    qtbot, settings, github, tmp_path, app_home, runner  # noqa: F811 - the fixture imported above
):
    config = write_config(tmp_path, github.url)
    recent = RecentSites(settings)
    recent.remember(SiteChoice("config", str(config), "github", "octo/site"))
    login = make_site_login(runner, settings)
    login.service.store.save(SITE_URL, "github", Token(access_token="good-token", method="pat"))
    made: list[object] = []
    make_dialog = login.make_dialog
    login.make_dialog = lambda *args: made.append(args) or make_dialog(*args)
    dialog = StartDialog(recent)
    qtbot.addWidget(dialog)
    dialog.open_button.click()

    workspace = open_site(dialog.chosen, AppDirs.under(app_home), login)

    assert made == [] and workspace.user.login == "octo"
    assert login.opened == SiteChoice("config", str(config), "github", "octo/site")
    workspace.backend.close()
    login.service.close()


def test_the_apps_login_dialogs_are_real_and_know_a_relogin(qtbot, settings, runner):
    login = make_site_login(runner, settings)
    target = LoginTarget(backend="github", site=SITE_URL, repo="octo/site", site_url=SITE_URL)

    first = login.make_dialog(target, False, None)
    again = login.make_dialog(target, True, None)
    for dialog in (first, again):
        qtbot.addWidget(dialog)

    assert isinstance(first, LoginDialog) and not first.sandbox_button.isHidden()
    assert again.sandbox_button.isHidden() and "expired" in again.status_label.text()
    for dialog in (first, again):
        dialog.dispose()
    login.service.close()


@pytest.mark.parametrize(("button", "expected"), [("Use the local server", True), ("Log in to the Git host", False)])
def test_the_local_server_question_offers_the_server_or_the_login(qtbot, settings, runner, button, expected):
    login = make_site_login(runner, settings)
    seen: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        seen.append(box.text())
        next(b for b in box.buttons() if b.text() == button).click()

    QTimer.singleShot(0, answer)
    assert login.ask_local_server("http://localhost:8081/api/v1", {"repo": "blog"}) is expected
    assert seen == ["A local Decap server answers at http://localhost:8081/api/v1 for blog."]
    login.service.close()


def test_a_config_not_opened_yet_is_named_after_its_sites_folder():
    assert (
        SiteChoice("config", "/sites/blog/static/admin/config.yml").label
        == "blog — /sites/blog/static/admin/config.yml"
    )
    assert SiteChoice("config", "/sites/docs/config.yml").label == "docs — /sites/docs/config.yml"
