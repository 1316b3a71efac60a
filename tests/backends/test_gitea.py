"""Gitea adapter specifics: requests per operation, tree paging, how saves are sent and checked, the
pull-request workflow, servers without pull requests, token refresh and self-hosted servers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from editor_app.backends.base import (
    NEW_FILE,
    STATUS_PENDING_PUBLISH,
    STATUS_PENDING_REVIEW,
    BackendSettings,
    Credentials,
    FileChange,
)
from editor_app.backends.gitea import GiteaBackend, WorkflowUnavailableError, parse_version
from editor_app.errors import AuthError, ConflictError, EditorError
from editor_app.hosts import HOSTS
from tests.backends.conftest import FIXTURE_FILES
from tests.fakes.gitea import FakeGitea
from tests.fakes.gitea_factories import GITEA_TOKEN, OWNER, REPO, make_fake_gitea, settings

FIRST = "content/posts/first.md"


def blob_id(data: bytes) -> str:
    import hashlib

    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Site:
    """An adapter over a fake Gitea in process, with the JSON bodies it sent."""

    fake: FakeGitea
    backend: GiteaBackend
    sent: list[tuple[str, str, Any]] = field(default_factory=list)

    def requests(self) -> list[str]:
        """`METHOD /path` of every request the fake answered since the last clear."""
        return [f"{e.method} {e.path.removeprefix('/api/v1/repos/garden/site') or '(the repository)'}"
                for e in self.fake.log.entries]

    def bodies(self, method: str, suffix: str) -> list[Any]:
        return [body for m, path, body in self.sent if m == method and path.endswith(suffix)]


def open_site(files: dict[str, bytes] | None = None, *, fake: FakeGitea | None = None, **options: Any) -> Site:
    fake = fake or make_fake_gitea(FIXTURE_FILES if files is None else files)
    site = Site(fake=fake, backend=None)  # type: ignore[arg-type]

    def recording(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        site.sent.append((request.method, request.url.path, body))
        return fake(request)

    site.backend = GiteaBackend.connect(settings(**options), Credentials(GITEA_TOKEN),
                                        transport=httpx.MockTransport(recording))
    return site


@pytest.fixture
def site() -> Iterator[Site]:
    opened = open_site()
    yield opened
    opened.backend.close()


# --- requests per operation -------------------------------------------------------------------------


def test_listing_a_folder_is_the_branch_head_and_one_tree_page(site: Site) -> None:
    site.fake.log.clear()
    listing = site.backend.list_files("content/posts", extension="md")
    assert len(listing.files) == 3
    assert site.requests() == ["GET /branches/main", "GET /git/trees/" + listing.head + ":content/posts"]


def test_a_big_folder_is_listed_page_by_page_following_truncated() -> None:
    files = {f"content/posts/p{i:04d}.md": b"%d\n" % i for i in range(2300)}
    site = open_site(files)
    site.fake.log.clear()
    listing = site.backend.list_files("content/posts", extension="md")
    assert [f.path for f in listing.files] == sorted(files)
    assert listing.files[0].id == blob_id(b"0\n") and listing.files[0].size == 2
    assert [e.query for e in site.fake.log.matching("GET", "/git/trees/")] == [
        f"per_page=1000&page={page}&recursive=true" for page in (1, 2, 3)
    ]


def test_reading_files_asks_one_blob_each_and_one_file_is_one_raw_read(site: Site) -> None:
    files = site.backend.list_files("content/posts", extension="md").files
    site.fake.log.clear()
    contents = site.backend.read_files(files)
    assert contents == {f.path: FIXTURE_FILES[f.path] for f in files}
    assert sorted(site.requests()) == sorted(f"GET /git/blobs/{f.id}" for f in files)
    site.fake.log.clear()
    assert site.backend.read_file(FIRST) == (FIXTURE_FILES[FIRST], blob_id(FIXTURE_FILES[FIRST]))
    assert site.requests() == ["GET /raw/content/posts/first.md"]


def test_many_files_of_a_small_repository_come_from_one_archive_checked_by_blob_id() -> None:
    files = {f"content/posts/p{i:03d}.md": b"post %d\n" % i for i in range(40)}
    site = open_site(files)
    listing = site.backend.list_files("content/posts").files
    site.fake.commit_files("main", {"content/posts/p007.md": b"changed after the listing\n"}, "Theirs")
    site.fake.log.clear()
    contents = site.backend.read_files(listing)
    assert contents == files  # p007 as listed: its archived bytes do not hash to the listed id
    listed_p007 = blob_id(files["content/posts/p007.md"])
    assert site.requests() == [
        "GET (the repository)", "GET /archive/main.tar.gz", f"GET /git/blobs/{listed_p007}"]  # its size, asked once


@pytest.mark.parametrize("size_kb", [3 * 1024, 60 * 1024])
def test_a_repository_big_for_the_files_wanted_is_not_downloaded_whole(size_kb: int) -> None:
    files = {f"content/posts/p{i:03d}.md": b"post %d\n" % i for i in range(40)}
    site = open_site(files)
    site.fake.size_kb = lambda: size_kb  # type: ignore[method-assign]  # media make a repository big
    listing = site.backend.list_files("content/posts").files
    site.fake.log.clear()
    assert site.backend.read_files(listing) == files
    assert site.fake.log.count("GET", "/archive/") == 0
    assert site.fake.log.count("GET", "/git/blobs/") == 40


def test_a_save_that_names_its_starting_blobs_is_one_request(site: Site) -> None:
    site.fake.log.clear()
    result = site.backend.commit(
        [FileChange(FIRST, b"edited\n", expected_id=blob_id(FIXTURE_FILES[FIRST])),
         FileChange("content/posts/new.md", b"new\n", expected_id=NEW_FILE)],
        "Edit and add",
    )
    assert site.requests() == ["POST /contents"]
    (body,) = site.bodies("POST", "/contents")
    assert body["branch"] == "main" and body["message"] == "Edit and add"
    assert [(f["operation"], f["path"], f.get("sha")) for f in body["files"]] == [
        ("update", FIRST, blob_id(FIXTURE_FILES[FIRST])),
        ("create", "content/posts/new.md", None),
    ]
    assert result.commit == site.backend.head()


def test_a_save_without_starting_blobs_looks_up_each_folder_once(site: Site) -> None:
    site.fake.log.clear()
    site.backend.commit([FileChange(FIRST, b"a\n"), FileChange("content/posts/second.md", b"b\n")], "Two edits")
    assert site.requests()[0] == "GET /branches/main"
    assert len(site.fake.log.matching("GET", "/git/trees/")) == 1
    assert site.requests()[-1] == "POST /contents"
    assert len(site.requests()) == 3


# --- how saves are sent and checked -----------------------------------------------------------------


def test_chained_moves_are_sent_as_the_end_state_of_each_path(site: Site) -> None:
    site.backend.commit(
        [FileChange("content/posts/third.md", previous_path="content/posts/second.md"),
         FileChange("content/posts/second.md", previous_path=FIRST)],
        "Shift posts",
    )
    (body,) = site.bodies("POST", "/contents")
    operations = {f["path"]: (f["operation"], f.get("sha")) for f in body["files"]}
    assert operations == {
        "content/posts/second.md": ("update", blob_id(FIXTURE_FILES["content/posts/second.md"])),
        "content/posts/third.md": ("create", None),
        FIRST: ("delete", blob_id(FIXTURE_FILES[FIRST])),
    }


def test_a_file_changed_between_look_up_and_save_is_looked_up_again_and_saved(site: Site) -> None:
    def their_edit(_request: httpx.Request) -> None:
        site.fake.commit_files("main", {FIRST: b"their edit\n"}, "Theirs")

    site.fake.faults.add(their_edit, method="POST", path=r"/contents$", times=1)
    result = site.backend.commit([FileChange(FIRST, b"mine, unchecked\n")], "Mine")
    assert [e.status for e in site.fake.log.matching("POST", r"/contents$")] == [422, 201]
    assert site.backend.read_file(FIRST)[0] == b"mine, unchecked\n"
    assert result.ids == {FIRST: blob_id(b"mine, unchecked\n")}


def test_a_stale_sha_refused_by_gitea_is_a_conflict_with_their_side(site: Site) -> None:
    started = blob_id(FIXTURE_FILES[FIRST])
    site.fake.commit_files("main", {FIRST: b"their edit\n"}, "Theirs")
    head = site.backend.head()
    with pytest.raises(ConflictError) as caught:
        site.backend.commit([FileChange(FIRST, b"mine\n", expected_id=started)], "Mine")
    assert (caught.value.path, caught.value.theirs, caught.value.head) == (FIRST, b"their edit\n", head)
    assert [e.status for e in site.fake.log.matching("POST", r"/contents$")] == [422]


def test_moving_onto_an_existing_file_is_a_conflict(site: Site) -> None:
    with pytest.raises(ConflictError) as caught:
        site.backend.commit([FileChange("content/posts/second.md", previous_path=FIRST,
                                         expected_id=blob_id(FIXTURE_FILES[FIRST]))], "Move")
    assert caught.value.theirs == FIXTURE_FILES["content/posts/second.md"]


def test_a_server_older_than_the_multi_file_api_says_so() -> None:
    fake = make_fake_gitea(FIXTURE_FILES, version="1.19.4")
    fake.faults.error(404, body={"message": "404 page not found"}, method="POST", path=r"/contents$", times=None)
    site = open_site(fake=fake)
    with pytest.raises(EditorError, match=r"Gitea 1\.19\.4 .* too old .* 1\.20 or newer"):
        site.backend.commit([FileChange(FIRST, b"x\n")], "Edit")


def test_versions_of_gitea_and_forgejo_are_read() -> None:
    assert parse_version("1.22.3") == (1, 22, 3)
    assert parse_version("v1.19.0-rc1") == (1, 19, 0)
    assert parse_version("7.0.5+gitea-1.21.11") == (1, 21, 11)
    assert parse_version("development") == ()


# --- the repository and the user --------------------------------------------------------------------


def test_the_default_branch_comes_from_the_repository_when_the_config_names_none() -> None:
    fake = FakeGitea(make_fake_gitea({}).store, owner=OWNER, repo=REPO, default_branch="trunk",
                     tokens={GITEA_TOKEN: "ada"})
    fake.commit_files("trunk", {"a.md": b"a\n"}, "Seed")
    site = open_site(fake=fake, branch=None)
    assert site.backend.default_branch() == "trunk"
    assert [f.path for f in site.backend.list_files("").files] == ["a.md"]


def test_a_user_without_push_access_is_refused_at_login() -> None:
    site = open_site(fake=make_fake_gitea(FIXTURE_FILES, can_push=False))
    with pytest.raises(AuthError, match="does not have write access"):
        site.backend.current_user()


def test_file_meta_is_the_last_commit_touching_the_file(site: Site) -> None:
    site.backend.commit([FileChange(FIRST, b"new\n")], "Edit first")
    meta = site.backend.file_meta(FIRST)
    assert meta is not None and meta.author == "Ada" and meta.updated_on.endswith("Z")
    assert site.fake.log.matching("GET", r"/commits$")[-1].query.startswith("sha=main&path=content%2Fposts%2Ffirst.md")


def test_the_default_api_root_is_gitea_com_and_a_self_hosted_one_is_honoured() -> None:
    from tests.fakes.server import serve

    assert HOSTS["gitea"].api_root == "https://gitea.com/api/v1"
    fake = make_fake_gitea(FIXTURE_FILES, api_prefix="/git/api/v1")
    with serve(fake) as url:
        backend = GiteaBackend.connect(settings(url + "/git/api/v1/"), Credentials(GITEA_TOKEN))
        assert backend.read_file(FIRST)[0] == FIXTURE_FILES[FIRST]
        backend.close()
    assert fake.log.entries[0].path == "/git/api/v1/repos/garden/site/raw/content/posts/first.md"


def test_repo_must_name_owner_and_repository() -> None:
    with pytest.raises(EditorError, match="owner/name"):
        GiteaBackend(BackendSettings(name="gitea", repo="just-a-name"), httpx.Client())


# --- auth -------------------------------------------------------------------------------------------


def test_an_expired_token_is_refreshed_once_and_the_request_repeated() -> None:
    fake = make_fake_gitea(FIXTURE_FILES)
    renewed: list[Credentials] = []

    def refresh(old: Credentials) -> Credentials:
        fresh = Credentials("fresh-token", refresh_token="r2")
        fake.tokens["fresh-token"] = "ada"
        renewed.append(fresh)
        return fresh

    backend = GiteaBackend.connect(settings(), Credentials(GITEA_TOKEN, refresh_token="r1"),
                                   transport=httpx.MockTransport(fake), refresh=refresh)
    del fake.tokens[GITEA_TOKEN]  # the hour of the OAuth access token is over
    assert backend.read_file(FIRST)[0] == FIXTURE_FILES[FIRST]
    assert len(renewed) == 1 and backend.credentials is renewed[0]
    assert [e.status for e in fake.log.entries] == [401, 200]


def test_an_expired_token_without_refresh_is_an_expired_auth_error() -> None:
    fake = make_fake_gitea(FIXTURE_FILES)
    backend = GiteaBackend.connect(settings(), Credentials(GITEA_TOKEN), transport=httpx.MockTransport(fake))
    del fake.tokens[GITEA_TOKEN]
    with pytest.raises(AuthError) as caught:
        backend.read_file(FIRST)
    assert caught.value.expired
    assert GITEA_TOKEN not in str(caught.value)


# --- editorial workflow -----------------------------------------------------------------------------


def test_the_first_save_is_one_commit_on_a_new_branch_and_a_labelled_pull_request(site: Site) -> None:
    site.backend.save_unpublished("posts", "spring", [FileChange("content/posts/spring.md", b"s\n",
                                                                 expected_id=NEW_FILE)], "Create Post “spring”")
    (commit,) = site.bodies("POST", "/contents")
    assert (commit["branch"], commit["new_branch"]) == ("main", "cms/posts/spring")
    (pull,) = site.bodies("POST", "/pulls")
    assert pull["base"] == "main" and pull["head"] == "cms/posts/spring"
    assert pull["title"] == "Create Post “spring”" and pull["body"] == "Automatically generated by Decap CMS"
    (label,) = site.fake.labels.values()
    assert label["name"] == "decap-cms/draft"
    assert pull["labels"] == list(site.fake.labels)


def test_status_labels_are_created_once_and_other_labels_are_kept(site: Site) -> None:
    site.backend.save_unpublished("posts", "first", [FileChange(FIRST, b"x\n")], "Update")
    site.fake.create_label(body={"name": "needs-photos", "color": "#00aabb"})
    other = next(i for i, lab in site.fake.labels.items() if lab["name"] == "needs-photos")
    site.fake.pulls[1].labels.append(other)
    site.backend.set_status("posts", "first", STATUS_PENDING_REVIEW)
    site.backend.set_status("posts", "first", STATUS_PENDING_PUBLISH)
    site.backend.set_status("posts", "first", STATUS_PENDING_REVIEW)
    names = sorted(site.fake.labels[i]["name"] for i in site.fake.pulls[1].labels)
    assert names == ["decap-cms/pending_review", "needs-photos"]
    assert sorted(lab["name"] for lab in site.fake.labels.values()) == [
        "decap-cms/draft", "decap-cms/pending_publish", "decap-cms/pending_review", "needs-photos"]


def test_a_custom_label_prefix_is_used(site: Site) -> None:
    custom = open_site(cms_label_prefix="cms-status/")
    custom.backend.save_unpublished("posts", "first", [FileChange(FIRST, b"x\n")], "Update")
    assert [lab["name"] for lab in custom.fake.labels.values()] == ["cms-status/draft"]
    assert custom.backend.read_unpublished("posts", "first").status == "draft"


@pytest.mark.parametrize(("squash", "parents"), [(False, 2), (True, 1)])
def test_publish_merges_or_squashes_guarded_by_the_pull_request_head(squash: bool, parents: int) -> None:
    site = open_site(squash_merges=squash)
    site.backend.save_unpublished("posts", "first", [FileChange(FIRST, b"x\n")], "Update")
    head = site.backend.read_unpublished("posts", "first").head
    result = site.backend.publish("posts", "first")
    (merge,) = site.bodies("POST", "/merge")
    assert merge["Do"] == ("squash" if squash else "merge")
    assert merge["head_commit_id"] == head and merge["delete_branch_after_merge"] is True
    commit = site.fake.store.commit(result.commit)
    assert len(commit.parents) == parents
    assert commit.message.startswith("Automatically generated. Merged on Decap CMS.")


def test_a_pull_request_head_that_moved_during_publish_is_a_conflict(site: Site) -> None:
    site.backend.save_unpublished("posts", "first", [FileChange(FIRST, b"x\n")], "Update")

    def their_push(_request: httpx.Request) -> None:
        site.fake.commit_files("cms/posts/first", {FIRST: b"pushed meanwhile\n"}, "Theirs")

    site.fake.faults.add(their_push, method="POST", path=r"/merge$", times=1)
    with pytest.raises(ConflictError):
        site.backend.publish("posts", "first")
    assert site.backend.read_file(FIRST)[0] == FIXTURE_FILES[FIRST]


def test_a_pull_request_gitea_is_still_checking_is_merged_once_it_is_ready() -> None:
    fake = make_fake_gitea(FIXTURE_FILES)
    sleeps: list[float] = []
    backend = GiteaBackend.connect(settings(), Credentials(GITEA_TOKEN), transport=httpx.MockTransport(fake),
                                   sleep=sleeps.append)
    backend.save_unpublished("posts", "first", [FileChange(FIRST, b"x\n")], "Update")
    fake.checking = 2
    backend.publish("posts", "first")
    assert [e.status for e in fake.log.matching("POST", r"/merge$")] == [405, 405, 200]
    assert len(sleeps) == 2
    assert backend.read_file(FIRST)[0] == b"x\n"


def test_the_fake_refuses_workflow_writes_to_a_user_without_write_access_as_gitea_does() -> None:
    # api.go: branch deletion and label creation sit behind reqRepoWriter (403); ReplaceIssueLabels answers a bare
    # 403; MergePullRequest answers 405 "User not allowed to merge PR" (pull_service.ErrUserNotAllowedToMerge)
    site = open_site()
    site.backend.save_unpublished("posts", "first", [FileChange(FIRST, b"x\n")], "Update")
    number = next(iter(site.fake.pulls))
    site.fake.can_push = False
    api = httpx.Client(transport=httpx.MockTransport(site.fake), base_url="https://gitea.com/api/v1/repos/garden/site",
                       headers={"Authorization": f"token {GITEA_TOKEN}"})
    refused = "user should have a permission to write to a repo"
    assert api.delete("/branches/cms/posts/first").json()["message"] == refused
    assert api.post("/labels", json={"name": "x", "color": "#00aabb"}).json()["message"] == refused
    labels = api.put(f"/issues/{number}/labels", json={"labels": []})
    assert (labels.status_code, labels.content) == (403, b"")
    merge = api.post(f"/pulls/{number}/merge", json={"Do": "merge"})
    assert (merge.status_code, merge.json()["message"]) == (405, "User not allowed to merge PR")
    assert "heads/cms/posts/first" in site.fake.store.refs


def test_a_user_who_may_not_merge_is_told_so_at_once_not_retried_as_a_pull_request_still_checking() -> None:
    site = open_site()
    site.backend.save_unpublished("posts", "first", [FileChange(FIRST, b"x\n")], "Update")
    site.fake.can_push = False  # write access taken away after the login check
    with pytest.raises(AuthError, match=r"refused to merge pull request #\d+ into main .* may not merge it"):
        site.backend.publish("posts", "first")
    assert site.fake.log.count("POST", r"/merge$") == 1


def test_a_pull_request_that_never_becomes_mergeable_is_reported_not_retried_forever() -> None:
    fake = make_fake_gitea(FIXTURE_FILES)
    backend = GiteaBackend.connect(settings(), Credentials(GITEA_TOKEN), transport=httpx.MockTransport(fake),
                                   sleep=lambda _s: None)
    backend.save_unpublished("posts", "first", [FileChange(FIRST, b"x\n")], "Update")
    fake.checking = 100
    with pytest.raises(ConflictError, match="cannot merge"):
        backend.publish("posts", "first")
    assert fake.log.count("POST", r"/merge$") == 5
    assert backend.read_file(FIRST)[0] == FIXTURE_FILES[FIRST]


def test_without_pull_requests_the_workflow_explains_only_simple_publishing_works() -> None:
    site = open_site(fake=make_fake_gitea(FIXTURE_FILES, has_pull_requests=False))
    with pytest.raises(WorkflowUnavailableError, match="only supports simple publishing"):
        site.backend.save_unpublished("posts", "first", [FileChange(FIRST, b"x\n")], "Update")
    with pytest.raises(WorkflowUnavailableError):
        site.backend.list_unpublished()
    assert site.fake.log.count("POST") == 0
    site.backend.commit([FileChange(FIRST, b"simple\n")], "Simple publish")
    assert site.backend.read_file(FIRST)[0] == b"simple\n"


def test_deploy_preview_comes_from_the_pull_request_head_statuses(site: Site) -> None:
    site.backend.save_unpublished("posts", "first", [FileChange(FIRST, b"x\n")], "Update")
    assert site.backend.deploy_preview("posts", "first") is None
    head = site.backend.read_unpublished("posts", "first").head
    site.fake.add_status(head, "ci/build", "success", "https://ci.example/1")
    site.fake.add_status(head, "deploy/netlify", "pending", "https://preview.example/first")
    preview = site.backend.deploy_preview("posts", "first")
    assert preview is not None and (preview.url, preview.ready) == ("https://preview.example/first", False)


def test_benchmark_smoke_gitea_host() -> None:
    from tests.benchmarks.open_site import run

    figures = run("gitea", 30, 0.0)
    # From Workspace.open on: the login check (user, repository), head, tree, archive (+ nothing per entry).
    assert figures["cold_open"]["requests"] <= 6
    assert figures["warm_open"]["requests"] == 1
    assert figures["save_one_entry"]["requests"] <= 3  # the reopen (1) and the save


def test_requests_of_a_first_and_a_later_workflow_save(site: Site) -> None:
    site.fake.log.clear()
    site.backend.save_unpublished("posts", "spring", [FileChange("content/posts/spring.md", b"s\n",
                                                                 expected_id=NEW_FILE)], "Create")
    assert site.requests() == [
        "GET (the repository)",  # whether pull requests are on, asked once
        "GET /branches/cms/posts/spring",  # 404: a first save
        "POST /contents",  # the commit creates the branch
        "GET /labels", "POST /labels",  # the status label, created once
        "POST /pulls",
    ]
    site.fake.log.clear()
    site.backend.save_unpublished("posts", "spring", [FileChange("content/posts/spring.md", b"t\n",
                                                                 expected_id=blob_id(b"s\n"))], "Update")
    assert site.requests() == ["GET /branches/cms/posts/spring", "POST /contents", "GET /pulls"]


def test_a_git_lfs_media_file_is_read_as_its_content_with_the_pointers_blob_id() -> None:
    from editor_app.backends.workflow import git_blob_id
    from tests.backends.conftest import PIXEL_PNG
    from tests.fakes.git_store import lfs_pointer

    oid, pointer = lfs_pointer(PIXEL_PNG)
    fake = make_fake_gitea({**FIXTURE_FILES, "static/img/big.png": pointer})
    fake.lfs_objects[oid] = PIXEL_PNG
    backend = GiteaBackend.connect(settings(), Credentials(GITEA_TOKEN), transport=httpx.MockTransport(fake))
    listed = {f.path: f.id for f in backend.list_files("static/img").files}

    data, blob = backend.read_file("static/img/big.png")

    assert data == PIXEL_PNG and blob == listed["static/img/big.png"] == git_blob_id(pointer)
    assert fake.log.count("GET", r"/media/static/img/big\.png$") == 1
