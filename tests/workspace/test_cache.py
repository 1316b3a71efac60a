"""ContentCache: blobs by id and listings by head, surviving restarts and shrugging off damaged files."""

from __future__ import annotations

import hashlib
from pathlib import Path

from editor_app.backends.base import Listing, RepoFile, User
from editor_app.workspace.cache import ContentCache, ListingKey


def git_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def blob_files(root: Path) -> list[Path]:
    return [p for p in (root / "blobs").rglob("*") if p.is_file()]


def test_a_stored_blob_is_a_hit_and_an_unknown_id_a_miss(tmp_path: Path) -> None:
    cache = ContentCache(tmp_path)
    data = b"---\ntitle: Hello\n---\nBody\n"
    cache.put_blob(git_id(data), data)
    assert cache.get_blob(git_id(data)) == data
    assert cache.get_blob(git_id(b"other")) is None
    assert cache.get_blobs([git_id(data), git_id(b"other")]) == {git_id(data): data}


def test_blobs_survive_a_new_cache_instance(tmp_path: Path) -> None:
    data = b"kept across restarts"
    ContentCache(tmp_path).put_blob(git_id(data), data)
    assert ContentCache(tmp_path).get_blob(git_id(data)) == data


def test_blob_files_are_sharded_by_the_first_two_hex_digits(tmp_path: Path) -> None:
    data = b"sharded"
    ContentCache(tmp_path).put_blob(git_id(data), data)
    (stored,) = blob_files(tmp_path)
    assert stored.parent.name == git_id(data)[:2]
    assert stored.name == git_id(data)[2:]


def test_a_truncated_blob_file_is_a_miss_and_is_removed(tmp_path: Path) -> None:
    cache = ContentCache(tmp_path)
    data = b"x" * 1000
    cache.put_blob(git_id(data), data)
    (stored,) = blob_files(tmp_path)
    stored.write_bytes(stored.read_bytes()[:500])
    assert cache.get_blob(git_id(data)) is None
    assert not stored.exists()
    cache.put_blob(git_id(data), data)  # fetched again and stored again
    assert cache.get_blob(git_id(data)) == data


def test_a_blob_file_with_flipped_bytes_is_a_miss(tmp_path: Path) -> None:
    cache = ContentCache(tmp_path)
    data = b"precious content"
    cache.put_blob(git_id(data), data)
    (stored,) = blob_files(tmp_path)
    damaged = bytearray(stored.read_bytes())
    damaged[-1] ^= 0xFF
    stored.write_bytes(bytes(damaged))
    assert cache.get_blob(git_id(data)) is None


def test_content_that_does_not_hash_to_its_git_id_is_never_stored(tmp_path: Path) -> None:
    cache = ContentCache(tmp_path)
    cache.put_blob(git_id(b"right"), b"wrong")
    assert cache.get_blob(git_id(b"right")) is None
    assert blob_files(tmp_path) == []


def test_opaque_ids_of_other_hosts_are_stored_under_safe_names(tmp_path: Path) -> None:
    cache = ContentCache(tmp_path)
    cache.put_blob("../../etc/passwd", b"data")
    assert cache.get_blob("../../etc/passwd") == b"data"
    assert all(tmp_path in p.parents for p in blob_files(tmp_path))


def listing(head: str) -> Listing:
    return Listing(
        head=head,
        files=(RepoFile("content/posts/a.md", git_id(b"a"), 1), RepoFile("content/posts/b.md", git_id(b"b"), None)),
    )


KEY = ListingKey("github:owner/repo", "main", "content/posts", "md", 1)


def test_a_listing_is_returned_for_its_head_only(tmp_path: Path) -> None:
    cache = ContentCache(tmp_path)
    cache.put_listing(KEY, listing("h1"))
    assert cache.get_listing(KEY, "h1") == listing("h1")
    assert cache.get_listing(KEY, "h2") is None
    assert cache.get_listing(KEY) == listing("h1")


def test_listings_are_keyed_by_backend_branch_folder_extension_and_depth(tmp_path: Path) -> None:
    cache = ContentCache(tmp_path)
    cache.put_listing(KEY, listing("h1"))
    for other in (
        ListingKey("github:owner/other", "main", "content/posts", "md", 1),
        ListingKey("github:owner/repo", "dev", "content/posts", "md", 1),
        ListingKey("github:owner/repo", "main", "content/pages", "md", 1),
        ListingKey("github:owner/repo", "main", "content/posts", "json", 1),
        ListingKey("github:owner/repo", "main", "content/posts", "md", 2),
    ):
        assert cache.get_listing(other, "h1") is None


def test_listings_survive_a_new_cache_instance(tmp_path: Path) -> None:
    ContentCache(tmp_path).put_listing(KEY, listing("h1"))
    assert ContentCache(tmp_path).get_listing(KEY, "h1") == listing("h1")


def test_a_damaged_listing_file_is_a_miss_not_a_crash(tmp_path: Path) -> None:
    cache = ContentCache(tmp_path)
    cache.put_listing(KEY, listing("h1"))
    (stored,) = (tmp_path / "listings").glob("*.json")
    for damage in (stored.read_bytes()[:40], b"\x00\xff not json", stored.read_bytes().replace(b"h1", b"h9")):
        stored.write_bytes(damage)
        assert cache.get_listing(KEY, "h1") is None
        cache.put_listing(KEY, listing("h1"))
        assert cache.get_listing(KEY, "h1") == listing("h1")


# --- the user a login's last full check returned ---------------------------------------------------


def test_a_remembered_user_is_kept_per_login_key_across_cache_instances(tmp_path: Path) -> None:
    user = User(login="ada", name="Ada", email="ada@example.org", avatar_url="https://a/x.png", scopes=("repo",))
    ContentCache(tmp_path).put_user("k" * 64, user)
    again = ContentCache(tmp_path)
    assert again.get_user("k" * 64) == user
    assert again.get_user("j" * 64) is None
    again.forget_user("k" * 64)
    assert again.get_user("k" * 64) is None


def test_a_damaged_remembered_user_is_a_miss_so_the_login_is_checked_in_full(tmp_path: Path) -> None:
    cache = ContentCache(tmp_path)
    cache.put_user("k" * 64, User(login="ada"))
    (stored,) = cache.login_dir.iterdir()
    stored.write_text(stored.read_text("utf-8").replace("ada", "eve"), "utf-8")
    assert cache.get_user("k" * 64) is None
    assert not stored.exists()

