"""The Azure DevOps host for tests/benchmarks/open_site.py: AzureBackend against FakeAzure served on 127.0.0.1
by a spawned child process (like a real host on another machine), `latency_ms` added per request."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any

from editor_app.backends.base import BackendSettings, Credentials

TOKEN = "azure-benchmark-token"
ORG, PROJECT, REPO = "o", "p", "site"
PREFIX = "/tfs"  # a self-hosted collection URL as api_root


def serve_fake_azure(conn: Connection, files: dict[str, bytes], latency_ms: float) -> None:
    """Child process: seed FakeAzure, serve it on 127.0.0.1, answer the parent's commands until "stop"."""
    from tests.fakes.git_store import GitStore
    from tests.fakes.azure import FakeAzure
    from tests.fakes.server import serve

    fake = FakeAzure(GitStore(), org=ORG, project=PROJECT, repo=REPO, default_branch="main",
                     tokens={TOKEN: "o@example.org"}, prefix=PREFIX)
    fake.commit_files("main", files, "Seed the site")
    if latency_ms:
        fake.faults.latency(latency_ms)
    with serve(fake) as url:
        conn.send(url)
        while True:
            command, *args = conn.recv()
            if command == "answered":
                conn.send(len(fake.log))
            elif command == "change":
                fake.commit_files("main", {args[0]: args[1]}, "Edit elsewhere")
                conn.send(True)
            else:
                conn.send(True)
                return


@contextmanager
def azure_host(entries: int, latency_ms: float) -> Iterator[Any]:
    """A HostUnderTest: AzureBackend over a served FakeAzure holding `entries` posts (self-hosted api_root)."""
    from editor_app.backends.azure import AzureBackend
    from tests.benchmarks.open_site import HostUnderTest, seed_files

    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=serve_fake_azure, args=(child, seed_files(entries), latency_ms), daemon=True)
    process.start()
    lock = threading.Lock()

    def ask(*command: Any) -> Any:
        with lock:
            parent.send(command)
            return parent.recv()

    try:
        url = parent.recv()
        settings = BackendSettings(name="azure", repo=f"{ORG}/{PROJECT}/{REPO}", branch="main", api_root=url + PREFIX)
        backend = AzureBackend.connect(settings, Credentials(TOKEN))
        try:
            yield HostUnderTest(
                backend=backend,
                answered=lambda: ask("answered"),
                change_file=lambda path, data: ask("change", path, data),
            )
        finally:
            backend.close()
            ask("stop")
    finally:
        process.join(timeout=10)
        if process.is_alive():
            process.terminate()  # only this benchmark's own child, by its handle
            process.join(timeout=5)
