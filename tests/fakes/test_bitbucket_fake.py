"""The fake Bitbucket's own semantics, as Bitbucket documents them (checked directly over HTTP)."""

from __future__ import annotations

import httpx
import pytest

from tests.fakes.bitbucket import FakeBitbucket
from tests.fakes.git_store import GitStore

TOKEN = "fake-token"
BASE = "https://api.bitbucket.org/2.0/repositories/garden/site/"


@pytest.fixture
def fake() -> FakeBitbucket:
    made = FakeBitbucket(GitStore(), repo="garden/site", default_branch="main", tokens={TOKEN: "ada"})
    made.commit_files(
        "main", {f"posts/p{i:02}.md": b"post %d\n" % i for i in range(25)} | {"posts/2024/old.md": b"old\n"}, "Seed"
    )
    return made


@pytest.fixture
def client(fake: FakeBitbucket) -> httpx.Client:
    return httpx.Client(
        base_url=BASE, transport=httpx.MockTransport(fake), headers={"Authorization": f"Bearer {TOKEN}"}
    )


def test_src_lists_a_directory_page_by_page_following_next(fake: FakeBitbucket, client: httpx.Client) -> None:
    head = fake.store.branch("main")
    page = client.get(f"src/{head}/posts", params={"pagelen": "10"}).json()
    paths = [v["path"] for v in page["values"]]
    while "next" in page:
        page = client.get(page["next"]).json()
        paths += [v["path"] for v in page["values"]]
    assert len(paths) == 26 and "posts/2024" in paths  # max_depth 1: the subdirectory, not its files
    deep = client.get(f"src/{head}/posts", params={"max_depth": "2", "pagelen": "100"}).json()["values"]
    assert "posts/2024/old.md" in [v["path"] for v in deep]
    assert {v["type"] for v in deep} == {"commit_file", "commit_directory"}


def test_src_reads_raw_bytes_and_answers_missing_paths_with_bitbuckets_error(
    fake: FakeBitbucket, client: httpx.Client
) -> None:
    head = fake.store.branch("main")
    assert client.get(f"src/{head}/posts/p01.md").content == b"post 1\n"
    missing = client.get(f"src/{head}/posts/nope.md")
    assert missing.status_code == 404
    assert missing.json() == {"type": "error", "error": {"message": "No such file or directory: posts/nope.md"}}


def test_post_src_takes_urlencoded_files_and_deletes_what_files_names(
    fake: FakeBitbucket, client: httpx.Client
) -> None:
    response = client.post("src", data={"posts/new.md": "new\n", "files": "posts/p00.md", "message": "Edit"})
    assert response.status_code == 201
    commit = response.headers["Location"].rsplit("/", 1)[-1]
    files = fake.store.files(fake.store.commit(commit).tree)
    assert "posts/new.md" in files and "posts/p00.md" not in files
    assert fake.store.branch("main") == commit


def test_post_src_with_parents_creates_a_branch_there_and_refuses_a_stale_tip(fake: FakeBitbucket,
                                                                               client: httpx.Client) -> None:
    seed = fake.store.branch("main")
    created = client.post("src", data={"branch": "cms/posts/a", "parents": seed, "posts/a.md": "a"})
    assert created.status_code == 201 and fake.store.branch("main") == seed
    again = client.post("src", data={"branch": "cms/posts/a", "parents": seed, "posts/a.md": "b"})
    assert again.status_code == 409 and again.json()["type"] == "error"


def test_pull_requests_filter_with_bbql_and_merge_with_a_strategy(fake: FakeBitbucket, client: httpx.Client) -> None:
    client.post("src", data={"branch": "cms/posts/a", "posts/a.md": "a"})
    pr = client.post("pullrequests", json={"title": "A", "source": {"branch": {"name": "cms/posts/a"}},
                                            "close_source_branch": True}).json()
    query = 'state = "OPEN" AND source.branch.name ~ "cms/" AND comment_count > 0'
    assert client.get("pullrequests", params={"q": query}).json()["values"] == []
    client.post(f"pullrequests/{pr['id']}/comments", json={"content": {"raw": "decap-cms/draft"}})
    assert [p["id"] for p in client.get("pullrequests", params={"q": query}).json()["values"]] == [pr["id"]]
    assert client.get("pullrequests", params={"q": "state = OPEN OR id = 1"}).status_code == 400
    merged = client.post(f"pullrequests/{pr['id']}/merge", json={"merge_strategy": "squash"}).json()
    assert merged["state"] == "MERGED" and len(fake.store.commit(fake.store.branch("main")).parents) == 1
    assert "heads/cms/posts/a" not in fake.store.refs


def test_a_merge_both_sides_changed_is_refused(fake: FakeBitbucket, client: httpx.Client) -> None:
    client.post("src", data={"branch": "cms/posts/p01", "posts/p01.md": "theirs\n"})
    pr = client.post("pullrequests", json={"title": "P1", "source": {"branch": {"name": "cms/posts/p01"}}}).json()
    fake.commit_files("main", {"posts/p01.md": b"ours\n"}, "Meanwhile")
    refused = client.post(f"pullrequests/{pr['id']}/merge", json={})
    assert refused.status_code == 409
    assert client.get(f"pullrequests/{pr['id']}").json()["state"] == "OPEN"


def test_unknown_and_expired_tokens_are_refused_with_401(fake: FakeBitbucket) -> None:
    fake.expired.add("old-token")
    fake.tokens["old-token"] = "ada"
    for token, message in (("nope", "Invalid access token"), ("old-token", "Access token expired")):
        with httpx.Client(transport=httpx.MockTransport(fake)) as anonymous:
            response = anonymous.get(BASE + "refs/branches/main", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401 and response.json()["error"]["message"].startswith(message)
