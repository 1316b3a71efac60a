"""Contract-suite factories for the Azure DevOps adapter (registered in tests/backends/conftest.py).

"azure" runs AzureBackend over FakeAzure in process (httpx.MockTransport), "azure-loopback" over
FakeAzure served on 127.0.0.1 under a self-hosted `api_root` (an Azure DevOps Server collection URL).
The hosted variants make the fake answer as Azure DevOps does: too many requests is `429` with
`Retry-After` and Azure's `X-RateLimit-*` headers (the delay, the resource, the remaining TSTUs);
an expired or revoked token is `401` TF400813 with `WWW-Authenticate: Bearer`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from editor_app.backends.azure import AzureBackend
from editor_app.backends.base import Backend, BackendSettings, Credentials
from tests.fakes.azure import UNAUTHORIZED_MESSAGE, FakeAzure, error_body
from tests.fakes.git_store import GitStore

AZURE_TOKEN = "azure-contract-token"
ORG, PROJECT, REPO = "garden", "Website", "site"


def make_fake_azure(files: Mapping[str, bytes], **kwargs: Any) -> FakeAzure:
    """A FakeAzure holding `files` on `main` of `garden/Website/site`, accepting AZURE_TOKEN as ada@example.org."""
    fake = FakeAzure(GitStore(), org=ORG, project=PROJECT, repo=REPO, default_branch="main",
                     tokens={AZURE_TOKEN: "ada@example.org"}, **kwargs)
    fake.commit_files("main", dict(files), "Initial content")
    return fake


def settings(api_root: str | None = None, **kwargs: Any) -> BackendSettings:
    """The site's backend settings for the fake repository (branch `main`)."""
    kwargs.setdefault("branch", "main")
    return BackendSettings(name="azure", repo=f"{ORG}/{PROJECT}/{REPO}", api_root=api_root, **kwargs)


@contextmanager
def make_azure(tmp_path: Path, files: Mapping[str, bytes]) -> Iterator[Backend]:
    """AzureBackend over FakeAzure in process."""
    fake = make_fake_azure(files)
    backend = AzureBackend.connect(settings(), Credentials(AZURE_TOKEN), transport=httpx.MockTransport(fake))
    yield backend
    backend.close()


@contextmanager
def make_azure_loopback(tmp_path: Path, files: Mapping[str, bytes]) -> Iterator[Backend]:
    """AzureBackend over FakeAzure served on 127.0.0.1 (a self-hosted collection as `api_root`)."""
    from tests.fakes.server import serve

    fake = make_fake_azure(files, prefix="/tfs")
    with serve(fake) as url:
        backend = AzureBackend.connect(settings(url + "/tfs"), Credentials(AZURE_TOKEN))
        yield backend
        backend.close()


def rate_limit_response(seconds: int) -> httpx.Response:
    """Azure DevOps's answer to a user over its request budget: 429 with Retry-After and X-RateLimit-*."""
    return httpx.Response(429, content=json.dumps(error_body(
        "TF400733: The request has been throttled because the user exceeded the resource usage limits.",
        "RequestBlockedException")).encode(), headers={
        "Content-Type": "application/json; charset=utf-8", "Retry-After": str(seconds),
        "X-RateLimit-Resource": "Core", "X-RateLimit-Delay": "0.5", "X-RateLimit-Limit": "200",
        "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1750003600"})


def expired_token_response() -> httpx.Response:
    """Azure DevOps's answer to an expired or revoked Bearer token."""
    return httpx.Response(
        401,
        content=json.dumps(error_body(UNAUTHORIZED_MESSAGE, "UnauthorizedRequestException")).encode(),
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "WWW-Authenticate": "Bearer authorization_uri=https://login.microsoftonline.com/common",
        },
    )


def _hosted(fake: FakeAzure, clock: Any, backend_for: Any) -> Any:
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
def hosted_azure(tmp_path: Path, files: Mapping[str, bytes], clock: Any) -> Iterator[Any]:
    """AzureBackend over FakeAzure in process, on a fake clock."""
    fake = make_fake_azure(files)
    hosted = _hosted(fake, clock, lambda **kw: AzureBackend.connect(
        settings(), Credentials(AZURE_TOKEN), transport=httpx.MockTransport(fake), **kw))
    yield hosted
    hosted.backend.close()


@contextmanager
def hosted_azure_loopback(tmp_path: Path, files: Mapping[str, bytes], clock: Any) -> Iterator[Any]:
    """AzureBackend over FakeAzure served on 127.0.0.1, on a fake clock."""
    from tests.fakes.server import serve

    fake = make_fake_azure(files, prefix="/tfs")
    with serve(fake) as url:
        hosted = _hosted(
            fake, clock, lambda **kw: AzureBackend.connect(settings(url + "/tfs"), Credentials(AZURE_TOKEN), **kw)
        )
        yield hosted
        hosted.backend.close()
