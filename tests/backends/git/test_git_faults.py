"""Bad answers from the Git server: each gives a clear error or a clean retry, and the store stays clean."""

from __future__ import annotations

import pytest

from editor_app.backends.git import CorruptPackError, GitReader
from editor_app.errors import AuthError, NetworkError, NotFoundError
from tests.backends.git.conftest import (
    TOKEN,
    MakeReader,
    ServeHost,
    assert_fsck_clean,
    commit_files,
    entry,
    stray_files,
)
from tests.fakes.git_store import GitStore


def snapshot(reader: GitReader) -> tuple[list[str], str | None, set[str]]:
    packs = sorted(p.name for p in (reader.store.path / "objects" / "pack").iterdir())
    return packs, reader.store.head("main"), reader.store.shallow()


@pytest.mark.parametrize(
    ("fault", "error", "message"),
    [
        ("truncate", CorruptPackError, "truncated"),
        ("drop", NetworkError, "connection dropped"),
        ("damage", CorruptPackError, "damaged"),
    ],
)
@pytest.mark.parametrize("host", ["github", "bitbucket"])
def test_a_broken_pack_is_refused_and_the_store_is_left_as_it_was(
    host: str, fault: str, error: type[Exception], message: str, serve_host: ServeHost, make_reader: MakeReader,
    git_store: GitStore,
) -> None:
    server = serve_host(host)
    reader = make_reader(server)
    size = 5_000_000
    reader.open("main", repository_size=size)
    before = snapshot(reader)
    commit_files(git_store, {"content/posts/post-00002.md": entry(2, " changed")})
    server.fault = fault

    with pytest.raises(error, match=message):
        reader.open("main", repository_size=size)

    assert snapshot(reader) == before and stray_files(reader.store) == []
    assert_fsck_clean(reader.store)
    server.fault = None
    assert reader.open("main", repository_size=size) == git_store.branch("main")
    assert_fsck_clean(reader.store)


def test_objects_whose_content_does_not_hash_to_the_ids_asked_for_are_refused(
    serve_host: ServeHost, make_reader: MakeReader, git_store: GitStore
) -> None:
    server = serve_host("github")
    reader = make_reader(server)
    head = reader.open("main")
    ids = [f.id for f in reader.list_files(head, "content/posts")]
    server.fault = "wrong_object"  # the server sends other content in place of the first blob asked for

    with pytest.raises(CorruptPackError, match="does not hash to the ids asked for"):
        reader.read_blobs(ids[:1])

    assert reader.store.missing(ids) == ids and stray_files(reader.store) == []
    assert_fsck_clean(reader.store)
    server.fault = None
    assert reader.read_blobs(ids[:1]) == {ids[0]: git_store.blob(ids[0])}


def test_a_ref_moving_forward_between_ls_refs_and_fetch_gives_the_advertised_snapshot(
    serve_host: ServeHost, make_reader: MakeReader, git_store: GitStore
) -> None:
    server = serve_host("github")
    reader = make_reader(server)
    listed = git_store.branch("main")
    moved: list[str] = []
    server.after_refs = lambda: moved.append(commit_files(git_store, {"content/posts/post-00009.md": entry(9, "!")}))

    head = reader.open("main")

    assert head == listed and moved and moved[0] != listed
    assert reader.store.head("main") == listed and reader.store.has_trees(listed)
    assert_fsck_clean(reader.store)
    assert reader.open("main") == moved[0]  # the next open sees the move
    assert_fsck_clean(reader.store)


@pytest.mark.parametrize("host", ["github", "bitbucket"])
def test_a_ref_force_moved_between_listing_and_fetch_is_retried_once(
    host: str, serve_host: ServeHost, make_reader: MakeReader, git_store: GitStore
) -> None:
    server = serve_host(host)
    reader = make_reader(server)
    listed = git_store.branch("main")
    rewritten: list[str] = []

    def force_push() -> None:
        # A rewritten branch: the listed commit becomes unreachable, and git garbage-collects it.
        rewritten.append(
            commit_files(git_store, {"content/posts/post-00001.md": entry(1, "?")}, orphan=True, message="rewritten")
        )
        server.hide_unreachable = True

    server.after_refs = force_push

    head = reader.open("main", repository_size=5_000_000)

    assert head == rewritten[0] != listed
    commands = [r.command for r in server.requests]
    assert len(commands) == 4 and commands[0] == commands[2]  # refs, refused fetch, refs, fetch
    assert reader.store.head("main") == head and not reader.store.contains(listed)
    assert_fsck_clean(reader.store)


@pytest.mark.parametrize(("status", "error"), [(401, AuthError), (403, AuthError), (404, NotFoundError)])
def test_refusals_become_app_errors_the_adapter_can_fall_back_on(
    status: int, error: type[Exception], serve_host: ServeHost, make_reader: MakeReader
) -> None:
    server = serve_host("github")
    server.fault = f"status:{status}"
    reader = make_reader(server)

    with pytest.raises(error, match=f"\\({status}\\)"):
        reader.open("main")

    assert reader.store.head("main") is None and reader.store.pack_count() == 0
    assert TOKEN not in str(error)


@pytest.mark.parametrize("host", ["bitbucket", "azure"])
def test_asking_a_v1_only_host_for_protocol_v2_fails_clearly(host: str, serve_host: ServeHost,
                                                            make_reader: MakeReader) -> None:
    from editor_app.backends.git import GitProfile

    server = serve_host(host)
    reader = make_reader(server)
    reader.profile = GitProfile(protocol_v2=True, filters=True)  # a wrong host table entry

    with pytest.raises(NetworkError, match=server.url):
        reader.open("main")

    assert reader.store.head("main") is None and stray_files(reader.store) == []
