"""The sandbox (`test-repo`): its sample site, its persisted state across restarts, and reset."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from editor_app.backends import BACKENDS
from editor_app.backends.base import NEW_FILE, STATUS_PENDING_PUBLISH, BackendSettings, FileChange
from editor_app.backends.test_repo import TestRepoBackend, git_tree_id, sample_site_dir
from editor_app.backends.workflow import git_blob_id
from editor_app.errors import ConflictError, ContentError, NotFoundError
from editor_app.paths import AppDirs

SETTINGS = BackendSettings(name="test-repo", branch="main")
BUILT_IN_WIDGETS = {
    "string", "text", "markdown", "boolean", "number", "datetime", "select", "list", "object",
    "relation", "image", "file", "hidden", "code", "color", "map",
}  # fmt: skip


def sandbox(state_dir: Path | None) -> TestRepoBackend:
    return TestRepoBackend(SETTINGS, state_dir=state_dir)


def widgets_of(fields: list[dict[str, Any]]) -> set[str]:
    found = set()
    for field in fields:
        found.add(field.get("widget", "string"))
        for key in ("fields", "types"):
            found |= widgets_of(field.get(key, []))
        if "field" in field:
            found |= widgets_of([field["field"]])
    return found


# --- the sample site -----------------------------------------------------------------------------


def sample_config() -> dict[str, Any]:
    return yaml.safe_load((sample_site_dir() / "config.yml").read_text(encoding="utf-8"))


def test_sample_config_is_a_test_repo_site_with_the_editorial_workflow() -> None:
    config = sample_config()
    assert config["backend"]["name"] == "test-repo"
    assert config["publish_mode"] == "editorial_workflow"
    assert config["media_folder"] and config["public_folder"] and config["site_url"]


def test_sample_config_uses_every_built_in_widget() -> None:
    used: set[str] = set()
    for collection in sample_config()["collections"]:
        used |= widgets_of(collection.get("fields", []))
        for file in collection.get("files", []):
            used |= widgets_of(file["fields"])
    assert BUILT_IN_WIDGETS <= used


def test_sample_config_has_each_kind_of_collection() -> None:
    collections = {c["name"]: c for c in sample_config()["collections"]}
    posts = collections["posts"]
    assert posts["summary"] and posts["sortable_fields"] and posts["view_filters"] and posts["view_groups"]
    assert collections["pages"]["nested"]["depth"] >= 2
    assert collections["events"]["i18n"] is True and sample_config()["i18n"]["structure"] == "multiple_folders"
    assert {f["file"] for f in collections["settings"]["files"]} == {
        "data/settings/general.yml",
        "data/settings/authors.json",
    }


def test_every_collection_of_the_sample_site_has_content() -> None:
    backend = sandbox(None)
    for collection in sample_config()["collections"]:
        if "folder" in collection:
            assert backend.list_files(collection["folder"]).files, collection["name"]
        for file in collection.get("files", []):
            backend.read_file(file["file"])
    assert 6 <= len(backend.list_files("content/posts", extension="md").files) <= 12
    assert backend.list_files("content/events/fr").files
    assert backend.list_files("content/pages", depth=3).files != backend.list_files("content/pages", depth=2).files


def test_sample_media_are_real_images() -> None:
    backend = sandbox(None)
    media = {f.path: f for f in backend.list_files(sample_config()["media_folder"]).files}
    pngs = [p for p in media if p.endswith(".png")]
    assert len(pngs) >= 2
    for path, data in backend.read_files(list(media.values())).items():
        if path.endswith(".png"):
            assert data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(b"IEND\xaeB`\x82")
        if path.endswith(".svg"):
            assert b"<svg" in data


def test_the_sandbox_starts_with_seeded_unpublished_entries() -> None:
    entries = sandbox(None).list_unpublished()
    assert len(entries) >= 1
    for entry in entries:
        assert entry.diffs and entry.branch == f"cms/{entry.collection}/{entry.slug}"


def test_ids_are_real_git_ids(tmp_path: Path) -> None:
    backend = sandbox(None)
    files = {f.path: f.id for f in backend.list_files("").files}
    site = tmp_path / "copy"
    for path, data in backend.read_files(backend.list_files("").files).items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_bytes(data)
    def run(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=site, capture_output=True, text=True, check=True).stdout

    run("init", "-q")
    run("add", "-A")
    assert git_tree_id(files) == run("write-tree").strip()


def test_the_registry_names_the_sandbox() -> None:
    assert BACKENDS["test-repo"] is TestRepoBackend
    assert TestRepoBackend.is_git is False


# --- persistence ---------------------------------------------------------------------------------


def test_edits_survive_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "sandbox"
    first = sandbox(state)
    first.commit([FileChange("content/posts/new.md", b"---\ntitle: New\n---\n", expected_id=NEW_FILE)], "Create")
    first.save_unpublished("posts", "later", [FileChange("content/posts/later.md", b"later\n")], "Create Post “later”")
    first.set_status("posts", "later", STATUS_PENDING_PUBLISH)
    seeded = {e.content_key for e in sandbox(None).list_unpublished()}

    again = sandbox(state)
    assert again.head() == first.head()
    assert again.read_file("content/posts/new.md")[0] == b"---\ntitle: New\n---\n"
    assert {e.content_key for e in again.list_unpublished()} == seeded | {"posts/later"}
    assert again.read_unpublished("posts", "later").status == STATUS_PENDING_PUBLISH
    again.publish("posts", "later")
    assert sandbox(state).read_file("content/posts/later.md")[0] == b"later\n"


def test_state_is_written_atomically_and_leaves_no_temp_files(tmp_path: Path) -> None:
    state = tmp_path / "sandbox"
    backend = sandbox(state)
    backend.commit([FileChange("data/x.json", b"{}\n")], "x")
    assert json.loads((state / "state.json").read_text())["format"] == 1
    assert not [p for p in state.rglob("*.tmp")]


def test_a_refused_commit_persists_nothing(tmp_path: Path) -> None:
    state = tmp_path / "sandbox"
    backend = sandbox(state)
    before = (state / "state.json").read_bytes()
    with pytest.raises(ConflictError):
        backend.commit([FileChange("data/settings/general.yml", b"x", expected_id=NEW_FILE)], "clobber")
    assert (state / "state.json").read_bytes() == before


def test_reset_restores_the_sample_site(tmp_path: Path) -> None:
    state = tmp_path / "sandbox"
    pristine = sandbox(None)
    backend = sandbox(state)
    backend.commit([FileChange("content/posts/2026-03-16-seed-swap-recap.md", delete=True)], "Delete")
    for entry in backend.list_unpublished():
        backend.delete_unpublished(entry.collection, entry.slug)
    backend.reset()
    assert backend.list_files("").files == pristine.list_files("").files
    assert [e.content_key for e in backend.list_unpublished()] == [e.content_key for e in pristine.list_unpublished()]
    # The reset itself is persisted.
    assert sandbox(state).list_files("").files == pristine.list_files("").files


def test_without_a_state_dir_nothing_is_written(tmp_path: Path, app_home: Path) -> None:
    backend = sandbox(None)
    backend.commit([FileChange("a.md", b"a")], "a")
    assert not app_home.exists()


def test_for_app_keeps_state_in_the_data_dir(tmp_path: Path) -> None:
    dirs = AppDirs.under(tmp_path / "home")
    TestRepoBackend.for_app(SETTINGS, dirs).commit([FileChange("a.md", b"a")], "a")
    assert (dirs.data / "sandbox" / "state.json").is_file()
    assert TestRepoBackend.for_app(SETTINGS, dirs).read_file("a.md")[0] == b"a"


def test_a_damaged_state_says_to_reset(tmp_path: Path) -> None:
    state = tmp_path / "sandbox"
    sandbox(state)
    (state / "state.json").write_text("{not json")
    with pytest.raises(ContentError, match="reset the sandbox"):
        sandbox(state)
    TestRepoBackend.discard_state(state)
    assert sandbox(state).list_files("").files == sandbox(None).list_files("").files


def test_blobs_of_replaced_versions_are_pruned_at_start(tmp_path: Path) -> None:
    state = tmp_path / "sandbox"
    backend = sandbox(state)
    backend.commit([FileChange("data/x.json", b"version 1\n")], "x1")
    backend.commit([FileChange("data/x.json", b"version 2\n")], "x2")
    old = git_blob_id(b"version 1\n")
    assert (state / "blobs" / old[:2] / old[2:]).exists()
    sandbox(state)
    assert not (state / "blobs" / old[:2] / old[2:]).exists()
    assert sandbox(state).read_file("data/x.json")[0] == b"version 2\n"


def test_a_missing_seed_is_reported(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="sample site is missing"):
        TestRepoBackend(SETTINGS, seed_dir=tmp_path / "nowhere")


def test_a_branch_named_like_a_workflow_prefix_blocks_the_entry(tmp_path: Path) -> None:
    backend = sandbox(None)
    backend._state.branches["cms/posts"] = backend._state.branches["main"]  # as a careless push would
    with pytest.raises(ConflictError, match="already a branch named 'cms/posts'"):
        backend.save_unpublished("posts", "x", [FileChange("content/posts/x.md", b"x")], "Create")
