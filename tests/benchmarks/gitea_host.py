"""The Gitea host for tests/benchmarks/open_site.py: GiteaBackend against FakeGitea served on 127.0.0.1
by a spawned child process (tests/benchmarks/served.py), `latency_ms` added per request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any

from editor_app.backends.base import BackendSettings, Credentials
from tests.benchmarks.served import answer_commands, served_host

TOKEN = "gitea-benchmark-token"
OWNER, REPO = "o", "site"


def serve_fake_gitea(conn: Connection, files: dict[str, bytes], latency_ms: float) -> None:
    """Child process: seed FakeGitea, serve it on 127.0.0.1, answer the parent's commands until "stop"."""
    from tests.fakes.git_store import GitStore
    from tests.fakes.gitea import FakeGitea
    from tests.fakes.server import serve

    fake = FakeGitea(GitStore(), owner=OWNER, repo=REPO, default_branch="main", tokens={TOKEN: "o"})
    fake.commit_files("main", files, "Seed the site")
    if latency_ms:
        fake.faults.latency(latency_ms)
    with serve(fake) as url:
        answer_commands(conn, url, lambda: len(fake.log),
                        lambda path, data: fake.commit_files("main", {path: data}, "Edit elsewhere"))


@contextmanager
def gitea_host(entries: int, latency_ms: float) -> Iterator[Any]:
    """A HostUnderTest: GiteaBackend over a served FakeGitea holding `entries` posts (self-hosted api_root)."""
    from editor_app.backends.gitea import GiteaBackend
    from tests.benchmarks.open_site import seed_files

    def connect(url: str) -> Any:
        settings = BackendSettings(name="gitea", repo=f"{OWNER}/{REPO}", branch="main", api_root=url + "/api/v1")
        return GiteaBackend.connect(settings, Credentials(TOKEN))

    with served_host(serve_fake_gitea, (seed_files(entries), latency_ms), connect) as host:
        yield host
