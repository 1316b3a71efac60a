"""GitLab and Gitea reading the site branch over Git like GitHub: each adapter's fake API and real
`git http-backend` serve one repository (the fake's GitStore mirrored into a bare repository), on one origin as
the hosts serve both; the token in each host's documented form; the API when Git refuses."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from editor_app.backends.base import Backend, BackendSettings, Credentials, FileChange
from editor_app.backends.gitea import GiteaBackend
from editor_app.backends.gitlab import GitLabBackend
from tests.backends.git.conftest import ServeHost, entry
from tests.fakes import gitea_factories, gitlab_factories
from tests.fakes.git_http import GitHttpServer, with_git

FILES = {f"content/posts/post-{i}.md": entry(i) for i in range(30)} | {"static/img/big.bin": b"\x89PNG" * 100_000}
POSTS = {p: d for p, d in FILES.items() if p.endswith(".md")}


@dataclass
class Host:
    name: str
    backend: type[Backend]
    make_fake: Callable[..., Any]
    settings: Callable[..., BackendSettings]
    token: str
    repo: str  # the repository's path on the host's web root


HOSTS = {
    "gitlab": Host("gitlab", GitLabBackend, gitlab_factories.make_fake_gitlab, gitlab_factories.settings,
                   gitlab_factories.GITLAB_TOKEN, gitlab_factories.PROJECT),
    "gitea": Host("gitea", GiteaBackend, gitea_factories.make_fake_gitea, gitea_factories.settings,
                  gitea_factories.GITEA_TOKEN, f"{gitea_factories.OWNER}/{gitea_factories.REPO}"),
}


@pytest.fixture(params=sorted(HOSTS))
def host(request: pytest.FixtureRequest) -> Host:
    return HOSTS[request.param]


@pytest.fixture
def fake(host: Host) -> Any:
    return host.make_fake(FILES)


@pytest.fixture
def git_server(host: Host, fake: Any, serve_host: ServeHost) -> GitHttpServer:
    return serve_host(host.name, store=fake.store, repo=f"{host.repo}.git", token=host.token)


@pytest.fixture
def connect(host: Host, fake: Any, git_server: GitHttpServer, tmp_path: Path) -> Iterator[Callable[..., Backend]]:
    """The adapter as the app builds it (`connect(..., read_cache=)`), its API and Git on one origin."""
    forward = httpx.Client(timeout=30.0)
    backends: list[Backend] = []

    def make(*, read_cache: Path | None = tmp_path / "cache") -> Backend:
        transport = httpx.MockTransport(with_git(fake, git_server, forward))
        backend = host.backend.connect(host.settings(), Credentials(host.token), transport=transport,
                                       read_cache=read_cache)
        backends.append(backend)
        return backend

    yield make
    for backend in backends:
        backend.close()
    forward.close()


def read_site(backend: Backend) -> tuple[str, dict[str, bytes]]:
    listing = backend.list_files("content/posts", extension="md")
    return listing.head, backend.read_files(listing.files)


def api_reads(fake: Any) -> list[str]:
    return [e.path for e in fake.log.matching(path_pattern=r"/tree|/blobs|/git/|graphql|/raw/|/archive/")]


def test_the_site_branch_is_read_over_git_in_three_requests_without_media_nor_api_reads(
    fake: Any, git_server: GitHttpServer, connect: Callable[..., Backend]
) -> None:
    backend = connect()
    fake.log.clear()

    head, contents = read_site(backend)

    assert contents == POSTS and head == fake.store.refs["heads/main"]
    assert [r.command for r in git_server.requests] == ["ls-refs", "fetch", "fetch"]
    assert all(r.status == 200 for r in git_server.requests)
    assert api_reads(fake) == []
    assert backend.read_route == "git" and backend.read_batch_hint >= 1000
    assert git_server.bytes_sent < 100_000  # the 400 kB image did not travel


def test_a_save_through_the_api_is_what_the_next_git_read_sees_blob_ids_equal(
    fake: Any, git_server: GitHttpServer, connect: Callable[..., Backend]
) -> None:
    backend = connect()
    read_site(backend)
    path = "content/posts/post-3.md"

    result = backend.commit([FileChange(path, entry(3, " Edited."))], "Edit post 3")
    listing = backend.list_files("content/posts", extension="md")

    assert listing.head == result.commit == fake.store.refs["heads/main"]
    assert {f.path: f.id for f in listing.files}[path] == result.ids[path]
    assert backend.read_files([f for f in listing.files if f.path == path]) == {path: entry(3, " Edited.")}
    assert backend.read_route == "git"


def test_a_git_endpoint_that_refuses_the_token_leaves_the_reads_to_the_api(
    fake: Any, git_server: GitHttpServer, connect: Callable[..., Backend]
) -> None:
    git_server.token = "some-other-token"

    head, contents = read_site(connect())

    assert contents == POSTS and head == fake.store.refs["heads/main"]
    assert [r.status for r in git_server.requests] == [401]
    assert connect().read_route == "git"  # a 401 may be an expired token: the next login tries Git again


def test_a_repository_git_does_not_know_is_remembered_as_read_through_the_api(
    fake: Any, git_server: GitHttpServer, connect: Callable[..., Backend]
) -> None:
    git_server.fault = "status:404"
    first = connect()
    assert read_site(first)[1] == POSTS and first.read_route == "api"
    git_server.reset_counts()

    again = connect()
    assert again.read_route == "api" and read_site(again)[1] == POSTS
    assert git_server.requests == []


def test_without_the_apps_read_cache_the_adapter_makes_no_git_request(
    fake: Any, git_server: GitHttpServer, connect: Callable[..., Backend]
) -> None:
    backend = connect(read_cache=None)

    assert read_site(backend)[1] == POSTS
    assert backend.read_route == "api" and git_server.requests == []


def test_the_git_request_carries_the_token_in_the_hosts_documented_form(
    host: Host, git_server: GitHttpServer, connect: Callable[..., Backend]
) -> None:
    read_site(connect())

    authorization = git_server.requests[0].authorization or ""
    user, _, password = base64.b64decode(authorization.removeprefix("Basic ")).decode().partition(":")
    # GitLab: `oauth2:<token>`; Gitea: any user, the token as password.
    assert password == host.token and (host.name != "gitlab" or user == "oauth2")


def test_a_change_pushed_elsewhere_just_after_an_open_is_seen_by_the_next_listing(
    fake: Any, git_server: GitHttpServer, connect: Callable[..., Any]
) -> None:
    backend = connect()
    read_site(backend)
    path = "content/posts/post-4.md"

    moved = fake.commit_files("main", {path: entry(4, " Changed elsewhere.")}, "Edit elsewhere")
    head, contents = read_site(backend)  # within seconds of the first open

    assert head == moved and contents[path] == entry(4, " Changed elsewhere.")
    assert backend.read_route == "git"
