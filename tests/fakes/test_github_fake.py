"""The GitHub fake behaves like GitHub: real ids, ref semantics, guards, auth, faults, serving."""

from __future__ import annotations

import base64
import time

import httpx
import pytest

from tests.fakes.git_store import GitStore
from tests.fakes.github import FakeGitHub
from tests.fakes.server import client, serve

AUTH = {"Authorization": "token secret-token"}


@pytest.fixture
def fake() -> FakeGitHub:
    gh = FakeGitHub(GitStore(), owner="owner", repo="repo", default_branch="main",
                    tokens={"secret-token": "owner"}, clock=lambda: 1_700_000_000)
    gh.commit_files("owner/repo", "main", {"content/posts/a.md": b"---\ntitle: A\n---\nbody\n",
                                           "README.md": b"readme\n"}, "initial")
    return gh


@pytest.fixture
def api(fake: FakeGitHub) -> httpx.Client:
    return client(fake, headers=AUTH)


def test_requests_without_a_known_token_get_bad_credentials(fake: FakeGitHub) -> None:
    with client(fake) as anonymous:
        response = anonymous.get("/user")
    assert response.status_code == 401
    assert response.json()["message"] == "Bad credentials"
    assert client(fake, headers={"Authorization": "Bearer secret-token"}).get("/user").status_code == 200


def test_repo_reports_push_permission_default_branch_and_rate_limit_headers(api: httpx.Client) -> None:
    response = api.get("/repos/owner/repo")
    assert response.json()["permissions"]["push"] is True
    assert response.json()["default_branch"] == "main"
    assert int(response.headers["X-RateLimit-Remaining"]) < int(response.headers["X-RateLimit-Limit"])


def test_tree_by_branch_and_path_and_blob_content_round_trip(api: httpx.Client) -> None:
    tree = api.get("/repos/owner/repo/git/trees/main:content%2Fposts").json()
    assert [e["path"] for e in tree["tree"]] == ["a.md"]
    blob = api.get(f"/repos/owner/repo/git/blobs/{tree['tree'][0]['sha']}").json()
    assert base64.b64decode(blob["content"]) == b"---\ntitle: A\n---\nbody\n"
    assert api.get("/repos/owner/repo/git/trees/main:static/media").status_code == 404
    recursive = api.get("/repos/owner/repo/git/trees/main?recursive=1").json()
    assert {e["path"] for e in recursive["tree"]} == {"README.md", "content", "content/posts", "content/posts/a.md"}
    assert recursive["truncated"] is False


def test_recursive_tree_is_truncated_beyond_the_limit(fake: FakeGitHub, api: httpx.Client) -> None:
    fake.tree_limit = 2
    assert api.get("/repos/owner/repo/git/trees/main?recursive=1").json()["truncated"] is True


def write_commit(api: httpx.Client, branch_sha: str, path: str, data: bytes, message: str = "m") -> str:
    blob = api.post("/repos/owner/repo/git/blobs",
                    json={"content": base64.b64encode(data).decode(), "encoding": "base64"}).json()["sha"]
    tree = api.post("/repos/owner/repo/git/trees", json={
        "base_tree": branch_sha, "tree": [{"path": path, "mode": "100644", "type": "blob", "sha": blob}]})
    assert tree.status_code == 201
    commit = api.post("/repos/owner/repo/git/commits",
                      json={"message": message, "tree": tree.json()["sha"], "parents": [branch_sha]})
    assert commit.status_code == 201
    return commit.json()["sha"]


def test_git_data_commit_then_fast_forward_ref_update(api: httpx.Client) -> None:
    head = api.get("/repos/owner/repo/branches/main").json()["commit"]["sha"]
    new = write_commit(api, head, "content/posts/b.md", b"b\n")
    assert api.patch("/repos/owner/repo/git/refs/heads/main", json={"sha": new, "force": False}).status_code == 200
    assert api.get("/repos/owner/repo/git/ref/heads/main").json()["object"]["sha"] == new
    commits = api.get("/repos/owner/repo/commits", params={"path": "content/posts/b.md", "sha": "main"}).json()
    assert [c["sha"] for c in commits] == [new]


