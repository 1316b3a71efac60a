"""The Git Gateway hosts for tests/benchmarks/open_site.py: GitGatewayBackend against FakeGitGateway (with the
GitHub, GitLab or Bitbucket fake behind it) served on 127.0.0.1 by a spawned child process
(tests/benchmarks/served.py), `latency_ms` added per request at the gateway. Requests are counted at the
gateway (identity calls included)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any

from editor_app.backends.base import Credentials
from tests.benchmarks.served import answer_commands, served_host


def serve_fake_gateway(conn: Connection, host: str, files: dict[str, bytes], latency_ms: float) -> None:
    """Child process: seed the site, serve it on 127.0.0.1, answer the parent's commands until "stop"."""
    from tests.fakes.git_gateway_factories import REPOS, make_fake_gateway
    from tests.fakes.server import serve

    gateway = make_fake_gateway(host, files)
    if host == "github":
        gateway.host_fake.rate_limit = 1_000_000

    def change(path: str, data: bytes) -> None:
        where = (REPOS[host], "main") if host == "github" else ("main",)
        gateway.host_fake.commit_files(*where, {path: data}, "Edit elsewhere")

    if latency_ms:
        gateway.faults.latency(latency_ms)
    with serve(gateway) as url:
        answer_commands(conn, (url, gateway.grant("ed@example.org")), lambda: len(gateway.log), change)


def gateway_host(host: str) -> Callable[[int, float], Any]:
    """A HostUnderTest factory for a site whose gateway fronts `host`."""

    @contextmanager
    def factory(entries: int, latency_ms: float) -> Iterator[Any]:
        from editor_app.backends import BACKENDS
        from tests.benchmarks.open_site import seed_files
        from tests.fakes.git_gateway_factories import settings

        def connect(greeting: tuple[str, dict[str, Any]]) -> Any:
            url, grant = greeting
            return BACKENDS["git-gateway"].connect(
                settings(url), Credentials(grant["access_token"], grant["refresh_token"])
            )

        with served_host(serve_fake_gateway, (host, seed_files(entries), latency_ms), connect) as served:
            yield served

    return factory
