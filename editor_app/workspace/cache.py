"""ContentCache: blobs on disk keyed by blob id, listings keyed by where they were listed and at which head, and
the user a login's last full check returned (keyed by the adapter's `login_key`, a hash: never a token).

A file whose blob id did not change is never downloaded again; a listing whose branch head did not change
is never asked for again. Every cache file carries a SHA-256 of its payload: a corrupt or truncated file
(crash, full disk, someone editing the cache) reads as a miss and is fetched again, never a crash.
Writes are atomic (temp file in the same folder + rename), so readers never see half a file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from editor_app.backends.base import FileMeta, Listing, RepoFile, User
from editor_app.paths import write_atomically

CACHE_FORMAT = 1
WRITE_THREADS = 4
_DIGEST_SIZE = 32  # bytes of the SHA-256 that heads every blob file


@dataclass(frozen=True)
class ListingKey:
    """Where a listing was made: which repository (backend identity), branch, folder, extension and depth."""

    backend: str
    branch: str
    folder: str
    extension: str | None = None
    depth: int | None = None

    def file_name(self) -> str:
        """A file name unique to this key (a hash: folders and identities may hold any character)."""
        text = json.dumps([CACHE_FORMAT, self.backend, self.branch, self.folder, self.extension, self.depth])
        return hashlib.sha256(text.encode("utf-8")).hexdigest() + ".json"


class ContentCache:
    """Content-addressed blob cache plus a listing cache, both under `root`; safe to share between threads."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.blob_dir = self.root / "blobs"
        self.listing_dir = self.root / "listings"
        self.meta_dir = self.root / "metas"
        self.login_dir = self.root / "logins"

    # --- blobs -----------------------------------------------------------------------------------

    def _blob_path(self, blob_id: str) -> Path:
        safe = _safe_id(blob_id)
        return self.blob_dir / safe[:2] / safe[2:]

    def get_blob(self, blob_id: str) -> bytes | None:
        """The cached content of `blob_id`, or None when absent or damaged (a damaged file is removed)."""
        path = self._blob_path(blob_id)
        try:
            stored = path.read_bytes()
        except OSError:
            return None
        digest, data = stored[:_DIGEST_SIZE], stored[_DIGEST_SIZE:]
        if len(digest) != _DIGEST_SIZE or hashlib.sha256(data).digest() != digest or not _matches_git_id(blob_id, data):
            _remove_quietly(path)
            return None
        return data

    def has_blob(self, blob_id: str) -> bool:
        """Whether `blob_id` is cached and intact."""
        return self.get_blob(blob_id) is not None

    def get_blobs(self, blob_ids: Iterable[str]) -> dict[str, bytes]:
        """The cached contents of those `blob_ids` that are present and intact."""
        found: dict[str, bytes] = {}
        for blob_id in blob_ids:
            data = self.get_blob(blob_id)
            if data is not None:
                found[blob_id] = data
        return found

    def put_blob(self, blob_id: str, data: bytes) -> None:
        """Store `data` under `blob_id` (atomically; an existing intact copy is left as it is).

        When `blob_id` is a git SHA-1 and `data` does not hash to it, nothing is stored: the cache must never
        answer with the wrong content for an id.
        """
        if not blob_id or not _matches_git_id(blob_id, data):
            return
        path = self._blob_path(blob_id)
        if path.exists() and self.get_blob(blob_id) is not None:
            return
        write_atomically(path, hashlib.sha256(data).digest() + data, durable=False)

    def put_blobs(self, items: Iterable[tuple[str, bytes]]) -> None:
        """Store many blobs; files are created from a few threads (creating files is what costs, not bytes)."""
        pending = list(items)
        if len(pending) < 8:
            for blob_id, data in pending:
                self.put_blob(blob_id, data)
            return
        with ThreadPoolExecutor(max_workers=WRITE_THREADS, thread_name_prefix="cache-write") as pool:
            for _ in pool.map(lambda item: self.put_blob(*item), pending):
                pass

    # --- last author/date of files ------------------------------------------------------------

    def _meta_path(self, blob_id: str, path: str) -> Path:
        # by blob id AND path: two files with the same content (two empty files) have different histories
        name = hashlib.sha256(json.dumps([CACHE_FORMAT, blob_id, path]).encode("utf-8")).hexdigest()
        return self.meta_dir / name[:2] / (name[2:] + ".json")

    def get_meta(self, blob_id: str, path: str) -> FileMeta | None:
        """The last author/date cached for `path` holding blob `blob_id`; None when absent or damaged."""
        if not blob_id:
            return None
        try:
            stored = json.loads(self._meta_path(blob_id, path).read_bytes())
            payload = stored["payload"]
            if hashlib.sha256(payload.encode("utf-8")).hexdigest() != stored["sha256"]:
                return None
            author, updated_on = json.loads(payload)
            return FileMeta(author=str(author), updated_on=str(updated_on))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def put_metas(self, items: Iterable[tuple[str, str, FileMeta]]) -> None:
        """Store (blob id, path, meta) items: a file whose blob id is unchanged is never asked about again."""
        for blob_id, path, meta in items:
            if not blob_id:
                continue
            payload = json.dumps([meta.author, meta.updated_on])
            stored = {"sha256": hashlib.sha256(payload.encode("utf-8")).hexdigest(), "payload": payload}
            write_atomically(self._meta_path(blob_id, path), json.dumps(stored).encode("utf-8"), durable=False)

    # --- listings --------------------------------------------------------------------------------

    def get_listing(self, key: ListingKey, head: str | None = None) -> Listing | None:
        """The cached listing for `key`; with `head`, only when it was listed at that head."""
        path = self.listing_dir / key.file_name()
        try:
            stored = json.loads(path.read_text("utf-8"))
            payload = stored["payload"]
            if hashlib.sha256(payload.encode("utf-8")).hexdigest() != stored["sha256"]:
                raise ValueError("checksum mismatch")
            body = json.loads(payload)
            if body["key"] != [key.backend, key.branch, key.folder, key.extension, key.depth]:
                raise ValueError("key mismatch")
            listing = Listing(
                head=str(body["head"]),
                files=tuple(RepoFile(path=str(p), id=str(i), size=s) for p, i, s in body["files"]),
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as error:
            del error  # damaged or foreign file: a miss, and the next put replaces it
            _remove_quietly(path)
            return None
        if head is not None and listing.head != head:
            return None
        return listing

    def put_listing(self, key: ListingKey, listing: Listing) -> None:
        """Remember `listing` for `key` (replacing any older one)."""
        body = {
            "key": [key.backend, key.branch, key.folder, key.extension, key.depth],
            "head": listing.head,
            "files": [[f.path, f.id, f.size] for f in listing.files],
        }
        payload = json.dumps(body, separators=(",", ":"))
        digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()
        stored = {"format": CACHE_FORMAT, "sha256": digest, "payload": payload}
        write_atomically(self.listing_dir / key.file_name(), json.dumps(stored).encode("utf-8"), durable=False)


    # --- who a login is ----------------------------------------------------------------------------

    def _login_path(self, login_key: str) -> Path:
        return self.login_dir / (hashlib.sha256(login_key.encode("utf-8")).hexdigest() + ".json")

    def get_user(self, login_key: str) -> User | None:
        """The user the last full check of the login `login_key` returned; None when unknown or damaged."""
        path = self._login_path(login_key)
        try:
            stored = json.loads(path.read_text("utf-8"))
            payload = stored["payload"]
            if hashlib.sha256(payload.encode("utf-8")).hexdigest() != stored["sha256"]:
                raise ValueError("checksum mismatch")
            body = json.loads(payload)
            if body["key"] != login_key:
                raise ValueError("key mismatch")
            return User(login=str(body["login"]), name=str(body["name"]), email=str(body["email"]),
                        avatar_url=str(body["avatar_url"]), can_write=bool(body["can_write"]),
                        scopes=tuple(str(s) for s in body["scopes"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            _remove_quietly(path)  # damaged or foreign: a miss, and the next full check writes it again
            return None

    def put_user(self, login_key: str, user: User) -> None:
        """Remember `user` as what the full check of the login `login_key` returned."""
        body = {"key": login_key, "login": user.login, "name": user.name, "email": user.email,
                "avatar_url": user.avatar_url, "can_write": user.can_write, "scopes": list(user.scopes)}
        payload = json.dumps(body, separators=(",", ":"))
        stored = {"format": CACHE_FORMAT, "sha256": hashlib.sha256(payload.encode("utf-8")).hexdigest(),
                  "payload": payload}
        write_atomically(self._login_path(login_key), json.dumps(stored).encode("utf-8"), durable=False)

    def forget_user(self, login_key: str) -> None:
        """Forget the login `login_key` (its token was refused): the next open checks it in full."""
        _remove_quietly(self._login_path(login_key))


def _safe_id(blob_id: str) -> str:
    # Git ids are hex already; any other id (a host's opaque one) is hashed so it is a safe file name.
    if len(blob_id) >= 4 and all(c in "0123456789abcdef" for c in blob_id):
        return blob_id
    return "x" + hashlib.sha256(blob_id.encode("utf-8")).hexdigest()


def _matches_git_id(blob_id: str, data: bytes) -> bool:
    """False only when `blob_id` is a git SHA-1 (40 hex digits) and `data` hashes to something else."""
    if len(blob_id) != 40 or any(c not in "0123456789abcdef" for c in blob_id):
        return True
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest() == blob_id


def _remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


