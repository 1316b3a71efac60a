"""The fake Azure DevOps's own semantics, stated as tests (what the adapter relies on the fake to do as Azure does)."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from typing import Any

import httpx
import pytest

from tests.fakes.azure import ZERO_ID, FakeAzure
from tests.fakes.azure_factories import AZURE_TOKEN, ORG, PROJECT, REPO, make_fake_azure

FILES = {"content/a.md": b"a\n", "content/sub/b.md": b"b\n", "img/p.png": b"\x89PNG\x00\xff"}
BASE = f"https://dev.azure.com/{ORG}/{PROJECT}/_apis/git/repositories/{REPO}"


def call(fake: FakeAzure, method: str, path: str, *, params: dict[str, str] | None = None, body: Any = None,
         token: str = AZURE_TOKEN, version: str | None = "7.1-preview") -> httpx.Response:
    query = dict(params or {})
    if version:
        query["api-version"] = version
    request = httpx.Request(method, BASE + path, params=query, json=body,
                            headers={"Authorization": f"Bearer {token}"})
    return fake(request)


@pytest.fixture
def fake() -> FakeAzure:
    return make_fake_azure(FILES)


def push(fake: FakeAzure, old: str, changes: list[dict[str, Any]], ref: str = "refs/heads/main") -> httpx.Response:
    return call(fake, "POST", "/pushes", body={"refUpdates": [{"name": ref, "oldObjectId": old}],
                                               "commits": [{"comment": "c", "changes": changes}]})


def add(path: str, data: bytes, kind: str = "add") -> dict[str, Any]:
    return {"changeType": kind, "item": {"path": path},
            "newContent": {"content": base64.b64encode(data).decode(), "contentType": "base64encoded"}}


def test_every_request_needs_an_api_version(fake: FakeAzure) -> None:
    response = call(fake, "GET", "/refs", version=None)
    assert response.status_code == 400 and response.json()["typeKey"] == "VssVersionNotSpecifiedException"


def test_an_unknown_token_is_401_tf400813_with_a_bearer_challenge(fake: FakeAzure) -> None:
    response = call(fake, "GET", "/refs", token="nope")
    assert response.status_code == 401 and response.json()["message"].startswith("TF400813")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_refs_filter_is_a_prefix_match(fake: FakeAzure) -> None:
    fake.commit_files("main-2", {"x": b"x"}, "other")
    names = [r["name"] for r in call(fake, "GET", "/refs", params={"filter": "heads/main"}).json()["value"]]
    assert names == ["refs/heads/main", "refs/heads/main-2"]


def test_items_give_one_item_a_listing_or_the_raw_bytes(fake: FakeAzure) -> None:
    one = call(fake, "GET", "/items", params={"path": "/content"}).json()
    assert (one["gitObjectType"], one["path"], one["isFolder"]) == ("tree", "/content", True)
    listed = call(fake, "GET", "/items", params={"scopePath": "/content", "recursionLevel": "OneLevel"}).json()
    assert [i["path"] for i in listed["value"]] == ["/content", "/content/a.md", "/content/sub"]
    raw = call(fake, "GET", "/items", params={"path": "/img/p.png", "$format": "octetStream"})
    assert raw.content == FILES["img/p.png"]
    missing = call(fake, "GET", "/items", params={"path": "/nope"})
    assert missing.status_code == 404 and missing.json()["message"].startswith("TF401174")


def test_a_recursive_tree_carries_relative_paths_sizes_and_azures_tree_mode(fake: FakeAzure) -> None:
    tree = call(fake, "GET", "/items", params={"path": "/content"}).json()["objectId"]
    entries = call(fake, "GET", f"/trees/{tree}", params={"recursive": "true"}).json()["treeEntries"]
    assert [(e["relativePath"], e["gitObjectType"], e["mode"]) for e in entries] == [
        ("a.md", "blob", "100644"), ("sub", "tree", "40000"), ("sub/b.md", "blob", "100644")]
    assert entries[0]["size"] == 2


def test_blobs_come_as_one_zip_named_by_id(fake: FakeAzure) -> None:
    ids = [
        e["objectId"]
        for e in call(fake, "GET", "/items", params={"scopePath": "/", "recursionLevel": "Full"}).json()["value"]
        if e["gitObjectType"] == "blob"
    ]
    response = call(fake, "POST", "/blobs", body=ids)
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert sorted(archive.read(n) for n in archive.namelist()) == sorted(FILES.values())
    assert call(fake, "POST", "/blobs", body=["f" * 40]).status_code == 404


def test_a_push_is_refused_when_the_ref_moved(fake: FakeAzure) -> None:
    head = fake.store.refs["heads/main"]
    assert push(fake, head, [add("/c.md", b"c")]).status_code == 201
    stale = push(fake, head, [add("/d.md", b"d")])
    assert stale.status_code == 409 and stale.json()["message"].startswith("TF401028")


def test_a_push_checks_that_adds_are_new_and_edits_and_deletes_exist_all_or_nothing(fake: FakeAzure) -> None:
    head = fake.store.refs["heads/main"]
    assert push(fake, head, [add("/new.md", b"n"), add("/content/a.md", b"x")]).status_code == 409
    assert push(fake, head, [add("/missing.md", b"x", "edit")]).status_code == 404
    assert push(fake, head, [{"changeType": "delete", "item": {"path": "/missing.md"}}]).status_code == 404
    assert fake.store.refs["heads/main"] == head


def test_a_push_to_a_new_branch_takes_the_old_object_id_as_its_parent(fake: FakeAzure) -> None:
    head = fake.store.refs["heads/main"]
    response = push(fake, head, [add("/new.md", b"n")], ref="refs/heads/cms/posts/new")
    assert response.status_code == 201
    created = response.json()["refUpdates"][0]
    assert created["oldObjectId"] == ZERO_ID and fake.store.commit(created["newObjectId"]).parents == (head,)


def test_a_ref_update_with_a_stale_old_id_answers_success_false(fake: FakeAzure) -> None:
    fake.commit_files("topic", {"t": b"t"}, "topic")
    result = call(fake, "POST", "/refs", body=[{"name": "refs/heads/topic", "oldObjectId": "1" * 40,
                                                 "newObjectId": ZERO_ID}]).json()["value"][0]
    assert (result["success"], result["updateStatus"]) == (False, "staleOldObjectId")
    assert "heads/topic" in fake.store.refs


def test_completing_a_conflicting_pull_request_leaves_it_active_with_conflicts(fake: FakeAzure) -> None:
    fake.commit_files("cms/posts/a", {"content/a.md": b"theirs"}, "entry")
    fake.commit_files("main", {"content/a.md": b"published"}, "meanwhile")
    pr = call(fake, "POST", "/pullrequests", body={"sourceRefName": "refs/heads/cms/posts/a",
                                                    "targetRefName": "refs/heads/main", "title": "t"}).json()
    assert pr["mergeStatus"] == "conflicts"
    done = call(fake, "PATCH", f"/pullrequests/{pr['pullRequestId']}", body={
        "status": "completed", "lastMergeSourceCommit": pr["lastMergeSourceCommit"]}).json()
    assert (done["status"], done["mergeStatus"]) == ("active", "conflicts")


def test_labels_are_added_once_and_removed_by_id_or_name(fake: FakeAzure) -> None:
    fake.commit_files("cms/posts/a", {"content/z.md": b"z"}, "entry")
    pr = call(fake, "POST", "/pullrequests", body={"sourceRefName": "refs/heads/cms/posts/a", "targetRefName":
                                                    "refs/heads/main", "title": "t", "labels": [{"name": "x"}]}).json()
    number = pr["pullRequestId"]
    again = call(fake, "POST", f"/pullrequests/{number}/labels", body={"name": "x"}).json()
    assert again == {**pr["labels"][0]}
    assert call(fake, "DELETE", f"/pullrequests/{number}/labels/x").status_code == 204
    assert call(fake, "DELETE", f"/pullrequests/{number}/labels/x").status_code == 404
    assert json.loads(call(fake, "GET", f"/pullrequests/{number}").content)["labels"] == []
