"""One app instance at a time writes to a site: a second one (another process) opens it read-only and says
which process holds it; a lock left by a process killed with -9 is taken over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from editor_app.paths import AppDirs
from editor_app.ui.site_login import open_site
from editor_app.workspace.cache import ContentCache
from editor_app.workspace.journal import DraftsJournal
from editor_app.workspace.site_lock import SiteLock
from editor_app.workspace.workspace import ReadOnlyError, Workspace
from tests.workspace.helpers import REPO, SANDBOX, make_env, other_instance

BASIL = "content/plants/basil.yml"


def test_a_second_instance_opens_the_sandbox_read_only_and_names_the_holder(tmp_path: Path) -> None:
    dirs = AppDirs.under(tmp_path)
    with other_instance(tmp_path) as first:
        second = open_site(SANDBOX, dirs)
        assert f"process {first.pid}" in second.read_only_reason
        entry = second.open_entry("plants", BASIL)
        with pytest.raises(ReadOnlyError):
            second.save_entry(entry.with_data(dict(entry.data, family="Overwritten by the second")))
        second.journal_draft(entry.with_data(dict(entry.data, family="typed in the read-only window")))
        assert DraftsJournal(dirs.data / "drafts").pending() == []  # the holder's drafts are left alone
        second.close()
        os.kill(first.pid, signal.SIGKILL)  # the holder dies without letting go
        first.wait(timeout=10)
    third = open_site(SANDBOX, dirs)  # the dead process's lock is taken over
    assert third.read_only_reason == ""
    assert third.open_entry("plants", BASIL).data["family"] == "Saved by the first instance"  # not overwritten
    third.close()


def test_the_lock_file_says_who_holds_it_and_goes_with_the_holder(tmp_path: Path) -> None:
    first = SiteLock.take(tmp_path, "test-repo::sandbox", clock=1_800_000_000.0)
    assert first.held
    assert f'"pid": {os.getpid()}' in first.path.read_text("utf-8")
    again = SiteLock.take(tmp_path, "test-repo::sandbox")  # the same process opening the site again shares it
    assert again.held
    again.release()
    assert first.path.read_text("utf-8")  # still held by `first`
    first.release()
    assert first.path.read_text("utf-8") == ""
    assert SiteLock.take(tmp_path, "another site").path != first.path


def test_a_workspace_whose_site_is_held_elsewhere_refuses_every_write(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    held_elsewhere = SiteLock(tmp_path / "x.lock", "sandbox", None, None)
    ws = Workspace(env.backend, env.site, ContentCache(tmp_path / "cache"), DraftsJournal(tmp_path / "journal"),
                   lock=held_elsewhere)
    ws.open()
    entry = ws.open_entry("plants", BASIL)
    for write in (lambda: ws.save_entry(entry), lambda: ws.delete_entry(entry), lambda: ws.upload_media(None, []),
                  lambda: ws.delete_media("static/img/a.png"), lambda: ws.publish("posts", "a")):
        with pytest.raises(ReadOnlyError):
            write()
    assert "another process" in ws.read_only_reason


def test_two_instances_started_together_get_one_writer(tmp_path: Path) -> None:
    # Races between two real processes are the OS's: exactly one of many takers gets the lock.
    code = ("import sys, time; from pathlib import Path; from editor_app.workspace.site_lock import SiteLock; "
            "lock = SiteLock.take(Path(sys.argv[1]), 'site'); print(lock.held, flush=True); time.sleep(3)")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    takers = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], env=env, text=True,
                               stdout=subprocess.PIPE) for _ in range(4)]
    try:
        answers = [p.stdout.readline().strip() for p in takers if p.stdout is not None]
    finally:
        for p in takers:
            p.kill()
            p.wait(timeout=10)
            if p.stdout is not None:
                p.stdout.close()
    assert sorted(answers) == ["False", "False", "False", "True"]


LOCAL_INSTANCE = """
import sys, time
from pathlib import Path
from types import SimpleNamespace
from editor_app.ui.site_login import open_site
from editor_app.paths import AppDirs
workspace = open_site(SimpleNamespace(kind="local", path=sys.argv[2]), AppDirs.under(Path(sys.argv[1])))
print("ready" if not workspace.read_only_reason else "read-only", flush=True)
time.sleep(120)
"""


def test_a_local_working_copy_is_held_by_one_instance(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from tests.backends.conftest import make_git_site

    config = (Path(REPO) / "resources" / "sandbox" / "config.yml").read_text("utf-8")
    site = make_git_site(tmp_path / "garden", {
        "admin/config.yml": config.replace("publish_mode: editorial_workflow\n", "").encode("utf-8"),
        "content/plants/basil.yml": b"name: Basil\nfamily: Lamiaceae\n",
    })
    home = tmp_path / "home"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    first = subprocess.Popen([sys.executable, "-c", LOCAL_INSTANCE, str(home), str(site)], cwd=REPO, env=env,
                             text=True, stdout=subprocess.PIPE)
    try:
        assert first.stdout is not None and first.stdout.readline().strip() == "ready"
        second = open_site(SimpleNamespace(kind="local", path=str(site)), AppDirs.under(home))
        assert f"process {first.pid}" in second.read_only_reason
        entry = second.open_entry("plants", BASIL)
        with pytest.raises(ReadOnlyError):
            second.save_entry(entry.with_data(dict(entry.data, family="Mine")))
        second.close()
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        if first.stdout is not None:
            first.stdout.close()