def test_non_fast_forward_ref_update_needs_force(api: httpx.Client) -> None:
    head = api.get("/repos/owner/repo/branches/main").json()["commit"]["sha"]
    first = write_commit(api, head, "x.md", b"1")
    sideways = write_commit(api, head, "y.md", b"2")
    api.patch("/repos/owner/repo/git/refs/heads/main", json={"sha": first})
    refused = api.patch("/repos/owner/repo/git/refs/heads/main", json={"sha": sideways, "force": False})
    assert (refused.status_code, refused.json()["message"]) == (422, "Update is not a fast forward")
    assert api.patch("/repos/owner/repo/git/refs/heads/main", json={"sha": sideways, "force": True}).status_code == 200


def test_contents_put_requires_the_current_sha(api: httpx.Client) -> None:
    current = api.get("/repos/owner/repo/contents/README.md", params={"ref": "main"}).json()
    stale = api.put("/repos/owner/repo/contents/README.md", json={
        "message": "m", "content": base64.b64encode(b"new").decode(), "sha": "0" * 40, "branch": "main"})
    assert stale.status_code == 409
    ok = api.put("/repos/owner/repo/contents/README.md", json={
        "message": "m", "content": base64.b64encode(b"new").decode(), "sha": current["sha"], "branch": "main"})
    assert ok.status_code == 200
    assert ok.json()["content"]["sha"] == GitStore().put_blob(b"new")
    gone = api.request("DELETE", "/repos/owner/repo/contents/README.md",
                       json={"message": "rm", "sha": ok.json()["content"]["sha"], "branch": "main"})
    assert gone.status_code == 200
    assert api.get("/repos/owner/repo/contents/README.md").status_code == 404


def open_pull(api: httpx.Client, branch: str, path: str, data: bytes) -> dict:
    head = api.get("/repos/owner/repo/branches/main").json()["commit"]["sha"]
    sha = write_commit(api, head, path, data)
    assert api.post("/repos/owner/repo/git/refs", json={"ref": f"refs/heads/{branch}", "sha": sha}).status_code == 201
    pull = api.post(
        "/repos/owner/repo/pulls", json={"title": "t", "body": "b", "head": f"owner:{branch}", "base": "main"}
    )
    assert pull.status_code == 201
    return pull.json()


def test_pull_lifecycle_labels_compare_and_merge_with_sha_guard(api: httpx.Client) -> None:
    pull = open_pull(api, "cms/posts/b", "content/posts/b.md", b"b\n")
    n = pull["number"]
    assert (
        api.put(f"/repos/owner/repo/issues/{n}/labels", json={"labels": ["decap-cms/draft"]}).json()[0]["name"]
        == "decap-cms/draft"
    )
    listed = api.get(
        "/repos/owner/repo/pulls", params={"head": "owner:cms/posts/b", "base": "main", "state": "open"}
    ).json()
    assert [p["number"] for p in listed] == [n]
    assert listed[0]["labels"][0]["name"] == "decap-cms/draft"
    compare = api.get(f"/repos/owner/repo/compare/main...{pull['head']['sha']}").json()
    assert (compare["ahead_by"], [f["filename"] for f in compare["files"]]) == (1, ["content/posts/b.md"])
    moved = api.put(f"/repos/owner/repo/pulls/{n}/merge", json={"sha": "1" * 40, "merge_method": "merge"})
    assert moved.status_code == 409
    merged = api.put(f"/repos/owner/repo/pulls/{n}/merge", json={"sha": pull["head"]["sha"], "merge_method": "squash"})
    assert merged.json()["merged"] is True
    main = api.get("/repos/owner/repo/git/commits/" + merged.json()["sha"]).json()
    assert len(main["parents"]) == 1
    assert api.get("/repos/owner/repo/contents/content/posts/b.md").status_code == 200
    assert api.get("/repos/owner/repo/pulls", params={"state": "open"}).json() == []


def test_merging_conflicting_pulls_is_refused(api: httpx.Client) -> None:
    first = open_pull(api, "one", "README.md", b"one\n")
    second = open_pull(api, "two", "README.md", b"two\n")
    assert api.put(f"/repos/owner/repo/pulls/{first['number']}/merge", json={}).status_code == 200
    assert api.put(f"/repos/owner/repo/pulls/{second['number']}/merge", json={}).status_code == 405


def test_closing_a_pull_and_deleting_its_branch(api: httpx.Client) -> None:
    pull = open_pull(api, "cms/x", "x.md", b"x")
    assert api.patch(f"/repos/owner/repo/pulls/{pull['number']}", json={"state": "closed"}).json()["state"] == "closed"
    assert api.delete("/repos/owner/repo/git/refs/heads/cms%2Fx").status_code == 204
    assert api.get("/repos/owner/repo/branches/cms/x").status_code == 404


