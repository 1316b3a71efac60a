"""GitHubBackend against FakeGitHub: request counts, batching, conflicts, rate limits, workflow as Decap does it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from editor_app.backends.base import (
    NEW_FILE,
    STATUS_DRAFT,
    STATUS_PENDING_PUBLISH,
    STATUS_PENDING_REVIEW,
    BackendSettings,
    Credentials,
    FileChange,
    RepoFile,
)
from editor_app.backends.github import GitHubBackend, graphql_url
from editor_app.backends.http import RetryPolicy
from editor_app.config.loader import parse_site_config
from editor_app.errors import AuthError, ConflictError, NetworkError, NotFoundError, RateLimitedError
from editor_app.workspace.cache import ContentCache
from editor_app.workspace.journal import DraftsJournal
from editor_app.workspace.workspace import Workspace
from tests.backends.conftest import FIXTURE_FILES, GITHUB_TOKEN, PIXEL_PNG, make_fake_github
from tests.conftest import shared_path
from tests.fakes.github import FakeGitHub
from tests.fakes.github_openapi import load as load_openapi
from tests.fakes.server import serve

T0 = 1_800_000_000.0


def blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class FakeClock:
    """Time that moves only when someone sleeps (shared by the fake and the adapter)."""

    def __init__(self) -> None:
        self.now = T0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(clock: FakeClock) -> FakeGitHub:
    host = make_fake_github(FIXTURE_FILES)
    host.clock = clock.time
    host.faults.clock = clock.time
    host.faults.sleep = clock.sleep
    return host


def connect(fake: FakeGitHub, clock: FakeClock, **settings: object) -> GitHubBackend:
    waits = settings.pop("waits", None)
    options = {"name": "github", "repo": "o/r", "branch": "main", **settings}
    return GitHubBackend.connect(
        BackendSettings(**options),  # type: ignore[arg-type]
        Credentials(GITHUB_TOKEN),
        transport=httpx.MockTransport(fake),
        sleep=clock.sleep,
        clock=clock.time,
        on_wait=(lambda at, why: waits.append((at, why))) if waits is not None else None,  # type: ignore[union-attr]
    )


@pytest.fixture
def backend(fake: FakeGitHub, clock: FakeClock) -> Iterator[GitHubBackend]:
    adapter = connect(fake, clock)
    yield adapter
    adapter.close()


def requests_during(fake: FakeGitHub, work: object) -> list[tuple[str, str]]:
    fake.log.clear()
    work()  # type: ignore[operator]
    return [(e.method, e.path) for e in fake.log.entries]


# --- endpoints -----------------------------------------------------------------------------------


def test_graphql_endpoint_is_derived_as_decap_does() -> None:
    assert graphql_url("https://api.github.com") == "https://api.github.com/graphql"
    assert graphql_url("https://ghe.example.org/api/v3/") == "https://ghe.example.org/api/graphql"


def test_default_branch_comes_from_the_repository_when_the_config_names_none(
    fake: FakeGitHub, clock: FakeClock
) -> None:
    assert connect(fake, clock, branch=None).default_branch() == "main"


# --- reading -------------------------------------------------------------------------------------


def test_listing_a_collection_is_one_recursive_tree_call(backend: GitHubBackend, fake: FakeGitHub) -> None:
    calls = requests_during(fake, lambda: backend.list_files("content/posts", extension="md"))
    assert calls == [
        ("GET", "/repos/o/r/git/ref/heads/main"),
        ("GET", f"/repos/o/r/git/trees/{backend.head()}:content/posts"),
    ]


def test_a_truncated_tree_is_walked_subtree_by_subtree(backend: GitHubBackend, fake: FakeGitHub) -> None:
    fake.tree_limit = 2
    paths = [f.path for f in backend.list_files("", extension="md").files]
    assert paths == sorted(p for p in FIXTURE_FILES if p.endswith(".md"))


def test_many_files_are_read_with_graphql_at_least_100_per_query(backend: GitHubBackend, fake: FakeGitHub) -> None:
    files = {f"content/many/p{i:03d}.md": f"---\ntitle: P{i}\n---\n".encode() for i in range(300)}
    fake.commit_files("o/r", "main", files, "Many posts")
    listing = backend.list_files("content/many")
    calls = requests_during(fake, lambda: backend.read_files(listing.files))
    assert calls == [("POST", "/graphql")] * 2  # 250 + 50
    assert backend.read_files(listing.files) == files


def test_reads_fall_back_to_rest_blobs_when_graphql_fails(backend: GitHubBackend, fake: FakeGitHub) -> None:
    fake.faults.error(502, path=r"^/graphql$", times=None)
    listing = backend.list_files("content/posts")
    contents = backend.read_files(listing.files)
    assert contents == {f.path: FIXTURE_FILES[f.path] for f in listing.files}
    assert fake.log.count("GET", r"/git/blobs/") == len(listing.files)


def test_binary_files_are_read_over_rest_byte_for_byte(backend: GitHubBackend, fake: FakeGitHub) -> None:
    listing = backend.list_files("static/img")
    calls = requests_during(fake, lambda: backend.read_files(listing.files))
    assert ("GET", f"/repos/o/r/git/blobs/{blob_id(PIXEL_PNG)}") in calls
    assert backend.read_files(listing.files) == {"static/img/pixel.png": PIXEL_PNG}


def test_file_meta_is_one_commits_request(backend: GitHubBackend, fake: FakeGitHub) -> None:
    meta = None

    def read() -> None:
        nonlocal meta
        meta = backend.file_meta("content/posts/first.md")

    assert requests_during(fake, read) == [("GET", "/repos/o/r/commits")]
    assert meta is not None and meta.author == "o"


# --- writing -------------------------------------------------------------------------------------


def test_saving_one_entry_from_a_known_head_takes_three_requests(backend: GitHubBackend, fake: FakeGitHub) -> None:
    head = backend.head()
    path = "content/posts/first.md"
    change = FileChange(path, b"---\ntitle: Edited\n---\n", expected_id=blob_id(FIXTURE_FILES[path]))
    calls = requests_during(fake, lambda: backend.commit([change], "Update Post “first”", expected_head=head))
    assert calls == [
        ("POST", "/repos/o/r/git/trees"),
        ("POST", "/repos/o/r/git/commits"),
        ("PATCH", "/repos/o/r/git/refs/heads/main"),
    ]
    assert backend.read_file(path)[0] == b"---\ntitle: Edited\n---\n"


def test_a_save_after_an_unrelated_change_lands_on_the_new_head(backend: GitHubBackend, fake: FakeGitHub) -> None:
    head = backend.head()
    fake.commit_files("o/r", "main", {"content/posts/second.md": b"theirs\n"}, "Someone else")
    path = "content/posts/first.md"
    result = backend.commit(
        [FileChange(path, b"mine\n", expected_id=blob_id(FIXTURE_FILES[path]))], "Mine", expected_head=head
    )
    assert result.commit == backend.head()
    assert backend.read_file(path)[0] == b"mine\n"
    assert backend.read_file("content/posts/second.md")[0] == b"theirs\n"


def test_a_save_over_their_change_of_the_same_file_is_a_conflict(backend: GitHubBackend, fake: FakeGitHub) -> None:
    head = backend.head()
    path = "content/posts/first.md"
    moved = fake.commit_files("o/r", "main", {path: b"theirs\n"}, "Someone else")
    with pytest.raises(ConflictError) as caught:
        backend.commit(
            [FileChange(path, b"mine\n", expected_id=blob_id(FIXTURE_FILES[path]))], "Mine", expected_head=head
        )
    assert (caught.value.path, caught.value.theirs, caught.value.head) == (path, b"theirs\n", moved)
    assert backend.head() == moved


def test_binary_media_is_uploaded_as_a_blob(backend: GitHubBackend, fake: FakeGitHub) -> None:
    calls = requests_during(
        fake,
        lambda: backend.commit([FileChange("static/img/new.png", PIXEL_PNG + b"!", expected_id=NEW_FILE)], "Upload"),
    )
    assert ("POST", "/repos/o/r/git/blobs") in calls
    assert backend.read_file("static/img/new.png")[0] == PIXEL_PNG + b"!"


# --- robustness ----------------------------------------------------------------------------------


def test_server_errors_are_retried(backend: GitHubBackend, fake: FakeGitHub, clock: FakeClock) -> None:
    fake.faults.error(502, path=r"/git/trees/", times=2)
    assert [f.path for f in backend.list_files("data").files] == ["data/settings.yml"]
    assert len(clock.sleeps) == 2


def test_primary_rate_limit_waits_for_the_reset_and_tells_the_user(fake: FakeGitHub, clock: FakeClock) -> None:
    waits: list[tuple[float, str]] = []
    adapter = connect(fake, clock, waits=waits)
    fake.faults.primary_rate_limit(reset_in=30, times=1)
    assert adapter.head() == fake.repos["o/r"].store.refs["heads/main"]
    assert waits == [(T0 + 30, "request quota used up")]


def test_secondary_rate_limit_honours_retry_after(fake: FakeGitHub, clock: FakeClock) -> None:
    waits: list[tuple[float, str]] = []
    adapter = connect(fake, clock, waits=waits)
    fake.faults.secondary_rate_limit(retry_after=5, path=r"/graphql", times=1)
    listing = adapter.list_files("content/posts")
    assert len(adapter.read_files(listing.files)) == len(listing.files)
    assert waits == [(T0 + 5, "secondary rate limit")]


def test_a_long_rate_limit_is_reported_with_its_end_and_not_hammered(fake: FakeGitHub, clock: FakeClock) -> None:
    adapter = connect(fake, clock)
    fake.faults.primary_rate_limit(reset_in=3600)
    with pytest.raises(RateLimitedError) as caught:
        adapter.head()
    assert caught.value.resume_at == T0 + 3600
    fake.log.clear()
    with pytest.raises(RateLimitedError):
        adapter.list_files("content")
    assert len(fake.log) == 0


def test_an_expired_or_revoked_token_is_an_auth_error(backend: GitHubBackend, fake: FakeGitHub) -> None:
    fake.faults.expire_token(after_requests=0)
    with pytest.raises(AuthError) as caught:
        backend.list_files("content")
    assert caught.value.expired
    assert GITHUB_TOKEN not in str(caught.value)


def test_a_read_only_user_is_refused(fake: FakeGitHub, clock: FakeClock) -> None:
    fake.tokens["reader-token"] = "reader"
    fake.repos["o/r"].permissions["push"] = False
    adapter = GitHubBackend.connect(
        BackendSettings(name="github", repo="o/r", branch="main"), Credentials("reader-token"),
        transport=httpx.MockTransport(fake),
    )
    with pytest.raises(AuthError, match="does not have access"):
        adapter.current_user()


def test_the_owner_can_write(backend: GitHubBackend) -> None:
    user = backend.current_user()
    assert (user.login, user.can_write) == ("o", True)


# --- editorial workflow as Decap does it --------------------------------------------------------


def save_spring(backend: GitHubBackend, **kwargs: object) -> None:
    backend.save_unpublished(
        "posts", "spring", [FileChange("content/posts/spring.md", b"spring\n", expected_id=NEW_FILE)],
        "Create Post “spring”", **kwargs,  # type: ignore[arg-type]
    )


def test_first_save_opens_a_pull_request_with_decaps_title_body_and_label(
    backend: GitHubBackend, fake: FakeGitHub
) -> None:
    save_spring(backend)
    (pr,) = fake.pulls["o/r"].values()
    assert (pr.head_ref, pr.base_ref, pr.title, pr.body) == (
        "cms/posts/spring", "main", "Create Post “spring”", "Automatically generated by Decap CMS")
    assert fake.labels[("o/r", pr.number)] == ["decap-cms/draft"]


def test_status_changes_replace_only_the_cms_label(backend: GitHubBackend, fake: FakeGitHub) -> None:
    save_spring(backend)
    (pr,) = fake.pulls["o/r"].values()
    fake.labels[("o/r", pr.number)].insert(0, "needs-photos")
    backend.set_status("posts", "spring", STATUS_PENDING_PUBLISH)
    assert fake.labels[("o/r", pr.number)] == ["needs-photos", "decap-cms/pending_publish"]


def test_a_custom_label_prefix_is_used(fake: FakeGitHub, clock: FakeClock) -> None:
    adapter = connect(fake, clock, cms_label_prefix="cms-status/")
    save_spring(adapter, status=STATUS_PENDING_REVIEW)
    (pr,) = fake.pulls["o/r"].values()
    assert fake.labels[("o/r", pr.number)] == ["cms-status/pending_review"]
    assert adapter.read_unpublished("posts", "spring").status == STATUS_PENDING_REVIEW


def test_an_entry_decap_made_is_listed_here(backend: GitHubBackend, fake: FakeGitHub) -> None:
    # What Decap leaves on GitHub: a cms/ branch, an open PR to main, a CMS label.
    head = fake.repos["o/r"].store.refs["heads/main"]
    fake.repos["o/r"].store.set_ref("heads/cms/pages/contact", head, create=True)
    fake.commit_files("o/r", "cms/pages/contact", {"content/pages/contact.md": b"contact\n"}, "Create Page “contact”")
    api = httpx.Client(transport=httpx.MockTransport(fake), base_url="https://api.github.com",
                       headers={"Authorization": f"token {GITHUB_TOKEN}"})
    number = api.post(
        "/repos/o/r/pulls",
        json={
            "title": "Create Page “contact”",
            "head": "o:cms/pages/contact",
            "base": "main",
            "body": "Automatically generated by Decap CMS",
        },
    ).json()["number"]
    api.put(f"/repos/o/r/issues/{number}/labels", json={"labels": ["decap-cms/pending_review"]})
    (entry,) = backend.list_unpublished()
    assert (entry.collection, entry.slug, entry.status, entry.pr_number) == (
        "pages",
        "contact",
        STATUS_PENDING_REVIEW,
        number,
    )
    assert [(d.path, d.new_file) for d in entry.diffs] == [("content/pages/contact.md", True)]


@pytest.mark.parametrize(("squash", "method_parents"), [(False, 2), (True, 1)])
def test_publish_merges_with_decaps_message_and_deletes_the_branch(
    fake: FakeGitHub, clock: FakeClock, squash: bool, method_parents: int
) -> None:
    adapter = connect(fake, clock, squash_merges=squash)
    save_spring(adapter)
    result = adapter.publish("posts", "spring")
    store = fake.repos["o/r"].store
    merged = store.commit(result.commit)
    assert len(merged.parents) == method_parents
    assert merged.message.endswith("Automatically generated. Merged on Decap CMS.")
    assert "heads/cms/posts/spring" not in store.refs
    assert adapter.read_file("content/posts/spring.md")[0] == b"spring\n"


def test_delete_unpublished_closes_the_pull_request(backend: GitHubBackend, fake: FakeGitHub) -> None:
    save_spring(backend)
    backend.delete_unpublished("posts", "spring")
    (pr,) = fake.pulls["o/r"].values()
    assert pr.state == "closed"
    assert "heads/cms/posts/spring" not in fake.repos["o/r"].store.refs


def test_deploy_preview_prefers_preview_context_then_a_deploy_context(fake: FakeGitHub, clock: FakeClock) -> None:
    adapter = connect(fake, clock)
    save_spring(adapter)
    assert adapter.deploy_preview("posts", "spring") is None
    head = fake.repos["o/r"].store.refs["heads/cms/posts/spring"]
    api = httpx.Client(transport=httpx.MockTransport(fake), base_url="https://api.github.com",
                       headers={"Authorization": f"token {GITHUB_TOKEN}"})
    api.post(f"/repos/o/r/statuses/{head}", json={"state": "pending", "context": "netlify/deploy-preview",
                                                  "target_url": "https://deploy-preview-1.example.org"})
    api.post(f"/repos/o/r/statuses/{head}", json={"state": "success", "context": "ci/preview",
                                                  "target_url": "https://preview.example.org"})
    preview = adapter.deploy_preview("posts", "spring")
    assert preview is not None and (preview.url, preview.ready) == ("https://deploy-preview-1.example.org", False)
    exact = connect(fake, clock, preview_context="ci/preview").deploy_preview("posts", "spring")
    assert exact is not None and (exact.url, exact.ready) == ("https://preview.example.org", True)


# --- open authoring ------------------------------------------------------------------------------


def test_open_authoring_works_in_a_fork_with_decaps_branch_names(fake: FakeGitHub, clock: FakeClock) -> None:
    fake.tokens["contrib-token"] = "c"
    fake.repos["o/r"].permissions["push"] = False
    adapter = GitHubBackend.connect(
        BackendSettings(name="github", repo="o/r", branch="main", open_authoring=True), Credentials("contrib-token"),
        transport=httpx.MockTransport(fake), sleep=clock.sleep, clock=clock.time,
    )
    assert adapter.repo == "c/r" and fake.repos["c/r"].parent == "o/r"
    save_spring(adapter)
    assert "heads/cms/c/r/posts/spring" in fake.repos["c/r"].store.refs
    assert "o/r" not in fake.pulls or not fake.pulls["o/r"]
    (entry,) = adapter.list_unpublished()
    assert (entry.content_key, entry.status) == ("posts/spring", STATUS_DRAFT)
    adapter.set_status("posts", "spring", STATUS_PENDING_REVIEW)
    (pr,) = fake.pulls["o/r"].values()
    assert (pr.head_repo, pr.head_ref, pr.base_ref, pr.state) == ("c/r", "cms/c/r/posts/spring", "main", "open")
    assert pr.title == "Create Post “spring”"
    assert adapter.read_unpublished("posts", "spring").status == STATUS_PENDING_REVIEW
    adapter.set_status("posts", "spring", STATUS_DRAFT)
    assert pr.state == "closed"
    assert adapter.read_file("content/posts/spring.md", branch="cms/c/r/posts/spring")[0] == b"spring\n"
    with pytest.raises(AuthError):
        adapter.publish("posts", "spring")


def test_open_authoring_takes_githubs_403_on_the_permission_check_as_no_push_access(fake: FakeGitHub) -> None:
    # GitHub refuses the collaborator-permission check to callers without push access, even about themselves
    fake.tokens["contrib-token"] = "c"
    fake.repos["o/r"].permissions["push"] = False
    adapter = GitHubBackend.connect(BackendSettings(name="github", repo="o/r", branch="main", open_authoring=True),
                                    Credentials("contrib-token"), transport=httpx.MockTransport(fake))
    [check] = fake.log.matching("GET", r"/collaborators/c/permission$")
    assert check.status == 403
    assert adapter.repo == "c/r" and fake.log.count("POST", r"/repos/o/r/forks$") == 1


@pytest.mark.parametrize("role", ["write", "maintain", "admin"])
def test_open_authoring_lets_a_collaborator_with_push_access_work_upstream(fake: FakeGitHub, role: str) -> None:
    fake.tokens["editor-token"] = "ed"
    fake.user("ed")
    fake.repos["o/r"].permissions["push"] = False
    fake.repos["o/r"].collaborators["ed"] = role
    adapter = GitHubBackend.connect(BackendSettings(name="github", repo="o/r", branch="main", open_authoring=True),
                                    Credentials("editor-token"), transport=httpx.MockTransport(fake))
    assert adapter.repo == "o/r"
    assert fake.log.count("POST", r"/forks$") == 0


def test_open_authoring_forks_when_the_permission_check_answers_read(fake: FakeGitHub) -> None:
    # The other answer the adapter must read right: 200 with a role below write (what the fake used to give)
    fake.tokens["contrib-token"] = "c"
    fake.repos["o/r"].permissions["push"] = False
    fake.faults.error(200, {"permission": "read", "role_name": "read"}, path=r"/collaborators/c/permission$")
    adapter = GitHubBackend.connect(BackendSettings(name="github", repo="o/r", branch="main", open_authoring=True),
                                    Credentials("contrib-token"), transport=httpx.MockTransport(fake))
    assert adapter.repo == "c/r"


def test_open_authoring_syncs_an_existing_fork(fake: FakeGitHub, clock: FakeClock) -> None:
    fake.tokens["contrib-token"] = "c"
    fake.repos["o/r"].permissions["push"] = False
    settings = BackendSettings(name="github", repo="o/r", branch="main", open_authoring=True)
    GitHubBackend.connect(settings, Credentials("contrib-token"), transport=httpx.MockTransport(fake))
    moved = fake.commit_files("o/r", "main", {"content/posts/new.md": b"upstream\n"}, "Upstream moves")
    fake.log.clear()
    GitHubBackend.connect(settings, Credentials("contrib-token"), transport=httpx.MockTransport(fake))
    assert fake.log.count("POST", r"/repos/c/r/merge-upstream$") == 1
    assert fake.log.count("POST", r"/forks$") == 0
    assert fake.repos["c/r"].store.refs["heads/main"] == moved


def test_missing_entries_are_not_found(backend: GitHubBackend) -> None:
    with pytest.raises(NotFoundError, match="posts/nope"):
        backend.read_unpublished("posts", "nope")


# --- over a real socket --------------------------------------------------------------------------


def test_the_adapter_works_over_loopback_with_retries(clock: FakeClock) -> None:
    fake = make_fake_github(FIXTURE_FILES)
    fake.faults.error(503, path=r"/git/trees/", times=1)
    with serve(fake) as url:
        adapter = GitHubBackend.connect(
            BackendSettings(name="github", repo="o/r", branch="main", api_root=url), Credentials(GITHUB_TOKEN),
            sleep=clock.sleep, policy=RetryPolicy(backoff_base=0.01),
        )
        listing = adapter.list_files("content/posts", extension="md")
        assert len(adapter.read_files(listing.files)) == 3
        adapter.commit([FileChange("content/posts/first.md", b"over the wire\n")], "Wire", expected_head=listing.head)
        assert adapter.read_files([RepoFile("content/posts/first.md", "")]) == {
            "content/posts/first.md": b"over the wire\n"
        }
        adapter.close()


# --- the benchmark cannot rot --------------------------------------------------------------------


def test_open_site_benchmark_runs_and_meets_its_request_targets(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.benchmarks.open_site import main

    figures = main(["--host", "github", "--entries", "30", "--latency-ms", "0"])
    # Every phase from Workspace.open on: one GraphQL query (who am I, may I write, the head), the tree, the blobs.
    assert figures["cold_open"]["requests"] <= 3 + 1
    assert figures["warm_open"]["requests"] == 1  # the branch head (the token's check), nothing else
    assert figures["warm_open_after_one_change"]["requests"] <= 4
    # The reopen (1), the save's own look at the head (1) and the commit (tree, commit, ref).
    assert figures["save_one_entry"]["requests"] == 5
    out = capsys.readouterr().out
    assert out.count("\n") == 2 and '"reopen_unchanged_requests": {"github": 1}' in out


def test_a_branch_named_like_a_prefix_of_the_entry_branch_is_explained(
    backend: GitHubBackend, fake: FakeGitHub
) -> None:
    store = fake.repos["o/r"].store
    store.set_ref("heads/cms/posts", store.refs["heads/main"], create=True)
    # What GitHub answers then (the fake's store does not model git's file/directory clash of refs).
    fake.faults.error(422, {"message": "Reference update failed"}, method="POST", path=r"/git/refs$")
    with pytest.raises(ConflictError, match="there is already a branch named 'cms/posts'"):
        save_spring(backend)


def test_a_later_save_opens_the_pull_request_a_broken_first_save_left_out(
    backend: GitHubBackend, fake: FakeGitHub
) -> None:
    fake.faults.error(502, method="POST", path=r"/pulls$", times=1)
    with pytest.raises(NetworkError):
        save_spring(backend)
    backend.save_unpublished(
        "posts", "spring", [FileChange("content/posts/spring.md", b"again\n")], "Update Post “spring”"
    )
    assert backend.read_unpublished("posts", "spring").status == STATUS_DRAFT


# --- use_graphql: commits through createCommitOnBranch -------------------------------------------


def test_with_use_graphql_a_save_from_a_known_head_is_one_request(fake: FakeGitHub, clock: FakeClock) -> None:
    adapter = connect(fake, clock, use_graphql=True)
    head = adapter.head()
    path = "content/posts/first.md"
    changes = [
        FileChange(path, b"edited\n", expected_id=blob_id(FIXTURE_FILES[path])),
        FileChange("static/img/pixel.png", delete=True, expected_id=blob_id(PIXEL_PNG)),
        FileChange("static/img/new.png", PIXEL_PNG + b"\x00", expected_id=NEW_FILE),
    ]
    result = None

    def save() -> None:
        nonlocal result
        result = adapter.commit(changes, "Update Post “first”\n\nwith media", expected_head=head)

    assert requests_during(fake, save) == [("POST", "/graphql")]
    assert result is not None and result.commit == adapter.head()
    assert fake.repos["o/r"].store.commit(result.commit).message == "Update Post “first”\n\nwith media"
    assert adapter.read_file("static/img/new.png")[0] == PIXEL_PNG + b"\x00"
    with pytest.raises(NotFoundError):
        adapter.read_file("static/img/pixel.png")


def test_with_use_graphql_a_moved_head_is_rechecked_then_conflicts_or_lands(fake: FakeGitHub, clock: FakeClock) -> None:
    adapter = connect(fake, clock, use_graphql=True)
    head = adapter.head()
    first, second = "content/posts/first.md", "content/posts/second.md"
    fake.commit_files("o/r", "main", {second: b"theirs\n"}, "Someone else")
    adapter.commit(
        [FileChange(first, b"mine\n", expected_id=blob_id(FIXTURE_FILES[first]))], "Mine", expected_head=head
    )
    assert adapter.read_file(first)[0] == b"mine\n"
    with pytest.raises(ConflictError) as caught:
        adapter.commit(
            [FileChange(second, b"mine\n", expected_id=blob_id(FIXTURE_FILES[second]))], "Mine", expected_head=head
        )
    assert caught.value.theirs == b"theirs\n"


def test_with_use_graphql_a_host_without_the_mutation_falls_back_to_the_git_data_api(
    fake: FakeGitHub, clock: FakeClock
) -> None:
    adapter = connect(fake, clock, use_graphql=True)
    fake.faults.error(200, {"errors": [{"message": "Field 'createCommitOnBranch' doesn't exist on type 'Mutation'"}]},
                      path=r"^/graphql$", times=1)
    adapter.commit(
        [FileChange("content/posts/new.md", b"new\n", expected_id=NEW_FILE)], "New", expected_head=adapter.head()
    )
    assert adapter.read_file("content/posts/new.md")[0] == b"new\n"
    assert fake.log.count("PATCH", r"/git/refs/heads/main$") == 1


def test_open_authoring_lets_the_owner_work_upstream(fake: FakeGitHub, clock: FakeClock) -> None:
    adapter = connect(fake, clock, open_authoring=True)
    assert adapter.repo == "o/r"
    assert fake.log.count("POST", r"/forks$") == 0


def test_contributor_pull_requests_from_forks_are_not_mistaken_for_entries_of_the_site(
    fake: FakeGitHub, clock: FakeClock
) -> None:
    fake.tokens["contrib-token"] = "c"
    fake.repos["o/r"].permissions["push"] = False
    contributor = GitHubBackend.connect(
        BackendSettings(name="github", repo="o/r", branch="main", open_authoring=True), Credentials("contrib-token"),
        transport=httpx.MockTransport(fake),
    )
    save_spring(contributor, status=STATUS_PENDING_REVIEW)
    (pr,) = fake.pulls["o/r"].values()
    fake.labels[("o/r", pr.number)] = ["decap-cms/pending_review"]
    maintainer = connect(fake, clock)
    assert maintainer.list_unpublished() == []


def test_credentials_do_not_show_their_token_in_repr() -> None:
    assert "gho_secret" not in repr(Credentials("gho_secret", refresh_token="gho_secret_refresh"))


def test_github_enterprise_api_root_and_its_graphql_endpoint(fake: FakeGitHub, clock: FakeClock) -> None:
    fake.api_prefix = "/api/v3"
    adapter = connect(fake, clock, api_root="https://ghe.example.org/api/v3")
    listing = adapter.list_files("content/posts", extension="md")
    assert len(adapter.read_files(listing.files)) == 3
    # The fake serves only the REST prefix: GraphQL at <host>/api/graphql was tried, then REST took over.
    assert fake.log.count("POST", r"^/api/graphql$") == 1
    assert fake.log.count("GET", r"^/api/v3/repos/o/r/git/blobs/") == 3


def test_a_passing_graphql_failure_is_retried_before_falling_back(backend: GitHubBackend, fake: FakeGitHub) -> None:
    fake.faults.error(502, path=r"^/graphql$", times=1)
    listing = backend.list_files("content/posts")
    assert len(backend.read_files(listing.files)) == len(listing.files)
    assert fake.log.count("POST", r"^/graphql$") == 2
    assert fake.log.count("GET", r"/git/blobs/") == 0


def test_a_git_lfs_media_file_is_read_from_the_lfs_server_with_the_pointers_blob_id() -> None:
    from editor_app.backends.workflow import git_blob_id
    from tests.backends.conftest import FIXTURE_FILES, GITHUB_TOKEN, PIXEL_PNG, make_fake_github
    from tests.fakes.git_store import lfs_pointer

    oid, pointer = lfs_pointer(PIXEL_PNG)
    fake = make_fake_github({**FIXTURE_FILES, "static/img/big.png": pointer})
    fake.lfs_objects[oid] = PIXEL_PNG
    sent: list[httpx.Request] = []

    def watch(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return fake(request)

    backend = GitHubBackend.connect(
        BackendSettings(name="github", repo="o/r", branch="main"),
        Credentials(GITHUB_TOKEN),
        transport=httpx.MockTransport(watch),
    )
    data, blob = backend.read_file("static/img/big.png")

    assert data == PIXEL_PNG and blob == git_blob_id(pointer)
    batch, download = [r for r in sent if "lfs" in str(r.url)]
    assert str(batch.url) == "https://github.com/o/r.git/info/lfs/objects/batch"
    assert batch.headers["Authorization"].startswith("Basic ")
    assert download.headers["Authorization"].startswith("RemoteAuth") and GITHUB_TOKEN not in str(download.headers)
    assert backend.read_file("data/settings.yml")[0] == FIXTURE_FILES["data/settings.yml"]


def test_a_git_lfs_object_the_server_lacks_leaves_the_pointer() -> None:
    from tests.backends.conftest import FIXTURE_FILES, GITHUB_TOKEN, PIXEL_PNG, make_fake_github
    from tests.fakes.git_store import lfs_pointer

    _oid, pointer = lfs_pointer(PIXEL_PNG)
    fake = make_fake_github({**FIXTURE_FILES, "static/img/big.png": pointer})
    backend = GitHubBackend.connect(
        BackendSettings(name="github", repo="o/r", branch="main"),
        Credentials(GITHUB_TOKEN),
        transport=httpx.MockTransport(fake),
    )
    assert backend.read_file("static/img/big.png")[0] == pointer


# --- deploy previews ------------------------------------------------------------------------------


def spring_head(fake: FakeGitHub) -> str:
    (pr,) = fake.pulls["o/r"].values()
    return pr.head_sha


def post_status(fake: FakeGitHub, sha: str, context: str, state: str, url: str) -> None:
    status, _ = fake.post_status("o", "r", sha, {"state": state, "context": context, "target_url": url}, login="o")
    assert status == 201


def test_deploy_preview_follows_the_commit_status_from_pending_to_success_as_decap_reads_it(
    backend: GitHubBackend, fake: FakeGitHub
) -> None:
    save_spring(backend)
    assert backend.deploy_preview("posts", "spring") is None
    post_status(fake, spring_head(fake), "ci/tests", "success", "https://ci.example/1")
    post_status(fake, spring_head(fake), "netlify/deploy-preview", "pending", "https://deploy-preview-1--site.example")
    building = backend.deploy_preview("posts", "spring")
    assert building is not None
    assert (building.url, building.state, building.ready, building.context) == (
        "https://deploy-preview-1--site.example", "building", False, "netlify/deploy-preview")
    post_status(fake, spring_head(fake), "netlify/deploy-preview", "success", "https://deploy-preview-1--site.example")
    ready = backend.deploy_preview("posts", "spring")
    assert ready is not None and (ready.state, ready.ready) == ("ready", True)
    post_status(fake, spring_head(fake), "netlify/deploy-preview", "failure", "https://app.netlify.example/log")
    failed = backend.deploy_preview("posts", "spring")
    assert failed is not None and (failed.state, failed.url) == ("failed", "https://app.netlify.example/log")


def test_a_check_run_gives_the_preview_when_no_status_names_one(backend: GitHubBackend, fake: FakeGitHub) -> None:
    save_spring(backend)
    sha = spring_head(fake)
    post_status(fake, sha, "ci/tests", "success", "https://ci.example/1")
    fake.add_check_run(sha, "Vercel – deploy", "in_progress", details_url="https://vercel.example/build/1")
    fake.log.clear()
    building = backend.deploy_preview("posts", "spring")
    assert building is not None and (building.state, building.context) == ("building", "Vercel – deploy")
    assert [e.path.rsplit("/", 1)[-1] for e in fake.log.entries if "/commits/" in e.path] == ["status", "check-runs"]
    fake.add_check_run(sha, "Vercel – deploy", "completed", "success", "https://spring-git-cms.vercel.example")
    ready = backend.deploy_preview("posts", "spring")
    assert ready is not None and (ready.url, ready.state) == ("https://spring-git-cms.vercel.example", "ready")
    fake.add_check_run(sha, "Vercel – deploy", "completed", "timed_out", "https://vercel.example/build/2")
    assert backend.deploy_preview("posts", "spring").state == "failed"  # type: ignore[union-attr]


def test_preview_context_names_the_status_or_the_check_run(fake: FakeGitHub, clock: FakeClock) -> None:
    adapter = connect(fake, clock, preview_context="pages-preview")
    save_spring(adapter)
    sha = spring_head(fake)
    post_status(fake, sha, "netlify/deploy-preview", "success", "https://netlify.example/spring")
    fake.add_check_run(sha, "deploy (other)", "completed", "success", "https://other.example/spring")
    assert adapter.deploy_preview("posts", "spring") is None  # neither is named `pages-preview`
    fake.add_check_run(sha, "pages-preview", "completed", "success", "https://pages.example/spring")
    preview = adapter.deploy_preview("posts", "spring")
    assert preview is not None and preview.url == "https://pages.example/spring"
    post_status(fake, sha, "pages-preview", "pending", "https://pages.example/status")
    assert adapter.deploy_preview("posts", "spring").url == "https://pages.example/status"  # type: ignore[union-attr]


def test_the_fake_lists_check_runs_in_githubs_shape(backend: GitHubBackend, fake: FakeGitHub) -> None:
    save_spring(backend)
    fake.add_check_run(spring_head(fake), "build", "queued")
    spec_head = spring_head(fake)
    body = httpx.Client(transport=httpx.MockTransport(fake), base_url="https://api.github.com").get(
        f"/repos/o/r/commits/{spring_head(fake)}/check-runs", headers={"Authorization": f"token {GITHUB_TOKEN}"}).json()
    (run,) = body["check_runs"]
    assert body["total_count"] == 1 and run["status"] == "queued" and run["conclusion"] is None
    # GitHub answers `conclusion: null` while a run is not completed; the OpenAPI check (nullable + enum in
    # OAS 3.0) refuses null, so the answer is checked against the description once the run completed.
    fake.add_check_run(spec_head, "build", "completed", "success", "https://ci.example/build")
    completed = httpx.Client(transport=httpx.MockTransport(fake), base_url="https://api.github.com").get(
        f"/repos/o/r/commits/{spec_head}/check-runs", headers={"Authorization": f"token {GITHUB_TOKEN}"}).json()
    spec = load_openapi(shared_path("specs", "github", "api.github.com.json"))
    assert spec.problems("GET", f"/repos/o/r/commits/{spec_head}/check-runs", 200, completed) == []
    with pytest.raises(ValueError):
        fake.add_check_run(spring_head(fake), "build", "completed")  # completed runs carry a conclusion


# --- last author/date of many files ---------------------------------------------------------------


def test_files_meta_is_one_graphql_query_per_fifty_paths(backend: GitHubBackend, fake: FakeGitHub) -> None:
    paths = [f"content/posts/p{i:03}.md" for i in range(120)]
    fake.commit_files("o/r", "main", {path: path.encode() for path in paths}, "Many posts")
    fake.commit_files("o/r", "main", {"content/posts/p007.md": b"again"}, "Edit p007")
    fake.log.clear()
    found = backend.files_meta(paths + ["content/posts/first.md"])
    assert [(e.method, e.path) for e in fake.log.entries] == [("POST", "/graphql")] * 3
    assert len(found) == 121 and found["content/posts/p007.md"] == backend.file_meta("content/posts/p007.md")
    assert found["content/posts/first.md"] == backend.file_meta("content/posts/first.md")
    assert backend.file_meta_batch() == 50


def test_files_meta_falls_back_to_rest_where_graphql_cannot_answer(backend: GitHubBackend, fake: FakeGitHub) -> None:
    fake.faults.error(404, method="POST", path="/graphql", times=1)
    found = backend.files_meta(["content/posts/first.md", "content/posts/second.md"])
    assert set(found) == {"content/posts/first.md", "content/posts/second.md"}
    assert backend.file_meta_batch() == 1  # GraphQL is off for this session: one request per path


# --- opening the site: who am I, may I write, and the head, in one request ---------------------------

SITE = """\
backend: {name: github, repo: o/r, branch: main}
media_folder: static/img
collections:
  - {name: posts, label: Posts, folder: content/posts, create: true, fields: [{name: title, label: Title}]}
