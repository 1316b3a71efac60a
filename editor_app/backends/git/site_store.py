"""One site's Git objects on disk: a real bare repository in the app's cache dir, bounded, `git fsck`-clean.

The repository is shallow (depth-1 commits are listed in `shallow`) and partial: packs fetched with a filter
are marked `.promisor` and the repository declares `extensions.partialClone`, which is how Git itself
records that missing blobs are to be fetched from the remote, so `git fsck` accepts them. A pack only
becomes visible once it has been checked end to end (trailer checksum, every object inflated and hashed,
the objects asked for present); until then it is a temporary file that is removed on any failure.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import threading
import uuid
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

from dulwich.config import ConfigFile
from dulwich.errors import ChecksumMismatch
from dulwich.object_format import DEFAULT_OBJECT_FORMAT
from dulwich.object_store import DiskObjectStore
from dulwich.objects import Blob, Commit, ObjectID, ShaFile, Tree
from dulwich.pack import PackData, UnpackedObjectIterator, write_pack_index_v2
from dulwich.refs import DiskRefsContainer, Ref
from dulwich.repo import Repo

from editor_app.errors import EditorError, NetworkError

# A site's store is dropped and rebuilt by the next open once it grows past this. It holds trees and the
# text blobs the app reads (media are never fetched on hosts with filters), plus at most one depth-1 tree on
# hosts without filters, itself bounded by `GitSettings.max_full_tree_bytes` (100 MiB); 512 MiB leaves room
# for several generations of either while keeping ten sites' stores within a few GB of cache.
DEFAULT_MAX_STORE_BYTES = 512 * 1024 * 1024
# Every fetch adds a pack and every lookup probes each pack's index; past this many the store is rebuilt
# too. A rebuild is cheap: the next open fetches the head's trees again, and the blobs the app already
# holds in its content cache are not asked for.
DEFAULT_MAX_PACKS = 64
PROMISOR_REMOTE = "origin"
_BRANCH = re.compile(r"^[A-Za-z0-9._/-]+$")


@dataclass(frozen=True)
class TreeFile:
    """A file in a commit's tree: path from the repository root, blob id, Git file mode."""

    path: str
    id: str
    mode: int


def oid(hex_id: str) -> ObjectID:
    """dulwich's typed object id from a hex string."""
    return ObjectID(hex_id.encode("ascii"))


class CorruptPackError(NetworkError):
    """A received pack failed verification; nothing from it was stored."""


class _IndexingIterator(UnpackedObjectIterator):
    """Resolved objects of a pack with their offsets and CRC32s: what an index needs, plus the content."""

    _compute_crc32 = True


