"""GitHubBackend reading the site branch over Git, falling back to its API on refusal, remembering, saying which."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from editor_app.backends.base import BackendSettings, Credentials, FileChange
from editor_app.backends.github import GitHubBackend, git_route_for, github_git_url
from tests.backends.conftest import GITHUB_TOKEN, make_fake_github
from tests.backends.git.conftest import ServeHost, entry
from tests.fakes.git_http import GitHttpServer
from tests.fakes.github import FakeGitHub

SETTINGS = BackendSettings(name="github", repo="o/r", branch="main")
FILES = {f"content/posts/post-{i}.md": entry(i) for i in range(30)} | {"static/img/big.bin": b"\x89PNG" * 100_000}


@pytest.fixture
def fake() -> FakeGitHub:
    return make_fake_github(FILES)


@pytest.fixture
def git_server(fake: FakeGitHub, serve_host: ServeHost) -> GitHttpServer:
    return serve_host("github", store=fake.repos["o/r"].store, repo="o/r.git", token=GITHUB_TOKEN)


@pytest.fixture
def connect(fake: FakeGitHub, tmp_path: Path) -> Iterator:  # type: ignore[type-arg]
    backends: list[GitHubBackend] = []

    def make(url: str, token: str = GITHUB_TOKEN) -> GitHubBackend:
        route = git_route_for(SETTINGS, Credentials(token), tmp_path / "cache", url=url)
        backend = GitHubBackend.connect(SETTINGS, Credentials(GITHUB_TOKEN), transport=httpx.MockTransport(fake),
                                        git_route=route)
        backends.append(backend)
        return backend

    yield make
    for backend in backends:
        backend.close()


def read_site(backend: GitHubBackend) -> dict[str, bytes]:
    backend.head()
    listing = backend.list_files("content/posts", extension="md")
    return backend.read_files(listing.files)


def test_the_site_branch_is_read_over_git_in_three_requests_and_none_to_the_api(
    fake: FakeGitHub, git_server: GitHttpServer, connect  # type: ignore[no-untyped-def]
) -> None:
    backend = connect(git_server.url)
    fake.log.clear()

    contents = read_site(backend)

    assert contents == {p: d for p, d in FILES.items() if p.endswith(".md")}
    assert [r.command for r in git_server.requests] == ["ls-refs", "fetch", "fetch"]
    assert len(fake.log) == 0
    assert backend.read_route == "git"
    assert git_server.bytes_sent < 100_000  # the 400 kB image did not travel


def test_reopening_unchanged_costs_one_git_request(fake: FakeGitHub, git_server: GitHttpServer,
                                                  connect) -> None:  # type: ignore[no-untyped-def]
    read_site(connect(git_server.url))
    git_server.reset_counts()
    fake.log.clear()

    backend = connect(git_server.url)
    assert backend.head() == fake.repos["o/r"].store.branch("main")
    backend.list_files("content/posts")

    assert [r.command for r in git_server.requests] == ["ls-refs"] and len(fake.log) == 0


def test_writes_stay_on_the_api_and_the_next_git_read_sees_them(fake: FakeGitHub, git_server: GitHttpServer,
                                                               connect) -> None:  # type: ignore[no-untyped-def]
    backend = connect(git_server.url)
    read_site(backend)

    result = backend.commit([FileChange("content/posts/post-3.md", data=entry(3, " saved"))], "Update post 3")
    git_server.reset_counts()
    listing = backend.list_files("content/posts")  # the head read before the commit is not reused

    assert listing.head == result.commit
    assert backend.read_files([f for f in listing.files if f.path.endswith("post-3.md")]) == {
        "content/posts/post-3.md": entry(3, " saved")
    }
    assert [r.command for r in git_server.requests] == ["ls-refs", "fetch", "fetch"]


@pytest.mark.parametrize(("refusal", "remembered"), [("token", False), ("missing", True), ("forbidden", True)])
def test_a_refused_git_endpoint_falls_back_to_the_api_once(
    refusal: str, remembered: bool, fake: FakeGitHub, git_server: GitHttpServer, connect  # type: ignore[no-untyped-def]
) -> None:
    url = git_server.url.replace("o/r.git", "o/other.git") if refusal == "missing" else git_server.url
    token = "not-the-token" if refusal == "token" else GITHUB_TOKEN
    if refusal == "forbidden":
        git_server.fault = "status:403"
    backend = connect(url, token)

    contents = read_site(backend)

    assert contents == {p: d for p, d in FILES.items() if p.endswith(".md")}
    assert backend.read_route == "api" and backend.git_route is not None
    assert [r.status for r in git_server.requests] == [{"token": 401, "missing": 404, "forbidden": 403}[refusal]]
    assert fake.log.count("GET", r"/git/trees/") == 1  # listed once, by the API only
    git_server.reset_counts()

    again = connect(url, token)  # a new session over the same cache
    read_site(again)
    assert again.read_route == "api"
    # 403/404 are remembered for the site; a 401 may be an expired token, so the next session tries Git again.
    assert len(git_server.requests) == (0 if remembered else 1)


def test_github_git_addresses() -> None:
    assert github_git_url("https://api.github.com", "o/r") == "https://github.com/o/r.git"
    assert github_git_url("https://ghe.example.org/api/v3/", "o/r") == "https://ghe.example.org/o/r.git"


def test_a_workspace_opens_a_large_collection_over_git_in_three_requests(
    fake: FakeGitHub, git_server: GitHttpServer, connect, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    from editor_app.config.loader import parse_config_text
    from editor_app.workspace.cache import ContentCache
    from editor_app.workspace.journal import DraftsJournal
    from editor_app.workspace.workspace import Workspace

    many = {f"content/many/e-{i:05d}.md": entry(i) for i in range(1_500)}  # more than one API read batch
    fake.commit_files("o/r", "main", dict(many), "Many entries")
    site = parse_config_text(
        "backend: {name: github, repo: o/r, branch: main}\nmedia_folder: static/img\n"
        "collections:\n  - {name: many, label: Many, folder: content/many, extension: md,"
        " fields: [{name: title, label: Title}]}\n"
    )
    backend = connect(git_server.url)
    workspace = Workspace(backend, site, ContentCache(tmp_path / "content-cache"), DraftsJournal(tmp_path / "drafts"))
    workspace.open()
    git_server.reset_counts()
    fake.log.clear()

    loaded = workspace.load_collection("many")

    assert len(loaded) == 1_500
    assert [r.command for r in git_server.requests] == ["fetch"]  # the head and trees came with open()
    assert len(fake.log) == 0


def test_reopening_an_unchanged_site_over_git_is_one_git_request_and_none_to_the_api(
    fake: FakeGitHub, git_server: GitHttpServer, connect, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    from editor_app.config.loader import parse_config_text
    from editor_app.workspace.cache import ContentCache
    from editor_app.workspace.journal import DraftsJournal
    from editor_app.workspace.workspace import Workspace

    site = parse_config_text(
        "backend: {name: github, repo: o/r, branch: main}\nmedia_folder: static/img\n"
        "collections:\n  - {name: posts, label: Posts, folder: content/posts, extension: md,"
        " fields: [{name: title, label: Title}]}\n"
    )
    cache = ContentCache(tmp_path / "content-cache")

    def session() -> Workspace:  # a new session: a new adapter over the same caches, opened, the posts loaded
        workspace = Workspace(connect(git_server.url), site, cache, DraftsJournal(tmp_path / "drafts"))
        workspace.open()
        assert len(workspace.load_collection("posts")) == 30
        return workspace

    first = session()
    git_server.reset_counts()
    fake.log.clear()
    again = session()
    assert [r.command for r in git_server.requests] == ["ls-refs"] and len(fake.log) == 0
    assert again.user == first.user and again.head() == first.head()
