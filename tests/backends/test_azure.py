"""Azure DevOps adapter specifics: repository naming, api-version, requests per operation, how a push is
sent and checked, the pull-request workflow (labels, completion, abandon), previews, errors and self-hosting."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from editor_app.backends.azure import DEFAULT_API_VERSION, ZERO_ID, AzureBackend
from editor_app.backends.base import (
    NEW_FILE,
    STATUS_PENDING_PUBLISH,
    STATUS_PENDING_REVIEW,
    BackendSettings,
    Credentials,
    FileChange,
)
from editor_app.backends.http import RetryPolicy
from editor_app.errors import AuthError, ConflictError, EditorError, NotFoundError
from editor_app.hosts import HOSTS
from tests.backends.conftest import FIXTURE_FILES
from tests.fakes.azure import FakeAzure
from tests.fakes.azure_factories import AZURE_TOKEN, ORG, PROJECT, REPO, make_fake_azure, settings
from tests.fakes.git_store import GitStore

FIRST = "content/posts/first.md"
REPO_PATH = f"/{ORG}/{PROJECT}/_apis/git/repositories/{REPO}"


def blob_id(data: bytes) -> str:
    import hashlib

    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Site:
    """An adapter over a fake Azure DevOps in process, with every request it sent."""

    fake: FakeAzure
    backend: AzureBackend
    sent: list[httpx.Request] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)

    def requests(self) -> list[str]:
        """`METHOD /path` of every request the fake answered since the last clear (repository prefix cut)."""
        return [f"{e.method} {e.path.removeprefix(REPO_PATH) or '(the repository)'}" for e in self.fake.log.entries]

    def bodies(self, method: str, suffix: str) -> list[Any]:
        return [json.loads(r.content) for r in self.sent if r.method == method and r.url.path.endswith(suffix)]


def open_site(files: dict[str, bytes] | None = None, *, fake: FakeAzure | None = None, **options: Any) -> Site:
    fake = fake or make_fake_azure(FIXTURE_FILES if files is None else files)
    site = Site(fake=fake, backend=None)  # type: ignore[arg-type]

    def recording(request: httpx.Request) -> httpx.Response:
        site.sent.append(request)
        return fake(request)

    site.backend = AzureBackend.connect(settings(**options), Credentials(AZURE_TOKEN),
                                        transport=httpx.MockTransport(recording), sleep=site.sleeps.append)
    return site


@pytest.fixture
def site() -> Iterator[Site]:
    opened = open_site()
    yield opened
    opened.backend.close()


# --- configuration ---------------------------------------------------------------------------------


@pytest.mark.parametrize("repo", ["org/repo", "org/project/repo/extra", "org//repo", ""])
def test_repo_must_be_org_project_repo(repo: str) -> None:
    with pytest.raises(EditorError, match="org/project/repo"):
        AzureBackend(BackendSettings(name="azure", repo=repo), httpx.Client())


def test_every_request_carries_decaps_api_version_by_default(site: Site) -> None:
    site.backend.list_files("content")
    site.backend.read_file(FIRST)
    assert site.sent and {r.url.params.get("api-version") for r in site.sent} == {DEFAULT_API_VERSION}
    assert DEFAULT_API_VERSION == "6.1-preview"


def test_api_version_comes_from_the_config() -> None:
    site = open_site(options={"api_version": "7.1-preview"})
    site.backend.head()
    assert site.fake.api_versions == ["7.1-preview"]


def test_the_default_api_root_is_dev_azure_com_with_a_bearer_token() -> None:
    backend = AzureBackend.connect(settings(), Credentials("secret-token"))
    assert HOSTS["azure"].api_root == "https://dev.azure.com"
    assert str(backend.http.client.base_url) == "https://dev.azure.com/"
    assert backend.http.client.headers["Authorization"] == "Bearer secret-token"
    assert backend.base == f"{ORG}/{PROJECT}/_apis/git/repositories/{REPO}/"
    backend.close()


def test_without_a_configured_branch_the_repository_default_branch_is_used() -> None:
    fake = FakeAzure(GitStore(), org=ORG, project=PROJECT, repo=REPO, default_branch="trunk",
                     tokens={AZURE_TOKEN: "ada@example.org"})
    fake.commit_files("trunk", {"a.md": b"a"}, "seed")
    site = open_site(fake=fake, branch=None)
    assert site.backend.default_branch() == "trunk"
    assert site.backend.list_files("").files[0].path == "a.md"


def test_a_self_hosted_collection_url_is_the_api_root() -> None:
    fake = make_fake_azure(FIXTURE_FILES, prefix="/tfs/DefaultCollection")
    backend = AzureBackend.connect(settings("https://devops.example/tfs/DefaultCollection"), Credentials(AZURE_TOKEN),
                                   transport=httpx.MockTransport(fake))
    assert backend.read_file(FIRST)[0] == FIXTURE_FILES[FIRST]
    assert {e.path.split("/_apis")[0] for e in fake.log.entries} == {f"/tfs/DefaultCollection/{ORG}/{PROJECT}"}
    backend.close()


# --- who am I, heads ----------------------------------------------------------------------------------


def test_the_user_comes_from_connection_data_under_the_api_root(site: Site) -> None:
    user = site.backend.current_user()
    assert (user.login, user.email, user.name, user.can_write) == ("ada@example.org", "ada@example.org", "Ada", True)
    assert site.requests()[0] == f"GET /{ORG}/_apis/connectionData"


def test_head_takes_the_exact_ref_not_every_ref_the_prefix_filter_matches(site: Site) -> None:
    site.fake.commit_files("main-old", {"x.md": b"x"}, "a branch whose name starts like main")
    site.fake.commit_files("cms/posts/main", {"y.md": b"y"}, "unrelated")
    assert site.backend.head("main") == site.fake.store.refs["heads/main"]
    with pytest.raises(NotFoundError, match="branch mai not found"):
        site.backend.head("mai")


# --- reading ------------------------------------------------------------------------------------------


def test_a_listing_is_the_head_the_folder_item_and_its_tree(site: Site) -> None:
    site.fake.log.clear()
    site.backend._heads.clear()
    listing = site.backend.list_files("content/posts", extension="md")
    assert site.requests() == [
        "GET /refs",
        "GET /items",
        "GET /trees/" + site.fake.log.entries[2].path.rsplit("/", 1)[1],
    ]
    assert {f.path: f.size for f in listing.files}["content/posts/first.md"] == len(FIXTURE_FILES[FIRST])


def test_a_listing_right_after_reading_the_head_reuses_it(site: Site) -> None:
    head = site.backend.head()
    site.fake.log.clear()
    assert site.backend.list_files("data").head == head
    assert site.requests() == ["GET /items", f"GET /trees/{site.fake.log.entries[1].path.rsplit('/', 1)[1]}"]


def test_a_listing_is_taken_at_its_head_even_when_the_branch_moves_meanwhile(site: Site) -> None:
    head = site.backend.head()
    site.fake.commit_files("main", {"data/new.yml": b"new: true\n"}, "elsewhere")
    listing = site.backend.list_files("data")
    assert listing.head == head
    assert [f.path for f in listing.files] == ["data/settings.yml"]


def test_many_files_are_read_as_one_zip_of_blobs(site: Site) -> None:
    files = site.backend.list_files("content", extension="md").files
    site.fake.log.clear()
    contents = site.backend.read_files(files)
    assert contents == {f.path: FIXTURE_FILES[f.path] for f in files}
    assert site.requests() == ["POST /blobs"]


def test_a_blob_gone_from_the_zip_request_falls_back_to_reads_by_id_and_path(site: Site) -> None:
    from editor_app.backends.base import RepoFile

    wanted = [RepoFile(FIRST, blob_id(FIXTURE_FILES[FIRST])), RepoFile("data/settings.yml", "f" * 40)]
    contents = site.backend.read_files(wanted)
    assert contents == {FIRST: FIXTURE_FILES[FIRST], "data/settings.yml": FIXTURE_FILES["data/settings.yml"]}


def test_one_file_is_one_octet_stream_read_and_its_id_is_computed(site: Site) -> None:
    site.fake.log.clear()
    data, oid = site.backend.read_file("static/img/pixel.png")
    assert oid == blob_id(data) and data == FIXTURE_FILES["static/img/pixel.png"]
    assert site.requests() == ["GET /items"]
    assert site.sent[-1].url.params["$format"] == "octetStream"


def test_file_meta_is_the_last_commit_touching_the_path(site: Site) -> None:
    site.fake.commit_files("main", {FIRST: b"edited"}, "Edit", email="bea@example.org")
    meta = site.backend.file_meta(FIRST)
    assert meta is not None and meta.author == "Bea"
    assert site.sent[-1].url.params["searchCriteria.itemPath"] == "/" + FIRST


# --- saving ---------------------------------------------------------------------------------------------


def test_a_save_is_one_push_of_add_edit_delete_guarded_by_the_old_object_id(site: Site) -> None:
    head = site.backend.head()
    site.fake.log.clear()
    site.backend.commit([
        FileChange(FIRST, b"edited\n", expected_id=blob_id(FIXTURE_FILES[FIRST])),
        FileChange("content/posts/new.md", b"new\n", expected_id=NEW_FILE),
        FileChange("data/settings.yml", delete=True, expected_id=blob_id(FIXTURE_FILES["data/settings.yml"])),
    ], "Three changes", expected_head=head)
    assert site.requests() == ["GET /refs", "POST /pushes"]
    (push,) = site.bodies("POST", "/pushes")
    assert push["refUpdates"] == [{"name": "refs/heads/main", "oldObjectId": head}]
    (commit,) = push["commits"]
    assert commit["comment"] == "Three changes"
    changes = {c["item"]["path"]: c for c in commit["changes"]}
    assert changes["/" + FIRST]["changeType"] == "edit"
    assert base64.b64decode(changes["/" + FIRST]["newContent"]["content"]) == b"edited\n"
    assert changes["/" + FIRST]["newContent"]["contentType"] == "base64encoded"
    assert changes["/content/posts/new.md"]["changeType"] == "add"
    assert changes["/data/settings.yml"] == {"changeType": "delete", "item": {"path": "/data/settings.yml"}}


def test_a_reader_without_contribute_permission_is_refused_at_the_push_as_azure_does(site: Site) -> None:
    # Azure DevOps answers a push by someone without the Git "Contribute" permission with 403 TF401027
    # (GitNeedsPermissionException); connectionData and the repository still answer them, so the app gets here.
    user = site.backend.current_user()
    site.fake.readers.add(user.email)
    head = site.backend.head()
    with pytest.raises(AuthError, match="TF401027: You need the Git 'GenericContribute' permission"):
        site.backend.commit([FileChange(FIRST, b"edited\n", expected_id=blob_id(FIXTURE_FILES[FIRST]))], "Edit",
                            expected_head=head)
    assert site.backend.head() == head


def test_without_a_known_head_the_touched_folders_are_checked_first(site: Site) -> None:
    site.fake.log.clear()
    site.backend.commit([FileChange(FIRST, b"edited\n", expected_id=blob_id(FIXTURE_FILES[FIRST]))], "Edit")
    assert [r.split(" ")[0] + " " + r.split(" ")[1].split("/")[1] for r in site.requests()] == [
        "GET refs", "GET items", "GET trees", "POST pushes"]


def test_a_branch_moving_between_the_check_and_the_push_is_checked_again_and_the_save_lands(site: Site) -> None:
    def elsewhere(_request: httpx.Request) -> None:
        site.fake.commit_files("main", {"content/pages/other.md": b"theirs"}, "Another client")

    site.fake.faults.add(elsewhere, method="POST", path="/pushes$", times=1)
    site.backend.commit([FileChange(FIRST, b"mine\n", expected_id=blob_id(FIXTURE_FILES[FIRST]))], "Mine")
    assert site.backend.read_file(FIRST)[0] == b"mine\n"
    assert site.backend.read_file("content/pages/other.md")[0] == b"theirs"
    assert len(site.bodies("POST", "/pushes")) == 2  # the first refused with TF401028


def test_a_branch_moving_with_the_same_file_is_a_conflict_carrying_their_side(site: Site) -> None:
    def elsewhere(_request: httpx.Request) -> None:
        site.fake.commit_files("main", {FIRST: b"theirs\n"}, "Another client")

    site.fake.faults.add(elsewhere, method="POST", path="/pushes$", times=1)
    head = site.backend.head()
    with pytest.raises(ConflictError) as caught:
        site.backend.commit([FileChange(FIRST, b"mine\n", expected_id=blob_id(FIXTURE_FILES[FIRST]))], "Mine",
                            expected_head=head)
    assert (caught.value.path, caught.value.theirs) == (FIRST, b"theirs\n")
    assert site.backend.read_file(FIRST)[0] == b"theirs\n"


def test_a_move_sends_the_bytes_again_and_deletes_the_source(site: Site) -> None:
    site.backend.commit([FileChange("media/pixel.png", previous_path="static/img/pixel.png")], "Move")
    changes = {c["item"]["path"]: c["changeType"] for c in site.bodies("POST", "/pushes")[0]["commits"][0]["changes"]}
    assert changes == {"/static/img/pixel.png": "delete", "/media/pixel.png": "add"}


# --- editorial workflow -----------------------------------------------------------------------------------


def save_spring(site: Site, **kwargs: Any) -> None:
    site.backend.save_unpublished("posts", "spring", [
        FileChange("content/posts/spring.md", b"spring\n", expected_id=NEW_FILE)], "Create Post “spring”", **kwargs)


def test_the_first_save_pushes_a_new_branch_from_the_site_head_and_opens_a_labelled_pull_request(site: Site) -> None:
    head = site.backend.head()
    site.fake.log.clear()
    save_spring(site)
    assert site.requests() == ["GET /refs", "GET /refs", "GET /items", "GET /trees/" +
                               site.fake.log.entries[3].path.rsplit("/", 1)[1], "POST /pushes", "POST /pullrequests"]
    push = site.bodies("POST", "/pushes")[0]
    assert push["refUpdates"] == [{"name": "refs/heads/cms/posts/spring", "oldObjectId": head}]
    (pr,) = site.bodies("POST", "/pullrequests")
    assert pr == {"sourceRefName": "refs/heads/cms/posts/spring", "targetRefName": "refs/heads/main",
                  "title": "Create Post “spring”", "description": "Automatically generated by Decap CMS",
                  "labels": [{"name": "decap-cms/draft"}]}
    assert site.sent[-1].url.params["supportsIterations"] == "false"


def test_a_later_save_pushes_on_the_entry_branch(site: Site) -> None:
    save_spring(site)
    site.fake.log.clear()
    site.backend.save_unpublished("posts", "spring", [
        FileChange("content/posts/spring.md", b"again\n", expected_id=blob_id(b"spring\n"))], "Update")
    assert [r for r in site.requests() if r.startswith("POST")] == ["POST /pushes"]
    assert site.bodies("POST", "/pushes")[-1]["refUpdates"][0]["name"] == "refs/heads/cms/posts/spring"


def test_a_status_change_replaces_only_the_cms_label(site: Site) -> None:
    save_spring(site)
    (pr,) = site.fake.pulls.values()
    pr.labels.append({"id": "label-other", "name": "urgent", "active": True})
    site.backend.set_status("posts", "spring", STATUS_PENDING_REVIEW)
    assert sorted(label["name"] for label in pr.labels) == ["decap-cms/pending_review", "urgent"]
    assert site.backend.read_unpublished("posts", "spring").status == STATUS_PENDING_REVIEW


def test_a_custom_label_prefix_is_used() -> None:
    site = open_site(cms_label_prefix="cms-status/")
    save_spring(site, status=STATUS_PENDING_PUBLISH)
    (pr,) = site.fake.pulls.values()
    assert [label["name"] for label in pr.labels] == ["cms-status/pending_publish"]
    assert site.backend.list_unpublished()[0].status == STATUS_PENDING_PUBLISH


@pytest.mark.parametrize(("squash", "strategy", "parents"), [(True, "squash", 1), (False, "noFastForward", 2)])
def test_publish_completes_the_pull_request_guarded_by_its_head(squash: bool, strategy: str, parents: int) -> None:
    site = open_site(squash_merges=squash)
    save_spring(site)
    entry_head = site.backend.head("cms/posts/spring")
    result = site.backend.publish("posts", "spring")
    (completion,) = site.bodies("PATCH", "/pullrequests/1")
    assert completion == {"status": "completed", "lastMergeSourceCommit": {"commitId": entry_head},
                          "completionOptions": {"deleteSourceBranch": True,
                                                "mergeCommitMessage": "Automatically generated. Merged on Decap CMS.",
                                                "mergeStrategy": strategy}}
    assert result.commit == site.backend.head()
    assert len(site.fake.store.commit(result.commit).parents) == parents
    assert site.fake.pulls[1].status == "completed"


def test_a_queued_completion_is_polled_until_done() -> None:
    site = open_site()
    site.fake.queued_polls = 3
    save_spring(site)
    site.backend.publish("posts", "spring")
    assert site.sleeps == [0.5, 0.5, 0.5]
    assert site.backend.read_file("content/posts/spring.md")[0] == b"spring\n"


def test_a_pull_request_whose_head_moved_during_publish_is_a_conflict(site: Site) -> None:
    save_spring(site)

    def elsewhere(_request: httpx.Request) -> None:
        site.fake.commit_files("cms/posts/spring", {"content/posts/spring.md": b"theirs\n"}, "Another editor")

    site.fake.faults.add(elsewhere, method="PATCH", path=r"/pullrequests/\d+$", times=1)
    with pytest.raises(ConflictError, match="cannot complete"):
        site.backend.publish("posts", "spring")
    assert site.fake.pulls[1].status == "active"


def test_delete_abandons_the_pull_request_and_deletes_the_ref_with_zeros(site: Site) -> None:
    save_spring(site)
    head = site.backend.head("cms/posts/spring")
    site.backend.delete_unpublished("posts", "spring")
    assert site.bodies("PATCH", "/pullrequests/1") == [{"status": "abandoned"}]
    assert site.bodies("POST", "/refs") == [[{"name": "refs/heads/cms/posts/spring", "oldObjectId": head,
                                              "newObjectId": ZERO_ID}]]
    assert site.fake.pulls[1].status == "abandoned"
    assert "heads/cms/posts/spring" not in site.fake.store.refs


def test_deploy_preview_comes_from_the_statuses_of_the_pull_requests_last_commit(site: Site) -> None:
    save_spring(site)
    assert site.backend.deploy_preview("posts", "spring") is None
    head = site.backend.head("cms/posts/spring")
    site.fake.add_status(head, "ci/build", "succeeded", "https://ci.example/1")
    site.fake.add_status(head, "deploy/netlify", "pending", "https://preview.example/spring")
    preview = site.backend.deploy_preview("posts", "spring")
    assert preview is not None and (preview.url, preview.ready) == ("https://preview.example/spring", False)
    site.fake.add_status(head, "deploy/netlify", "succeeded", "https://preview.example/spring")
    assert site.backend.deploy_preview("posts", "spring").ready  # type: ignore[union-attr]


def test_deploy_preview_honours_preview_context() -> None:
    site = open_site(preview_context="ci/build")
    save_spring(site)
    head = site.backend.head("cms/posts/spring")
    site.fake.add_status(head, "deploy/netlify", "succeeded", "https://preview.example/spring")
    site.fake.add_status(head, "ci/build", "succeeded", "https://ci.example/spring")
    assert site.backend.deploy_preview("posts", "spring").url == "https://ci.example/spring"  # type: ignore[union-attr]


def test_unpublished_entries_carry_azure_dates_and_authors(site: Site) -> None:
    save_spring(site)
    (entry,) = site.backend.list_unpublished()
    assert entry.author == "Ada" and entry.updated_at.startswith("20") and entry.pr_number == 1
    assert [(d.path, d.new_file) for d in entry.diffs] == [("content/posts/spring.md", True)]


# --- errors -----------------------------------------------------------------------------------------------


def test_an_expired_token_is_an_expired_auth_error_without_the_token_in_it() -> None:
    fake = make_fake_azure(FIXTURE_FILES)
    backend = AzureBackend.connect(settings(), Credentials("stale-token-value"), transport=httpx.MockTransport(fake))
    with pytest.raises(AuthError) as caught:
        backend.head()
    assert caught.value.expired
    assert "TF400813" in str(caught.value) and "stale-token-value" not in str(caught.value)


def test_a_503_with_retry_after_is_retried_after_the_delay_azure_asks_for() -> None:
    site = open_site()
    site.backend.http.policy = RetryPolicy(attempts=3)
    site.fake.faults.error(503, headers={"Retry-After": "7"}, method="GET", times=1)
    assert site.backend.read_file(FIRST)[0] == FIXTURE_FILES[FIRST]
    assert site.sleeps and site.sleeps[0] >= 7


def test_a_request_without_api_version_is_refused_by_the_fake_as_by_azure() -> None:
    fake = make_fake_azure(FIXTURE_FILES)
    response = fake(httpx.Request("GET", f"https://dev.azure.com{REPO_PATH}/refs",
                                  headers={"Authorization": f"Bearer {AZURE_TOKEN}"}))
    assert response.status_code == 400 and "api-version" in response.json()["message"]


def test_benchmark_smoke_azure_host() -> None:
    from tests.benchmarks.open_site import run

    figures = run("azure", 30, 0.0)
    # From Workspace.open on: the login check (user, repository), head, folder item, tree, one zip of blobs.
    assert figures["cold_open"]["requests"] <= 6
    assert figures["warm_open"]["requests"] == 1
    assert figures["save_one_entry"]["requests"] <= 4  # the reopen (1) and the save


def test_a_branch_pushed_to_while_it_is_deleted_is_deleted_at_its_new_head(site: Site) -> None:
    save_spring(site)

    def elsewhere(_request: httpx.Request) -> None:
        if "heads/cms/posts/spring" in site.fake.store.refs:
            site.fake.commit_files("cms/posts/spring", {"content/posts/late.md": b"late"}, "A late push")

    site.fake.faults.add(elsewhere, method="POST", path="/refs$", times=1)
    site.backend.delete_unpublished("posts", "spring")
    refs = site.bodies("POST", "/refs")
    assert len(refs) == 2 and refs[0][0]["oldObjectId"] != refs[1][0]["oldObjectId"]
    assert "heads/cms/posts/spring" not in site.fake.store.refs


def test_a_token_known_to_have_expired_is_refused_without_a_request() -> None:
    fake = make_fake_azure(FIXTURE_FILES)
    now = [1_750_000_000.0]
    backend = AzureBackend.connect(settings(), Credentials(AZURE_TOKEN, expires_at=now[0] + 3600),
                                   transport=httpx.MockTransport(fake), clock=lambda: now[0])
    backend.head()
    now[0] += 3600
    fake.log.clear()
    with pytest.raises(AuthError, match="expired") as caught:
        backend.list_files("content")
    assert caught.value.expired and len(fake.log) == 0


def test_azure_is_registered_under_decaps_backend_name() -> None:
    from editor_app.backends import BACKENDS

    assert BACKENDS["azure"] is AzureBackend and AzureBackend.name == "azure"


def test_inactive_labels_do_not_count_as_a_status(site: Site) -> None:
    save_spring(site)
    (pr,) = site.fake.pulls.values()
    pr.labels[0]["active"] = False
    assert site.backend.list_unpublished() == []
    with pytest.raises(NotFoundError, match="posts/spring"):
        site.backend.read_unpublished("posts", "spring")


def test_zip_entries_are_matched_by_their_bytes_whatever_they_are_named(site: Site) -> None:
    import io
    import zipfile

    def renamed(request: httpx.Request) -> httpx.Response:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for number, oid in enumerate(json.loads(request.content)):
                archive.writestr(f"files/{number}.bin", site.fake.store.blob(oid))
        return httpx.Response(200, content=buffer.getvalue(), headers={"Content-Type": "application/zip"})

    files = site.backend.list_files("content", extension="md").files
    site.fake.faults.add(renamed, method="POST", path="/blobs$")
    site.fake.log.clear()
    assert site.backend.read_files(files) == {f.path: FIXTURE_FILES[f.path] for f in files}
    assert len(site.fake.log) == 1


def test_preview_resources_are_asked_with_the_preview_flavour_of_a_released_api_version() -> None:
    site = open_site(options={"api_version": "7.1"})
    site.backend.current_user()
    assert site.fake.api_versions == ["7.1-preview", "7.1"]  # connectionData (a preview resource), the repository
    save_spring(site)
    site.backend.set_status("posts", "spring", STATUS_PENDING_REVIEW)  # labels: preview
    files = site.backend.list_files("content/posts", branch="cms/posts/spring").files
    assert site.backend.read_files(files)["content/posts/spring.md"] == b"spring\n"  # the blobs zip: preview
    previews = {r.url.path.rsplit("/", 1)[-1] for r in site.sent if r.url.params["api-version"] == "7.1-preview"}
    assert previews == {"connectionData", "labels", "label-1", "blobs"}  # label-1: the draft label removed
    assert all(e.status < 400 for e in site.fake.log.entries)


def test_the_fake_refuses_a_released_api_version_for_a_preview_resource() -> None:
    fake = make_fake_azure(FIXTURE_FILES)
    response = fake(httpx.Request("GET", f"https://dev.azure.com/{ORG}/_apis/connectionData?api-version=7.1",
                                  headers={"Authorization": f"Bearer {AZURE_TOKEN}"}))
    assert response.status_code == 400 and "-preview" in response.json()["message"]


def test_a_save_that_changes_no_bytes_pushes_nothing(site: Site) -> None:
    head = site.backend.head()
    site.fake.log.clear()
    result = site.backend.commit([FileChange(FIRST, FIXTURE_FILES[FIRST], expected_id=blob_id(FIXTURE_FILES[FIRST]))],
                                 "Unchanged", expected_head=head)
    assert (result.commit, result.ids) == (head, {FIRST: blob_id(FIXTURE_FILES[FIRST])})
    assert site.requests() == ["GET /refs"] and site.backend.head() == head


def test_a_first_workflow_save_without_changes_still_opens_the_entry(site: Site) -> None:
    site.backend.save_unpublished("posts", "first", [FileChange(FIRST, FIXTURE_FILES[FIRST])], "Update Post “first”")
    entry = site.backend.read_unpublished("posts", "first")
    assert entry.head == site.backend.head() and entry.diffs == ()
