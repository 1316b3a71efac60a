"""open_site.py --transport git|api: GitHub through its API or through Git, measured from `Workspace.open` on.

The child process serves one repository twice, as GitHub does: FakeGitHub's API on one port and real
`git http-backend` (mirroring the same store) on another, with the same latency per request. Each phase
(cold, reopen unchanged, reopen after one change elsewhere, save) is a new Workspace over the same caches
running `open()` then `load_collection`, so the login check is included. Requests are counted by each
server, bytes as received by the client (response bodies as sent), seconds and peak MB in this process.
"""

from __future__ import annotations

import random
import resource
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx

from editor_app.backends.base import BackendSettings, Credentials
from editor_app.config.loader import parse_config_text
from editor_app.workspace.cache import ContentCache
from editor_app.workspace.journal import DraftsJournal
from editor_app.workspace.workspace import Workspace
from tests.benchmarks.served import answer_commands, served_host

MEDIA_FILES = 3
MEDIA_BYTES = 2_000_000


class CountingTransport(httpx.BaseTransport):
    """An HTTP transport that counts the response body bytes it receives (before any decoding)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.bytes = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        return httpx.Response(response.status_code, headers=response.headers, request=request,
                              stream=_CountingStream(response.stream, self), extensions=response.extensions)

    def close(self) -> None:
        self.inner.close()


class _CountingStream(httpx.SyncByteStream):
    def __init__(self, inner: Any, owner: CountingTransport) -> None:
        self.inner = inner
        self.owner = owner

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            self.owner.bytes += len(chunk)
            yield chunk

    def close(self) -> None:
        self.inner.close()


def serve_github_with_git(conn: Connection, entries: int, latency_ms: float, token: str,
                          files: dict[str, bytes]) -> None:
    """Child: FakeGitHub on one port and git http-backend over the same store on another."""
    from tests.fakes.git_http import GitHttpServer
    from tests.fakes.git_store import GitStore
    from tests.fakes.github import FakeGitHub
    from tests.fakes.github_graphql import github_schema
    from tests.fakes.server import serve

    fake = FakeGitHub(GitStore(), owner="o", repo="site", default_branch="main", tokens={token: "o"},
                      rate_limit=1_000_000)
    fake.commit_files("o/site", "main", files, "Seed the site")
    github_schema()
    if latency_ms:
        fake.faults.latency(latency_ms)
    with tempfile.TemporaryDirectory(prefix="git-http-") as root:
        git = GitHttpServer(Path(root), host="github", token=token, repo="o/site.git", store=fake.repos["o/site"].store,
                            latency=latency_ms / 1000)
        # Written and packed once before timing, as a host keeps its repositories (pack-objects then reuses
        # deltas instead of compressing thousands of loose objects for every fetch).
        git.mirror.sync()  # type: ignore[union-attr]
        subprocess.run(["git", "--git-dir", str(git.repo_path), "repack", "-adq"], check=True)
        with git, serve(fake) as url:
            answer_commands(conn, (url, git.url), lambda: {"api": len(fake.log), "git": git.request_count},
                            lambda path, data: fake.commit_files("o/site", "main", {path: data}, "Edit elsewhere"))


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_github(
    transport: str, entries: int, latency_ms: float, *, config: str, token: str,
    seed: Callable[[int], dict[str, bytes]], entry_text: Callable[[int], bytes], folder: str,
) -> dict[str, Any]:
    """The four phases for GitHub over `transport` ("git" or "api"), from Workspace.open on."""
    from editor_app.backends.github import GitHubBackend, git_route_for

    files = seed(entries)
    rng = random.Random(1)
    for i in range(MEDIA_FILES):  # media in the repository: never downloaded to open the site
        files[f"static/img/photo-{i}.jpg"] = rng.randbytes(MEDIA_BYTES)
    content_bytes = sum(len(d) for p, d in files.items() if p.startswith(folder + "/"))
    site = parse_config_text(config.format(host="github"))
    api_counter, git_counter = CountingTransport(), CountingTransport()

    with tempfile.TemporaryDirectory(prefix="open-site-git-") as tmp:
        def connect(greeting: tuple[str, str]) -> Any:
            api_url, git_url = greeting
            settings = BackendSettings(name="github", repo="o/site", branch="main", api_root=api_url)
            route = None
            if transport == "git":
                route = git_route_for(settings, Credentials(token), Path(tmp) / "git-cache", url=git_url,
                                      transport=git_counter)
            return GitHubBackend.connect(settings, Credentials(token), transport=api_counter, git_route=route)

        with served_host(serve_github_with_git, (entries, latency_ms, token, files), connect) as host:
            phases = measure(host, site, Path(tmp), [api_counter, git_counter], entries, folder, entry_text)
            route = host.backend.read_route
    cold, warm, changed_phase, save_phase = phases
    return {
        "host": "github", "transport": transport, "route_used": route, "entries": entries, "latency_ms": latency_ms,
        "content_bytes": content_bytes, "media_bytes": MEDIA_FILES * MEDIA_BYTES,
        "cold_open": cold, "reopen_unchanged": warm, "reopen_after_one_change": changed_phase,
        "open_and_save_one_entry": save_phase,
    }


def measure(host: Any, site: Any, tmp: Path, counters: list[CountingTransport], entries: int, folder: str,
            entry_text: Callable[[int], bytes]) -> list[dict[str, Any]]:
    """Cold open, reopen unchanged, reopen after one change elsewhere, open and save: each from Workspace.open."""
    cache = ContentCache(tmp / "cache")

    def received() -> int:
        return sum(c.bytes for c in counters)

    def phase(work: Callable[[Workspace], Any]) -> tuple[Any, dict[str, Any]]:
        before = host.answered()
        bytes_before = received()
        started = time.perf_counter()
        ws = Workspace(host.backend, site, cache, DraftsJournal(tmp / "drafts"),
                       read_batch=host.backend.read_batch_hint)
        ws.open()
        result = work(ws)
        seconds = time.perf_counter() - started
        after = host.answered()
        api, git = after["api"] - before["api"], after["git"] - before["git"]
        return result, {
            "requests": api + git, "api_requests": api, "git_requests": git, "bytes": received() - bytes_before,
            "seconds": round(seconds, 3), "peak_mb": peak_mb(),
        }

    loaded, cold = phase(lambda ws: ws.load_collection("posts"))
    assert len(loaded) == entries
    loaded, warm = phase(lambda ws: ws.load_collection("posts"))
    assert len(loaded) == entries
    changed = f"{folder}/post-00001.md"
    host.change_file(changed, entry_text(1).replace(b"Post number 1\n", b"Post number 1, edited\n"))

    def after_change(ws: Workspace) -> Any:
        ws.load_collection("posts")
        indexed = ws.indexed("posts", changed)
        assert indexed is not None and indexed.data["title"] == "Post number 1, edited"

    _, changed_phase = phase(after_change)

    def save(ws: Workspace) -> Any:
        ws.load_collection("posts")
        entry = ws.open_entry("posts", f"{folder}/post-00002.md")
        return ws.save_entry(entry.with_data({**entry.data, "rating": 5}))

    saved, save_phase = phase(save)
    assert saved.commit is not None
    return [cold, warm, changed_phase, save_phase]


# Hosts whose adapter builds its Git route from `read_cache` (the app's way): the fake's API and git
# http-backend on ONE origin (tests/fakes/git_http.py `with_git`), the Git path as the host names it.
ORG, PROJECT, AZURE_REPO = "o", "Website", "site"
GIT_HOSTS: dict[str, dict[str, str]] = {
    "gitlab": {"repo": "o/site", "git": "o/site.git", "api": "/api/v4"},
    "gitea": {"repo": "o/site", "git": "o/site.git", "api": "/api/v1"},
    "bitbucket": {"repo": "o/site", "git": "o/site.git", "api": "/2.0"},
    "azure": {"repo": f"{ORG}/{PROJECT}/{AZURE_REPO}", "git": f"tfs/{ORG}/{PROJECT}/_git/{AZURE_REPO}", "api": "/tfs"},
}


def _fake_for(name: str, token: str) -> Any:
    from tests.fakes.git_store import GitStore

    if name == "gitlab":
        from tests.fakes.gitlab import FakeGitLab
        from tests.fakes.gitlab_graphql import gitlab_schema

        gitlab_schema()
        return FakeGitLab(GitStore(), project="o/site", default_branch="main", tokens={token: "o"})
    if name == "gitea":
        from tests.fakes.gitea import FakeGitea

        return FakeGitea(GitStore(), owner="o", repo="site", default_branch="main", tokens={token: "o"})
    if name == "bitbucket":
        from tests.fakes.bitbucket import FakeBitbucket

        return FakeBitbucket(GitStore(), repo="o/site", default_branch="main", tokens={token: "o"})
    from tests.fakes.azure import FakeAzure

    return FakeAzure(GitStore(), org=ORG, project=PROJECT, repo=AZURE_REPO, default_branch="main",
                     tokens={token: "o@example.org"}, prefix="/tfs")


def serve_host_with_git(conn: Connection, name: str, latency_ms: float, token: str, files: dict[str, bytes]) -> None:
    """Child: the host's fake API and git http-backend over the same store, on one origin."""
    from tests.fakes.git_http import GitHttpServer, with_git
    from tests.fakes.server import serve

    fake = _fake_for(name, token)
    fake.commit_files("main", files, "Seed the site")
    if latency_ms:
        fake.faults.latency(latency_ms)
    with tempfile.TemporaryDirectory(prefix="git-http-") as root:
        git = GitHttpServer(Path(root), host=name, token=token, repo=GIT_HOSTS[name]["git"], store=fake.store,
                            latency=latency_ms / 1000)
        git.mirror.sync()  # type: ignore[union-attr]
        subprocess.run(["git", "--git-dir", str(git.repo_path), "repack", "-adq"], check=True)
        forward = httpx.Client(timeout=60.0)
        try:
            with git, serve(with_git(fake, git, forward)) as url:
                answer_commands(conn, url, lambda: {"api": len(fake.log), "git": git.request_count},
                                lambda path, data: fake.commit_files("main", {path: data}, "Edit elsewhere"))
        finally:
            forward.close()


