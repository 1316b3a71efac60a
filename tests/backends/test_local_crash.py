"""The local backend's save under kill -9 at each of its steps, stale lock files, and failures after the commit.

A save runs in a child process whose `LocalBackend._reached` seam (a no-op in the product) kills the process
with SIGKILL at one step. The repository is then reopened with the backend, which must recognise what the
killed save left and recover: the branch untouched or the save finished, `git status` clean, every file
whole (old or new content, never a part), no empty commit, and a retry that succeeds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from editor_app.backends import local as local_module
from editor_app.backends.base import NEW_FILE, BackendSettings, FileChange
from editor_app.backends.local import SAVE_RECORD, TEMP_SUFFIX, LocalBackend
from editor_app.backends.workflow import git_blob_id
from editor_app.errors import ConflictError, EditorError, LockedError
from tests.backends.conftest import FIXTURE_FILES, git, make_git_site

POST = "content/posts/first.md"
NEW = "content/posts/new/deep.md"
GONE = "content/posts/notes.txt"
# Big enough that "half written" is a real partial file on disk.
POST_TEXT = b"---\ntitle: First, saved\n---\n" + b"A line of the body that the editor typed.\n" * 2000
NEW_TEXT = b"---\ntitle: Deep\n---\nnew entry\n" * 50

# Every step of a save on the checked-out branch, in order (test_the_matrix_covers_every_step checks it).
STEPS = [
    "commit-written",
    "record-written",
    f"temp-half-written:{POST}",
    f"file-written:{POST}",
    f"temp-half-written:{NEW}",
    f"file-written:{NEW}",
    f"file-written:{GONE}",
    "worktree-written",
    "index-written",
    "branch-moved",
]
ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import json, os, signal, sys
from editor_app.backends.base import BackendSettings, FileChange
from editor_app.backends.local import LocalBackend

site, step, log = sys.argv[1], sys.argv[2], sys.argv[3]
changes = [FileChange(**{**c, "data": None if c["data"] is None else c["data"].encode("latin-1")})
           for c in json.loads(sys.stdin.read())]

def reached(self, name):
    with open(log, "a") as out:
        out.write(name + "\n")
    if name == step:
        os.kill(os.getpid(), signal.SIGKILL)

LocalBackend._reached = reached
LocalBackend(BackendSettings(name="local", local_path=site)).commit(changes, "Save")
print("saved")
"""


@pytest.fixture(autouse=True)
def no_global_git_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def the_changes() -> list[FileChange]:
    return [
        FileChange(POST, POST_TEXT, expected_id=git_blob_id(FIXTURE_FILES[POST])),
        FileChange(NEW, NEW_TEXT, expected_id=NEW_FILE),
        FileChange(GONE, delete=True),
    ]


def local(site: Path) -> LocalBackend:
    return LocalBackend(BackendSettings(name="local", local_path=str(site)))


def save_in_child(site: Path, step: str, log: Path) -> subprocess.CompletedProcess[str]:
    payload = [
        {"path": c.path, "data": None if c.data is None else c.data.decode("latin-1"), "delete": c.delete,
         "expected_id": c.expected_id}
        for c in the_changes()
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", CHILD, str(site), step, str(log)], input=json.dumps(payload),
                          capture_output=True, text=True, env=env, timeout=120, check=False)


def commits_since(site: Path, base: str) -> list[str]:
    return git(site, "rev-list", f"{base}..main").split()


def assert_no_empty_commits(site: Path, base: str) -> None:
    for commit in commits_since(site, base):
        assert git(site, "diff-tree", "--no-commit-id", "-r", "--name-only", commit).strip(), f"empty commit {commit}"


def assert_files_whole(site: Path) -> None:
    assert (site / POST).read_bytes() in (FIXTURE_FILES[POST], POST_TEXT)
    assert not (site / NEW).exists() or (site / NEW).read_bytes() == NEW_TEXT
    assert not (site / GONE).exists() or (site / GONE).read_bytes() == FIXTURE_FILES[GONE]


def assert_working_copy_is_head(site: Path) -> None:
    assert git(site, "status", "--porcelain", "--untracked-files=all") == ""
    for path in (POST, NEW, GONE):
        in_head = subprocess.run(["git", "cat-file", "-e", f"HEAD:{path}"], cwd=site, capture_output=True)
        if in_head.returncode == 0:
            assert (site / path).read_bytes() == git(site, "show", f"HEAD:{path}").encode()
        else:
            assert not (site / path).exists()


