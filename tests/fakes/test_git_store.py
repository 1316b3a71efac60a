"""The store's ids are git's: checked against the git command line."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.fakes.git_store import (
    EMPTY_TREE,
    MODE_EXECUTABLE,
    MODE_FILE,
    MODE_SUBMODULE,
    MODE_SYMLINK,
    MODE_TREE,
    GitStore,
    Signature,
    StoreError,
    TreeEntry,
)

ALICE = Signature("Alice", "alice@example.com", 1_700_000_000, "+0100")


def git(repo: Path, *args: str, data: bytes | None = None) -> str:
    env = {"GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(["git", *args], cwd=repo, input=data, capture_output=True, check=True, env=env)
    return result.stdout.decode().strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    return tmp_path


@pytest.mark.parametrize("data", [b"", b"hello\n", "ünïcode — ✓".encode(), bytes(range(256)) * 10])
def test_blob_ids_match_git_hash_object(repo: Path, data: bytes) -> None:
    assert GitStore().put_blob(data) == git(repo, "hash-object", "--stdin", data=data)


def test_tree_ids_match_git_mktree_with_every_mode_and_git_ordering(repo: Path) -> None:
    store = GitStore()
    blob = git(repo, "hash-object", "-w", "--stdin", data=b"x")
    sub = git(repo, "mktree", data=f"100644 blob {blob}\tinner\n".encode())
    commit = "c0ffee" * 6 + "c0ff"  # a submodule's commit lives elsewhere
    # "a.b" sorts before the directory "a" (compared as "a/"), which sorts before "a0"
    entries = [
        TreeEntry("a0", MODE_FILE, blob),
        TreeEntry("a", MODE_TREE, sub),
        TreeEntry("a.b", MODE_EXECUTABLE, blob),
        TreeEntry("link", MODE_SYMLINK, blob),
        TreeEntry("module", MODE_SUBMODULE, commit),
    ]
    listing = "".join(f"{e.mode} {e.type} {e.sha}\t{e.name}\n" for e in entries)
    expected = git(repo, "mktree", "--missing", data=listing.encode())
    assert store.put_tree(entries) == expected
    assert [e.name for e in store.tree(expected)] == ["a.b", "a", "a0", "link", "module"]
    assert git(repo, "ls-tree", expected).splitlines()[1].endswith("\ta")


def test_write_tree_matches_git_write_tree_for_nested_changes_and_deletes(repo: Path) -> None:
    files = {"README.md": b"readme\n", "content/posts/a.md": b"a\n", "content/posts/b.md": b"b\n",
             "static/media/x.png": bytes(range(50)), "content/pages/about.md": b"about\n"}
    store = GitStore()
    base = store.write_tree(None, {p: (MODE_FILE, store.put_blob(d)) for p, d in files.items()})
    for path, data in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_bytes(data)
    git(repo, "add", ".")
    assert base == git(repo, "write-tree")

    changed = store.write_tree(base, {"content/posts/a.md": (MODE_FILE, store.put_blob(b"new\n")),
                                      "static/media/x.png": None,
                                      "content/new/deep/c.md": (MODE_FILE, store.put_blob(b"c\n"))})
    (repo / "content/posts/a.md").write_bytes(b"new\n")
    (repo / "static/media/x.png").unlink()
    (repo / "static/media").rmdir()
    (repo / "content/new/deep").mkdir(parents=True)
    (repo / "content/new/deep/c.md").write_bytes(b"c\n")
    git(repo, "add", "-A")
    assert changed == git(repo, "write-tree")
    assert store.lookup(changed, "static") is None
    assert store.lookup(changed, "content/new/deep/c.md").sha == store.put_blob(b"c\n")


def test_commit_ids_match_git_commit_tree(repo: Path) -> None:
    store = GitStore()
    tree = store.write_tree(None, {"f.txt": (MODE_FILE, store.put_blob(b"f\n"))})
    (repo / "f.txt").write_bytes(b"f\n")
    git(repo, "add", ".")
    assert git(repo, "write-tree") == tree
    env_date = "1700000000 +0100"
    cmd = ["env", f"GIT_AUTHOR_NAME={ALICE.name}", f"GIT_AUTHOR_EMAIL={ALICE.email}",
           f"GIT_AUTHOR_DATE={env_date}", f"GIT_COMMITTER_NAME={ALICE.name}",
           f"GIT_COMMITTER_EMAIL={ALICE.email}", f"GIT_COMMITTER_DATE={env_date}",
           "HOME=" + str(repo), "git", "commit-tree", tree]
    first = subprocess.run(cmd, cwd=repo, input=b"first\n", capture_output=True, check=True).stdout.decode().strip()
    assert store.put_commit(tree, [], "first\n", ALICE) == first
    second = subprocess.run([*cmd, "-p", first], cwd=repo, input=b"second\n", capture_output=True,
                            check=True).stdout.decode().strip()
    assert store.put_commit(tree, [first], "second\n", ALICE) == second


def test_empty_tree_has_gits_well_known_id() -> None:
    assert GitStore().put_tree([]) == EMPTY_TREE


def test_refs_refuse_non_fast_forward_without_force() -> None:
    store = GitStore()
    tree = store.put_tree([])
    root = store.put_commit(tree, [], "root", ALICE)
    child = store.put_commit(tree, [root], "child", ALICE)
    other = store.put_commit(tree, [root], "other", ALICE)
    store.set_ref("heads/main", root, create=True)
    store.set_ref("heads/main", child, force=False)
    with pytest.raises(StoreError, match="not a fast forward"):
        store.set_ref("heads/main", other, force=False)
    store.set_ref("heads/main", other, force=True)
    assert store.branch("main") == other
    with pytest.raises(StoreError, match="already exists"):
        store.set_ref("heads/main", root, create=True)
    store.delete_ref("heads/main")
    with pytest.raises(StoreError):
        store.branch("main")


def test_compare_counts_ahead_behind_and_lists_changed_files() -> None:
    store = GitStore()
    t0 = store.write_tree(None, {"a.md": (MODE_FILE, store.put_blob(b"a"))})
    base = store.put_commit(t0, [], "base", ALICE)
    t1 = store.write_tree(t0, {"b.md": (MODE_FILE, store.put_blob(b"b"))})
    head = store.put_commit(t1, [base], "add b", ALICE)
    t2 = store.write_tree(t0, {"a.md": None, "c.md": (MODE_FILE, store.put_blob(b"c"))})
    main = store.put_commit(t2, [base], "main moves", ALICE)
    result = store.compare(main, head)
    assert (result["status"], result["ahead_by"], result["behind_by"]) == ("diverged", 1, 1)
    assert result["merge_base"] == base
    assert [(p, s) for p, s, _o, _n in result["files"]] == [("b.md", "added")]
    assert store.compare(base, head)["status"] == "ahead"


def test_log_for_a_path_lists_only_commits_that_changed_it() -> None:
    store = GitStore()
    t0 = store.write_tree(None, {"a.md": (MODE_FILE, store.put_blob(b"a"))})
    c0 = store.put_commit(t0, [], "c0", Signature("A", "a@x", 1))
    t1 = store.write_tree(t0, {"b.md": (MODE_FILE, store.put_blob(b"b"))})
    c1 = store.put_commit(t1, [c0], "c1", Signature("B", "b@x", 2))
    t2 = store.write_tree(t1, {"a.md": (MODE_FILE, store.put_blob(b"a2"))})
    c2 = store.put_commit(t2, [c1], "c2", Signature("C", "c@x", 3))
    assert [c.sha for c in store.log(c2, "a.md")] == [c2, c0]
    assert [c.sha for c in store.log(c2, "b.md")] == [c1]
    assert [c.sha for c in store.log(c2)] == [c2, c1, c0]


def test_a_ref_cannot_sit_below_or_above_another_ref() -> None:
    store = GitStore()
    root = store.put_commit(store.put_tree([]), [], "root", ALICE)
    store.set_ref("heads/cms/posts", root, create=True)
    with pytest.raises(StoreError, match="Reference update failed"):
        store.set_ref("heads/cms/posts/spring", root, create=True)
    with pytest.raises(StoreError, match="Reference update failed"):
        store.set_ref("heads/cms", root, create=True)
    store.set_ref("heads/cms-other", root, create=True)
