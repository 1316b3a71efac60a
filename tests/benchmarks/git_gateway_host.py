"""The Git Gateway hosts for tests/benchmarks/open_site.py: GitGatewayBackend against FakeGitGateway (with the
GitHub, GitLab or Bitbucket fake behind it) served on 127.0.0.1 by a spawned child process, `latency_ms`
added per request at the gateway. Requests are counted at the gateway (identity calls included)."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any

from editor_app.backends.base import Credentials


def serve_fake_gateway(conn: Connection, host: str, files: dict[str, bytes], latency_ms: float) -> None:
    """Child process: seed the site, serve it on 127.0.0.1, answer the parent's commands until "stop"."""
    from tests.fakes.git_gateway_factories import REPOS, make_fake_gateway
    from tests.fakes.server import serve

    gateway = make_fake_gateway(host, files)
    if host == "github":
        gateway.host_fake.rate_limit = 1_000_000
    if latency_ms:
        gateway.faults.latency(latency_ms)
    with serve(gateway) as url:
        conn.send((url, gateway.grant("ed@example.org")))
        while True:
            command, *args = conn.recv()
            if command == "answered":
                conn.send(len(gateway.log))
            elif command == "change":
                if host == "github":
                    gateway.host_fake.commit_files(REPOS[host], "main", {args[0]: args[1]}, "Edit elsewhere")
                else:
                    gateway.host_fake.commit_files("main", {args[0]: args[1]}, "Edit elsewhere")
                conn.send(True)
            else:
                conn.send(True)
                return


def gateway_host(host: str) -> Callable[[int, float], Any]:
    """A HostUnderTest factory for a site whose gateway fronts `host`."""

    @contextmanager
    def factory(entries: int, latency_ms: float) -> Iterator[Any]:
        from editor_app.backends import BACKENDS
        from tests.benchmarks.open_site import HostUnderTest, seed_files
        from tests.fakes.git_gateway_factories import settings

        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(target=serve_fake_gateway, args=(child, host, seed_files(entries), latency_ms),
                                  daemon=True)
        process.start()
        lock = threading.Lock()

        def ask(*command: Any) -> Any:
            with lock:
                parent.send(command)
                return parent.recv()

        try:
            url, grant = parent.recv()
            credentials = Credentials(grant["access_token"], grant["refresh_token"])
            backend = BACKENDS["git-gateway"].connect(settings(url), credentials)
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

    return factory
