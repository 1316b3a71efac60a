"""The GitLab host for tests/benchmarks/open_site.py: GitLabBackend against FakeGitLab served on 127.0.0.1
by a spawned child process (tests/benchmarks/served.py), `latency_ms` added per request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any

from editor_app.backends.base import BackendSettings, Credentials
from tests.benchmarks.served import answer_commands, served_host

TOKEN = "glpat-benchmark-token"
PROJECT = "o/site"


def serve_fake_gitlab(conn: Connection, files: dict[str, bytes], latency_ms: float) -> None:
    """Child process: seed FakeGitLab, serve it on 127.0.0.1, answer the parent's commands until "stop"."""
    from tests.fakes.git_store import GitStore
    from tests.fakes.gitlab import FakeGitLab
    from tests.fakes.gitlab_graphql import gitlab_schema
    from tests.fakes.server import serve

    fake = FakeGitLab(GitStore(), project=PROJECT, default_branch="main", tokens={TOKEN: "o"})
    fake.commit_files("main", files, "Seed the site")
    gitlab_schema()  # built once up front, as a real server has it ready
    if latency_ms:
        fake.faults.latency(latency_ms)
    with serve(fake) as url:
        answer_commands(conn, url, lambda: len(fake.log),
                        lambda path, data: fake.commit_files("main", {path: data}, "Edit elsewhere"))


@contextmanager
def gitlab_host(entries: int, latency_ms: float) -> Iterator[Any]:
    """A HostUnderTest: GitLabBackend over a served FakeGitLab holding `entries` posts."""
    from editor_app.backends.gitlab import GitLabBackend
    from tests.benchmarks.open_site import seed_files

    def connect(url: str) -> Any:
        settings = BackendSettings(name="gitlab", repo=PROJECT, branch="main", api_root=url + "/api/v4")
        return GitLabBackend.connect(settings, Credentials(TOKEN))

    with served_host(serve_fake_gitlab, (seed_files(entries), latency_ms), connect) as host:
        yield host
