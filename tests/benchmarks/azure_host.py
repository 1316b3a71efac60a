"""The Azure DevOps host for tests/benchmarks/open_site.py: AzureBackend against FakeAzure served on 127.0.0.1
by a spawned child process (tests/benchmarks/served.py), `latency_ms` added per request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any

from editor_app.backends.base import BackendSettings, Credentials
from tests.benchmarks.served import answer_commands, served_host

TOKEN = "azure-benchmark-token"
ORG, PROJECT, REPO = "o", "p", "site"
PREFIX = "/tfs"  # a self-hosted collection URL as api_root


def serve_fake_azure(conn: Connection, files: dict[str, bytes], latency_ms: float) -> None:
    """Child process: seed FakeAzure, serve it on 127.0.0.1, answer the parent's commands until "stop"."""
    from tests.fakes.azure import FakeAzure
    from tests.fakes.git_store import GitStore
    from tests.fakes.server import serve

    fake = FakeAzure(GitStore(), org=ORG, project=PROJECT, repo=REPO, default_branch="main",
                     tokens={TOKEN: "o@example.org"}, prefix=PREFIX)
    fake.commit_files("main", files, "Seed the site")
    if latency_ms:
        fake.faults.latency(latency_ms)
    with serve(fake) as url:
        answer_commands(conn, url, lambda: len(fake.log),
                        lambda path, data: fake.commit_files("main", {path: data}, "Edit elsewhere"))


@contextmanager
def azure_host(entries: int, latency_ms: float) -> Iterator[Any]:
    """A HostUnderTest: AzureBackend over a served FakeAzure holding `entries` posts (self-hosted api_root)."""
    from editor_app.backends.azure import AzureBackend
    from tests.benchmarks.open_site import seed_files

    def connect(url: str) -> Any:
        settings = BackendSettings(name="azure", repo=f"{ORG}/{PROJECT}/{REPO}", branch="main", api_root=url + PREFIX)
        return AzureBackend.connect(settings, Credentials(TOKEN))

    with served_host(serve_fake_azure, (seed_files(entries), latency_ms), connect) as host:
        yield host