"""


def test_a_first_open_is_one_graphql_query_for_the_user_the_permission_and_the_head(
    fake: FakeGitHub, backend: GitHubBackend
) -> None:
    fake.log.clear()
    opened = backend.open_site()
    assert [(e.method, e.path) for e in fake.log.entries] == [("POST", "/graphql")]
    assert (opened.user.login, opened.user.can_write, opened.user_checked) == ("o", True, True)
    assert (opened.branch, opened.head) == ("main", fake.repos["o/r"].store.refs["heads/main"])


def test_without_a_configured_branch_the_same_query_names_the_default_branch(
    fake: FakeGitHub, clock: FakeClock
) -> None:
    adapter = connect(fake, clock, branch=None)
    fake.log.clear()
    opened = adapter.open_site()
    assert len(fake.log) == 1
    assert (opened.branch, opened.head) == ("main", fake.repos["o/r"].store.refs["heads/main"])
    assert adapter.default_branch() == "main" and len(fake.log) == 1


def test_a_read_only_user_is_refused_by_the_one_query_too(fake: FakeGitHub) -> None:
    fake.tokens["reader-token"] = "reader"
    fake.repos["o/r"].permissions["push"] = False
    adapter = GitHubBackend.connect(
        BackendSettings(name="github", repo="o/r", branch="main"), Credentials("reader-token"),
        transport=httpx.MockTransport(fake),
    )
    fake.log.clear()
    with pytest.raises(AuthError, match="reader does not have access"):
        adapter.open_site()
    assert len(fake.log) == 1


def test_a_missing_branch_on_open_is_reported_as_before(fake: FakeGitHub, clock: FakeClock) -> None:
    with pytest.raises(NotFoundError, match="branch gone"):
        connect(fake, clock, branch="gone").open_site()


def test_without_graphql_the_first_open_is_the_full_rest_check(fake: FakeGitHub, backend: GitHubBackend) -> None:
    fake.faults.error(404, path=r"/graphql", times=None)
    opened = backend.open_site()
    assert opened.user.login == "o" and opened.head == fake.repos["o/r"].store.refs["heads/main"]
    assert fake.log.count("GET", r"^/user$") == 1


def test_reopening_with_the_remembered_user_reads_only_the_branch(fake: FakeGitHub, backend: GitHubBackend) -> None:
    user = backend.open_site().user
    fake.log.clear()
    opened = backend.open_site(user)
    assert [(e.method, e.path) for e in fake.log.entries] == [("GET", "/repos/o/r/git/ref/heads/main")]
    assert (opened.user, opened.user_checked) == (user, False)


def test_an_unchanged_branch_head_is_a_conditional_request_off_the_rate_limit(
    fake: FakeGitHub, backend: GitHubBackend
) -> None:
    head = backend.head()
    used = fake.rate_used
    assert backend.head() == head
    assert fake.log.entries[-1].status == 304 and fake.rate_used == used
    fake.commit_files("o/r", "main", {"data/settings.yml": b"title: Moved\n"}, "Elsewhere")
    assert backend.head() == fake.repos["o/r"].store.refs["heads/main"] != head


def test_the_login_key_changes_with_the_token_and_never_holds_it(fake: FakeGitHub, clock: FakeClock) -> None:
    fake.tokens["other-token"] = "o"
    settings = BackendSettings(name="github", repo="o/r", branch="main")
    key = connect(fake, clock).login_key()
    other = GitHubBackend.connect(settings, Credentials("other-token"), transport=httpx.MockTransport(fake))
    assert key is not None and key == connect(fake, clock).login_key()
    assert other.login_key() not in (None, key)
    assert GITHUB_TOKEN not in key and "contract" not in key


def test_a_workspace_remembers_the_user_per_token_and_checks_a_new_token_in_full(
    fake: FakeGitHub, clock: FakeClock, tmp_path: Path
) -> None:
    site = parse_site_config(SITE, "config.yml")
    cache = ContentCache(tmp_path / "cache")

    def open_with(adapter: GitHubBackend) -> Workspace:
        workspace = Workspace(adapter, site, cache, DraftsJournal(tmp_path / "journal"))
        workspace.open()
        return workspace

    fake.log.clear()
    first = open_with(connect(fake, clock))  # never seen: the full check, in one GraphQL query
    assert [e.path for e in fake.log.entries] == ["/graphql"]
    fake.log.clear()
    again = open_with(connect(fake, clock))  # a new session, same token: the branch head alone
    assert [e.path for e in fake.log.entries] == ["/repos/o/r/git/ref/heads/main"]
    assert again.user == first.user and again.head() == first.head()
    # Another token (a read-only user) is checked in full, whatever is remembered for the first one.
    fake.tokens["reader-token"] = "reader"
    fake.repos["o/r"].permissions["push"] = False
    reader = GitHubBackend.connect(BackendSettings(name="github", repo="o/r", branch="main"),
                                   Credentials("reader-token"), transport=httpx.MockTransport(fake))
    with pytest.raises(AuthError, match="reader does not have access"):
        open_with(reader)
    # A remembered token the host refuses is a login problem, and forgotten: the next open checks in full.
    key = connect(fake, clock).login_key()
    assert key is not None and cache.get_user(key) is not None
    fake.faults.expire_token(after_requests=0)
    with pytest.raises(AuthError):
        open_with(connect(fake, clock))
    assert cache.get_user(key) is None
    fake.faults.clear()
    fake.log.clear()
    open_with(connect(fake, clock))
    assert [e.path for e in fake.log.entries] == ["/graphql"]
