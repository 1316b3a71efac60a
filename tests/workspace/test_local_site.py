"""Workspace on a git working copy (the `local` backend): git ids in the cache, outside edits seen at once."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest

from editor_app.backends.local import LocalBackend
from editor_app.backends.test_repo import sample_site_dir
from editor_app.errors import ContentError
from editor_app.workspace.cache import ContentCache
from editor_app.workspace.journal import DraftsJournal
from editor_app.workspace.workspace import Workspace, backend_settings_from_config
from tests.workspace.helpers import CountingBackend, sandbox_site

GIT_ENV = {"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "T",
           "GIT_COMMITTER_EMAIL": "t@example.org", "PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}


def working_copy(tmp: Path) -> Path:
    site = tmp / "site"
    shutil.copytree(sample_site_dir() / "repo", site)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "seed"]):
        subprocess.run(["git", *args], cwd=site, check=True, env=GIT_ENV)
    return site


def test_a_local_site_loads_saves_and_sees_edits_made_outside(tmp_path: Path) -> None:
    folder = working_copy(tmp_path)
    site = sandbox_site("simple")
    settings = dataclasses.replace(backend_settings_from_config(site, local_path=str(folder)), name="local")
    backend = CountingBackend(LocalBackend(settings))

    def workspace() -> Workspace:
        ws = Workspace(backend, site, ContentCache(tmp_path / "cache"), DraftsJournal(tmp_path / "journal"))  # type: ignore[arg-type]
        ws.open()
        return ws

    ws = workspace()
    assert len(ws.load_collection("plants")) == 4
    basil = ws.open_entry("plants", "content/plants/basil.yml")
    assert ws.save_entry(basil).commit is None  # unchanged: no commit
    saved = ws.save_entry(basil.with_data(dict(basil.data, family="Mints")))
    assert saved.commit is not None
    assert "family: Mints" in (folder / "content/plants/basil.yml").read_text("utf-8")
    ws.load_collection("plants")  # lists (and would cache) the folder at the new head

    # An edit made in the working tree outside the app, with the head unchanged, shows on the next load.
    (folder / "content/plants/rhubarb.yml").write_text("name: Rhubarb\nfamily: Edited outside\n", "utf-8")
    (folder / "content/plants/chard.yml").write_text("name: Chard\nfamily: Amaranthaceae\n", "utf-8")
    again = workspace()
    backend.calls.clear()
    entries = {e.slug: e for e in again.load_collection("plants")}
    assert entries["rhubarb"].data["family"] == "Edited outside"
    assert "chard" in entries
    assert backend.calls["read_files"] == 1  # only the two new blobs; the rest came from the cache by git id


def test_an_entry_linked_outside_the_repository_is_indexed_as_skipped_and_cannot_be_opened(tmp_path: Path) -> None:
    folder = working_copy(tmp_path)
    secret = tmp_path / "secret.yml"
    secret.write_text("name: Secret\nfamily: Private\n", "utf-8")
    (folder / "content/plants/secret.yml").symlink_to(secret)
    site = sandbox_site("simple")
    settings = dataclasses.replace(backend_settings_from_config(site, local_path=str(folder)), name="local")
    ws = Workspace(LocalBackend(settings), site, ContentCache(tmp_path / "cache"), DraftsJournal(tmp_path / "journal"))
    ws.open()
    entries = {e.path: e for e in ws.load_collection("plants")}
    skipped = entries["content/plants/secret.yml"]
    assert "outside the repository" in skipped.skipped and skipped.data == {}
    assert all(not e.skipped for path, e in entries.items() if path != "content/plants/secret.yml")
    assert "private" not in skipped.search_text
    with pytest.raises(ContentError, match="outside the repository"):
        ws.open_entry("plants", "content/plants/secret.yml")