def test_combined_status_reflects_posted_statuses(api: httpx.Client) -> None:
    head = api.get("/repos/owner/repo/branches/main").json()["commit"]["sha"]
    assert api.get(f"/repos/owner/repo/commits/{head}/status").json()["state"] == "pending"
    api.post(f"/repos/owner/repo/statuses/{head}", json={"state": "success", "context": "deploy/netlify"})
    status = api.get("/repos/owner/repo/commits/main/status").json()
    assert (status["state"], status["total_count"]) == ("success", 1)


def test_fork_shares_objects_and_merges_upstream(fake: FakeGitHub, api: httpx.Client) -> None:
    fake.tokens["contrib-token"] = "contrib"
    contrib = client(fake, headers={"Authorization": "token contrib-token"})
    assert contrib.post("/repos/owner/repo/forks").status_code == 202
    assert contrib.get("/repos/contrib/repo").json()["parent"]["full_name"] == "owner/repo"
    head = api.get("/repos/owner/repo/branches/main").json()["commit"]["sha"]
    api.patch("/repos/owner/repo/git/refs/heads/main", json={"sha": write_commit(api, head, "n.md", b"n")})
    synced = contrib.post("/repos/contrib/repo/merge-upstream", json={"branch": "main"})
    assert synced.json()["merge_type"] == "fast-forward"
    assert contrib.get("/repos/contrib/repo/branches/main").json()["commit"]["sha"] == \
        api.get("/repos/owner/repo/branches/main").json()["commit"]["sha"]


def test_faults_latency_errors_timeouts_rate_limits_and_expiring_tokens(fake: FakeGitHub, api: httpx.Client) -> None:
    fake.faults.error(502, path=r"/user$")
    assert api.get("/user").status_code == 502
    assert api.get("/user").status_code == 200  # fired once
    fake.faults.timeout(path=r"/user$")
    with pytest.raises(httpx.ReadTimeout):
        api.get("/user")
    fake.faults.primary_rate_limit(times=1)
    limited = api.get("/user")
    assert (limited.status_code, limited.headers["X-RateLimit-Remaining"]) == (403, "0")
    assert "API rate limit exceeded" in limited.json()["message"]
    fake.faults.secondary_rate_limit(status=429, retry_after=7)
    assert api.get("/user").headers["Retry-After"] == "7"
    fake.faults.latency(30, times=1)
    started = time.perf_counter()
    api.get("/user")
    assert time.perf_counter() - started >= 0.03
    fake.faults.expire_token(after_requests=1)
    assert api.get("/user").status_code == 200
    assert api.get("/user").status_code == 401
    assert [e.status for e in fake.log.entries[:3]] == [502, 200, 0]


def test_served_on_loopback_with_the_same_behaviour_and_hangs_for_timeouts(fake: FakeGitHub) -> None:
    with serve(fake) as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=base_url, headers=AUTH, timeout=0.5) as http:
            assert http.get("/repos/owner/repo").json()["full_name"] == "owner/repo"
            fake.faults.timeout(seconds=1.0, path=r"/user$")
            with pytest.raises(httpx.ReadTimeout):
                http.get("/user")
    assert fake.log.entries[-1].path == "/user"


def graphql(api: httpx.Client, query: str, **variables: object) -> dict:
    response = api.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200
    return response.json()


def test_graphql_reads_many_blobs_and_trees_in_one_query_with_aliases(fake: FakeGitHub, api: httpx.Client) -> None:
    readme = GitStore().put_blob(b"readme\n")
    result = graphql(api, """
        query { repository(owner: "owner", name: "repo") {
          a: object(expression: "main:README.md") { ... on Blob { text isBinary byteSize oid } }
          b: object(oid: "README_OID") { ... on Blob { text } }
          dir: object(expression: "main:content/posts") { ... on Tree { entries { name oid type
               object { ... on Blob { byteSize } } } } }
          missing: object(expression: "main:nope.md") { oid }
          head: ref(qualifiedName: "refs/heads/main") { target { oid } }
        } }""".replace("README_OID", readme))
    repo = result["data"]["repository"]
    assert repo["a"] == {"text": "readme\n", "isBinary": False, "byteSize": 7, "oid": readme}
    assert repo["b"] == {"text": "readme\n"}
    assert [e["name"] for e in repo["dir"]["entries"]] == ["a.md"]
    assert repo["missing"] is None
    assert repo["head"]["target"]["oid"] == fake.repos["owner/repo"].store.branch("main")


