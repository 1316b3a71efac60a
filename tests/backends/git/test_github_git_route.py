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


@pytest.mark.parametrize("refusal", ["token", "missing"])
def test_a_refused_git_endpoint_falls_back_to_the_api_once_and_is_remembered(
    refusal: str, fake: FakeGitHub, git_server: GitHttpServer, connect  # type: ignore[no-untyped-def]
) -> None:
    url = git_server.url if refusal == "token" else git_server.url.replace("o/r.git", "o/other.git")
    token = "not-the-token" if refusal == "token" else GITHUB_TOKEN
    backend = connect(url, token)

    contents = read_site(backend)

    assert contents == {p: d for p, d in FILES.items() if p.endswith(".md")}
    assert backend.read_route == "api" and backend.git_route is not None
    assert [r.status for r in git_server.requests] == [401 if refusal == "token" else 404]
    assert fake.log.count("GET", r"/git/trees/") == 1  # listed once, by the API only
    git_server.reset_counts()

    again = connect(url, token)  # a new session: the choice is remembered for the site
    read_site(again)
    assert again.read_route == "api" and git_server.requests == []


def test_github_git_addresses() -> None:
    assert github_git_url("https://api.github.com", "o/r") == "https://github.com/o/r.git"
    assert github_git_url("https://ghe.example.org/api/v3/", "o/r") == "https://ghe.example.org/o/r.git"
