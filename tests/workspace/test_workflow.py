"""Workspace under the editorial workflow: saves go to the entry's cms/ branch, then status, publish, delete."""

from __future__ import annotations

from pathlib import Path

import pytest

from editor_app.backends.base import STATUS_DRAFT, STATUS_PENDING_PUBLISH, STATUS_PENDING_REVIEW
from editor_app.errors import ContentError, NotFoundError
from tests.workspace.helpers import Env, make_env

BASIL = "content/plants/basil.yml"


@pytest.fixture()
def env(tmp_path: Path) -> Env:
    return make_env(tmp_path, "editorial_workflow")


def test_unpublished_entries_are_listed_with_their_status(env: Env) -> None:
    ws = env.workspace()
    statuses = {i.slug: i.status for i in ws.list_unpublished()}
    assert statuses == {"garlic": STATUS_DRAFT, "2026-10-12-winter-cover-crops": STATUS_PENDING_REVIEW}


def test_saving_goes_to_the_entry_branch_and_leaves_the_site_branch_alone(env: Env) -> None:
    ws = env.workspace()
    published = env.backend.read_file(BASIL)
    entry = ws.open_entry("plants", BASIL)
    assert entry.status is None
    saved = ws.save_entry(entry.with_data(dict(entry.data, family="Mint family")))
    assert saved.status == STATUS_DRAFT and saved.branch == "cms/plants/basil"
    assert env.backend.read_file(BASIL) == published
    assert b"family: Mint family" in env.backend.read_file(BASIL, branch="cms/plants/basil")[0]
    reopened = ws.open_entry("plants", BASIL)
    assert reopened.status == STATUS_DRAFT and reopened.data["family"] == "Mint family"
    again = ws.save_entry(reopened.with_data(dict(reopened.data, family="Mint family, again")))
    assert b"again" in env.backend.read_file(BASIL, branch="cms/plants/basil")[0]
    assert again.base_id == env.backend.read_file(BASIL, branch="cms/plants/basil")[1]


def test_status_changes_then_publish_merges_into_the_site_branch(env: Env) -> None:
    ws = env.workspace()
    entry = ws.open_entry("plants", BASIL)
    ws.save_entry(entry.with_data(dict(entry.data, family="Published family")))
    ws.set_status("plants", "basil", STATUS_PENDING_PUBLISH)
    assert [i.slug for i in ws.list_unpublished() if i.status == STATUS_PENDING_PUBLISH] == ["basil"]
    ws.publish("plants", "basil")
    assert b"family: Published family" in env.backend.read_file(BASIL)[0]
    assert "basil" not in {i.slug for i in ws.list_unpublished()}
    assert ws.load_collection("plants") and ws.indexed("plants", BASIL).data["family"] == "Published family"  # type: ignore[union-attr]


def test_an_unknown_status_is_refused(env: Env) -> None:
    with pytest.raises(ContentError):
        env.workspace().set_status("plants", "garlic", "published")


def test_deleting_an_unpublished_entry_keeps_the_published_branch(env: Env) -> None:
    ws = env.workspace()
    head = env.backend.head()
    ws.delete_unpublished("plants", "garlic")
    assert "garlic" not in {i.slug for i in ws.list_unpublished()}
    assert env.backend.head() == head
    with pytest.raises(NotFoundError):
        env.backend.read_unpublished("plants", "garlic")


def test_a_new_entry_avoids_slugs_taken_by_unpublished_entries(env: Env) -> None:
    ws = env.workspace()
    ws.load_collection("plants")
    saved = ws.save_entry(ws.new_entry("plants", {"name": "Garlic", "family": "Amaryllidaceae"}))
    assert saved.path == "content/plants/garlic-1.yml"
    assert saved.status == STATUS_DRAFT
    assert "garlic-1" in {i.slug for i in ws.list_unpublished()}


def test_opening_an_unpublished_new_entry_reads_its_branch(env: Env) -> None:
    ws = env.workspace()
    garlic = ws.open_entry("plants", "garlic")
    assert garlic.path == "content/plants/garlic.yml"
    assert garlic.status == STATUS_DRAFT and garlic.branch == "cms/plants/garlic"
    assert garlic.data["name"]


def test_a_file_of_a_files_collection_is_saved_through_the_workflow_under_its_name(env: Env) -> None:
    ws = env.workspace()
    general = ws.open_entry("settings", "general")
    saved = ws.save_entry(general.with_data(dict(general.data, tagline="Grow together")))
    assert saved.branch == "cms/settings/general" and saved.status == STATUS_DRAFT
    reopened = ws.open_entry("settings", "general")
    assert reopened.data["tagline"] == "Grow together" and reopened.status == STATUS_DRAFT
    ws.publish("settings", "general")
    assert b"Grow together" in env.backend.read_file("data/settings/general.yml")[0]


def test_deleting_an_entry_opened_from_its_branch_deletes_the_published_file(env: Env) -> None:
    ws = env.workspace()
    entry = ws.open_entry("plants", BASIL)
    ws.save_entry(entry.with_data(dict(entry.data, family="Draft family")))
    reopened = ws.open_entry("plants", BASIL)
    assert reopened.branch == "cms/plants/basil"
    ws.delete_entry(reopened)
    with pytest.raises(NotFoundError):
        env.backend.read_file(BASIL)


def test_an_entry_that_exists_only_unpublished_is_not_deleted_as_published(env: Env) -> None:
    ws = env.workspace()
    garlic = ws.open_entry("plants", "garlic")
    with pytest.raises(ContentError, match="unpublished"):
        ws.delete_entry(garlic)
    assert "garlic" in {i.slug for i in ws.list_unpublished()}


def test_board_titles_come_from_the_unpublished_versions(env: Env) -> None:
    ws = env.workspace()
    titles = {i.slug: i.title for i in ws.list_unpublished()}
    garlic = env.backend.read_file("content/plants/garlic.yml", branch="cms/plants/garlic")[0].decode("utf-8")
    assert titles["garlic"].startswith("Garlic (") and titles["garlic"].split("(")[1].rstrip(")") in garlic
    env.counting.calls.clear()
    ws.list_unpublished()
    assert dict(env.counting.calls) == {"list_unpublished": 1}  # the versions' blobs are cached by id now
