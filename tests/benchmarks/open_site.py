"""Benchmark: open a site of N entries cold and warm, and save one, against a fake host on 127.0.0.1.

    .venv/bin/python tests/benchmarks/open_site.py --host github --entries 1000 --latency-ms 50

Prints ONE JSON line: for each phase (cold open, warm open with the head unchanged, warm open after
one file changed elsewhere, save of one entry) the HTTP requests the host answered, seconds and the
process's peak resident memory in MB.

An "open" is what the workspace does to show a collection: read the branch head; reuse the cached
listing when the head is unchanged, else list the folder; read every blob the content cache
(`editor_app.workspace.cache.ContentCache`, keyed by blob id) does not hold; parse every entry's front
matter into an in-memory index. Hosts plug in through HOSTS: a context manager yielding a HostUnderTest.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402 - after the sys.path fix above

from editor_app.backends.base import Backend, BackendSettings, Credentials, FileChange, Listing  # noqa: E402
from editor_app.workspace.cache import ContentCache, ListingKey  # noqa: E402

FOLDER = "content/posts"
TOKEN = "gho_benchmark-token"


@dataclass
class HostUnderTest:
    """A backend over a served fake, how many requests the fake answered, and a way to change a file there."""

    backend: Backend
    answered: Callable[[], int]
    change_file: Callable[[str, bytes], None]


def entry_text(i: int) -> bytes:
    """A markdown entry with ten front-matter fields, like a blog post."""
    return (
        "---\n"
        f"title: Post number {i}\n"
        f"date: 2024-{1 + i % 12:02d}-{1 + i % 28:02d}T10:{i % 60:02d}:00Z\n"
        f"author: Author {i % 17}\n"
        f"description: A short summary of post {i} for the listing page.\n"
        f"tags: [garden, tag{i % 9}, season{i % 4}]\n"
        f"draft: {'true' if i % 10 == 0 else 'false'}\n"
        f"image: /img/post-{i}.jpg\n"
        f"rating: {i % 5}\n"
        f"category: cat{i % 7}\n"
        f"slug: post-{i:05d}\n"
        "---\n"
        f"Body of post {i}. " * 8
        + "\n"
    ).encode()


def seed_files(entries: int) -> dict[str, bytes]:
    """N entries under FOLDER plus a few other site files."""
    files = {f"{FOLDER}/post-{i:05d}.md": entry_text(i) for i in range(entries)}
    files["config.yml"] = b"backend:\n  name: github\n"
    files["data/settings.yml"] = b"title: Bench\n"
    return files


@contextmanager
def github_host(entries: int, latency_ms: float) -> Iterator[HostUnderTest]:
    """GitHubBackend against FakeGitHub served on 127.0.0.1 with `latency_ms` added to every request."""
    from editor_app.backends.github import GitHubBackend
    from tests.fakes.git_store import GitStore
    from tests.fakes.github import FakeGitHub
    from tests.fakes.server import serve

    fake = FakeGitHub(GitStore(), owner="o", repo="site", default_branch="main", tokens={TOKEN: "o"},
                      rate_limit=1_000_000)
    fake.commit_files("o/site", "main", seed_files(entries), "Seed the site")
    # The fake builds GitHub's GraphQL schema on first use (~1 s); GitHub does not, so do it before timing.
    from tests.fakes.github_graphql import github_schema

    github_schema()
    if latency_ms:
        fake.faults.latency(latency_ms)
    with serve(fake) as url:
        settings = BackendSettings(name="github", repo="o/site", branch="main", api_root=url)
        backend = GitHubBackend.connect(settings, Credentials(TOKEN))
        try:
            yield HostUnderTest(
                backend=backend,
                answered=lambda: len(fake.log),
                change_file=lambda path, data: fake.commit_files("o/site", "main", {path: data}, "Edit elsewhere"),
            )
        finally:
            backend.close()


HOSTS: dict[str, Callable[[int, float], Any]] = {"github": github_host}


def front_matter(data: bytes) -> dict[str, Any]:
    """The YAML front matter of a markdown entry (what the entry index keeps)."""
    text = data.decode("utf-8")
    if not text.startswith("---\n"):
        return {}
    end = text.find("\n---", 4)
    return yaml.load(text[4:end], Loader=yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader) or {}


def open_collection(
    backend: Backend, cache: ContentCache, key: ListingKey, split: dict[str, float] | None = None
) -> tuple[Listing, dict[str, dict[str, Any]]]:
    """What the workspace does to open a collection: head, listing (cached by head), missing blobs, index.

    `split` receives the seconds spent talking to the host, writing the cache and parsing front matter.
    """
    split = split if split is not None else {}
    started = time.perf_counter()
    head = backend.head()
    listing = cache.get_listing(key, head)
    if listing is None:
        listing = backend.list_files(key.folder, extension=key.extension, depth=key.depth)
        cache.put_listing(key, listing)
    cached = cache.get_blobs(f.id for f in listing.files)
    missing = [f for f in listing.files if f.id not in cached]
    fetched = backend.read_files(missing) if missing else {}
    split["host_and_cache_read_seconds"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    for f in missing:
        if f.path in fetched:
            cache.put_blob(f.id, fetched[f.path])
            cached[f.id] = fetched[f.path]
    split["cache_write_seconds"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    index = {f.path: front_matter(cached[f.id]) for f in listing.files if f.id in cached}
    split["parse_seconds"] = round(time.perf_counter() - started, 3)
    return listing, index


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def measure(host: HostUnderTest, work: Callable[[dict[str, float]], Any]) -> tuple[Any, dict[str, float]]:
    """Run `work(split)`; its result and {requests, seconds, peak_mb, and the split it filled in}."""
    before = host.answered()
    split: dict[str, float] = {}
    started = time.perf_counter()
    result = work(split)
    seconds = time.perf_counter() - started
    figures = {"requests": host.answered() - before, "seconds": round(seconds, 3), "peak_mb": peak_mb()}
    return result, {**figures, **split}


def run(host_name: str, entries: int, latency_ms: float) -> dict[str, Any]:
    """All four phases against one host; the figures and the targets they are held to."""
    key = ListingKey(host_name, "main", FOLDER, "md", None)
    with tempfile.TemporaryDirectory(prefix="open-site-bench-") as tmp, HOSTS[host_name](entries, latency_ms) as host:
        cache = ContentCache(Path(tmp))
        (listing, index), cold = measure(host, lambda split: open_collection(host.backend, cache, key, split))
        assert len(index) == entries, f"cold open indexed {len(index)} of {entries} entries"
        (_, index), warm = measure(host, lambda split: open_collection(host.backend, cache, key, split))
        assert len(index) == entries
        changed = f"{FOLDER}/post-00001.md"
        host.change_file(changed, entry_text(1).replace(b"Post number 1\n", b"Post number 1, edited\n"))
        (listing, index), after_change = measure(host, lambda split: open_collection(host.backend, cache, key, split))
        assert index[changed]["title"] == "Post number 1, edited"
        target = f"{FOLDER}/post-00002.md"
        started_from = next(f.id for f in listing.files if f.path == target)
        edit = FileChange(target, entry_text(2).replace(b"rating: 2", b"rating: 5"), expected_id=started_from)
        _, save = measure(host, lambda _split: host.backend.commit([edit], "Update Post “post-00002”", expected_head=listing.head))
    targets = {
        "cold_open_requests_max": 3 + math.ceil(entries / 250),
        "cold_open_seconds_max": 2.0 if entries <= 1000 else 10.0,
        "warm_open_requests_max": 2,
        "warm_open_seconds_max": 2.0,
        "warm_after_change_requests_max": 4,
        "save_requests_max": 3,
    }
    met = (
        cold["requests"] <= targets["cold_open_requests_max"]
        and cold["seconds"] < targets["cold_open_seconds_max"]
        and warm["requests"] <= targets["warm_open_requests_max"]
        and warm["seconds"] < targets["warm_open_seconds_max"]
        and after_change["requests"] <= targets["warm_after_change_requests_max"]
        and save["requests"] <= targets["save_requests_max"]
    )
    return {
        "host": host_name, "entries": entries, "latency_ms": latency_ms,
        "cold_open": cold, "warm_open": warm, "warm_open_after_one_change": after_change, "save_one_entry": save,
        "targets": targets, "targets_met": met,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parse the command line, run, print one JSON line; returns the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", choices=sorted(HOSTS), default="github")
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args(argv)
    figures = run(args.host, args.entries, args.latency_ms)
    print(json.dumps(figures, ensure_ascii=False))
    return figures


if __name__ == "__main__":
    main()