def test_graphql_rejects_queries_the_github_schema_does_not_allow(api: httpx.Client) -> None:
    result = api.post("/graphql", json={"query": '{ repository(owner: "owner", name: "repo") { noSuchField } }'}).json()
    assert "data" not in result
    assert "noSuchField" in result["errors"][0]["message"]


COMMIT = """mutation($input: CreateCommitOnBranchInput!) {
  createCommitOnBranch(input: $input) { commit { oid } } }"""


def commit_input(head: str, **changes: object) -> dict:
    return {"branch": {"repositoryNameWithOwner": "owner/repo", "branchName": "main"},
            "expectedHeadOid": head, "message": {"headline": "Update", "body": "details"},
            "fileChanges": changes}


def test_create_commit_on_branch_adds_and_deletes_files_atomically(fake: FakeGitHub, api: httpx.Client) -> None:
    store = fake.repos["owner/repo"].store
    head = store.branch("main")
    result = graphql(api, COMMIT, input=commit_input(
        head, additions=[{"path": "content/posts/b.md", "contents": base64.b64encode(b"b\n").decode()}],
        deletions=[{"path": "README.md"}]))
    oid = result["data"]["createCommitOnBranch"]["commit"]["oid"]
    assert store.branch("main") == oid
    assert store.commit(oid).parents == (head,)
    assert store.commit(oid).message == "Update\n\ndetails"
    assert set(store.files(store.commit(oid).tree)) == {"content/posts/a.md", "content/posts/b.md"}


def test_create_commit_on_branch_with_a_stale_head_is_refused_as_stale_data(
    fake: FakeGitHub, api: httpx.Client
) -> None:
    before = fake.repos["owner/repo"].store.branch("main")
    result = graphql(api, COMMIT, input=commit_input("0" * 40, deletions=[{"path": "README.md"}]))
    assert result["data"]["createCommitOnBranch"] is None
    error = result["errors"][0]
    assert error["type"] == "STALE_DATA"
    assert error["message"] == f'Expected branch to point to "{"0" * 40}" but it did not. Pull and try again.'
    assert fake.repos["owner/repo"].store.branch("main") == before


def test_graphql_branch_pull_request_and_ref_mutations_share_rest_state(fake: FakeGitHub, api: httpx.Client) -> None:
    repo_id = graphql(api, '{ repository(owner: "owner", name: "repo") { id } }')["data"]["repository"]["id"]
    head = fake.repos["owner/repo"].store.branch("main")
    sha = write_commit(api, head, "content/posts/c.md", b"c\n")
    created = graphql(api, """mutation($ref: CreateRefInput!, $pr: CreatePullRequestInput!) {
        createRef(input: $ref) { ref { id name prefix target { oid } } }
        createPullRequest(input: $pr) { pullRequest { id number state headRefOid baseRefName } } }""",
                      ref={"name": "refs/heads/cms/posts/c", "oid": sha, "repositoryId": repo_id},
                      pr={"baseRefName": "main", "headRefName": "cms/posts/c", "title": "t", "body": "b",
                          "repositoryId": repo_id})["data"]
    assert created["createRef"]["ref"]["name"] == "cms/posts/c"
    number = created["createPullRequest"]["pullRequest"]["number"]
    assert api.get(f"/repos/owner/repo/pulls/{number}").json()["head"]["sha"] == sha
    closed = graphql(api, """mutation($c: ClosePullRequestInput!, $d: DeleteRefInput!) {
        closePullRequest(input: $c) { pullRequest { state } } deleteRef(input: $d) { clientMutationId } }""",
                     c={"pullRequestId": created["createPullRequest"]["pullRequest"]["id"]},
                     d={"refId": created["createRef"]["ref"]["id"]})
    assert closed["data"]["closePullRequest"]["pullRequest"]["state"] == "CLOSED"
    assert api.get("/repos/owner/repo/branches/cms/posts/c").status_code == 404