def run_host(
    name: str, transport: str, entries: int, latency_ms: float, *, config: str, token: str,
    seed: Callable[[int], dict[str, bytes]], entry_text: Callable[[int], bytes], folder: str,
) -> dict[str, Any]:
    """The four phases for GitLab, Gitea, Bitbucket or Azure over `transport`, the adapter built as the app
    builds it (`connect(..., read_cache=)` for Git)."""
    from editor_app.backends import BACKENDS

    files = seed(entries)
    rng = random.Random(1)
    for i in range(MEDIA_FILES):
        files[f"static/img/photo-{i}.jpg"] = rng.randbytes(MEDIA_BYTES)
    content_bytes = sum(len(d) for p, d in files.items() if p.startswith(folder + "/"))
    tree_bytes = sum(len(d) for d in files.values())
    site = parse_config_text(config.format(host=name))
    counter = CountingTransport()
    spec = GIT_HOSTS[name]

    with tempfile.TemporaryDirectory(prefix="open-site-git-") as tmp:
        def connect(url: str) -> Any:
            settings = BackendSettings(name=name, repo=spec["repo"], branch="main", api_root=url + spec["api"])
            read_cache = Path(tmp) / "app-cache" if transport == "git" else None
            return BACKENDS[name].connect(settings, Credentials(token), transport=counter, read_cache=read_cache)

        with served_host(serve_host_with_git, (name, latency_ms, token, files), connect) as host:
            cold, warm, changed_phase, save_phase = measure(host, site, Path(tmp), [counter], entries, folder,
                                                            entry_text)
            route = host.backend.read_route
    return {
        "host": name, "transport": transport, "route_used": route, "entries": entries, "latency_ms": latency_ms,
        "content_bytes": content_bytes, "media_bytes": MEDIA_FILES * MEDIA_BYTES, "tree_bytes": tree_bytes,
        "cold_open": cold, "reopen_unchanged": warm, "reopen_after_one_change": changed_phase,
        "open_and_save_one_entry": save_phase,
    }
