"""Contract-suite factories for the GitLab adapter (registered in tests/backends/conftest.py).

"gitlab" runs GitLabBackend over FakeGitLab in process (httpx.MockTransport), "gitlab-loopback" over
FakeGitLab served on 127.0.0.1. The hosted variants make the fake answer as GitLab does: rate limits
are `429` with `Retry-After` and `RateLimit-*` headers and a plain-text body, an expired OAuth token is
`401 {"error": "invalid_token", ...}`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from editor_app.backends.base import Backend, BackendSettings, Credentials
from editor_app.backends.gitlab import GitLabBackend
from tests.fakes.git_store import GitStore
from tests.fakes.gitlab import EXPIRED_TOKEN_BODY, EXPIRED_TOKEN_CHALLENGE, FakeGitLab

GITLAB_TOKEN = "glpat-contract-token"
PROJECT = "group/sub/site"  # a subgroup: the project id is URL-encoded with every slash


def make_fake_gitlab(files: Mapping[str, bytes], **kwargs: Any) -> FakeGitLab:
    """A FakeGitLab holding `files` on `main` of `group/sub/site`, accepting GITLAB_TOKEN as user `ada`."""
    fake = FakeGitLab(GitStore(), project=PROJECT, default_branch="main", tokens={GITLAB_TOKEN: "ada"}, **kwargs)
    fake.commit_files("main", dict(files), "Initial content")
    return fake


def settings(api_root: str | None = None, **kwargs: Any) -> BackendSettings:
    """The site's backend settings for the fake project (branch `main`)."""
    return BackendSettings(name="gitlab", repo=PROJECT, branch="main", api_root=api_root, **kwargs)


@contextmanager
def make_gitlab(tmp_path: Path, files: Mapping[str, bytes]) -> Iterator[Backend]:
    """GitLabBackend over FakeGitLab in process."""
    fake = make_fake_gitlab(files)
    backend = GitLabBackend.connect(settings(), Credentials(GITLAB_TOKEN), transport=httpx.MockTransport(fake))
    yield backend
    backend.close()


@contextmanager
def make_gitlab_loopback(tmp_path: Path, files: Mapping[str, bytes]) -> Iterator[Backend]:
    """GitLabBackend over FakeGitLab served on 127.0.0.1 (a self-hosted `api_root`)."""
    from tests.fakes.server import serve

    fake = make_fake_gitlab(files)
    with serve(fake) as url:
        backend = GitLabBackend.connect(settings(url + "/api/v4"), Credentials(GITLAB_TOKEN))
        yield backend
        backend.close()


def rate_limit_response(clock: Any, seconds: int) -> httpx.Response:
    """GitLab's answer to too many requests (RackAttack): 429, Retry-After and RateLimit-* headers."""
    now = int(clock())
    return httpx.Response(429, content=b"Retry later\n", headers={
        "Content-Type": "text/plain", "Retry-After": str(seconds), "RateLimit-Limit": "2000",
        "RateLimit-Name": "throttle_authenticated_api", "RateLimit-Observed": "2001", "RateLimit-Remaining": "0",
        "RateLimit-Reset": str(now + seconds),
    })


def expired_token_response() -> httpx.Response:
    """GitLab's answer to an expired OAuth token."""
    return httpx.Response(401, content=json.dumps(EXPIRED_TOKEN_BODY).encode(), headers={
        "Content-Type": "application/json", "WWW-Authenticate": EXPIRED_TOKEN_CHALLENGE})


def _hosted(fake: FakeGitLab, clock: Any, backend_for: Any) -> Any:
    from tests.backends.conftest import Hosted

    fake.clock = clock.time
    fake.faults.clock = clock.time
    fake.faults.sleep = clock.sleep
    waits: list[tuple[float, str]] = []
    backend = backend_for(sleep=clock.sleep, clock=clock.time, on_wait=lambda at, why: waits.append((at, why)))
    return Hosted(
        backend=backend, faults=fake.faults, log=fake.log, waits=waits,
        rate_limit=lambda seconds, times: fake.faults.add(lambda _r: rate_limit_response(clock.time, seconds),
                                                          times=times),
        expire_token=lambda: fake.faults.add(lambda _r: expired_token_response(), times=None),
        site_head=lambda: fake.store.refs.get("heads/main"),
    )


@contextmanager
def hosted_gitlab(tmp_path: Path, files: Mapping[str, bytes], clock: Any) -> Iterator[Any]:
    """GitLabBackend over FakeGitLab in process, on a fake clock."""
    fake = make_fake_gitlab(files)
    hosted = _hosted(fake, clock, lambda **kw: GitLabBackend.connect(
        settings(), Credentials(GITLAB_TOKEN), transport=httpx.MockTransport(fake), **kw))
    yield hosted
    hosted.backend.close()


@contextmanager
def hosted_gitlab_loopback(tmp_path: Path, files: Mapping[str, bytes], clock: Any) -> Iterator[Any]:
    """GitLabBackend over FakeGitLab served on 127.0.0.1, on a fake clock."""
    from tests.fakes.server import serve

    fake = make_fake_gitlab(files)
    with serve(fake) as url:
        hosted = _hosted(fake, clock, lambda **kw: GitLabBackend.connect(
            settings(url + "/api/v4"), Credentials(GITLAB_TOKEN), **kw))
        yield hosted
        hosted.backend.close()