def test_the_matrix_covers_every_step(tmp_path: Path) -> None:
    site = make_git_site(tmp_path / "site", FIXTURE_FILES)
    log = tmp_path / "steps.log"
    result = save_in_child(site, "no step", log)
    assert result.returncode == 0 and "saved" in result.stdout, result.stderr
    assert log.read_text().split() == STEPS


@pytest.mark.parametrize("step", STEPS)
def test_a_save_killed_at_each_step_is_recovered_and_a_retry_succeeds(tmp_path: Path, step: str) -> None:
    site = make_git_site(tmp_path / "site", FIXTURE_FILES)
    start = git(site, "rev-parse", "main").strip()
    result = save_in_child(site, step, tmp_path / "steps.log")
    assert result.returncode == -signal.SIGKILL, (result.stdout, result.stderr)
    assert_files_whole(site)  # even before any recovery: no file is ever partly written

    backend = local(site)  # reopening recognises the killed save
    assert not (backend.git_dir / SAVE_RECORD).exists()
    landed = commits_since(site, start)
    assert len(landed) <= 1
    if landed:
        assert git(site, "rev-parse", "main~1").strip() == start
        assert (site / POST).read_bytes() == POST_TEXT  # committed, and the working copy shows it
    assert_working_copy_is_head(site)
    assert not list(site.rglob(f"*{TEMP_SUFFIX}"))

    retried = backend.commit(the_changes(), "Save")  # what the app does with the journaled draft
    assert len(commits_since(site, start)) == 1  # the retry of a save that landed adds nothing
    assert retried.commit == git(site, "rev-parse", "main").strip()
    assert (site / POST).read_bytes() == POST_TEXT and (site / NEW).read_bytes() == NEW_TEXT
    assert not (site / GONE).exists()
    assert_working_copy_is_head(site)
    assert_no_empty_commits(site, start)
    assert backend.commit(the_changes(), "Save").commit == retried.commit  # and again: still no empty commit


def test_a_killed_save_whose_files_were_edited_meanwhile_keeps_the_users_text(tmp_path: Path) -> None:
    site = make_git_site(tmp_path / "site", FIXTURE_FILES)
    start = git(site, "rev-parse", "main").strip()
    result = save_in_child(site, f"file-written:{POST}", tmp_path / "steps.log")
    assert result.returncode == -signal.SIGKILL
    (site / GONE).write_bytes(b"edited in another editor after the crash\n")

    backend = local(site)  # cannot finish the save over an outside edit: leaves the files, unstages
    assert git(site, "rev-parse", "main").strip() == start
    assert (site / POST).read_bytes() == POST_TEXT  # the user's text is still there
    assert set(git(site, "status", "--porcelain").splitlines()) == {f" M {POST}", f" M {GONE}"}
    with pytest.raises(ConflictError, match="outside the app") as caught:
        backend.commit(the_changes(), "Save")
    assert caught.value.path == GONE
    assert git(site, "rev-parse", "main").strip() == start


def test_a_stale_index_lock_is_explained_and_removed_then_the_save_lands_once(tmp_path: Path) -> None:
    site = make_git_site(tmp_path / "site", FIXTURE_FILES)
    start = git(site, "rev-parse", "main").strip()
    assert save_in_child(site, "worktree-written", tmp_path / "steps.log").returncode == -signal.SIGKILL
    lock = site / ".git" / "index.lock"
    lock.write_bytes(b"")  # what a git killed while writing the index leaves

    backend = local(site)
    for _attempt in range(2):
        with pytest.raises(LockedError) as caught:
            backend.commit(the_changes(), "Save")
        assert git(site, "rev-parse", "main").strip() == start  # never a failure for a commit that exists
    error = caught.value
    assert error.stale and error.remove is not None and error.lock == str(lock)
    assert "no git process holds it" in str(error) and "index.lock" in str(error)
    assert (site / POST).read_bytes() == POST_TEXT  # the user's text is in the working copy meanwhile

    error.remove()
    assert not lock.exists()
    backend.commit(the_changes(), "Save")
    assert len(commits_since(site, start)) == 1
    assert_working_copy_is_head(site)
    assert_no_empty_commits(site, start)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads /proc to find the lock's holder")
