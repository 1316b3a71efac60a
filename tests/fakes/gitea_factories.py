"""Contract-suite factories for the Gitea adapter (registered in tests/backends/conftest.py).

"gitea" runs GiteaBackend over FakeGitea in process (httpx.MockTransport), "gitea-loopback" over
FakeGitea served on 127.0.0.1 under a self-hosted `api_root`. The hosted variants make the fake answer
as a Gitea server does: Gitea has no request limiter of its own, so a rate limit is what the proxy in
front of a public instance (Codeberg, gitea.com) sends, `429` with `Retry-After` and a plain-text body;
an expired or revoked token is `401 {"message": "user does not exist [uid: 0, name: ]", "url": ...}`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from editor_app.backends.base import Backend, BackendSettings, Credentials
from editor_app.backends.gitea import GiteaBackend
from tests.fakes.git_store import GitStore
from tests.fakes.gitea import INVALID_TOKEN_MESSAGE, WEB, FakeGitea

GITEA_TOKEN = "gitea-contract-token"
OWNER, REPO = "garden", "site"


def make_fake_gitea(files: Mapping[str, bytes], **kwargs: Any) -> FakeGitea:
    """A FakeGitea holding `files` on `main` of `garden/site`, accepting GITEA_TOKEN as user `ada`."""
    fake = FakeGitea(GitStore(), owner=OWNER, repo=REPO, default_branch="main", tokens={GITEA_TOKEN: "ada"}, **kwargs)
    fake.commit_files("main", dict(files), "Initial content")
    return fake


def settings(api_root: str | None = None, **kwargs: Any) -> BackendSettings:
    """The site's backend settings for the fake repository (branch `main`)."""
    kwargs.setdefault("branch", "main")
    return BackendSettings(name="gitea", repo=f"{OWNER}/{REPO}", api_root=api_root, **kwargs)


@contextmanager
def make_gitea(tmp_path: Path, files: Mapping[str, bytes]) -> Iterator[Backend]:
    """GiteaBackend over FakeGitea in process."""
    fake = make_fake_gitea(files)
    backend = GiteaBackend.connect(settings(), Credentials(GITEA_TOKEN), transport=httpx.MockTransport(fake))
    yield backend
    backend.close()


@contextmanager
def make_gitea_loopback(tmp_path: Path, files: Mapping[str, bytes]) -> Iterator[Backend]:
    """GiteaBackend over FakeGitea served on 127.0.0.1 (a self-hosted `api_root`)."""
    from tests.fakes.server import serve

    fake = make_fake_gitea(files)
    with serve(fake) as url:
        backend = GiteaBackend.connect(settings(url + "/api/v1"), Credentials(GITEA_TOKEN))
        yield backend
        backend.close()


def rate_limit_response(seconds: int) -> httpx.Response:
    """The answer of the proxy in front of a public Gitea to too many requests: 429 with Retry-After."""
    return httpx.Response(429, content=b"Too Many Requests\n",
                          headers={"Content-Type": "text/plain; charset=utf-8", "Retry-After": str(seconds)})


def expired_token_response() -> httpx.Response:
    """Gitea's answer to a token it cannot resolve (expired OAuth access token, revoked personal token)."""
    return httpx.Response(
        401,
        content=json.dumps({"message": INVALID_TOKEN_MESSAGE, "url": f"{WEB}/api/swagger"}).encode(),
        headers={"Content-Type": "application/json;charset=utf-8"},
    )


def _hosted(fake: FakeGitea, clock: Any, backend_for: Any) -> Any:
    from tests.backends.conftest import Hosted

    fake.clock = clock.time
    fake.faults.clock = clock.time
    fake.faults.sleep = clock.sleep
    waits: list[tuple[float, str]] = []
    backend = backend_for(sleep=clock.sleep, clock=clock.time, on_wait=lambda at, why: waits.append((at, why)))
    return Hosted(
        backend=backend, faults=fake.faults, log=fake.log, waits=waits,
        rate_limit=lambda seconds, times: fake.faults.add(lambda _r: rate_limit_response(seconds), times=times),
        expire_token=lambda: fake.faults.add(lambda _r: expired_token_response(), times=None),
        site_head=lambda: fake.store.refs.get("heads/main"),
    )


@contextmanager
def hosted_gitea(tmp_path: Path, files: Mapping[str, bytes], clock: Any) -> Iterator[Any]:
    """GiteaBackend over FakeGitea in process, on a fake clock."""
    fake = make_fake_gitea(files)
    hosted = _hosted(fake, clock, lambda **kw: GiteaBackend.connect(
        settings(), Credentials(GITEA_TOKEN), transport=httpx.MockTransport(fake), **kw))
    yield hosted
    hosted.backend.close()


@contextmanager
def hosted_gitea_loopback(tmp_path: Path, files: Mapping[str, bytes], clock: Any) -> Iterator[Any]:
    """GiteaBackend over FakeGitea served on 127.0.0.1, on a fake clock."""
    from tests.fakes.server import serve

    fake = make_fake_gitea(files)
    with serve(fake) as url:
        hosted = _hosted(fake, clock, lambda **kw: GiteaBackend.connect(
            settings(url + "/api/v1"), Credentials(GITEA_TOKEN), **kw))
        yield hosted
        hosted.backend.close()
