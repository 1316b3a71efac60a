"""The GitLab host for tests/benchmarks/open_site.py: GitLabBackend against FakeGitLab served on 127.0.0.1
by a spawned child process (like a real host on another machine), `latency_ms` added per request."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any

from editor_app.backends.base import BackendSettings, Credentials

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
def gitlab_host(entries: int, latency_ms: float) -> Iterator[Any]:
    """A HostUnderTest: GitLabBackend over a served FakeGitLab holding `entries` posts."""
    from editor_app.backends.gitlab import GitLabBackend
    from tests.benchmarks.open_site import HostUnderTest, seed_files

    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=serve_fake_gitlab, args=(child, seed_files(entries), latency_ms), daemon=True)
    process.start()
    lock = threading.Lock()

    def ask(*command: Any) -> Any:
        with lock:
            parent.send(command)
            return parent.recv()

    try:
        url = parent.recv()
        settings = BackendSettings(name="gitlab", repo=PROJECT, branch="main", api_root=url + "/api/v4")
        backend = GitLabBackend.connect(settings, Credentials(TOKEN))
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
