"""An in-memory git object store whose blob, tree and commit ids are git's own SHA-1 ids.

Shared by every fake Git host: the hosts differ in their HTTP surface, not in how content
is stored. Trees may name objects the store does not hold (a partial copy of a recorded
repository): their ids are still exact, only reading the missing object fails.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

MODE_FILE = "100644"
MODE_EXECUTABLE = "100755"
MODE_TREE = "040000"
MODE_SYMLINK = "120000"
MODE_SUBMODULE = "160000"
MODES = {MODE_FILE, MODE_EXECUTABLE, MODE_TREE, MODE_SYMLINK, MODE_SUBMODULE}
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


class StoreError(Exception):
    """A store operation failed; `kind` says how (not_found, conflict, invalid)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def object_id(kind: str, body: bytes) -> str:
    """Git's id of an object: sha1 of "<kind> <len>\\0" + body."""
    return hashlib.sha1(f"{kind} {len(body)}\0".encode() + body).hexdigest()


def kind_of_mode(mode: str) -> str:
    """The object type a tree entry mode names (blob, tree or commit)."""
    if mode == MODE_TREE:
        return "tree"
    if mode == MODE_SUBMODULE:
        return "commit"
    return "blob"


@dataclass(frozen=True)
class TreeEntry:
    """One tree entry: name, mode (as git writes it, 040000 for trees), object id."""

    name: str
    mode: str
    sha: str

    @property
    def type(self) -> str:
        """blob, tree or commit."""
        return kind_of_mode(self.mode)

    def sort_key(self) -> bytes:
        # git compares names as if directories ended in "/"
        return self.name.encode() + (b"/" if self.mode == MODE_TREE else b"")


@dataclass(frozen=True)
class Signature:
    """Author or committer: name, email, unix time and a "+HHMM" offset."""

    name: str
    email: str
    timestamp: int
    tz: str = "+0000"

    def raw(self) -> str:
        return f"{self.name} <{self.email}> {self.timestamp} {self.tz}"


@dataclass(frozen=True)
class Commit:
    """A commit object."""

    sha: str
    tree: str
    parents: tuple[str, ...]
    author: Signature
    committer: Signature
    message: str


@dataclass
class ListedEntry:
    """An entry of a recursive listing: full path, mode, type, id and blob size if known."""

    path: str
    mode: str
    type: str
    sha: str
    size: int | None = None


def tree_body(entries: list[TreeEntry]) -> bytes:
    """The raw body of a tree object (binary ids, git's entry order)."""
    out = bytearray()
    for entry in sorted(entries, key=TreeEntry.sort_key):
        mode = entry.mode.lstrip("0") or "0"  # git writes trees as "40000"
        out += f"{mode} {entry.name}".encode() + b"\0" + bytes.fromhex(entry.sha)
    return bytes(out)


def commit_body(tree: str, parents: tuple[str, ...], author: Signature, committer: Signature,
                message: str) -> bytes:
    """The raw body of a commit object."""
    lines = [f"tree {tree}"] + [f"parent {p}" for p in parents]
    lines += [f"author {author.raw()}", f"committer {committer.raw()}"]
    return ("\n".join(lines) + "\n\n" + message).encode()


