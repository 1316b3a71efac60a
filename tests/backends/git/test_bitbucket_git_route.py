"""Bitbucket reading the site branch over Git: no partial clone there, so one whole-tree depth-1 fetch when the
repository (its size asked once from the API) is under the bound, the API above it or when Git refuses. The fake
Bitbucket's API and real `git http-backend` (v1, no filters) serve one repository."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from editor_app.backends.base import Credentials, FileChange
from editor_app.backends.bitbucket import BitbucketBackend
from editor_app.backends.git import ROUTE_API
from tests.backends.git.conftest import ServeHost, entry
from tests.fakes.bitbucket import FakeBitbucket
from tests.fakes.bitbucket_factories import BITBUCKET_TOKEN, REPO, make_fake_bitbucket, settings
from tests.fakes.git_http import GitHttpServer, with_git

FILES = {f"content/posts/post-{i}.md": entry(i) for i in range(30)} | {"static/img/small.bin": b"\x89PNG" * 5_000}
POSTS = {p: d for p, d in FILES.items() if p.endswith(".md")}


@pytest.fixture
def fake() -> FakeBitbucket:
    return make_fake_bitbucket(FILES)


@pytest.fixture
def git_server(fake: FakeBitbucket, serve_host: ServeHost) -> GitHttpServer:
    return serve_host("bitbucket", store=fake.store, repo=f"{REPO}.git", token=BITBUCKET_TOKEN)


@pytest.fixture
def connect(
    fake: FakeBitbucket, git_server: GitHttpServer, tmp_path: Path
) -> Iterator[Callable[..., BitbucketBackend]]:
    forward = httpx.Client(timeout=30.0)
    backends: list[BitbucketBackend] = []

    def make(*, read_cache: Path | None = tmp_path / "cache") -> BitbucketBackend:
        transport = httpx.MockTransport(with_git(fake, git_server, forward))
        backend = BitbucketBackend.connect(settings(), Credentials(BITBUCKET_TOKEN), transport=transport,
                                           read_cache=read_cache)
        backends.append(backend)
        return backend

    yield make
    for backend in backends:
        backend.close()
    forward.close()


def read_site(backend: BitbucketBackend) -> tuple[str, dict[str, bytes]]:
    listing = backend.list_files("content/posts", extension="md")
    return listing.head, backend.read_files(listing.files)


def api_reads(fake: FakeBitbucket) -> list[str]:
    return [e.path for e in fake.log.matching(path_pattern=r"/src/|/diffstat/")]


def test_a_small_repository_is_read_in_one_whole_tree_fetch_after_one_size_request(
    fake: FakeBitbucket, git_server: GitHttpServer, connect: Callable[..., BitbucketBackend]
) -> None:
    backend = connect()
    fake.log.clear()

    head, contents = read_site(backend)

    assert contents == POSTS and head == fake.store.refs["heads/main"]
    assert [r.command for r in git_server.requests] == ["info/refs", "upload-pack"]
    assert [r.deepen for r in git_server.requests] == ["", "deepen"]
    assert api_reads(fake) == [] and len(fake.log) == 2  # the repository's size and the branch head
    assert backend.read_route == "git"
    authorization = git_server.requests[0].authorization or ""
    assert base64.b64decode(authorization.removeprefix("Basic ")).decode() == f"x-token-auth:{BITBUCKET_TOKEN}"


def test_a_save_through_the_api_is_what_the_next_git_read_sees(
    fake: FakeBitbucket, git_server: GitHttpServer, connect: Callable[..., BitbucketBackend]
) -> None:
    backend = connect()
    read_site(backend)
    path = "content/posts/post-3.md"

    result = backend.commit([FileChange(path, entry(3, " Edited."))], "Edit post 3")
    listing = backend.list_files("content/posts", extension="md")

    assert listing.head == result.commit == fake.store.refs["heads/main"]
    assert {f.path: f.id for f in listing.files}[path] == result.ids[path]
    assert backend.read_files([f for f in listing.files if f.path == path]) == {path: entry(3, " Edited.")}


def test_a_repository_over_the_bound_is_read_through_the_api_without_a_git_fetch(
    fake: FakeBitbucket, git_server: GitHttpServer, connect: Callable[..., BitbucketBackend],
) -> None:
    backend = connect()
    backend._size = 10 * 1024 ** 3  # what the API said of a repository with 10 GiB of history

    head, contents = read_site(backend)

    assert contents == POSTS and head == fake.store.refs["heads/main"]
    assert backend.read_route == ROUTE_API
    assert "upload-pack" not in [r.command for r in git_server.requests]


def test_a_refused_token_leaves_the_reads_to_the_api(
    fake: FakeBitbucket, git_server: GitHttpServer, connect: Callable[..., BitbucketBackend]
) -> None:
    git_server.token = "another-token"

    backend = connect()
    assert read_site(backend)[1] == POSTS
    assert backend.read_route == ROUTE_API and [r.status for r in git_server.requests] == [401]


def test_without_the_apps_read_cache_no_git_request_is_made(
    git_server: GitHttpServer, connect: Callable[..., BitbucketBackend]
) -> None:
    backend = connect(read_cache=None)
    assert read_site(backend)[1] == POSTS and backend.read_route == "api" and git_server.requests == []


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
