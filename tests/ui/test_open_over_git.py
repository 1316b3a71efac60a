"""The app opening a GitHub site reads it over Git: the fake GitHub's API and real `git http-backend` serving the
same repository on one loopback origin, as github.com serves both; the site's object store in the app's cache."""

from __future__ import annotations

import httpx
import pytest
from PySide6.QtCore import QSettings

from editor_app.auth.tokens import Token
from editor_app.backends.github import GitHubBackend
from editor_app.paths import AppDirs
from editor_app.ui.main_window import MainWindow
from editor_app.ui.site_login import open_site
from editor_app.ui.start_dialog import SiteChoice
from tests.fakes.git_http import GitHttpServer, with_git
from tests.fakes.git_store import GitStore
from tests.fakes.github import FakeGitHub
from tests.fakes.server import serve
from tests.ui.fakes import FakeEditor, ScriptedPrompts
from tests.ui.test_login_wiring import SITE_URL, login, write_config  # noqa: F401  (login: a fixture)

POSTS = {f"content/posts/post-{i:03d}.md": f"---\ntitle: Post {i}\n---\nBody {i}.\n".encode() for i in range(25)}
IMAGE = ("static/images/hero.png", b"\x89PNG" * 200_000)


@pytest.fixture
def github(tmp_path):
    fake = FakeGitHub(GitStore(), owner="octo", repo="site", tokens={"good-token": "octo"})
    fake.commit_files("octo/site", "main", {**POSTS, IMAGE[0]: IMAGE[1]}, "Seed the site")
    git = GitHttpServer(tmp_path / "git-host", host="github", token="good-token", repo="octo/site.git",
                        store=fake.repos["octo/site"].store).start()
    forward = httpx.Client(timeout=30.0)
    try:
        with serve(with_git(fake, git, forward)) as url:
            fake.url, fake.git = url, git
            yield fake
    finally:
        forward.close()
        git.stop()


def test_the_app_opens_a_github_site_reading_it_over_git_and_reopens_it_with_one_git_request(
    github, login, tmp_path, app_home, qtbot, runner  # noqa: F811
):
    config = write_config(tmp_path, github.url)
    login.service.store.save(SITE_URL, "github", Token(access_token="good-token", method="pat"))
    dirs = AppDirs.under(app_home)
    github.log.clear()

    workspace = open_site(SiteChoice("config", str(config)), dirs, login)
    entries = workspace.load_collection("posts")

    assert isinstance(workspace.backend, GitHubBackend) and workspace.backend.read_route == "git"
    assert sorted(e.path for e in entries) == sorted(POSTS)
    assert [r.command for r in github.git.requests] == ["ls-refs", "fetch", "fetch"]
    assert github.git.bytes_sent < 200_000  # the 800 kB image did not travel
    assert not github.log.matching(path_pattern=r"/git/(trees|blobs)")  # nothing read twice by the API
    assert len(github.log.matching(path_pattern="graphql")) <= 1  # the login check alone, no batched blob reads
    assert workspace.backend.git_route.reader.store.path.is_relative_to(dirs.cache / "git")
    window = MainWindow(workspace, QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat), runner, FakeEditor,
                        ScriptedPrompts())
    qtbot.addWidget(window)
    assert window.route_label.text() == "Git"
    window.discard_and_close()
    workspace.close()
    workspace.backend.close()

    github.git.reset_counts()
    again = open_site(SiteChoice("config", str(config)), dirs, login)
    assert sorted(e.path for e in again.load_collection("posts")) == sorted(POSTS)
    assert [r.command for r in github.git.requests] == ["ls-refs"] and again.backend.read_route == "git"
    again.close()
    again.backend.close()


def test_a_github_host_whose_git_endpoint_refuses_the_token_is_read_through_the_api(
    github, login, tmp_path, app_home, qtbot, runner  # noqa: F811
):
    github.git.token = "another-token"  # Git refuses the login the API accepts (a token without Git access)
    config = write_config(tmp_path, github.url)
    login.service.store.save(SITE_URL, "github", Token(access_token="good-token", method="pat"))

    workspace = open_site(SiteChoice("config", str(config)), AppDirs.under(app_home), login)

    assert sorted(e.path for e in workspace.load_collection("posts")) == sorted(POSTS)
    assert workspace.backend.read_route == "api"
    assert [r.status for r in github.git.requests] == [401]
    window = MainWindow(workspace, QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat), runner, FakeEditor,
                        ScriptedPrompts())
    qtbot.addWidget(window)
    assert window.route_label.text() == "API"
    window.discard_and_close()
    workspace.close()
    workspace.backend.close()