def site_store_dir(cache_dir: Path, site_key: str) -> Path:
    """Where a site's store lives: `<cache>/git/<readable part>-<hash of the key>.git`."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "-", site_key).strip("-.")[:60] or "site"
    digest = hashlib.sha256(site_key.encode()).hexdigest()[:12]
    return cache_dir / "git" / f"{readable}-{digest}.git"


class SiteObjectStore:
    """A bare repository holding one site's fetched objects, refs for the heads read, and its shallow list."""

    def __init__(
        self,
        path: Path,
        *,
        remote_url: str = "",
        max_bytes: int = DEFAULT_MAX_STORE_BYTES,
        max_packs: int = DEFAULT_MAX_PACKS,
    ) -> None:
        self.path = path
        self.remote_url = remote_url
        self.max_bytes = max_bytes
        self.max_packs = max_packs
        self._lock = threading.RLock()
        self._known: set[str] | None = None
        self._objects, self._refs = self._open_or_init()

    def _open_or_init(self) -> tuple[DiskObjectStore, DiskRefsContainer]:
        if not ((self.path / "objects").is_dir() and (self.path / "HEAD").is_file()):
            self.path.mkdir(parents=True, exist_ok=True)
            Repo.init_bare(str(self.path)).close()
        config_path = self.path / "config"
        config = ConfigFile.from_path(str(config_path))
        # Partial clone bookkeeping as git writes it, so `git fsck` and `git cat-file` understand the store.
        # (dulwich's Repo refuses `extensions.partialClone`, so the store uses its object store and refs.)
        config.set((b"core",), b"repositoryformatversion", b"1")
        config.set((b"extensions",), b"partialClone", PROMISOR_REMOTE.encode())
        config.set((b"remote", PROMISOR_REMOTE.encode()), b"promisor", b"true")
        config.set((b"remote", PROMISOR_REMOTE.encode()), b"partialclonefilter", b"blob:none")
        if self.remote_url:
            config.set((b"remote", PROMISOR_REMOTE.encode()), b"url", self.remote_url.encode())
        config.write_to_path(str(config_path))
        return DiskObjectStore(str(self.path / "objects")), DiskRefsContainer(str(self.path))

    def close(self) -> None:
        with self._lock:
            self._objects.close()

    # -- refs and shallow ---------------------------------------------------------------------------------

    def head(self, branch: str) -> str | None:
        """The commit last read for `branch`, or None."""
        with self._lock:
            value = self._refs.as_dict().get(self._ref(branch))
            return value.decode("ascii") if value is not None else None

    def set_head(self, branch: str, commit: str) -> None:
        with self._lock:
            self._refs[self._ref(branch)] = oid(commit)
            self._refs.set_symbolic_ref(Ref(b"HEAD"), self._ref(branch))

    @staticmethod
    def _ref(branch: str) -> Ref:
        if not _BRANCH.match(branch) or ".." in branch:
            raise ValueError(f"unsafe branch name {branch!r}")
        return Ref(b"refs/heads/" + branch.encode())

    def shallow(self) -> set[str]:
        """Commits whose parents the store does not have."""
        path = self.path / "shallow"
        if not path.is_file():
            return set()
        return {line for line in path.read_text("ascii").split() if line}

    def update_shallow(self, add: Collection[str], remove: Collection[str]) -> None:
        with self._lock:
            current = (self.shallow() | set(add)) - set(remove)
            self._write_atomic(self.path / "shallow", "".join(f"{oid}\n" for oid in sorted(current)).encode())

    def haves(self) -> list[str]:
        """Commits to offer as `have`s: every head the store holds."""
        with self._lock:
            values = {v.decode("ascii") for k, v in self._refs.as_dict().items() if k.startswith(b"refs/heads/")}
            return sorted(oid for oid in values if self.contains(oid))

    # -- objects ------------------------------------------------------------------------------------------

    def contains(self, hex_id: str) -> bool:
        with self._lock:
            return hex_id in self._ids()

    def _ids(self) -> set[str]:
        """Every object id the store holds, read once from the pack indexes (the store writes no loose objects).

        dulwich's per-id lookup also probes for a loose object on disk: 10,000 checks cost a second or more.
        """
        if self._known is None:
            known: set[str] = set()
            for pack in self._objects.packs:
                known.update(bytes(entry[0]).hex() for entry in pack.index.iterentries())
            self._known = known
        return self._known

    def read_blobs(self, ids: Iterable[str]) -> dict[str, bytes]:
        """Contents of blobs by id, read from the packs directly (KeyError for one the store lacks)."""
        result: dict[str, bytes] = {}
        with self._lock:
            packs = list(self._objects.packs)
            for hex_id in ids:
                for pack in packs:
                    if oid(hex_id) in pack:
                        type_num, data = pack.get_raw(oid(hex_id))
                        break
                else:
                    raise KeyError(hex_id)
                if type_num != Blob.type_num:
                    raise KeyError(hex_id)
                result[hex_id] = data
        return result

    def missing(self, ids: Iterable[str]) -> list[str]:
        """The ids among `ids` that the store lacks, in order, without repeats."""
        seen: set[str] = set()
        result = []
        for oid in ids:
            if oid not in seen:
                seen.add(oid)
                if not self.contains(oid):
                    result.append(oid)
        return result

    def read_blob(self, hex_id: str) -> bytes:
        obj = self.get(hex_id)
        if not isinstance(obj, Blob):
            raise KeyError(hex_id)
        return obj.as_raw_string()

    def get(self, hex_id: str) -> ShaFile:
        """An object of the store; KeyError when it lacks it."""
        with self._lock:
            return self._objects[oid(hex_id)]

    def has_trees(self, commit: str) -> bool:
        """True when the commit and every tree below it are in the store (blobs may be missing)."""
        try:
            self.tree_files(commit)
        except KeyError:
            return False
        return True

    def tree_files(self, commit: str, folder: str = "") -> list[TreeFile]:
        """Every file (blobs, not submodules) under `folder` in `commit`'s tree; KeyError if a tree is missing."""
        with self._lock:
            store = self._objects
            obj = store[oid(commit)]
            if not isinstance(obj, Commit):
                raise KeyError(commit)
            tree_id = obj.tree
            prefix = ""
            for part in [p for p in folder.strip("/").split("/") if p]:
                tree = store[tree_id]
                assert isinstance(tree, Tree)
                entry = next((e for e in tree.items() if e.path == part.encode()), None)
                if entry is None or not stat.S_ISDIR(entry.mode):
                    return []
                tree_id = entry.sha
                prefix += part + "/"
            files: list[TreeFile] = []
            self._walk(tree_id, prefix, files)
            return files

    def _walk(self, tree_id: ObjectID, prefix: str, files: list[TreeFile]) -> None:
        tree = self._objects[tree_id]
        if not isinstance(tree, Tree):
            raise KeyError(tree_id.decode("ascii"))
        for entry in tree.items():
            name = prefix + entry.path.decode("utf-8", "surrogateescape")
            if stat.S_ISDIR(entry.mode):
                self._walk(entry.sha, name + "/", files)
            elif stat.S_ISREG(entry.mode) or stat.S_ISLNK(entry.mode):
                files.append(TreeFile(name, entry.sha.decode("ascii"), entry.mode))

    # -- packs --------------------------------------------------------------------------------------------

    def new_pack_path(self) -> Path:
        """A temporary file in the pack directory (same file system, so installing it is a rename)."""
        pack_dir = self.path / "objects" / "pack"
        pack_dir.mkdir(parents=True, exist_ok=True)
        return pack_dir / f"tmp_incoming_{uuid.uuid4().hex}.pack"

    def install_pack(
        self,
        temp_path: Path,
        *,
        promisor: bool,
        verify: Callable[[set[str], Callable[[str], ShaFile]], None],
        keep: Collection[str] = (),
        on_object: Callable[[int, int], None] | None = None,
    ) -> tuple[set[str], dict[str, bytes]]:
        """Check the pack at `temp_path` and move it in; return the ids it held and the contents of `keep`.

        One pass inflates and hashes every object (deltas resolved: the ids come from the content itself),
        builds the index, and keeps the commits, trees and the blobs named in `keep`. `verify(ids, get)` then
        sees the ids and those objects before the pack becomes visible; it raises to refuse the pack. On any
        failure the temporary files are removed and the store is unchanged.
        """
        index_temp = temp_path.with_suffix(".idx")
        wanted = set(keep)
        objects: dict[str, tuple[int, bytes]] = {}
        try:
            if temp_path.stat().st_size == 0:
                return set(), {}
            data = PackData(str(temp_path), object_format=DEFAULT_OBJECT_FORMAT)
            try:
                try:
                    data.check()
                    checksum = data.get_stored_checksum()
                    total = len(data)
                except ChecksumMismatch as exc:
                    raise CorruptPackError(f"the pack received is damaged (checksum mismatch: {exc})") from exc
                except (OSError, ValueError, AssertionError) as exc:
                    raise CorruptPackError(f"the pack received is damaged: {exc}") from exc
                entries: list[tuple[bytes, int, int | None]] = []
                try:
                    for unpacked in _IndexingIterator.for_pack_data(data):
                        raw_id = unpacked.sha()
                        hex_id = raw_id.hex()
                        type_num = unpacked.obj_type_num
                        assert type_num is not None and unpacked.obj_chunks is not None and unpacked.offset is not None
                        if type_num != Blob.type_num or hex_id in wanted:
                            objects[hex_id] = (type_num, b"".join(unpacked.obj_chunks))
                        entries.append((raw_id, unpacked.offset, unpacked.crc32))
                        if on_object is not None and (len(entries) % 256 == 0 or len(entries) == total):
                            on_object(len(entries), total)
                except EditorError:
                    raise
                except Exception as exc:  # zlib, delta and format errors of a damaged pack
                    raise CorruptPackError(f"the pack received is damaged: {type(exc).__name__}: {exc}") from exc
            finally:
                data.close()
            ids = {bytes(raw_id).hex() for raw_id, _, _ in entries}

            def get(hex_id: str) -> ShaFile:
                type_num, raw = objects[hex_id]
                return ShaFile.from_raw_string(type_num, raw)

            verify(ids, get)
            entries.sort()
            with index_temp.open("wb") as index_file:
                write_pack_index_v2(index_file, entries, checksum)
            with self._lock:
                final = temp_path.with_name(f"pack-{checksum.hex()}.pack")
                os.replace(temp_path, final)
                if promisor:
                    final.with_suffix(".promisor").write_bytes(b"")
                # The index last: a pack is visible to readers (ours and git's) only once it has one.
                os.replace(index_temp, final.with_suffix(".idx"))
                self._objects._update_pack_cache()
                if self._known is not None:
                    self._known |= ids
            return ids, {hex_id: objects[hex_id][1] for hex_id in wanted if hex_id in objects}
        finally:
            temp_path.unlink(missing_ok=True)
            index_temp.unlink(missing_ok=True)

    # -- size bound ---------------------------------------------------------------------------------------

    def size_bytes(self) -> int:
        total = 0
        for root, _dirs, names in os.walk(self.path / "objects"):
            for name in names:
                try:
                    total += (Path(root) / name).stat().st_size
                except FileNotFoundError:
                    continue
        return total

    def pack_count(self) -> int:
        return len(list((self.path / "objects" / "pack").glob("pack-*.pack")))

    def over_bound(self) -> bool:
        """True when the store should be rebuilt: larger than `max_bytes` or more than `max_packs` packs."""
        return self.size_bytes() > self.max_bytes or self.pack_count() > self.max_packs

    def reset(self) -> None:
        """Drop every object, ref and the shallow list (the next open fetches afresh)."""
        with self._lock:
            self._objects.close()
            shutil.rmtree(self.path)
            self._known = None
            self._objects, self._refs = self._open_or_init()

    def remove_stale_temporaries(self) -> None:
        """Remove temporary packs left by a process that died mid-download."""
        for path in (self.path / "objects" / "pack").glob("tmp_incoming_*"):
            path.unlink(missing_ok=True)

    @staticmethod
    def _write_atomic(path: Path, data: bytes) -> None:
        temp = path.with_name(path.name + f".tmp{uuid.uuid4().hex[:8]}")
        temp.write_bytes(data)
        os.replace(temp, path)
