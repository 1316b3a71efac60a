"""Opening a Git-host site runs its network work off the GUI thread, behind a busy dialog."""

from __future__ import annotations

import threading

import pytest

from editor_app.auth.tokens import Token
from editor_app.backends.github import GitHubBackend
from editor_app.errors import NetworkError
from editor_app.paths import AppDirs
from editor_app.ui.site_login import open_site, run_with_progress
from editor_app.ui.start_dialog import SiteChoice
from tests.ui.test_login_wiring import SITE_URL, github, login, write_config  # noqa: F401 - fixtures are used


def test_the_work_runs_on_a_worker_thread_and_its_result_comes_back(qtbot, runner):
    run = run_with_progress(runner)
    where = run("Opening…", lambda: threading.current_thread() is threading.main_thread())
    assert where is False


def test_the_works_error_is_raised_where_the_open_was_asked_for(qtbot, runner):
    run = run_with_progress(runner)

    def fail():
        raise NetworkError("could not reach the host")

    with pytest.raises(NetworkError, match="could not reach"):
        run("Opening…", fail)


def test_a_git_host_site_opens_through_the_progress_runner(github, login, tmp_path, app_home, runner):  # noqa: F811 - the fixture imported above
    config = write_config(tmp_path, github.url)
    login.service.store.save(SITE_URL, "github", Token(access_token="good-token", method="pat"))
    threads = []
    progress = run_with_progress(runner)
    login.run_blocking = lambda label, work: threads.append(label) or progress(label, work)

    workspace = open_site(SiteChoice("config", str(config)), AppDirs.under(app_home), login)

    assert isinstance(workspace.backend, GitHubBackend) and workspace.user.login == "octo"
    assert threads == ["Opening octo/site…"]
    workspace.backend.close()