def test_conditional_get_answers_304_without_spending_rate_limit(api: httpx.Client) -> None:
    first = api.get("/repos/owner/repo/branches/main")
    again = api.get("/repos/owner/repo/branches/main", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""
    assert int(again.headers["X-RateLimit-Remaining"]) == int(first.headers["X-RateLimit-Remaining"])
    head = first.json()["commit"]["sha"]
    api.patch("/repos/owner/repo/git/refs/heads/main", json={"sha": write_commit(api, head, "z.md", b"z")})
    moved = api.get("/repos/owner/repo/branches/main", headers={"If-None-Match": first.headers["ETag"]})
    assert moved.status_code == 200


def test_lists_are_paged_with_link_headers(fake: FakeGitHub, api: httpx.Client) -> None:
    for i in range(4):
        fake.commit_files("owner/repo", "main", {f"n{i}.md": b"x"}, f"commit {i}")
    first = api.get("/repos/owner/repo/commits", params={"sha": "main", "per_page": 2})
    assert len(first.json()) == 2
    assert 'rel="next"' in first.headers["Link"] and 'rel="last"' in first.headers["Link"]
    seen = [c["sha"] for c in first.json()]
    url = first.links["next"]["url"]
    while url:
        page = api.get(url)
        seen += [c["sha"] for c in page.json()]
        url = page.links.get("next", {}).get("url")
    assert len(seen) == len(set(seen)) == 5


def test_the_hourly_request_budget_runs_out_and_resets() -> None:
    now = [1_700_000_000.0]
    fake = FakeGitHub(GitStore(), tokens={"secret-token": "owner"}, clock=lambda: now[0], rate_limit=3)
    api = client(fake, headers=AUTH)
    remaining = [api.get("/user").headers["X-RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    refused = api.get("/user")
    assert refused.status_code == 403 and "API rate limit exceeded" in refused.json()["message"]
    assert int(refused.headers["X-RateLimit-Reset"]) == 1_700_000_000 + 3600
    now[0] += 3600
    assert api.get("/user").status_code == 200


def test_open_authoring_permission_check_and_fork_branch_listing(fake: FakeGitHub, api: httpx.Client) -> None:
    fake.tokens["contrib-token"] = "contrib"
    contrib = client(fake, headers={"Authorization": "token contrib-token"})
    fake.repos["owner/repo"].permissions["push"] = False
    assert contrib.get("/repos/owner/repo/collaborators/contrib/permission").json()["permission"] == "read"
    assert contrib.get("/repos/owner/repo").json()["permissions"]["push"] is False
    assert contrib.post("/repos/owner/repo/git/blobs", json={"content": "x"}).status_code == 403
    assert api.get("/repos/owner/repo/collaborators/nobody/permission").status_code == 404
    fake.user("editor")
    fake.repos["owner/repo"].collaborators["editor"] = "maintain"
    assert api.get("/repos/owner/repo/collaborators/editor/permission").json()["permission"] == "write"
    contrib.post("/repos/owner/repo/forks")
    head = contrib.get("/repos/contrib/repo/branches/main").json()["commit"]["sha"]
    for slug in ("a", "b"):
        ref = f"refs/heads/cms/contrib/repo/posts/{slug}"
        assert contrib.post("/repos/contrib/repo/git/refs", json={"ref": ref, "sha": head}).status_code == 201
    listed = contrib.get("/repos/contrib/repo/git/refs/heads/cms/contrib/repo").json()
    assert [r["ref"] for r in listed] == ["refs/heads/cms/contrib/repo/posts/a", "refs/heads/cms/contrib/repo/posts/b"]
    assert contrib.get("/repos/contrib/repo/git/refs/heads/cms/nobody").status_code == 404


def test_graphql_reopens_a_closed_pull_request(api: httpx.Client) -> None:
    pull = open_pull(api, "cms/r", "r.md", b"r")
    api.patch(f"/repos/owner/repo/pulls/{pull['number']}", json={"state": "closed"})
    result = graphql(api, """mutation($i: ReopenPullRequestInput!) { reopenPullRequest(input: $i) {
        pullRequest { state number } } }""", i={"pullRequestId": pull["node_id"]})
    assert result["data"]["reopenPullRequest"]["pullRequest"] == {"state": "OPEN", "number": pull["number"]}


def test_single_ref_endpoint_never_answers_a_prefix_listing(api: httpx.Client) -> None:
    head = api.get("/repos/owner/repo/branches/main").json()["commit"]["sha"]
    api.post("/repos/owner/repo/git/refs", json={"ref": "refs/heads/cms/posts/a", "sha": head})
    assert api.get("/repos/owner/repo/git/ref/heads/cms").status_code == 404
    clash = api.post("/repos/owner/repo/git/refs", json={"ref": "refs/heads/cms/posts", "sha": head})
    assert (clash.status_code, clash.json()["message"]) == (422, "Reference update failed")


def test_raw_media_type_returns_file_bytes_and_big_files_leave_json_contents(
    fake: FakeGitHub, api: httpx.Client
) -> None:
    raw = {"Accept": "application/vnd.github.raw"}
    assert api.get("/repos/owner/repo/contents/README.md", headers=raw).content == b"readme\n"
    blob = GitStore().put_blob(b"readme\n")
    assert api.get(f"/repos/owner/repo/git/blobs/{blob}", headers=raw).content == b"readme\n"
    big = bytes(range(256)) * 4000
    fake.commit_files("owner/repo", "main", {"static/big.bin": big}, "big")
    listed = api.get("/repos/owner/repo/contents/static/big.bin").json()
    assert (listed["encoding"], listed["content"], listed["size"]) == ("none", "", len(big))
    assert api.get("/repos/owner/repo/contents/static/big.bin", headers=raw).content == big


def test_rebase_merge_replays_each_commit_on_the_moved_base(fake: FakeGitHub, api: httpx.Client) -> None:
    pull = open_pull(api, "cms/two", "two.md", b"1")
    second = write_commit(api, pull["head"]["sha"], "three.md", b"3")
    api.patch("/repos/owner/repo/git/refs/heads/cms/two", json={"sha": second})
    fake.commit_files("owner/repo", "main", {"other.md": b"o"}, "main moves")
    merged = api.put(f"/repos/owner/repo/pulls/{pull['number']}/merge", json={"merge_method": "rebase"}).json()
    store = fake.repos["owner/repo"].store
    tip = store.commit(merged["sha"])
    middle = store.commit(tip.parents[0])
    assert set(store.files(tip.tree)) >= {"two.md", "three.md", "other.md", "README.md"}
    assert "two.md" in store.files(middle.tree) and "three.md" not in store.files(middle.tree)
    assert store.branch("main") == tip.sha


def test_graphql_merge_refuses_a_moved_head_as_stale_data(api: httpx.Client) -> None:
    pull = open_pull(api, "cms/m", "m.md", b"m")
    query = """mutation($i: MergePullRequestInput!) { mergePullRequest(input: $i) { pullRequest { state } } }"""
    stale = graphql(
        api, query, i={"pullRequestId": pull["node_id"], "expectedHeadOid": "0" * 40, "mergeMethod": "SQUASH"}
    )
    assert stale["errors"][0]["type"] == "STALE_DATA"
    done = graphql(api, query, i={"pullRequestId": pull["node_id"], "expectedHeadOid": pull["head"]["sha"]})
    assert done["data"]["mergePullRequest"]["pullRequest"]["state"] == "MERGED"


def test_served_fake_applies_faults_and_logs_each_request(fake: FakeGitHub) -> None:
    fake.faults.error(503, path=r"/repos/owner/repo$", times=1)
    fake.faults.secondary_rate_limit(status=429, retry_after=3, path=r"/user$")
    fake.faults.latency(50, path=r"/branches/")
    with serve(fake) as base_url, httpx.Client(base_url=base_url, headers=AUTH) as http:
        assert http.get("/repos/owner/repo").status_code == 503
        assert http.get("/repos/owner/repo").status_code == 200
        limited = http.get("/user")
        assert (limited.status_code, limited.headers["Retry-After"]) == (429, "3")
        started = time.perf_counter()
        assert http.get("/repos/owner/repo/branches/main").status_code == 200
        assert time.perf_counter() - started >= 0.05
        assert http.get("/user", headers={"Authorization": "token wrong"}).status_code == 401  # the limit fired once
    assert [(e.path, e.status) for e in fake.log.entries][:3] == [
        ("/repos/owner/repo", 503), ("/repos/owner/repo", 200), ("/user", 429)]
    assert fake.log.matching("GET", r"/branches/")[0].seconds >= 0.05


def test_concurrent_commits_through_the_server_never_lose_an_update(fake: FakeGitHub) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def contents_commit(i: int, base_url: str) -> int:
        with httpx.Client(base_url=base_url, headers=AUTH) as http:
            for _attempt in range(50):
                head = http.get("/repos/owner/repo/branches/main").json()["commit"]["sha"]
                sha = write_commit(http, head, f"c{i}.md", b"%d" % i)
                if http.patch("/repos/owner/repo/git/refs/heads/main", json={"sha": sha}).status_code == 200:
                    return i
        raise AssertionError("never committed")

    with serve(fake) as base_url, ThreadPoolExecutor(4) as pool:
        done = list(pool.map(lambda i: contents_commit(i, base_url), range(8)))
    store = fake.repos["owner/repo"].store
    assert done == list(range(8))
    assert {f"c{i}.md" for i in range(8)} <= set(store.files(store.resolve("main")))