@dataclass
class GitStore:
    """Blobs, trees, commits and branch refs, safe to use from several threads."""

    blobs: dict[str, bytes] = field(default_factory=dict)
    trees: dict[str, tuple[TreeEntry, ...]] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)  # "heads/main" -> commit sha
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    # ---- objects -------------------------------------------------------------------------
    def put_blob(self, data: bytes) -> str:
        """Store a blob; returns its git id."""
        sha = object_id("blob", data)
        with self.lock:
            self.blobs[sha] = data
        return sha

    def blob(self, sha: str) -> bytes:
        """The bytes of a blob, or StoreError(not_found)."""
        try:
            return self.blobs[sha]
        except KeyError:
            raise StoreError("not_found", f"no blob {sha}") from None

    def put_tree(self, entries: list[TreeEntry]) -> str:
        """Store a tree from its entries; returns its git id."""
        names = [e.name for e in entries]
        if len(names) != len(set(names)):
            raise StoreError("invalid", f"duplicate names in tree: {sorted(names)}")
        for entry in entries:
            if entry.mode not in MODES or not entry.name or "/" in entry.name:
                raise StoreError("invalid", f"bad tree entry {entry!r}")
        ordered = tuple(sorted(entries, key=TreeEntry.sort_key))
        sha = object_id("tree", tree_body(list(ordered)))
        with self.lock:
            self.trees[sha] = ordered
        return sha

    def tree(self, sha: str) -> tuple[TreeEntry, ...]:
        """The entries of a tree, or StoreError(not_found)."""
        if sha == EMPTY_TREE:
            return ()
        try:
            return self.trees[sha]
        except KeyError:
            raise StoreError("not_found", f"no tree {sha}") from None

    def put_commit(self, tree: str, parents: list[str] | tuple[str, ...], message: str,
                   author: Signature, committer: Signature | None = None) -> str:
        """Store a commit; returns its git id."""
        parents = tuple(parents)
        committer = committer or author
        sha = object_id("commit", commit_body(tree, parents, author, committer, message))
        with self.lock:
            self.commits[sha] = Commit(sha, tree, parents, author, committer, message)
        return sha

    def commit(self, sha: str) -> Commit:
        """A commit, or StoreError(not_found)."""
        try:
            return self.commits[sha]
        except KeyError:
            raise StoreError("not_found", f"no commit {sha}") from None

    def kind(self, sha: str) -> str | None:
        """blob, tree, commit or None for an id the store does not hold."""
        if sha in self.blobs:
            return "blob"
        if sha in self.trees or sha == EMPTY_TREE:
            return "tree"
        if sha in self.commits:
            return "commit"
        return None

    # ---- refs ----------------------------------------------------------------------------
    def branch(self, name: str) -> str:
        """The commit a branch points at, or StoreError(not_found)."""
        try:
            return self.refs[f"heads/{name}"]
        except KeyError:
            raise StoreError("not_found", f"no branch {name}") from None

    def set_ref(self, ref: str, sha: str, *, expected: str | None = None, force: bool = True,
                create: bool = False) -> None:
        """Point `ref` ("heads/x") at a commit.

        `create` refuses an existing ref; `expected` refuses when the ref moved; without
        `force` only fast-forwards are accepted (GitHub's ref semantics).
        """
        with self.lock:
            self.commit(sha)
            current = self.refs.get(ref)
            if create and current is not None:
                raise StoreError("conflict", "Reference already exists")
            if create and any(r.startswith(ref + "/") or ref.startswith(r + "/") for r in self.refs):
                # git keeps refs as files: "heads/a" and "heads/a/b" cannot both exist
                raise StoreError("conflict", "Reference update failed")
            if not create and current is None:
                raise StoreError("not_found", f"no ref {ref}")
            if expected is not None and current != expected:
                raise StoreError("conflict", f"{ref} is at {current}, expected {expected}")
            if current is not None and not force and not self.is_ancestor(current, sha):
                raise StoreError("conflict", "Update is not a fast forward")
            self.refs[ref] = sha

    def delete_ref(self, ref: str) -> None:
        """Remove a ref, or StoreError(not_found)."""
        with self.lock:
            if self.refs.pop(ref, None) is None:
                raise StoreError("not_found", f"no ref {ref}")

    # ---- trees as paths ------------------------------------------------------------------
    def resolve(self, tree_ish: str) -> str:
        """A tree id from a tree id, commit id or branch name."""
        if self.kind(tree_ish) == "tree":
            return tree_ish
        if tree_ish in self.commits:
            return self.commits[tree_ish].tree
        if f"heads/{tree_ish}" in self.refs:
            return self.commits[self.refs[f"heads/{tree_ish}"]].tree
        raise StoreError("not_found", f"cannot resolve {tree_ish!r} to a tree")

    def commitish(self, rev: str) -> str:
        """A commit id from a commit id, branch name or "refs/heads/x"."""
        if rev in self.commits:
            return rev
        name = rev.removeprefix("refs/").removeprefix("heads/")
        if f"heads/{name}" in self.refs:
            return self.refs[f"heads/{name}"]
        raise StoreError("not_found", f"no commit {rev!r}")

    def lookup(self, tree: str, path: str) -> TreeEntry | None:
        """The entry at `path` below `tree` ("" gives a synthetic entry for the tree itself)."""
        parts = [p for p in path.strip("/").split("/") if p]
        entry = TreeEntry("", MODE_TREE, tree)
        for part in parts:
            if entry.mode != MODE_TREE:
                return None
            found = [e for e in self.tree(entry.sha) if e.name == part]
            if not found:
                return None
            entry = found[0]
        return entry

    def walk(self, tree: str, prefix: str = "") -> Iterator[ListedEntry]:
        """Every entry below `tree`, depth first in git's order (as `ls-tree -r -t`)."""
        for entry in self.tree(tree):
            path = f"{prefix}{entry.name}"
            size = len(self.blobs[entry.sha]) if entry.sha in self.blobs else None
            yield ListedEntry(path, entry.mode, entry.type, entry.sha, size)
            if entry.mode == MODE_TREE and (entry.sha in self.trees or entry.sha == EMPTY_TREE):
                yield from self.walk(entry.sha, path + "/")

    def files(self, tree: str) -> dict[str, str]:
        """path -> blob id for every blob below `tree`."""
        return {e.path: e.sha for e in self.walk(tree) if e.type == "blob"}

    def write_tree(self, base: str | None, changes: Mapping[str, tuple[str, str] | None]) -> str:
        """A new tree: `base` (tree id or None) with changes path -> (mode, sha) or None (delete).

        Directories left empty disappear, as in git.
        """
        root: dict[str, object] = {}
        if base is not None:
            root = self._expand(base)
        for path, change in changes.items():
            parts = [p for p in path.strip("/").split("/") if p]
            if not parts:
                raise StoreError("invalid", f"bad path {path!r}")
            node = root
            for part in parts[:-1]:
                child = node.get(part)
                if isinstance(child, TreeEntry):
                    if child.mode != MODE_TREE:
                        if change is None:
                            break
                        child = {}
                    else:
                        child = self._expand(child.sha)
                elif child is None:
                    if change is None:
                        break
                    child = {}
                node[part] = child
                node = child  # type: ignore[assignment]
            else:
                if change is None:
                    node.pop(parts[-1], None)
                else:
                    mode, sha = change
                    node[parts[-1]] = TreeEntry(parts[-1], mode, sha)
        sha = self._write(root)
        return sha if sha is not None else self.put_tree([])

    def _expand(self, tree: str) -> dict[str, object]:
        return {e.name: e for e in self.tree(tree)}

    def _write(self, node: dict[str, object]) -> str | None:
        entries = []
        for name, child in node.items():
            if isinstance(child, TreeEntry):
                entries.append(child)
            else:
                sub = self._write(child)  # type: ignore[arg-type]
                if sub is not None:
                    entries.append(TreeEntry(name, MODE_TREE, sub))
        if not entries:
            return None
        return self.put_tree(entries)

    # ---- history -------------------------------------------------------------------------
    def ancestors(self, sha: str) -> dict[str, int]:
        """Every commit reachable from `sha` (itself included) -> its distance."""
        seen: dict[str, int] = {}
        frontier = [(sha, 0)]
        while frontier:
            current, depth = frontier.pop(0)
            if current in seen or current not in self.commits:
                continue
            seen[current] = depth
            frontier += [(p, depth + 1) for p in self.commits[current].parents]
        return seen

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """Whether `ancestor` is reachable from `descendant`."""
        return ancestor in self.ancestors(descendant)

    def merge_base(self, a: str, b: str) -> str | None:
        """The nearest common ancestor of two commits (None when unrelated)."""
        left = self.ancestors(a)
        right = self.ancestors(b)
        common = [c for c in left if c in right]
        if not common:
            return None
        return min(common, key=lambda c: (left[c] + right[c], left[c]))

    def log(self, head: str, path: str | None = None) -> list[Commit]:
        """Commits reachable from `head`, newest first; with `path`, those that changed it."""
        order = sorted(self.ancestors(head).items(),
                       key=lambda kv: (-self.commits[kv[0]].committer.timestamp, kv[1]))
        result = []
        for sha, _depth in order:
            commit = self.commits[sha]
            if path is None:
                result.append(commit)
                continue
            mine = self._path_id(commit.tree, path)
            parents = [self._path_id(self.commits[p].tree, path)
                       for p in commit.parents if p in self.commits]
            if (not parents and mine is not None) or (parents and all(p != mine for p in parents)):
                result.append(commit)
        return result

    def _path_id(self, tree: str, path: str) -> str | None:
        try:
            entry = self.lookup(tree, path)
        except StoreError:
            return None
        return None if entry is None else entry.sha

    def diff(self, old_tree: str | None, new_tree: str) -> list[tuple[str, str, str | None, str | None]]:
        """Files changed between two trees: (path, status, old sha, new sha), sorted by path.

        status is added, modified or removed.
        """
        old = self.files(old_tree) if old_tree else {}
        new = self.files(new_tree)
        out = []
        for path in sorted(set(old) | set(new)):
            before, after = old.get(path), new.get(path)
            if before == after:
                continue
            status = "added" if before is None else "removed" if after is None else "modified"
            out.append((path, status, before, after))
        return out

    def compare(self, base: str, head: str) -> dict[str, object]:
        """ahead_by/behind_by/merge_base/commits/files between two commits (GitHub's compare)."""
        mb = self.merge_base(base, head)
        head_anc = self.ancestors(head)
        base_anc = self.ancestors(base)
        ahead = [c for c in head_anc if c not in base_anc]
        behind = [c for c in base_anc if c not in head_anc]
        ahead_commits = sorted(ahead, key=lambda c: -head_anc[c])  # oldest first
        if not ahead:
            status = "identical" if not behind else "behind"
        else:
            status = "ahead" if not behind else "diverged"
        mb_tree = self.commits[mb].tree if mb else None
        return {
            "status": status,
            "ahead_by": len(ahead),
            "behind_by": len(behind),
            "merge_base": mb,
            "commits": [self.commits[c] for c in ahead_commits],
            "files": self.diff(mb_tree, self.commits[head].tree),
        }


def lfs_pointer(data: bytes) -> tuple[str, bytes]:
    """The Git LFS object id (sha256) of `data` and the pointer file a repository holds in its place."""
    oid = hashlib.sha256(data).hexdigest()
    return oid, f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {len(data)}\n".encode()


def lfs_oid(data: bytes) -> str | None:
    """The object id a Git LFS pointer file names, None when `data` is not a pointer."""
    if not data.startswith(b"version https://git-lfs.github.com/spec/v1\n"):
        return None
    found = re.search(rb"^oid sha256:([0-9a-f]{64})$", data, re.MULTILINE)
    return found.group(1).decode() if found else None
