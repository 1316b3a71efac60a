"""The workspace over decap-server (MODE=git): loads, saves, outside edits and conflicts, end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from editor_app.backends.base import STATUS_PENDING_PUBLISH, BackendSettings
from editor_app.backends.proxy import ProxyBackend
from editor_app.backends.test_repo import sample_site_dir
from editor_app.errors import ConflictError
from editor_app.workspace.cache import ContentCache
from editor_app.workspace.journal import DraftsJournal
from editor_app.workspace.workspace import Workspace
from tests.decap_server.harness import init_site_repo, run_decap_server
from tests.workspace.helpers import sandbox_site


def site_files() -> dict[str, bytes]:
    root = sample_site_dir() / "repo"
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def served(tmp_path: Path):
    repo = init_site_repo(tmp_path / "site", site_files())
    with run_decap_server(repo, "git") as url:
        yield repo, url


def test_a_site_behind_decap_server_loads_saves_and_sees_edits_made_outside(served, tmp_path: Path) -> None:
    repo, url = served
    site = sandbox_site("simple")
    backend = ProxyBackend.connect(BackendSettings(name="proxy", proxy_url=url))

    def workspace() -> Workspace:
        ws = Workspace(backend, site, ContentCache(tmp_path / "cache"), DraftsJournal(tmp_path / "journal"))
        ws.open()
        return ws

    try:
        ws = workspace()
        assert len(ws.load_collection("plants")) == 4
        basil = ws.open_entry("plants", "content/plants/basil.yml")
        assert ws.save_entry(basil).commit is None  # unchanged: no commit
        assert ws.save_entry(basil.with_data(dict(basil.data, family="Mints"))).commit
        assert "family: Mints" in (repo / "content/plants/basil.yml").read_text("utf-8")

        # Edited in the working tree outside the app: the next load shows it, the next open too.
        (repo / "content/plants/rhubarb.yml").write_text("name: Rhubarb\nfamily: Edited outside\n", "utf-8")
        again = workspace()
        entries = {e.slug: e for e in again.load_collection("plants")}
        assert entries["rhubarb"].data["family"] == "Edited outside"
        assert again.open_entry("plants", "content/plants/rhubarb.yml").data["family"] == "Edited outside"

        # An edit that started before someone else's is a conflict, never an overwrite.
        mine = again.open_entry("plants", "content/plants/basil.yml")
        (repo / "content/plants/basil.yml").write_text("name: Basil\nfamily: Theirs\n", "utf-8")
        with pytest.raises(ConflictError) as caught:
            again.save_entry(mine.with_data(dict(mine.data, family="Mine")))
        assert caught.value.theirs == b"name: Basil\nfamily: Theirs\n"
        assert (repo / "content/plants/basil.yml").read_text("utf-8") == "name: Basil\nfamily: Theirs\n"
    finally:
        backend.close()


def test_the_editorial_workflow_through_decap_server_from_the_workspace(served, tmp_path: Path) -> None:
    repo, url = served
    backend = ProxyBackend.connect(BackendSettings(name="proxy", proxy_url=url))
    ws = Workspace(backend, sandbox_site("editorial_workflow"), ContentCache(tmp_path / "cache"),
                   DraftsJournal(tmp_path / "journal"))
    try:
        ws.open()
        basil = ws.open_entry("plants", "content/plants/basil.yml")
        ws.save_entry(basil.with_data(dict(basil.data, family="Workflow family")))
        assert "Workflow family" not in (repo / "content/plants/basil.yml").read_text("utf-8")  # site untouched
        reopened = ws.open_entry("plants", "content/plants/basil.yml")
        assert reopened.data["family"] == "Workflow family"  # read from the entry branch
        ws.set_status("plants", "basil", STATUS_PENDING_PUBLISH)
        assert [i.slug for i in ws.list_unpublished() if i.status == STATUS_PENDING_PUBLISH] == ["basil"]
        ws.publish("plants", "basil")
        assert "family: Workflow family" in (repo / "content/plants/basil.yml").read_text("utf-8")
        assert ws.list_unpublished() == []
    finally:
        backend.close()
