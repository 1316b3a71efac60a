"""GitLab adapter specifics: the calls per operation, pagination, conflicts, the workflow as Decap does it,
token refresh, self-hosted roots and the Git Gateway mode. The shared behaviours are in test_contract.py."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from urllib.parse import parse_qs

import httpx
import pytest

from editor_app.backends.base import NEW_FILE, STATUS_PENDING_REVIEW, BackendSettings, Credentials, FileChange, RepoFile
from editor_app.backends.gitlab import GitLabBackend, graphql_url
from editor_app.errors import AuthError, ConflictError, EditorError
from tests.backends.conftest import FIXTURE_FILES, PIXEL_PNG
from tests.fakes.faults import LoggedRequest
from tests.fakes.gitlab import FakeGitLab
from tests.fakes.gitlab_factories import GITLAB_TOKEN, PROJECT, make_fake_gitlab, settings

PROJECT_URL = "/api/v4/projects/group%2Fsub%2Fsite"
PROJECT_PATH = "/api/v4/projects/group/sub/site"  # as the request log records it (decoded)


def blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@pytest.fixture
def fake() -> FakeGitLab:
    return make_fake_gitlab(FIXTURE_FILES)


@pytest.fixture
def backend(fake: FakeGitLab) -> Iterator[GitLabBackend]:
    adapter = GitLabBackend.connect(settings(), Credentials(GITLAB_TOKEN), transport=httpx.MockTransport(fake))
    yield adapter
    adapter.close()


def calls(fake: FakeGitLab) -> list[str]:
    """The requests the fake answered, as 'METHOD decoded-path-after-the-project'."""
    return [f"{e.method} {e.path.removeprefix(PROJECT_PATH)}" for e in fake.log.entries]


def query_of(entry: LoggedRequest) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(entry.query, keep_blank_values=True).items()}


# --- projects and roots ----------------------------------------------------------------------------


def test_a_subgroup_project_is_addressed_by_its_url_encoded_path(backend: GitLabBackend,
                                                                  sent: list[httpx.Request]) -> None:
    backend.read_file("data/settings.yml")
    assert [r.url.raw_path.decode() for r in sent] == [
        f"{PROJECT_URL}/repository/files/data%2Fsettings.yml/raw?ref=main"]


def test_the_default_branch_comes_from_the_project_when_the_config_names_none(fake: FakeGitLab) -> None:
    fake.default_branch = "trunk"
    fake.commit_files("trunk", {"a.md": b"a"}, "Trunk")
    adapter = GitLabBackend.connect(BackendSettings(name="gitlab", repo=PROJECT), Credentials(GITLAB_TOKEN),
                                    transport=httpx.MockTransport(fake))
    assert adapter.default_branch() == "trunk"
    assert adapter.default_branch() == "trunk"
    assert calls(fake) == ["GET "]  # the project, asked once (its URL is the project's own)


def test_graphql_lives_beside_the_rest_root_of_a_self_hosted_server() -> None:
    assert graphql_url("https://gitlab.com/api/v4") == "https://gitlab.com/api/graphql"
    assert graphql_url("https://git.example.org/gitlab/api/v4/") == "https://git.example.org/gitlab/api/graphql"


def test_a_self_hosted_api_root_is_used_for_rest_and_graphql() -> None:
    fake = make_fake_gitlab(FIXTURE_FILES, api_prefix="/gitlab/api/v4")
    adapter = GitLabBackend.connect(settings("https://git.example.org/gitlab/api/v4"), Credentials(GITLAB_TOKEN),
                                    transport=httpx.MockTransport(fake))
    files = adapter.list_files("content/posts", extension="md").files
    assert set(adapter.read_files(files)) == {f.path for f in files}
    assert {e.path for e in fake.log.entries} == {
        "/gitlab/api/v4/projects/group/sub/site/repository/branches/main",
        "/gitlab/api/v4/projects/group/sub/site/repository/tree",
        "/gitlab/api/graphql",
    }


def test_a_read_only_member_is_refused_with_decaps_message(fake: FakeGitLab, backend: GitLabBackend) -> None:
    fake.access_level = 20  # Reporter
    with pytest.raises(AuthError, match="does not have access to this repo"):
        backend.current_user()


def test_a_maintainer_through_a_shared_group_may_write(fake: FakeGitLab, backend: GitLabBackend) -> None:
    fake.access_level = None
    fake.shared_group_levels = [20, 40]
    assert backend.current_user().can_write


def test_a_developer_through_a_shared_group_needs_a_branch_developers_may_push_and_merge(
        fake: FakeGitLab, backend: GitLabBackend) -> None:
    fake.access_level = None
    fake.shared_group_levels = [30]
    with pytest.raises(AuthError):
        backend.current_user()
    fake.developers_can_push = fake.developers_can_merge = True
    assert backend.current_user().can_write
    assert calls(fake)[-1] == "GET /repository/branches/main"


def test_a_developer_may_write(backend: GitLabBackend) -> None:
    user = backend.current_user()
    assert (user.login, user.can_write) == ("ada", True)


# --- reading -------------------------------------------------------------------------------------


def test_listing_follows_the_tree_pages_at_the_heads_commit(fake: FakeGitLab, backend: GitLabBackend) -> None:
    fake.commit_files("main", {f"content/many/p{i:03d}.md": b"%d" % i for i in range(250)}, "Many")
    fake.log.clear()
    listing = backend.list_files("content/many", extension="md")
    assert len(listing.files) == 250
    trees = fake.log.matching("GET", r"/repository/tree$")
    assert sorted(query_of(t).get("page", "1") for t in trees) == ["1", "2", "3"]  # 2 and 3 at once
    assert {query_of(t)["ref"] for t in trees} == {listing.head}
    assert {query_of(t)["per_page"] for t in trees} == {"100"}
    # Text files need no sizes: no GraphQL for an entry listing.
    assert fake.log.count("POST", "graphql") == 0


def test_a_listing_too_long_for_gitlab_to_count_is_followed_page_by_page() -> None:
    fake = make_fake_gitlab(FIXTURE_FILES, totals_limit=50)
    fake.commit_files("main", {f"content/many/p{i:03d}.md": b"%d" % i for i in range(250)}, "Many")
    adapter = GitLabBackend.connect(settings(), Credentials(GITLAB_TOKEN), transport=httpx.MockTransport(fake))
    assert len(adapter.list_files("content/many").files) == 250
    trees = fake.log.matching("GET", r"/repository/tree$")
    assert [query_of(t).get("page", "1") for t in trees] == ["1", "2", "3"]


def test_depth_one_lists_one_level_without_recursion(fake: FakeGitLab, backend: GitLabBackend) -> None:
    backend.list_files("content/posts", depth=1)
    (tree,) = fake.log.matching("GET", r"/repository/tree$")
    assert query_of(tree)["recursive"] == "false"


def test_media_listings_get_their_sizes_in_one_graphql_query(fake: FakeGitLab, backend: GitLabBackend) -> None:
    fake.commit_files("main", {f"static/img/i{i}.png": PIXEL_PNG + bytes([i]) for i in range(5)}, "Images")
    fake.log.clear()
    listing = backend.list_files("static/img")
    assert {f.path: f.size for f in listing.files}["static/img/i3.png"] == len(PIXEL_PNG) + 1
    assert fake.log.count("POST", "graphql") == 1


def test_many_files_are_read_with_graphql_100_paths_a_query(fake: FakeGitLab, backend: GitLabBackend) -> None:
    posts = {f"content/many/p{i:03d}.md": b"---\ntitle: %d\n---\n" % i for i in range(250)}
    fake.commit_files("main", posts, "Many")
    files = backend.list_files("content/many").files
    fake.log.clear()
    assert backend.read_files(files) == posts
    assert calls(fake) == ["POST /api/graphql"] * 3


def test_a_batch_gitlab_finds_too_complex_is_read_as_two_halves(fake: FakeGitLab, backend: GitLabBackend) -> None:
    posts = {f"content/many/p{i:03d}.md": b"%d\n" % i for i in range(100)}
    fake.commit_files("main", posts, "Many")
    files = backend.list_files("content/many").files

    def too_complex(request: httpx.Request) -> httpx.Response | None:
        if len(json.loads(request.content)["variables"]["paths"]) <= 60:
            return None
        return httpx.Response(200, json={"errors": [{"message": "Query has complexity of 301, which exceeds max "
                                                                "complexity of 250"}]})

    fake.faults.add(too_complex, method="POST", path="graphql", times=None)
    fake.log.clear()
    assert backend.read_files(files) == posts
    assert calls(fake) == ["POST /api/graphql"] * 3  # refused, then two halves
    fake.log.clear()
    backend.read_files(files)
    assert calls(fake) == ["POST /api/graphql"] * 3  # GraphQL stays on


def test_binary_files_are_read_exactly_over_rest_by_blob_id(fake: FakeGitLab, backend: GitLabBackend,
                                                           sent: list[httpx.Request]) -> None:
    pixel = RepoFile("static/img/pixel.png", blob_id(PIXEL_PNG))
    post = RepoFile("content/posts/first.md", blob_id(FIXTURE_FILES["content/posts/first.md"]))
    fake.log.clear()
    assert backend.read_files([pixel, post]) == {pixel.path: PIXEL_PNG, post.path: FIXTURE_FILES[post.path]}
    assert calls(fake) == ["POST /api/graphql", f"GET /repository/blobs/{pixel.id}/raw"]
    (query,) = [json.loads(r.content) for r in sent if r.url.path.endswith("/graphql")]
    assert query["variables"]["paths"] == [post.path]  # media never travel through GraphQL strings


def test_text_gitlab_cannot_send_exactly_over_graphql_is_read_over_rest(fake: FakeGitLab,
                                                                        backend: GitLabBackend) -> None:
    latin1 = "caf\xe9\n".encode("latin-1")  # not UTF-8: GraphQL's string would not round-trip
    fake.commit_files("main", {"content/posts/old.md": latin1}, "Old encoding")
    files = backend.list_files("content/posts", extension="md", depth=1).files
    assert backend.read_files(files)["content/posts/old.md"] == latin1


def test_reads_fall_back_to_rest_when_graphql_is_unavailable(fake: FakeGitLab, backend: GitLabBackend) -> None:
    fake.faults.error(404, {"message": "404 Not Found"}, method="POST", path="graphql", times=None)
    files = backend.list_files("content/posts", extension="md").files
    assert backend.read_files(files) == {f.path: FIXTURE_FILES[f.path] for f in files}
    assert fake.log.count("GET", r"/repository/blobs/[0-9a-f]+/raw") == len(files)
    fake.log.clear()
    backend.read_files(files)
    assert fake.log.count("POST", "graphql") == 0  # not asked again


def test_one_file_is_one_raw_read_whose_id_comes_in_a_header(fake: FakeGitLab, backend: GitLabBackend) -> None:
    data, file_id = backend.read_file("content/posts/first.md", branch="main")
    assert file_id == blob_id(data)
    assert calls(fake) == ["GET /repository/files/content/posts/first.md/raw"]


def test_file_meta_is_the_last_commit_touching_the_path(fake: FakeGitLab, backend: GitLabBackend) -> None:
    meta = backend.file_meta("content/posts/first.md")
    assert meta is not None and meta.author == "group" and meta.updated_on.endswith("+00:00")  # the seed commit
    (entry,) = fake.log.entries
    assert query_of(entry) == {"path": "content/posts/first.md", "ref_name": "main", "per_page": "1"}


# --- writing -------------------------------------------------------------------------------------


def commit_bodies(fake: FakeGitLab, requests: list[httpx.Request]) -> list[dict[str, object]]:
    return [json.loads(r.content) for r in requests if r.method == "POST" and r.url.path.endswith("/commits")]


@pytest.fixture
def sent(fake: FakeGitLab) -> list[httpx.Request]:
    seen: list[httpx.Request] = []
    fake.faults.add(lambda request: seen.append(request), times=None)  # type: ignore[func-returns-value]
    return seen


def test_saving_one_file_is_one_probe_and_one_commit(fake: FakeGitLab, backend: GitLabBackend,
                                                     sent: list[httpx.Request]) -> None:
    path = "content/posts/first.md"
    result = backend.commit([FileChange(path, b"edited\n", expected_id=blob_id(FIXTURE_FILES[path]))], "Edit",
                            expected_head=backend.head())
    fake.log.clear()
    sent.clear()
    backend.commit([FileChange(path, b"again\n", expected_id=result.ids[path])], "Again")
    assert calls(fake) == [f"HEAD /repository/files/{path}", "POST /repository/commits"]
    (body,) = commit_bodies(fake, sent)
    (action,) = body["actions"]  # type: ignore[misc]
    assert action["action"] == "update" and action["encoding"] == "base64"
    assert base64.b64decode(action["content"]) == b"again\n"
    assert action["last_commit_id"] == result.commit  # the commit that last touched the file


def test_actions_cover_create_update_delete_move_and_binaries(fake: FakeGitLab, backend: GitLabBackend,
                                                              sent: list[httpx.Request]) -> None:
    backend.commit([
        FileChange("content/posts/new.md", b"new", expected_id=NEW_FILE),
        FileChange("content/posts/notes.txt", delete=True),
        FileChange("media/pixel.png", previous_path="static/img/pixel.png"),
        FileChange("static/img/other.png", PIXEL_PNG + b"\x00", expected_id=NEW_FILE),
    ], "Mixed")
    (body,) = commit_bodies(fake, sent)
    assert body["branch"] == "main" and "start_branch" not in body
    assert [(a["action"], a["file_path"]) for a in body["actions"]] == [  # type: ignore[union-attr]
        ("create", "content/posts/new.md"), ("delete", "content/posts/notes.txt"),
        ("move", "media/pixel.png"), ("create", "static/img/other.png"),
    ]
    move = body["actions"][2]  # type: ignore[index]
    assert move["previous_path"] == "static/img/pixel.png" and "content" not in move
    assert backend.read_file("static/img/other.png")[0] == PIXEL_PNG + b"\x00"


def test_a_file_changed_between_probe_and_commit_is_a_conflict_with_their_side(
        fake: FakeGitLab, backend: GitLabBackend) -> None:
    path = "content/posts/first.md"
    theirs = b"theirs, written during my save\n"

    def sneak_in(request: httpx.Request) -> None:
        fake.commit_files("main", {path: theirs}, "Someone else")
        return None

    fake.faults.add(sneak_in, method="POST", path=r"/repository/commits$", times=1)
    with pytest.raises(ConflictError) as caught:
        backend.commit([FileChange(path, b"mine\n", expected_id=blob_id(FIXTURE_FILES[path]))], "Mine")
    assert caught.value.theirs == theirs
    assert backend.read_file(path)[0] == theirs
    # GitLab refused the first commit (last_commit_id), the adapter probed again and found the change.
    assert fake.log.count("POST", r"/repository/commits$") == 1


def test_an_unchecked_write_over_a_moved_file_still_lands(fake: FakeGitLab, backend: GitLabBackend) -> None:
    path = "content/posts/first.md"
    fake.commit_files("main", {path: b"theirs\n"}, "Someone else")
    backend.commit([FileChange(path, b"mine\n")], "Overwrite on purpose")
    assert backend.read_file(path)[0] == b"mine\n"


# --- editorial workflow --------------------------------------------------------------------------


def test_first_save_creates_the_branch_from_the_site_branch_and_a_decap_merge_request(
        fake: FakeGitLab, sent: list[httpx.Request]) -> None:
    adapter = GitLabBackend.connect(settings(squash_merges=True, cms_label_prefix="cms-status/"),
                                    Credentials(GITLAB_TOKEN), transport=httpx.MockTransport(fake))
    adapter.save_unpublished("posts", "spring", [FileChange("content/posts/spring.md", b"s", expected_id=NEW_FILE)],
                             "Create Post “spring”")
    (body,) = commit_bodies(fake, sent)
    assert (body["branch"], body["start_branch"]) == ("cms/posts/spring", "main")
    (create,) = [r for r in sent if r.method == "POST" and r.url.path.endswith("/merge_requests")]
    assert create.content == b""  # Decap sends everything as query parameters
    assert dict(create.url.params) == {
        "source_branch": "cms/posts/spring", "target_branch": "main", "title": "Create Post “spring”",
        "description": "Automatically generated by Decap CMS", "labels": "cms-status/draft",
        "remove_source_branch": "true", "squash": "true",
    }
    (mr,) = fake.merge_requests.values()
    assert mr.labels == ["cms-status/draft"] and mr.squash


def test_a_later_save_rebases_the_merge_request_first(fake: FakeGitLab, backend: GitLabBackend) -> None:
    backend.save_unpublished("posts", "spring", [FileChange("content/posts/spring.md", b"one")], "Create")
    fake.commit_files("main", {"data/settings.yml": b"title: Moved on\n"}, "Site moves on")
    fake.log.clear()
    backend.save_unpublished("posts", "spring", [FileChange("content/posts/spring.md", b"two")], "Update")
    sequence = calls(fake)
    rebase = sequence.index("PUT /merge_requests/1/rebase")
    assert sequence[rebase + 1] == "GET /merge_requests/1"
    assert sequence.index("POST /repository/commits") > rebase
    # The entry branch now starts from the moved site branch.
    assert backend.read_file("data/settings.yml", branch="cms/posts/spring")[0] == b"title: Moved on\n"


def test_a_rebase_gitlab_cannot_do_leaves_the_conflict_to_publish(fake: FakeGitLab, backend: GitLabBackend) -> None:
    path = "content/posts/first.md"
    backend.save_unpublished("posts", "first", [FileChange(path, b"workflow\n")], "Update")
    fake.commit_files("main", {path: b"published\n"}, "Meanwhile")
    backend.save_unpublished("posts", "first", [FileChange(path, b"workflow again\n")], "Update again")
    assert backend.read_file(path, branch="cms/posts/first")[0] == b"workflow again\n"
    with pytest.raises(ConflictError) as caught:
        backend.publish("posts", "first")
    assert caught.value.theirs == b"published\n"


def test_status_changes_keep_labels_that_are_not_the_cms_s(fake: FakeGitLab, backend: GitLabBackend) -> None:
    backend.save_unpublished("posts", "spring", [FileChange("content/posts/spring.md", b"s")], "Create")
    fake.merge_requests[1].labels.append("needs-photos")
    fake.log.clear()
    backend.set_status("posts", "spring", STATUS_PENDING_REVIEW)
    assert fake.merge_requests[1].labels == ["needs-photos", "decap-cms/pending_review"]
    (put,) = fake.log.matching("PUT")
    assert query_of(put) == {"labels": "needs-photos,decap-cms/pending_review"}


def test_publish_merges_with_squash_when_configured_and_removes_the_branch(fake: FakeGitLab) -> None:
    adapter = GitLabBackend.connect(settings(squash_merges=True), Credentials(GITLAB_TOKEN),
                                    transport=httpx.MockTransport(fake))
    adapter.save_unpublished("posts", "spring", [FileChange("content/posts/spring.md", b"s")], "Create")
    head = adapter.head("cms/posts/spring")
    fake.log.clear()
    result = adapter.publish("posts", "spring")
    (merge,) = fake.log.matching("PUT", r"/merge$")
    assert query_of(merge) == {
        "merge_commit_message": "Automatically generated. Merged on Decap CMS.",
        "squash_commit_message": "Automatically generated. Merged on Decap CMS.",
        "squash": "true", "should_remove_source_branch": "true", "sha": head,
    }
    mr = fake.merge_requests[1]
    assert mr.state == "merged" and mr.squash_commit_sha and result.commit == mr.merge_commit_sha == adapter.head()
    assert result.ids == {"content/posts/spring.md": blob_id(b"s")}


def test_a_developer_who_may_not_merge_into_the_site_branch_is_told_so_not_to_log_in_again(
        fake: FakeGitLab, backend: GitLabBackend) -> None:
    # Decap's hasWriteAccess lets a project Developer edit; GitLab's protected default branch (Maintainers
    # merge, the default) then refuses the merge with a plain 401, which is not an expired login.
    fake.access_level = 30
    assert backend.current_user().can_write
    backend.save_unpublished("posts", "spring", [FileChange("content/posts/spring.md", b"s")], "Create")
    with pytest.raises(AuthError, match=r"refused to merge !1 into main .* may not merge into that protected branch"):
        backend.publish("posts", "spring")
    assert fake.merge_requests[1].state == "opened" and "heads/cms/posts/spring" in fake.store.refs
    with pytest.raises(AuthError, match="You are not allowed to push into this branch"):
        backend.commit([FileChange("content/posts/new.md", b"n\n", expected_id=NEW_FILE)], "New",
                       expected_head=backend.head())


def test_publish_refuses_when_the_branch_moved_since_it_was_read(fake: FakeGitLab, backend: GitLabBackend) -> None:
    backend.save_unpublished("posts", "spring", [FileChange("content/posts/spring.md", b"s")], "Create")

    def push_meanwhile(request: httpx.Request) -> None:
        fake.commit_files("cms/posts/spring", {"content/posts/spring.md": b"pushed"}, "Pushed meanwhile")
        return None

    fake.faults.add(push_meanwhile, method="PUT", path=r"/merge$")
    with pytest.raises(ConflictError):
        backend.publish("posts", "spring")
    assert fake.merge_requests[1].state == "opened"


def test_delete_closes_the_merge_request_and_deletes_the_branch(fake: FakeGitLab, backend: GitLabBackend) -> None:
    backend.save_unpublished("posts", "spring", [FileChange("content/posts/spring.md", b"s")], "Create")
    fake.log.clear()
    backend.delete_unpublished("posts", "spring")
    assert calls(fake)[-2:] == ["PUT /merge_requests/1", "DELETE /repository/branches/cms/posts/spring"]
    assert fake.merge_requests[1].state == "closed"


def test_a_deploy_preview_comes_from_the_merge_request_heads_statuses(fake: FakeGitLab, backend: GitLabBackend) -> None:
    backend.save_unpublished("posts", "spring", [FileChange("content/posts/spring.md", b"s")], "Create")
    assert backend.deploy_preview("posts", "spring") is None
    fake.add_status(backend.head("cms/posts/spring"), "netlify/deploy-preview", "success", "https://preview.example")
    preview = backend.deploy_preview("posts", "spring")
    assert preview is not None and (preview.url, preview.ready) == ("https://preview.example", True)


# --- auth ----------------------------------------------------------------------------------------


def test_an_expired_pkce_token_is_refreshed_once_and_the_request_repeated(fake: FakeGitLab) -> None:
    fake.tokens["fresh-token"] = "ada"
    fake.expired.add(GITLAB_TOKEN)
    refreshed: list[Credentials] = []

    def refresh(old: Credentials) -> Credentials:
        refreshed.append(old)
        return Credentials("fresh-token", refresh_token="next-refresh")

    adapter = GitLabBackend.connect(settings(), Credentials(GITLAB_TOKEN, refresh_token="r1"),
                                    transport=httpx.MockTransport(fake), refresh=refresh)
    assert adapter.read_file("data/settings.yml")[0] == FIXTURE_FILES["data/settings.yml"]
    assert [c.refresh_token for c in refreshed] == ["r1"]
    assert adapter.credentials is not None and adapter.credentials.token == "fresh-token"
    assert [e.status for e in fake.log.entries] == [401, 200]
    adapter.read_file("data/settings.yml")
    assert len(refreshed) == 1


def test_a_save_whose_first_request_finds_the_token_expired_refreshes_it_too(fake: FakeGitLab) -> None:
    # The save starts with a HEAD probe: its 401 has no body, only GitLab's WWW-Authenticate challenge.
    fake.tokens["fresh-token"] = "ada"
    fake.expired.add(GITLAB_TOKEN)
    adapter = GitLabBackend.connect(settings(), Credentials(GITLAB_TOKEN, refresh_token="r1"),
                                    transport=httpx.MockTransport(fake),
                                    refresh=lambda old: Credentials("fresh-token", refresh_token="r2"))
    adapter.commit([FileChange("content/posts/first.md", b"mine\n",
                               expected_id=blob_id(FIXTURE_FILES["content/posts/first.md"]))], "Mine")
    assert [(e.method, e.status) for e in fake.log.entries] == [("HEAD", 401), ("HEAD", 200), ("POST", 201)]


def test_an_implicit_token_cannot_be_refreshed_and_says_it_expired(fake: FakeGitLab) -> None:
    fake.expired.add(GITLAB_TOKEN)
    adapter = GitLabBackend.connect(settings(), Credentials(GITLAB_TOKEN), transport=httpx.MockTransport(fake),
                                    refresh=lambda old: pytest.fail("an implicit token has nothing to refresh with"))
    with pytest.raises(AuthError) as caught:
        adapter.head()
    assert caught.value.expired
    assert GITLAB_TOKEN not in str(caught.value)


def test_a_wrong_token_is_not_refreshed(fake: FakeGitLab) -> None:
    adapter = GitLabBackend.connect(settings(), Credentials("not-a-token", refresh_token="r1"),
                                    transport=httpx.MockTransport(fake),
                                    refresh=lambda old: pytest.fail("401 without invalid_token is not an expiry"))
    with pytest.raises(AuthError):
        adapter.head()


def test_requests_carry_a_bearer_token(fake: FakeGitLab, backend: GitLabBackend, sent: list[httpx.Request]) -> None:
    backend.head()
    assert sent[0].headers["Authorization"] == f"Bearer {GITLAB_TOKEN}"


def test_gitlabs_429_is_waited_out_until_its_ratelimit_reset(fake: FakeGitLab) -> None:
    from tests.backends.conftest import T0, FakeClock

    clock = FakeClock()
    fake.faults.clock = clock.time
    reset = int(T0) + 20
    fake.faults.add(lambda _r: httpx.Response(429, content=b"Retry later\n", headers={
        "RateLimit-Remaining": "0", "RateLimit-Reset": str(reset), "Content-Type": "text/plain"}))
    waits: list[tuple[float, str]] = []
    adapter = GitLabBackend.connect(
        settings(),
        Credentials(GITLAB_TOKEN),
        transport=httpx.MockTransport(fake),
        sleep=clock.sleep,
        clock=clock.time,
        on_wait=lambda at, why: waits.append((at, why)),
    )
    assert adapter.read_file("data/settings.yml")[0] == FIXTURE_FILES["data/settings.yml"]
    assert [at for at, _why in waits] == [reset]
    assert clock.now >= reset


# --- Git Gateway mode ----------------------------------------------------------------------------


def test_without_a_repo_requests_go_straight_under_the_api_root(fake: FakeGitLab) -> None:
    """Git Gateway proxies one project at /.netlify/git/gitlab/: no project prefix, no GraphQL."""

    def gateway(request: httpx.Request) -> httpx.Response:
        prefix = "/.netlify/git/gitlab"
        assert request.url.path.startswith(prefix + "/")
        rest = request.url.raw_path.decode()[len(prefix):]
        inner = httpx.Request(request.method, f"https://gitlab.com{PROJECT_URL}{rest}",
                              headers={"Authorization": f"Bearer {GITLAB_TOKEN}"}, content=request.content)
        return fake(inner)

    adapter = GitLabBackend(
        BackendSettings(name="gitlab", repo="", branch="main", api_root="https://site.example/.netlify/git/gitlab"),
        httpx.Client(base_url="https://site.example/.netlify/git/gitlab/", transport=httpx.MockTransport(gateway)),
    )
    files = adapter.list_files("content/posts", extension="md").files
    assert adapter.read_files(files) == {f.path: FIXTURE_FILES[f.path] for f in files}
    adapter.save_unpublished("posts", "spring", [FileChange("content/posts/spring.md", b"s")], "Create")
    assert [e.content_key for e in adapter.list_unpublished()] == ["posts/spring"]
    assert fake.log.count("POST", "graphql") == 0


def test_a_repo_without_a_namespace_is_refused() -> None:
    with pytest.raises(EditorError, match="group/project"):
        GitLabBackend(BackendSettings(name="gitlab", repo="site"), httpx.Client())


def test_a_git_lfs_media_file_is_read_as_its_content_with_the_pointers_blob_id() -> None:
    from editor_app.backends.workflow import git_blob_id
    from tests.fakes.git_store import lfs_pointer

    oid, pointer = lfs_pointer(PIXEL_PNG)
    fake = make_fake_gitlab({**FIXTURE_FILES, "static/img/big.png": pointer})
    fake.lfs_objects[oid] = PIXEL_PNG
    backend = GitLabBackend.connect(settings(), Credentials(GITLAB_TOKEN), transport=httpx.MockTransport(fake))
    listed = {f.path: f.id for f in backend.list_files("static/img").files}

    data, blob = backend.read_file("static/img/big.png")

    assert data == PIXEL_PNG and blob == listed["static/img/big.png"] == git_blob_id(pointer)
    assert fake.log.count("GET", r"/repository/files/.*/raw$") == 2  # the pointer, then the LFS object
    assert backend.read_file("data/settings.yml")[0] == FIXTURE_FILES["data/settings.yml"]


# --- deploy previews ------------------------------------------------------------------------------


def test_deploy_preview_comes_from_the_merge_requests_head_statuses_as_decap_reads_them(
    backend: GitLabBackend, fake: FakeGitLab
) -> None:
    backend.save_unpublished("posts", "spring", [FileChange("content/posts/spring.md", b"s")], "Create")
    head = backend.head("cms/posts/spring")
    fake.add_status(head, "test", "success", "https://gitlab.example/jobs/1")
    fake.add_status(head, "deploy:review", "running", "https://spring.review.example")
    preview = backend.deploy_preview("posts", "spring")
    assert preview is not None
    assert (preview.url, preview.state, preview.context) == (
        "https://spring.review.example", "building", "deploy:review")
    fake.statuses[head][-1]["status"] = "success"
    assert backend.deploy_preview("posts", "spring").state == "ready"  # type: ignore[union-attr]
    fake.statuses[head][-1]["status"] = "failed"
    assert backend.deploy_preview("posts", "spring").state == "failed"  # type: ignore[union-attr]


def test_without_a_deploy_status_the_review_environment_of_the_branch_is_the_preview(
    backend: GitLabBackend, fake: FakeGitLab
) -> None:
    backend.save_unpublished("posts", "spring", [FileChange("content/posts/spring.md", b"s")], "Create")
    head = backend.head("cms/posts/spring")
    fake.add_status(head, "test", "success", "https://gitlab.example/jobs/1")
    fake.add_environment("production", "https://site.example", "main", backend.head(), "success")
    assert backend.deploy_preview("posts", "spring") is None  # production was not deployed from the entry's branch
    fake.add_environment("review/cms-posts-spring", "https://cms-posts-spring.review.example", "cms/posts/spring",
                         head, "running")
    preview = backend.deploy_preview("posts", "spring")
    assert preview is not None
    assert (preview.url, preview.state) == ("https://cms-posts-spring.review.example", "building")
    fake.add_environment("review/cms-posts-spring", "https://cms-posts-spring.review.example", "cms/posts/spring",
                         head, "success")
    assert backend.deploy_preview("posts", "spring").ready  # type: ignore[union-attr]
    (listed,) = [e for e in fake.log.matching("GET") if e.path.endswith("/environments")][-1:]
    assert query_of(listed)["states"] == "available"


def test_preview_context_picks_the_status_by_name(fake: FakeGitLab) -> None:
    adapter = GitLabBackend.connect(settings(preview_context="pages"), Credentials(GITLAB_TOKEN),
                                    transport=httpx.MockTransport(fake))
    adapter.save_unpublished("posts", "spring", [FileChange("content/posts/spring.md", b"s")], "Create")
    head = adapter.head("cms/posts/spring")
    fake.add_status(head, "deploy", "success", "https://deploy.example")
    fake.add_status(head, "pages", "success", "https://pages.example/spring")
    assert adapter.deploy_preview("posts", "spring").url == "https://pages.example/spring"  # type: ignore[union-attr]


# --- last author/date of many files ---------------------------------------------------------------


def test_files_meta_asks_graphql_for_eight_paths_at_a_time_as_decap_does(
    fake: FakeGitLab, backend: GitLabBackend
) -> None:
    paths = [f"content/posts/p{i:02}.md" for i in range(20)]
    fake.commit_files("main", {path: path.encode() for path in paths}, "Many posts")
    fake.commit_files("main", {"content/posts/p03.md": b"again"}, "Edit p03", username="ada")
    fake.log.clear()
    found = backend.files_meta(paths)
    assert [(e.method, e.path) for e in fake.log.entries] == [("POST", "/api/graphql")] * 3
    assert found["content/posts/p03.md"].author == "ada"
    assert found["content/posts/p03.md"].updated_on.endswith("Z")  # GraphQL's Time; REST writes +00:00
    assert found["content/posts/p04.md"].author == "group"
