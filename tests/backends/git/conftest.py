"""A site repository in the fake hosts' `GitStore`, served through real `git http-backend` as each host would."""

from __future__ import annotations

import itertools
import random
import subprocess
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import httpx
import pytest

from editor_app.backends.git import BearerAuth, GitProfile, GitReader, SiteObjectStore, basic_auth, site_store_dir
from tests.fakes.git_http import HOSTS, GitHttpServer
from tests.fakes.git_store import MODE_FILE, GitStore, Signature

TOKEN = "git-token-123"
ENTRIES = 40
MEDIA_BYTES = 1_500_000
_clock = itertools.count(1_800_000_000)

# How each host documents a token for Git over HTTPS (../shared/reference/git-over-https.md, section 1).
CLIENT_AUTH: dict[str, Callable[[str], httpx.Auth]] = {
    "github": lambda token: basic_auth("x-access-token", token),
    "gitlab": lambda token: basic_auth("oauth2", token),
    "bitbucket": lambda token: basic_auth("x-token-auth", token),
    "gitea": lambda token: basic_auth("editor", token),
    "azure": lambda token: BearerAuth(token),
}


def entry(index: int, extra: str = "") -> bytes:
    return f"---\ntitle: Post {index}\ndate: 2024-01-{index % 28 + 1:02d}\n---\nBody of post {index}.{extra}\n".encode()


def media(seed: int = 7, size: int = MEDIA_BYTES) -> bytes:
    return random.Random(seed).randbytes(size)  # incompressible, like real images


def commit_files(store: GitStore, files: Mapping[str, bytes | None], *, branch: str = "main",
                 parent: str | None = None, orphan: bool = False, message: str = "update") -> str:
    """Commit `files` (path -> bytes, None deletes) on `parent` (default: the branch head); move the branch.

    `orphan` starts from `parent`'s tree but records no parent (a rewritten history).
    """
    ref = f"heads/{branch}"
    if parent is None:
        parent = store.refs.get(ref)
    base = store.commit(parent).tree if parent else None
    changes = {p: None if d is None else (MODE_FILE, store.put_blob(d)) for p, d in files.items()}
    tree = store.write_tree(base, changes)
    signature = Signature("Editor", "editor@example.org", next(_clock))
    sha = store.put_commit(tree, [parent] if parent and not orphan else [], message, signature)
    store.set_ref(ref, sha, create=ref not in store.refs)
    return sha


def site_files(entries: int = ENTRIES) -> dict[str, bytes | None]:
    files: dict[str, bytes | None] = {f"content/posts/post-{i:05d}.md": entry(i) for i in range(entries)}
    files["static/img/hero.bin"] = media()
    files["static/video/intro.bin"] = media(8)
    files["admin/config.yml"] = b"backend:\n  name: github\n  repo: owner/site\ncollections: []\n"
    return files


@pytest.fixture
def git_store() -> GitStore:
    store = GitStore()
    commit_files(store, site_files(), message="initial")
    return store


ServeHost = Callable[..., GitHttpServer]


@pytest.fixture
def serve_host(tmp_path: Path, git_store: GitStore) -> Iterator[ServeHost]:
    servers: list[GitHttpServer] = []

    def start(host: str = "github", **options: object) -> GitHttpServer:
        options.setdefault("store", git_store)
        options.setdefault("token", TOKEN)
        server = GitHttpServer(tmp_path / f"srv-{host}-{len(servers)}", host=host, **options)  # type: ignore[arg-type]
        servers.append(server.start())
        return server

    yield start
    for server in servers:
        server.stop()


MakeReader = Callable[..., GitReader]


@pytest.fixture
def make_reader(tmp_path: Path) -> Iterator[MakeReader]:
    readers: list[GitReader] = []

    def make(server: GitHttpServer, *, auth: httpx.Auth | None = None, cache: Path | None = None,
             **options: object) -> GitReader:
        host = server.host
        bounds = {key: options.pop(key) for key in ("max_bytes", "max_packs") if key in options}
        store = SiteObjectStore(site_store_dir(cache or tmp_path / "cache", server.url), remote_url=server.url,
                                **bounds)  # type: ignore[arg-type]
        reader = GitReader(
            httpx.Client(timeout=10.0),
            server.url,
            store,
            profile=GitProfile(protocol_v2=host.protocol_v2, filters=host.filters),
            auth=auth if auth is not None else CLIENT_AUTH[host.name](TOKEN),
            **options,  # type: ignore[arg-type]
        )
        readers.append(reader)
        return reader

    yield make
    for reader in readers:
        reader.client.close()
        reader.store.close()


def fsck(store: SiteObjectStore) -> subprocess.CompletedProcess[str]:
    """System git's verdict on the store (the app itself never needs git)."""
    return subprocess.run(["git", "--git-dir", str(store.path), "fsck", "--strict", "--no-dangling"],
                          capture_output=True, text=True, check=False)


def assert_fsck_clean(store: SiteObjectStore) -> None:
    result = fsck(store)
    assert result.returncode == 0 and not result.stdout.strip() and "error" not in result.stderr, result


def stray_files(store: SiteObjectStore) -> list[str]:
    return sorted(p.name for p in (store.path / "objects" / "pack").glob("tmp_*"))


assert set(CLIENT_AUTH) == set(HOSTS)
