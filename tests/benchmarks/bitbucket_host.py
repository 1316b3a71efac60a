"""The Bitbucket host for tests/benchmarks/open_site.py: BitbucketBackend against FakeBitbucket served on
127.0.0.1 by a spawned child process (like a real host on another machine), `latency_ms` added per request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any

from editor_app.backends.base import BackendSettings, Credentials
from tests.benchmarks.served import answer_commands, served_host

TOKEN = "bb-benchmark-token"
REPO = "o/site"


def serve_fake_bitbucket(conn: Connection, files: dict[str, bytes], latency_ms: float) -> None:
    """Child process: seed FakeBitbucket, serve it on 127.0.0.1, answer the parent's commands until "stop"."""
    from tests.fakes.bitbucket import FakeBitbucket
    from tests.fakes.git_store import GitStore
    from tests.fakes.server import serve

    fake = FakeBitbucket(GitStore(), repo=REPO, default_branch="main", tokens={TOKEN: "o"})
    fake.commit_files("main", files, "Seed the site")
    if latency_ms:
        fake.faults.latency(latency_ms)
    with serve(fake) as url:
        answer_commands(conn, url, lambda: len(fake.log),
                        lambda path, data: fake.commit_files("main", {path: data}, "Edit elsewhere"))


@contextmanager
def bitbucket_host(entries: int, latency_ms: float) -> Iterator[Any]:
    """A HostUnderTest: BitbucketBackend over a served FakeBitbucket holding `entries` posts."""
    from editor_app.backends.bitbucket import BitbucketBackend
    from tests.benchmarks.open_site import seed_files

    def connect(url: str) -> Any:
        settings = BackendSettings(name="bitbucket", repo=REPO, branch="main", api_root=url + "/2.0")
        return BitbucketBackend.connect(settings, Credentials(TOKEN))

    with served_host(serve_fake_bitbucket, (seed_files(entries), latency_ms), connect) as host:
        yield host
