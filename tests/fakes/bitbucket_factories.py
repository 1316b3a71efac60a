"""Contract-suite factories for the Bitbucket adapter (registered in tests/backends/conftest.py).

"bitbucket" runs BitbucketBackend over FakeBitbucket in process (httpx.MockTransport), "bitbucket-loopback"
over FakeBitbucket served on 127.0.0.1. The hosted variants make the fake answer as Bitbucket does: too
many requests is `429` with Bitbucket's JSON error ("Rate limit for this resource has been exceeded") and a
`Retry-After`, an expired token is `401` with "Access token expired. ..." in Bitbucket's error shape.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from editor_app.backends.base import Backend, BackendSettings, Credentials
from editor_app.backends.bitbucket import BitbucketBackend
from tests.fakes.bitbucket import EXPIRED_TOKEN_MESSAGE, RATE_LIMIT_MESSAGE, FakeBitbucket, error_body
from tests.fakes.git_store import GitStore

BITBUCKET_TOKEN = "bb-contract-token"
REPO = "garden/site"


def make_fake_bitbucket(files: Mapping[str, bytes], **kwargs: Any) -> FakeBitbucket:
    """A FakeBitbucket holding `files` on `main` of `garden/site`, accepting BITBUCKET_TOKEN as user `ada`."""
    fake = FakeBitbucket(GitStore(), repo=REPO, default_branch="main", tokens={BITBUCKET_TOKEN: "ada"}, **kwargs)
    fake.commit_files("main", dict(files), "Initial content")
    return fake


def settings(api_root: str | None = None, **kwargs: Any) -> BackendSettings:
    """The site's backend settings for the fake repository (branch `main`)."""
    kwargs.setdefault("branch", "main")
    return BackendSettings(name="bitbucket", repo=REPO, api_root=api_root, **kwargs)


@contextmanager
def make_bitbucket(tmp_path: Path, files: Mapping[str, bytes]) -> Iterator[Backend]:
    """BitbucketBackend over FakeBitbucket in process."""
    fake = make_fake_bitbucket(files)
    backend = BitbucketBackend.connect(settings(), Credentials(BITBUCKET_TOKEN), transport=httpx.MockTransport(fake))
    yield backend
    backend.close()


@contextmanager
def make_bitbucket_loopback(tmp_path: Path, files: Mapping[str, bytes]) -> Iterator[Backend]:
    """BitbucketBackend over FakeBitbucket served on 127.0.0.1 (`api_root` pointing there)."""
    from tests.fakes.server import serve

    fake = make_fake_bitbucket(files)
    with serve(fake) as url:
        backend = BitbucketBackend.connect(settings(url + "/2.0"), Credentials(BITBUCKET_TOKEN))
        yield backend
        backend.close()


def rate_limit_response(seconds: int) -> httpx.Response:
    """Bitbucket's answer to too many requests: 429 and its JSON error (plus when to come back)."""
    return httpx.Response(429, content=json.dumps(error_body(RATE_LIMIT_MESSAGE)).encode(), headers={
        "Content-Type": "application/json; charset=utf-8", "Retry-After": str(seconds)})


def expired_token_response() -> httpx.Response:
    """Bitbucket's answer to an expired OAuth access token."""
    return httpx.Response(401, content=json.dumps(error_body(EXPIRED_TOKEN_MESSAGE)).encode(), headers={
        "Content-Type": "application/json; charset=utf-8"})


def _hosted(fake: FakeBitbucket, clock: Any, backend_for: Any) -> Any:
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
def hosted_bitbucket(tmp_path: Path, files: Mapping[str, bytes], clock: Any) -> Iterator[Any]:
    """BitbucketBackend over FakeBitbucket in process, on a fake clock."""
    fake = make_fake_bitbucket(files)
    hosted = _hosted(fake, clock, lambda **kw: BitbucketBackend.connect(
        settings(), Credentials(BITBUCKET_TOKEN), transport=httpx.MockTransport(fake), **kw))
    yield hosted
    hosted.backend.close()


@contextmanager
def hosted_bitbucket_loopback(tmp_path: Path, files: Mapping[str, bytes], clock: Any) -> Iterator[Any]:
    """BitbucketBackend over FakeBitbucket served on 127.0.0.1, on a fake clock."""
    from tests.fakes.server import serve

    fake = make_fake_bitbucket(files)
    with serve(fake) as url:
        hosted = _hosted(fake, clock, lambda **kw: BitbucketBackend.connect(
            settings(url + "/2.0"), Credentials(BITBUCKET_TOKEN), **kw))
        yield hosted
        hosted.backend.close()
