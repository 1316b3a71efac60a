"""GitReader against real `git http-backend`: request counts, bytes, media never fetched, store fsck-clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from editor_app.backends.git import GitProgress, GitRouteUnavailable
from editor_app.errors import Cancelled
from tests.backends.git.conftest import (
    ENTRIES,
    MakeReader,
    ServeHost,
    assert_fsck_clean,
    commit_files,
    entry,
    stray_files,
)
from tests.fakes.git_store import GitStore

FILTER_HOSTS = ["github", "gitlab", "gitea"]
WHOLE_TREE_HOSTS = ["bitbucket", "azure"]


def content_ids(reader, head: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.id for f in reader.list_files(head, "content/posts")]


@pytest.mark.parametrize("host", FILTER_HOSTS)
def test_cold_open_is_three_requests_and_media_never_travel(host: str, serve_host: ServeHost,
                                                            make_reader: MakeReader, git_store: GitStore) -> None:
    server = serve_host(host)
    reader = make_reader(server)

    head = reader.open("main")
    files = reader.list_files(head, "content/posts")
    contents = reader.read_blobs([f.id for f in files])

    assert head == git_store.branch("main")
    assert len(files) == ENTRIES
    assert contents == {f.id: git_store.blob(f.id) for f in files}
    assert [r.command for r in server.requests] == ["ls-refs", "fetch", "fetch"]
    media_ids = [f.id for f in reader.list_files(head, "static")]
    assert len(media_ids) == 2 and not any(reader.store.contains(m) for m in media_ids)
    content_bytes = sum(len(c) for c in contents.values())
    assert reader.stats.bytes_received < 3 * content_bytes  # 2 x 1.5 MB of media would dwarf this
    assert reader.stats.requests == 3
    assert_fsck_clean(reader.store)


@pytest.mark.parametrize("host", FILTER_HOSTS)
def test_reopen_with_unchanged_head_is_one_request(host: str, serve_host: ServeHost, make_reader: MakeReader,
                                                   tmp_path: Path) -> None:
    server = serve_host(host)
    first = make_reader(server)
    head = first.open("main")
    first.read_blobs(content_ids(first, head))
    first.store.close()
    server.reset_counts()

    again = make_reader(server)  # a new session over the same cache dir
    assert again.open("main") == head
    again.read_blobs(content_ids(again, head))

    assert [r.command for r in server.requests] == ["ls-refs"]


@pytest.mark.parametrize("host", FILTER_HOSTS)
def test_reopen_after_one_change_sends_haves_and_only_new_objects_travel(
    host: str, serve_host: ServeHost, make_reader: MakeReader, git_store: GitStore
) -> None:
    server = serve_host(host)
    reader = make_reader(server)
    old = reader.open("main")
    reader.read_blobs(content_ids(reader, old))
    changed = entry(3, " Edited elsewhere.")
    new_head = commit_files(git_store, {"content/posts/post-00003.md": changed})
    server.reset_counts()

    head = reader.open("main")
    fetched_trees = set(reader.last_fetch_objects)
    fetched_blobs = reader.fetch_blobs(content_ids(reader, head))

    assert head == new_head
    assert [r.command for r in server.requests] == ["ls-refs", "fetch", "fetch"]
    assert [r.wants for r in server.requests] == [0, 1, 1]
    root = git_store.commit(new_head).tree
    content_tree = git_store.lookup(root, "content").sha  # type: ignore[union-attr]
    posts_tree = git_store.lookup(root, "content/posts").sha  # type: ignore[union-attr]
    assert fetched_trees == {new_head, root, content_tree, posts_tree}  # static/ and admin/ trees did not travel
    assert fetched_blobs == [git_store.lookup(root, "content/posts/post-00003.md").sha]  # type: ignore[union-attr]
    assert reader.store.read_blob(fetched_blobs[0]) == changed
    assert_fsck_clean(reader.store)


@pytest.mark.parametrize("host", FILTER_HOSTS)
def test_blobs_already_held_are_not_requested_again(host: str, serve_host: ServeHost,
                                                   make_reader: MakeReader) -> None:
    server = serve_host(host)
    reader = make_reader(server)
    head = reader.open("main")
    ids = content_ids(reader, head)
    reader.read_blobs(ids[:10])
    server.reset_counts()

    reader.read_blobs(ids)
    reader.read_blobs(ids)

    assert [(r.command, r.wants) for r in server.requests] == [("fetch", len(ids) - 10)]


@pytest.mark.parametrize("host", WHOLE_TREE_HOSTS)
def test_hosts_without_filters_fetch_the_whole_tree_at_depth_one_within_the_bound(
    host: str, serve_host: ServeHost, make_reader: MakeReader, git_store: GitStore
) -> None:
    server = serve_host(host)
    reader = make_reader(server)

    head = reader.open("main", repository_size=5_000_000)
    contents = reader.read_blobs(content_ids(reader, head))

    assert len(contents) == ENTRIES
    assert [r.command for r in server.requests] == ["info/refs", "upload-pack"]
    assert all(r.wants == 1 for r in server.requests[1:])
    assert reader.stats.bytes_received > 3_000_000  # the media came along: the host cannot leave them out
    assert_fsck_clean(reader.store)

    commit_files(git_store, {"content/posts/post-00001.md": entry(1, " again")})
    server.reset_counts()
    reader.open("main", repository_size=5_000_000)
    assert [(r.command, r.deepen) for r in server.requests] == [("info/refs", ""), ("upload-pack", "deepen-since")]
    assert server.requests[1].response_bytes < 5_000  # haves: the media did not travel again
    server.reset_counts()
    reader.open("main", repository_size=5_000_000)
    assert [r.command for r in server.requests] == ["info/refs"]
    assert_fsck_clean(reader.store)


@pytest.mark.parametrize("host", WHOLE_TREE_HOSTS)
def test_without_deepen_since_a_reopen_sends_plain_haves_and_media_do_not_travel_again(
    host: str, serve_host: ServeHost, make_reader: MakeReader, git_store: GitStore
) -> None:
    server = serve_host(host)
    server.hidden_capabilities = {"deepen-since"}
    reader = make_reader(server)
    reader.open("main", repository_size=5_000_000)
    commit_files(git_store, {"content/posts/post-00004.md": entry(4, " once")})
    head = commit_files(git_store, {"content/posts/post-00004.md": entry(4, " twice")})
    server.reset_counts()

    assert reader.open("main", repository_size=5_000_000) == head

    assert [(r.command, r.deepen) for r in server.requests] == [("info/refs", ""), ("upload-pack", "")]
    assert server.requests[1].response_bytes < 5_000
    changed = git_store.lookup(git_store.commit(head).tree, "content/posts/post-00004.md")
    assert changed is not None and reader.read_blobs([changed.sha]) == {changed.sha: entry(4, " twice")}
    assert_fsck_clean(reader.store)


@pytest.mark.parametrize("size", [None, 200 * 1024 * 1024])
def test_hosts_without_filters_refuse_unknown_or_too_large_repositories_before_any_request(
    size: int | None, serve_host: ServeHost, make_reader: MakeReader
) -> None:
    server = serve_host("bitbucket")
    reader = make_reader(server)

    with pytest.raises(GitRouteUnavailable, match="whole-tree bound"):
        reader.open("main", repository_size=size)

    assert server.requests == []


def test_progress_reports_bytes_and_objects(serve_host: ServeHost, make_reader: MakeReader) -> None:
    server = serve_host("bitbucket")
    seen: list[GitProgress] = []
    reader = make_reader(server, progress=seen.append)

    reader.open("main", repository_size=5_000_000)

    downloads = [p.bytes for p in seen if p.stage == "download"]
    assert len(downloads) > 10 and downloads == sorted(downloads) and downloads[-1] == reader.stats.bytes_received
    index = [p for p in seen if p.stage == "index"]
    assert index and index[-1].total_objects >= ENTRIES + 3 and index[-1].objects <= index[-1].total_objects


def test_cancel_during_the_pack_download_keeps_nothing(serve_host: ServeHost, make_reader: MakeReader) -> None:
    server = serve_host("bitbucket")
    state = {"cancel": False, "armed": True}

    def progress(p: GitProgress) -> None:
        if state["armed"] and p.stage == "download" and p.bytes > 500_000:
            state["cancel"], state["armed"] = True, False

    reader = make_reader(server, progress=progress, cancelled=lambda: state["cancel"])

    with pytest.raises(Cancelled):
        reader.open("main", repository_size=5_000_000)

    assert reader.stats.bytes_received < 2_000_000  # stopped mid-pack, not after it
    assert reader.store.pack_count() == 0 and stray_files(reader.store) == []
    assert reader.store.head("main") is None
    state["cancel"] = False
    reader.open("main", repository_size=5_000_000)
    assert_fsck_clean(reader.store)


def test_cancel_before_a_step_sends_nothing(serve_host: ServeHost, make_reader: MakeReader) -> None:
    server = serve_host("github")
    reader = make_reader(server, cancelled=lambda: True)

    with pytest.raises(Cancelled, match="cancelled"):
        reader.open("main")

    assert server.requests == []


def test_store_over_its_bound_is_rebuilt_by_the_next_open(serve_host: ServeHost, make_reader: MakeReader,
                                                          git_store: GitStore) -> None:
    server = serve_host("bitbucket")
    reader = make_reader(server, max_bytes=2_000_000)
    reader.open("main", repository_size=5_000_000)
    assert reader.store.over_bound()
    commit_files(git_store, {"static/img/hero.bin": None, "static/video/intro.bin": None})
    server.reset_counts()

    head = reader.open("main", repository_size=5_000_000)

    assert not reader.store.over_bound() and reader.store.size_bytes() < 100_000
    assert reader.store.shallow() == {head}
    assert [r.command for r in server.requests] == ["info/refs", "upload-pack"]
    assert_fsck_clean(reader.store)


def test_a_store_with_too_many_packs_is_rebuilt_without_asking_again_for_blobs_held_elsewhere(
    serve_host: ServeHost, make_reader: MakeReader, git_store: GitStore
) -> None:
    server = serve_host("github")
    reader = make_reader(server, max_packs=3)
    head = reader.open("main")
    reader.fetch_blobs(content_ids(reader, head)[:5])
    for i in range(2):
        commit_files(git_store, {f"content/posts/post-{i:05d}.md": entry(i, " v2")})
        reader.open("main")
    assert reader.store.pack_count() == 4
    commit_files(git_store, {"content/posts/post-00007.md": entry(7, " v2")})
    server.reset_counts()

    head = reader.open("main")

    assert reader.store.pack_count() == 1 and reader.store.shallow() == {head}
    assert [(r.command, r.wants) for r in server.requests] == [("ls-refs", 0), ("fetch", 1)]
    assert_fsck_clean(reader.store)


def test_store_lives_in_the_cache_dir_and_nowhere_else(serve_host: ServeHost, make_reader: MakeReader,
                                                       tmp_path: Path) -> None:
    server = serve_host("github")
    cache = tmp_path / "user-cache"
    reader = make_reader(server, cache=cache)
    reader.open("main")

    assert reader.store.path.parent == cache / "git" and reader.store.path.name.endswith(".git")
    assert (reader.store.path / "objects" / "pack").is_dir() and (reader.store.path / "shallow").is_file()


def test_the_fake_host_adds_its_latency_to_every_request(serve_host: ServeHost, make_reader: MakeReader) -> None:
    import time

    server = serve_host("github", latency=0.2)
    reader = make_reader(server)

    started = time.perf_counter()
    reader.remote_head("main")

    assert time.perf_counter() - started >= 0.2 and server.request_count == 1