def test_a_lock_held_by_a_running_process_is_not_offered_for_removal(tmp_path: Path) -> None:
    site = make_git_site(tmp_path / "site", FIXTURE_FILES)
    lock = site / ".git" / "index.lock"
    hold = "import sys, time; f = open(sys.argv[1], 'w'); print('open', flush=True); time.sleep(60)"
    holder = subprocess.Popen([sys.executable, "-c", hold, str(lock)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        backend = local(site)
        with pytest.raises(LockedError) as caught:
            backend.commit([FileChange(POST, b"edited\n")], "Save")
        assert not caught.value.stale and caught.value.remove is None
        assert f"process {holder.pid}" in str(caught.value) and "Wait until" in str(caught.value)
        with pytest.raises(LockedError):
            backend.remove_stale_lock(lock)
        assert lock.exists()
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


def test_without_a_process_list_the_locks_age_decides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_git_site(tmp_path / "site", FIXTURE_FILES)
    monkeypatch.setattr(local_module, "lock_holders", lambda lock, repository: None)
    lock = site / ".git" / "index.lock"
    lock.write_bytes(b"")
    backend = local(site)
    with pytest.raises(LockedError) as caught:
        backend.commit([FileChange(POST, b"edited\n")], "Save")
    assert not caught.value.stale and "cannot see which programs hold it" in str(caught.value)
    old = time.time() - 3600
    os.utime(lock, (old, old))
    with pytest.raises(LockedError) as caught:
        backend.commit([FileChange(POST, b"edited\n")], "Save")
    assert caught.value.stale and "60 minutes old" in str(caught.value)


def test_a_stale_branch_lock_is_reported_too(tmp_path: Path) -> None:
    site = make_git_site(tmp_path / "site", FIXTURE_FILES)
    (site / ".git" / "refs" / "heads" / "main.lock").write_text("")
    with pytest.raises(LockedError, match="main.lock") as caught:
        local(site).commit([FileChange(POST, b"edited\n")], "Save")
    assert caught.value.stale
    assert (site / POST).read_bytes() == FIXTURE_FILES[POST]


def test_only_the_repositorys_lock_files_can_be_removed(tmp_path: Path) -> None:
    site = make_git_site(tmp_path / "site", FIXTURE_FILES)
    other = tmp_path / "index.lock"
    other.write_text("")
    with pytest.raises(EditorError, match="not a lock file"):
        local(site).remove_stale_lock(other)
    assert other.exists()


def test_a_failure_after_the_branch_moved_is_reported_as_the_success_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_git_site(tmp_path / "site", FIXTURE_FILES)
    start = git(site, "rev-parse", "main").strip()

    def fail_after_moving(self: LocalBackend, step: str) -> None:
        if step == "branch-moved":
            raise OSError("disk went away")

    monkeypatch.setattr(LocalBackend, "_reached", fail_after_moving)
    result = local(site).commit(the_changes(), "Save")
    assert result.commit == git(site, "rev-parse", "main").strip() != start
    assert_working_copy_is_head(site)
    assert not (site / ".git" / SAVE_RECORD).exists()


def test_a_failure_before_the_branch_moved_leaves_it_and_keeps_the_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_git_site(tmp_path / "site", FIXTURE_FILES)
    start = git(site, "rev-parse", "main").strip()

    def fail_before_moving(self: LocalBackend, step: str) -> None:
        if step == "index-written":
            raise OSError("disk full")

    monkeypatch.setattr(LocalBackend, "_reached", fail_before_moving)
    with pytest.raises(OSError, match="disk full"):
        local(site).commit(the_changes(), "Save")
    assert git(site, "rev-parse", "main").strip() == start
    assert (site / POST).read_bytes() == POST_TEXT
    assert git(site, "diff", "--cached", "--name-only") == ""  # nothing left staged
    monkeypatch.undo()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    local(site).commit(the_changes(), "Save")
    assert len(commits_since(site, start)) == 1
    assert_working_copy_is_head(site)


def test_a_damaged_save_record_is_dropped_and_saving_works(tmp_path: Path) -> None:
    site = make_git_site(tmp_path / "site", FIXTURE_FILES)
    (site / ".git" / SAVE_RECORD).write_text('{"branch": "main", "old": ', "utf-8")
    backend = local(site)
    assert not (site / ".git" / SAVE_RECORD).exists()
    backend.commit(the_changes(), "Save")
    assert_working_copy_is_head(site)


def test_a_save_record_that_cannot_be_finished_does_not_block_opening_or_saving(tmp_path: Path) -> None:
    site = make_git_site(tmp_path / "site", FIXTURE_FILES)
    start = git(site, "rev-parse", "main").strip()
    missing = "1" * 40  # a commit (and blobs) that are not in the repository
    record = {"branch": "main", "old": start, "new": missing, "entries": {POST: ["100644", missing]}}
    (site / ".git" / SAVE_RECORD).write_text(json.dumps(record), "utf-8")
    backend = local(site)
    assert backend.recovery_problem is not None and "cat-file" in backend.recovery_problem
    assert not (site / ".git" / SAVE_RECORD).exists()
    assert (site / POST).read_bytes() == FIXTURE_FILES[POST]
    backend.commit(the_changes(), "Save")
    assert len(commits_since(site, start)) == 1
    assert_working_copy_is_head(site)


GIT_KILLED_WRITING_THE_INDEX = r"""#!/bin/sh
# Runs git, except that the save's update of the real index is killed, with the whole save, while git holds
# index.lock: git waits for input that never comes, and once its lock exists everything in the group dies.
if [ "$1 $2 $3" = "update-index -z --index-info" ] && [ -z "$GIT_INDEX_FILE" ]; then
    sleep 600 | git "$@" &
    while [ ! -e "$INDEX_LOCK" ]; do sleep 0.01; done
    kill -9 0
fi
exec git "$@"
"""


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell wrapper kills the process group")
def test_a_git_killed_while_holding_the_index_lock_is_recovered_after_removing_it(tmp_path: Path) -> None:
    site = make_git_site(tmp_path / "site", FIXTURE_FILES)
    start = git(site, "rev-parse", "main").strip()
    wrapper = tmp_path / "git-killed-in-update-index"
    wrapper.write_text(GIT_KILLED_WRITING_THE_INDEX)
    wrapper.chmod(0o755)
    lock = site / ".git" / "index.lock"
    child = CHILD.replace('LocalBackend(BackendSettings(name="local", local_path=site))',
                          'LocalBackend(BackendSettings(name="local", local_path=site), git=os.environ["GIT_WRAPPER"])')
    payload = [{"path": c.path, "data": None if c.data is None else c.data.decode("latin-1"), "delete": c.delete,
                "expected_id": c.expected_id} for c in the_changes()]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GIT_WRAPPER": str(wrapper), "INDEX_LOCK": str(lock)}
    result = subprocess.run([sys.executable, "-c", child, str(site), "no step", str(tmp_path / "log")],
                            input=json.dumps(payload), capture_output=True, text=True, env=env, timeout=120,
                            start_new_session=True, check=False)  # its own process group: only the save dies
    assert result.returncode == -signal.SIGKILL, (result.stdout, result.stderr)
    assert lock.exists()  # left by the killed git: a real stale lock
    assert_files_whole(site)

    backend = local(site)
    assert backend.recovery_problem is not None and "index.lock" in backend.recovery_problem
    with pytest.raises(LockedError) as caught:
        backend.commit(the_changes(), "Save")
    assert caught.value.stale and caught.value.holders == ()
    assert git(site, "rev-parse", "main").strip() == start
    assert caught.value.remove is not None
    caught.value.remove()
    backend.commit(the_changes(), "Save")  # finishes the killed save; the retry itself adds nothing
    assert len(commits_since(site, start)) == 1
    assert_working_copy_is_head(site)
    assert_no_empty_commits(site, start)


def test_a_file_that_cannot_be_written_fails_clearly_and_leaves_the_branch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_git_site(tmp_path / "site", FIXTURE_FILES)
    start = git(site, "rev-parse", "main").strip()
    real_replace = os.replace

    def refuse_the_post(source: str | Path, target: str | Path) -> None:
        if str(target).endswith("first.md"):  # as Windows does when another program has the file open
            raise PermissionError(13, "Permission denied")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", refuse_the_post)
    with pytest.raises(EditorError, match="first.md: cannot write the file .*Permission denied.*not moved"):
        local(site).commit(the_changes(), "Save")
    monkeypatch.undo()
    assert git(site, "rev-parse", "main").strip() == start
    assert (site / POST).read_bytes() == FIXTURE_FILES[POST]
    assert not (site / ".git" / SAVE_RECORD).exists()
    assert not list(site.rglob(f"*{TEMP_SUFFIX}"))
    assert git(site, "diff", "--cached", "--name-only") == ""
