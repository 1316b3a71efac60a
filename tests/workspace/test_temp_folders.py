"""Temporary folders a crash left in the system temp folder are removed at start-up, never one in use by a
running instance (this one or another process)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from editor_app.workspace.temp_folders import RunningInstance, running_since, sweep_stale_temp_folders
from tests.workspace.helpers import REPO

# Another running instance: marks itself, makes a paste folder (as the markdown editor does), keeps running.
INSTANCE = """
import os, sys, tempfile, time
from pathlib import Path
from editor_app.workspace.temp_folders import RunningInstance
temp = Path(sys.argv[1])
# started two hours ago (long-running), its paste folder made an hour ago
instance = RunningInstance.register(temp / "editor-app-instances", started=time.time() - 7200)
folder = tempfile.mkdtemp(prefix="editor-app-paste-", dir=temp)
os.utime(folder, (time.time() - 3600, time.time() - 3600))
print(folder, flush=True)
time.sleep(120)
"""


def _folder(temp: Path, name: str, age: float) -> Path:
    folder = temp / name
    (folder / "inside").mkdir(parents=True)
    (folder / "inside" / "pasted.png").write_bytes(b"png")
    then = time.time() - age
    os.utime(folder, (then, then))
    return folder


def test_leftovers_older_than_every_running_instance_go_and_the_rest_stays(tmp_path: Path) -> None:
    crashed_paste = _folder(tmp_path, "editor-app-paste-abc123", age=3600)
    crashed_index = _folder(tmp_path, "editor-app-index-def456", age=600)
    someone_elses = _folder(tmp_path, "other-app-paste-x", age=3600)
    instance = RunningInstance.register(tmp_path / "editor-app-instances")
    mine = _folder(tmp_path, "editor-app-paste-mine", age=0)
    try:
        removed = sweep_stale_temp_folders(tmp_path)
    finally:
        instance.release()
    assert sorted(removed) == sorted([crashed_paste, crashed_index])
    assert mine.exists() and someone_elses.exists()


def test_a_folder_of_another_running_instance_is_kept_until_that_instance_dies(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    other = subprocess.Popen([sys.executable, "-c", INSTANCE, str(tmp_path)], cwd=REPO, env=env, text=True,
                             stdout=subprocess.PIPE)
    mine = None
    try:
        assert other.stdout is not None
        theirs = Path(other.stdout.readline().strip())
        assert theirs.is_dir()
        mine = RunningInstance.register(tmp_path / "editor-app-instances")  # started now, after theirs
        assert running_since(tmp_path / "editor-app-instances") < mine.started - 3600
        # Their folder is an hour old, older than this instance, but theirs is running: it stays.
        assert sweep_stale_temp_folders(tmp_path) == [] and theirs.is_dir()
        os.kill(other.pid, signal.SIGKILL)  # the other instance crashes: its folder is a leftover now
        other.wait(timeout=10)
        assert sweep_stale_temp_folders(tmp_path) == [theirs]
        assert not theirs.exists()
        assert len(list((tmp_path / "editor-app-instances").glob("*.instance"))) == 1  # only mine is left
    finally:
        if other.poll() is None:
            os.kill(other.pid, signal.SIGKILL)
            other.wait(timeout=10)
        if other.stdout is not None:
            other.stdout.close()
        if mine is not None:
            mine.release()


def test_the_app_sweeps_at_start_up(tmp_path: Path, monkeypatch) -> None:
    import tempfile

    from editor_app.app import _sweep_temp_folders

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    leftover = _folder(tmp_path, "editor-app-index-crashed", age=86400)
    instance = _sweep_temp_folders()
    try:
        assert not leftover.exists()
        assert instance.path.parent == tmp_path / "editor-app-instances" and instance.path.exists()
    finally:
        instance.release()
    assert not instance.path.exists()
