"""FakeGitLab answers as GitLab's documentation says GitLab does (the adapter relies on these answers)."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from tests.fakes.git_store import GitStore
from tests.fakes.gitlab import FakeGitLab

P = "https://gitlab.com/api/v4/projects/group%2Fsite"


@pytest.fixture
def fake() -> FakeGitLab:
    gitlab = FakeGitLab(GitStore(), project="group/site", default_branch="main", tokens={"t": "ada"})
    gitlab.commit_files("main", {"a.md": b"a\n", "dir/b.md": b"b\n"}, "Seed")
    return gitlab


def call(fake: FakeGitLab, method: str, url: str, body: Any = None, token: str = "t") -> httpx.Response:
    request = httpx.Request(method, url, headers={"Authorization": f"Bearer {token}"},
                            content=json.dumps(body).encode() if body is not None else None)
    return fake(request)


def commit(fake: FakeGitLab, *actions: dict[str, Any], branch: str = "main", **extra: Any) -> httpx.Response:
    return call(fake, "POST", f"{P}/repository/commits",
                {"branch": branch, "commit_message": "m", "actions": list(actions), **extra})


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_an_unknown_token_is_401_and_an_expired_one_says_invalid_token(fake: FakeGitLab) -> None:
    assert call(fake, "GET", f"{P}/repository/branches/main", token="nope").json() == {"message": "401 Unauthorized"}
    fake.expired.add("t")
    expired = call(fake, "HEAD", f"{P}/repository/files/a.md?ref=main")
    assert expired.status_code == 401 and 'error="invalid_token"' in expired.headers["WWW-Authenticate"]


def test_file_headers_carry_blob_commit_and_last_commit_ids(fake: FakeGitLab) -> None:
    seed = fake.store.branch("main")
    changed = commit(fake, {"action": "update", "file_path": "a.md", "content": "a2\n"}).json()["id"]
    head = call(fake, "HEAD", f"{P}/repository/files/dir%2Fb.md?ref=main")
    assert head.headers["X-Gitlab-Commit-Id"] == changed
    assert head.headers["X-Gitlab-Last-Commit-Id"] == seed  # b.md last changed in the seed
    assert head.content == b""
    raw = call(fake, "GET", f"{P}/repository/files/a.md/raw?ref=main")
    assert raw.content == b"a2\n" and raw.headers["X-Gitlab-Last-Commit-Id"] == changed


def test_commit_actions_are_checked_as_gitlab_does(fake: FakeGitLab) -> None:
    seed = fake.store.branch("main")
    exists = commit(fake, {"action": "create", "file_path": "a.md", "content": "x"})
    assert (exists.status_code, exists.json()["message"]) == (400, "A file with this name already exists")
    missing = commit(fake, {"action": "update", "file_path": "zzz.md", "content": "x"})
    assert (missing.status_code, missing.json()["message"]) == (400, "A file with this name doesn't exist")
    commit(fake, {"action": "update", "file_path": "a.md", "content": "theirs"})
    stale = commit(fake, {"action": "update", "file_path": "a.md", "content": "mine", "last_commit_id": seed})
    assert stale.status_code == 400 and "has changed since you started editing it" in stale.json()["message"]
    assert fake.store.blob(fake.store.lookup(fake.store.resolve("main"), "a.md").sha) == b"theirs"  # type: ignore[union-attr]


def test_a_failing_action_writes_nothing_of_the_commit(fake: FakeGitLab) -> None:
    head = fake.store.branch("main")
    refused = commit(fake, {"action": "create", "file_path": "new.md", "content": "n"},
                     {"action": "delete", "file_path": "gone.md"})
    assert refused.status_code == 400
    assert fake.store.branch("main") == head


def test_moves_keep_content_unless_given_and_binaries_arrive_exactly(fake: FakeGitLab) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\xff"
    made = commit(fake, {"action": "move", "file_path": "c.md", "previous_path": "a.md"},
                  {"action": "create", "file_path": "img/p.png", "content": b64(png), "encoding": "base64"})
    assert made.status_code == 201
    assert call(fake, "GET", f"{P}/repository/files/c.md/raw?ref=main").content == b"a\n"
    assert call(fake, "GET", f"{P}/repository/files/img%2Fp.png/raw?ref=main").content == png
    assert call(fake, "GET", f"{P}/repository/files/a.md/raw?ref=main").status_code == 404


def test_start_branch_creates_a_branch_but_not_over_an_existing_one(fake: FakeGitLab) -> None:
    created = commit(fake, {"action": "create", "file_path": "n.md", "content": "n"}, branch="cms/p/n",
                     start_branch="main")
    assert created.status_code == 201 and fake.store.branch("cms/p/n") == created.json()["id"]
    again = commit(fake, {"action": "create", "file_path": "m.md", "content": "m"}, branch="cms/p/n",
                   start_branch="main")
    assert again.status_code == 400 and "already exists" in again.json()["message"]


def test_tree_pages_carry_gitlabs_pagination_headers(fake: FakeGitLab) -> None:
    fake.commit_files("main", {f"many/{i:02d}.md": b"%d" % i for i in range(45)}, "Many")
    page = call(fake, "GET", f"{P}/repository/tree?path=many&ref=main&recursive=true&per_page=20&page=2")
    assert len(page.json()) == 20
    assert {
        k: page.headers[k] for k in ("X-Page", "X-Per-Page", "X-Total", "X-Total-Pages", "X-Next-Page", "X-Prev-Page")
    } == {
        "X-Page": "2",
        "X-Per-Page": "20",
        "X-Total": "45",
        "X-Total-Pages": "3",
        "X-Next-Page": "3",
        "X-Prev-Page": "1",
    }
    assert 'rel="next"' in page.headers["Link"]
    assert call(fake, "GET", f"{P}/repository/tree?path=nothing&ref=main").json() == []


def test_merge_requests_filter_by_branches_and_any_label_and_refuse_duplicates(fake: FakeGitLab) -> None:
    commit(fake, {"action": "create", "file_path": "n.md", "content": "n"}, branch="cms/p/n", start_branch="main")
    commit(fake, {"action": "create", "file_path": "u.md", "content": "u"}, branch="cms/p/u", start_branch="main")
    first = call(
        fake, "POST", f"{P}/merge_requests?source_branch=cms/p/n&target_branch=main&title=N&labels=decap-cms/draft"
    )
    call(fake, "POST", f"{P}/merge_requests?source_branch=cms/p/u&target_branch=main&title=U")
    assert first.status_code == 201 and first.json()["labels"] == ["decap-cms/draft"]
    duplicate = call(fake, "POST", f"{P}/merge_requests?source_branch=cms/p/n&target_branch=main&title=N")
    assert duplicate.status_code == 409
    labelled = call(fake, "GET", f"{P}/merge_requests?state=opened&labels=Any&target_branch=main").json()
    assert [mr["source_branch"] for mr in labelled] == ["cms/p/n"]
    one = call(fake, "GET", f"{P}/merge_requests?state=opened&source_branch=cms/p/u").json()
    assert [mr["title"] for mr in one] == ["U"]


def test_merge_is_guarded_by_the_head_sha_and_removes_the_source_branch(fake: FakeGitLab) -> None:
    made = commit(fake, {"action": "create", "file_path": "n.md", "content": "n"}, branch="cms/p/n",
                  start_branch="main").json()
    iid = call(fake, "POST", f"{P}/merge_requests?source_branch=cms/p/n&target_branch=main&title=N").json()["iid"]
    wrong = call(fake, "PUT", f"{P}/merge_requests/{iid}/merge?sha={'0' * 40}")
    assert wrong.status_code == 409
    merged = call(
        fake, "PUT", f"{P}/merge_requests/{iid}/merge?sha={made['id']}&should_remove_source_branch=true&squash=true"
    )
    body = merged.json()
    assert (
        body["state"] == "merged"
        and body["squash_commit_sha"]
        and body["merge_commit_sha"] == fake.store.branch("main")
    )
    assert "heads/cms/p/n" not in fake.store.refs
    assert call(fake, "PUT", f"{P}/merge_requests/{iid}/merge").status_code == 405


def test_a_rebase_onto_a_conflicting_target_reports_merge_error(fake: FakeGitLab) -> None:
    commit(fake, {"action": "update", "file_path": "a.md", "content": "entry"}, branch="cms/p/a", start_branch="main")
    iid = call(fake, "POST", f"{P}/merge_requests?source_branch=cms/p/a&target_branch=main&title=A").json()["iid"]
    commit(fake, {"action": "update", "file_path": "a.md", "content": "site"})
    assert call(fake, "PUT", f"{P}/merge_requests/{iid}/rebase?skip_ci=true").status_code == 202
    state = call(fake, "GET", f"{P}/merge_requests/{iid}?include_rebase_in_progress=true").json()
    assert state["rebase_in_progress"] is False and state["merge_error"]
    assert call(fake, "PUT", f"{P}/merge_requests/{iid}/merge").status_code == 406
