"""Bitbucket adapter specifics: the requests each operation costs, `src` pages, the multipart save and its
`parents` assertion, Decap's pull-request workflow (status in the last comment), auth and api_root."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from editor_app.backends.base import NEW_FILE, STATUS_PENDING_REVIEW, BackendSettings, Credentials, FileChange
from editor_app.backends.bitbucket import BitbucketBackend
from editor_app.backends.http import RetryPolicy
from editor_app.errors import AuthError, ConflictError, NotFoundError
from tests.backends.conftest import FIXTURE_FILES, PIXEL_PNG
from tests.conftest import shared_path
from tests.fakes.bitbucket import FakeBitbucket
from tests.fakes.bitbucket_factories import BITBUCKET_TOKEN, REPO, make_fake_bitbucket, settings
from tests.fakes.git_store import GitStore


def blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Recorder:
    """A transport that hands requests to the fake and keeps every exchange, bodies included."""

    fake: FakeBitbucket
    exchanges: list[tuple[httpx.Request, httpx.Response]] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        response = self.fake(request)
        response.read()
        self.exchanges.append((request, response))
        return response

    def sent(self, method: str | None = None, pattern: str = "") -> list[httpx.Request]:
        return [
            r for r, _ in self.exchanges if (method is None or r.method == method) and re.search(pattern, r.url.path)
        ]

    def clear(self) -> None:
        self.exchanges.clear()


@dataclass
class Site:
    fake: FakeBitbucket
    recorder: Recorder
    backend: BitbucketBackend


def site_with(files: dict[str, bytes], **kwargs: Any) -> Site:
    fake = make_fake_bitbucket(files)
    recorder = Recorder(fake)
    backend = BitbucketBackend.connect(settings(**kwargs), Credentials(BITBUCKET_TOKEN),
                                       transport=httpx.MockTransport(recorder))
    return Site(fake, recorder, backend)


@pytest.fixture
def site() -> Iterator[Site]:
    made = site_with(dict(FIXTURE_FILES))
    yield made
    made.backend.close()


def form_fields(request: httpx.Request) -> list[tuple[str, bool, bytes]]:
    """(name, is a file part, value) of every part of a multipart body, in order."""
    boundary = re.search(r"boundary=([^;]+)", request.headers["Content-Type"]).group(1)  # type: ignore[union-attr]
    parts = []
    for chunk in request.content.split(b"--" + boundary.encode())[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk[2:].partition(b"\r\n\r\n")
        name = re.search(rb'name="([^"]*)"', head).group(1).decode()  # type: ignore[union-attr]
        parts.append((name, b"filename=" in head, data[:-2]))
    return parts


# --- reading -------------------------------------------------------------------------------------


def test_a_listing_follows_next_100_entries_a_page_then_reads_each_file_once() -> None:
    posts = {f"content/posts/p{i:03}.md": b"post %d\n" % i for i in range(250)}
    site = site_with(posts)
    listing = site.backend.list_files("content/posts", extension="md", depth=1)
    assert [f.path for f in listing.files] == sorted(posts)
    assert all(f.id == blob_id(posts[f.path]) and f.size == len(posts[f.path]) for f in listing.files)
    pages = site.recorder.sent("GET", r"/src/[0-9a-f]{40}/content/posts$")
    assert len(pages) == 3
    assert pages[0].url.params["pagelen"] == "100" and pages[0].url.params["max_depth"] == "1"
    assert len(site.recorder.sent("GET", r"/src/[0-9a-f]{40}/content/posts/p")) == 250
    site.recorder.clear()
    assert site.backend.read_files(listing.files) == posts
    assert site.recorder.exchanges == []


def test_listing_again_at_the_same_head_costs_one_request() -> None:
    site = site_with(dict(FIXTURE_FILES))
    first = site.backend.list_files("content/posts", extension="md")
    site.recorder.clear()
    assert site.backend.list_files("content/posts", extension="md") == first
    assert [r.url.path.rsplit("/", 2)[-2:] for r in site.recorder.sent()] == [["branches", "main"]]


def test_after_a_commit_elsewhere_a_listing_costs_head_one_diffstat_and_the_changed_file(site: Site) -> None:
    site.backend.list_files("content")
    site.fake.commit_files("main", {"content/posts/first.md": b"edited elsewhere\n", "content/pages/new.md": b"new\n",
                                    "content/posts/notes.txt": None}, "Elsewhere")
    site.recorder.clear()
    listing = site.backend.list_files("content")
    ids = {f.path: (f.id, f.size) for f in listing.files}
    assert ids["content/posts/first.md"] == (blob_id(b"edited elsewhere\n"), len(b"edited elsewhere\n"))
    assert ids["content/pages/new.md"] == (blob_id(b"new\n"), 4)
    assert "content/posts/notes.txt" not in ids
    second = FIXTURE_FILES["content/posts/second.md"]
    assert ids["content/posts/second.md"] == (blob_id(second), len(second))
    paths = [r.url.path for r in site.recorder.sent()]
    assert len(paths) == 4
    assert paths[0].endswith("/refs/branches/main") and "/diffstat/" in paths[1]
    assert sorted(p.rsplit("/", 1)[-1] for p in paths[2:]) == ["first.md", "new.md"]


def test_read_file_reads_at_the_head_commit_and_computes_the_blob_id(site: Site) -> None:
    data, file_id = site.backend.read_file("static/img/pixel.png")
    assert (data, file_id) == (PIXEL_PNG, blob_id(PIXEL_PNG))
    head = site.backend.head()
    assert [r.url.path for r in site.recorder.sent("GET", "/src/")] == [
        f"/2.0/repositories/{REPO}/src/{head}/static/img/pixel.png"]


def test_file_meta_names_the_last_author_of_the_file(site: Site) -> None:
    site.fake.commit_files("main", {"data/settings.yml": b"title: Changed\n"}, "Retitle", nickname="grace")
    meta = site.backend.file_meta("data/settings.yml")
    assert meta is not None and meta.author == "Grace" and meta.updated_on
    (request,) = site.recorder.sent("GET", "/commits$")
    assert request.url.params["path"] == "data/settings.yml" and request.url.params["include"] == "main"


# --- saving --------------------------------------------------------------------------------------


def test_a_save_from_the_current_head_is_one_multipart_post_with_parents(site: Site) -> None:
    head = site.backend.head()
    path = "content/posts/first.md"
    site.recorder.clear()
    result = site.backend.commit(
        [
            FileChange(path, b"edited\n", expected_id=blob_id(FIXTURE_FILES[path])),
            FileChange("static/img/new.png", PIXEL_PNG, expected_id=NEW_FILE),
            FileChange(
                "content/posts/notes.txt", delete=True, expected_id=blob_id(FIXTURE_FILES["content/posts/notes.txt"])
            ),
        ],
        "Edit first",
        expected_head=head,
    )
    # the head, `.gitattributes` (a binary file might go through Git LFS; there is none here), the commit
    assert [r.method for r in site.recorder.sent()] == ["GET", "GET", "POST"]
    (post,) = site.recorder.sent("POST", "/src$")
    fields = form_fields(post)
    assert ("parents", False, head.encode()) in fields
    assert ("branch", False, b"main") in fields and ("message", False, b"Edit first") in fields
    assert ("files", False, b"content/posts/notes.txt") in fields
    assert (path, True, b"edited\n") in fields and ("static/img/new.png", True, PIXEL_PNG) in fields
    assert result.commit == site.backend.head() and site.fake.store.commit(result.commit).parents == (head,)
    assert site.backend.read_file("static/img/new.png")[0] == PIXEL_PNG


def test_a_move_is_a_deletion_plus_an_upload_of_the_same_bytes(site: Site) -> None:
    site.backend.commit([FileChange("media/pixel.png", previous_path="static/img/pixel.png")], "Move")
    fields = form_fields(site.recorder.sent("POST", "/src$")[0])
    assert ("files", False, b"static/img/pixel.png") in fields
    assert ("media/pixel.png", True, PIXEL_PNG) in fields


def test_a_stale_parent_is_refused_by_bitbucket_with_409(site: Site) -> None:
    head = site.backend.head()
    site.fake.commit_files("main", {"data/settings.yml": b"moved on\n"}, "Elsewhere")
    response = site.backend.http.client.post(f"repositories/{REPO}/src", data={
        "parents": head, "branch": "main", "message": "stale", "data/new.yml": "x"})
    assert response.status_code == 409
    assert response.json()["type"] == "error"


def test_a_writer_landing_between_checks_and_post_makes_the_save_check_again(site: Site) -> None:
    head = site.backend.head()
    landed: list[str] = []

    def other_writer(_request: httpx.Request) -> None:
        landed.append(site.fake.commit_files("main", {"data/settings.yml": b"theirs\n"}, "Theirs"))

    site.fake.faults.add(other_writer, method="POST", path=r"/src$", times=1)
    result = site.backend.commit([FileChange("content/posts/first.md", b"mine\n",
                                             expected_id=blob_id(FIXTURE_FILES["content/posts/first.md"]))],
                                 "Mine", expected_head=head)
    assert len(site.recorder.sent("POST", "/src$")) == 2
    assert site.fake.store.commit(result.commit).parents == (landed[0],)
    assert site.backend.read_file("data/settings.yml")[0] == b"theirs\n"
    assert site.backend.read_file("content/posts/first.md")[0] == b"mine\n"


def test_a_writer_changing_the_same_file_meanwhile_is_a_conflict_with_their_side(site: Site) -> None:
    path = "content/posts/first.md"
    head = site.backend.head()

    def other_writer(_request: httpx.Request) -> None:
        site.fake.commit_files("main", {path: b"theirs\n"}, "Theirs")

    site.fake.faults.add(other_writer, method="POST", path=r"/src$", times=1)
    with pytest.raises(ConflictError) as caught:
        site.backend.commit([FileChange(path, b"mine\n", expected_id=blob_id(FIXTURE_FILES[path]))], "Mine",
                            expected_head=head)
    assert caught.value.theirs == b"theirs\n" and caught.value.path == path
    assert site.backend.read_file(path)[0] == b"theirs\n"


# --- editorial workflow --------------------------------------------------------------------------


def save_draft(site: Site, **kwargs: Any) -> None:
    site.backend.save_unpublished("posts", "spring", [FileChange("content/posts/spring.md", b"spring\n",
                                                                 expected_id=NEW_FILE)],
                                  "Create Post “spring”", **kwargs)


def test_first_save_creates_the_branch_from_the_site_head_then_decaps_pull_request_and_status_comment(
    site: Site,
) -> None:
    head = site.backend.head()
    site.recorder.clear()
    save_draft(site)
    post = site.recorder.sent("POST", "/src$")[0]
    assert ("branch", False, b"cms/posts/spring") in form_fields(post)
    assert ("parents", False, head.encode()) in form_fields(post)
    (pr_request,) = site.recorder.sent("POST", "/pullrequests$")
    assert json.loads(pr_request.content) == {
        "title": "Create Post “spring”", "source": {"branch": {"name": "cms/posts/spring"}},
        "destination": {"branch": {"name": "main"}}, "description": "Automatically generated by Decap CMS",
        "close_source_branch": True}
    (comment,) = site.recorder.sent("POST", "/comments$")
    assert json.loads(comment.content) == {"content": {"raw": "decap-cms/draft"}}


def test_status_is_a_new_comment_with_the_configured_label_prefix() -> None:
    site = site_with(dict(FIXTURE_FILES), cms_label_prefix="garden/")
    save_draft(site)
    site.backend.set_status("posts", "spring", STATUS_PENDING_REVIEW)
    raws = [json.loads(r.content)["content"]["raw"] for r in site.recorder.sent("POST", "/comments$")]
    assert raws == ["garden/draft", "garden/pending_review"]
    assert site.backend.read_unpublished("posts", "spring").status == STATUS_PENDING_REVIEW


def test_a_later_human_comment_hides_the_entry_as_decap_does(site: Site) -> None:
    save_draft(site)
    (pr,) = site.fake.pull_requests.values()
    pr.comments.append({"id": 1, "raw": "Looks good to me", "user": "grace", "created": site.fake.clock()})
    assert site.backend.list_unpublished() == []
    with pytest.raises(NotFoundError):
        site.backend.read_unpublished("posts", "spring")


@pytest.mark.parametrize(("squash", "strategy", "parents"), [(False, "merge_commit", 2), (True, "squash", 1)])
def test_publish_merges_with_the_strategy_decap_picks(squash: bool, strategy: str, parents: int) -> None:
    site = site_with(dict(FIXTURE_FILES), squash_merges=squash)
    save_draft(site)
    result = site.backend.publish("posts", "spring")
    (merge,) = site.recorder.sent("POST", "/merge$")
    assert json.loads(merge.content) == {"message": "Automatically generated. Merged on Decap CMS.",
                                         "close_source_branch": True, "merge_strategy": strategy}
    assert len(site.fake.store.commit(result.commit).parents) == parents
    assert site.backend.read_file("content/posts/spring.md")[0] == b"spring\n"
    # Bitbucket closes the source branch asynchronously: the adapter deletes it too (a 404 is fine).
    assert [r.method for r in site.recorder.sent(pattern="/refs/branches/cms/posts/spring$")][-2:] == ["GET", "DELETE"]


def test_delete_declines_the_pull_request_and_deletes_the_branch(site: Site) -> None:
    save_draft(site)
    site.backend.delete_unpublished("posts", "spring")
    (pr,) = site.fake.pull_requests.values()
    assert pr.state == "DECLINED"
    assert site.recorder.sent("DELETE", "/refs/branches/cms/posts/spring$")


def test_deploy_preview_comes_from_the_pull_requests_build_statuses(site: Site) -> None:
    save_draft(site)
    assert site.backend.deploy_preview("posts", "spring") is None
    site.fake.add_status(site.backend.head("cms/posts/spring"), "deploy/netlify", "SUCCESSFUL",
                         "https://deploy-preview-1--garden.example.org")
    preview = site.backend.deploy_preview("posts", "spring")
    assert preview is not None and preview.ready and preview.url == "https://deploy-preview-1--garden.example.org"


def test_deploy_preview_states_follow_the_build_status(site: Site) -> None:
    save_draft(site)
    head = site.backend.head("cms/posts/spring")
    site.fake.add_status(head, "deploy/netlify", "INPROGRESS", "https://deploy-preview-1--garden.example.org")
    assert site.backend.deploy_preview("posts", "spring").state == "building"  # type: ignore[union-attr]
    site.fake.statuses[head][-1]["state"] = "FAILED"
    failed = site.backend.deploy_preview("posts", "spring")
    assert failed is not None and (failed.state, failed.ready, failed.context) == ("failed", False, "deploy/netlify")


def test_preview_context_picks_the_build_status_by_key() -> None:
    made = site_with(dict(FIXTURE_FILES), preview_context="pages")
    save_draft(made)
    head = made.backend.head("cms/posts/spring")
    made.fake.add_status(head, "deploy/netlify", "SUCCESSFUL", "https://netlify.example")
    assert made.backend.deploy_preview("posts", "spring") is None
    made.fake.add_status(head, "pages", "SUCCESSFUL", "https://pages.example/spring")
    chosen = made.backend.deploy_preview("posts", "spring")
    assert chosen is not None and chosen.url == "https://pages.example/spring"


# --- branch, auth, api_root ----------------------------------------------------------------------


def test_without_a_configured_branch_the_repositorys_main_branch_is_used() -> None:
    fake = FakeBitbucket(GitStore(), repo=REPO, default_branch="trunk", tokens={BITBUCKET_TOKEN: "ada"})
    fake.commit_files("trunk", {"a.md": b"a\n"}, "Seed")
    backend = BitbucketBackend.connect(settings(branch=None), Credentials(BITBUCKET_TOKEN),
                                       transport=httpx.MockTransport(fake))
    assert backend.default_branch() == "trunk"
    assert [f.path for f in backend.list_files("").files] == ["a.md"]


def test_current_user_is_the_bitbucket_account(site: Site) -> None:
    user = site.backend.current_user()
    assert (user.login, user.name, user.can_write) == ("ada", "Ada", True)
    assert user.avatar_url


def test_a_repository_the_account_cannot_see_is_an_auth_error() -> None:
    fake = make_fake_bitbucket({"a.md": b"a\n"})
    backend = BitbucketBackend(
        BackendSettings(name="bitbucket", repo="garden/other", branch="main"),
        httpx.Client(
            base_url="https://api.bitbucket.org/2.0/",
            transport=httpx.MockTransport(fake),
            headers={"Authorization": f"Bearer {BITBUCKET_TOKEN}"},
        ),
    )
    with pytest.raises(AuthError, match="garden/other"):
        backend.current_user()


def test_an_account_with_read_access_only_is_refused_at_save_as_bitbucket_does(site: Site) -> None:
    # The repository answers a reader too (Decap's write check passes); POST /src is where Bitbucket refuses:
    # 403 "If the authenticated user does not have write or admin access" (bitbucket-cloud.swagger.v3.json).
    site.fake.readers.add("ada")
    head = site.backend.head()
    with pytest.raises(AuthError, match=r"HTTP 403: Access denied. You must have write or admin access"):
        site.backend.commit([FileChange("content/posts/first.md", b"edited\n")], "Edit", expected_head=head)
    assert site.backend.head() == head and site.fake.log.matching("POST", r"/src$")[-1].status == 403


def test_an_expired_token_with_a_refresh_token_is_renewed_once_and_the_request_repeated() -> None:
    fake = make_fake_bitbucket({"a.md": b"a\n"})
    fake.tokens["renewed-token"] = "ada"
    fake.expired.add(BITBUCKET_TOKEN)
    renewed: list[Credentials] = []

    def refresh(old: Credentials) -> Credentials:
        renewed.append(Credentials("renewed-token", refresh_token="next-refresh"))
        return renewed[-1]

    backend = BitbucketBackend.connect(settings(), Credentials(BITBUCKET_TOKEN, refresh_token="r1"),
                                       transport=httpx.MockTransport(fake), refresh=refresh)
    assert backend.read_file("a.md")[0] == b"a\n"
    assert len(renewed) == 1 and backend.credentials is renewed[0]


def test_an_expired_implicit_grant_token_is_an_expired_auth_error() -> None:
    fake = make_fake_bitbucket({"a.md": b"a\n"})
    fake.expired.add(BITBUCKET_TOKEN)
    backend = BitbucketBackend.connect(settings(), Credentials(BITBUCKET_TOKEN), transport=httpx.MockTransport(fake))
    with pytest.raises(AuthError) as caught:
        backend.head()
    assert caught.value.expired and BITBUCKET_TOKEN not in str(caught.value)


def test_a_429_without_retry_after_waits_a_minute_then_goes_on() -> None:
    fake = make_fake_bitbucket({"a.md": b"a\n"})
    fake.faults.add(lambda _r: httpx.Response(429, json={"type": "error", "error": {
        "message": "Rate limit for this resource has been exceeded"}}), times=1)
    now = [1000.0]
    waits: list[tuple[float, str]] = []
    backend = BitbucketBackend.connect(
        settings(),
        Credentials(BITBUCKET_TOKEN),
        transport=httpx.MockTransport(fake),
        policy=RetryPolicy(),
        sleep=lambda s: now.__setitem__(0, now[0] + s),
        clock=lambda: now[0],
        on_wait=lambda at, why: waits.append((at, why)),
    )
    assert backend.read_file("a.md")[0] == b"a\n"
    assert waits == [(1060.0, "Rate limit for this resource has been exceeded")]


def test_an_api_root_under_a_gateway_is_used_as_given() -> None:
    fake = FakeBitbucket(GitStore(), repo=REPO, default_branch="main", tokens={BITBUCKET_TOKEN: "ada"},
                         api_prefix="/.netlify/git/bitbucket", api_base="https://garden.example.org")
    fake.commit_files("main", {"a.md": b"a\n"}, "Seed")
    backend = BitbucketBackend.connect(settings("https://garden.example.org/.netlify/git/bitbucket"),
                                       Credentials(BITBUCKET_TOKEN), transport=httpx.MockTransport(fake))
    assert [f.path for f in backend.list_files("").files] == ["a.md"]
    backend.commit([FileChange("b.md", b"b\n", expected_id=NEW_FILE)], "Add b")
    assert all(e.path.startswith("/.netlify/git/bitbucket/repositories/") for e in fake.log.matching())


# --- the fake against Bitbucket's OpenAPI description ---------------------------------------------


def normalised(problem: str) -> str:
    """A schema problem without its operation (the same object departs alike wherever it is returned), list
    indexes or page wrapper, and with its property names sorted (sets print in any order)."""
    problem = problem.split(": ", 1)[1] if re.match(r"[A-Z]+ /\S* \d{3}: ", problem) else problem
    problem = re.sub(r"/\d+/", "/", re.sub(r"^values/\d+/", "", problem))
    return re.sub(r"\(([^()]*) (were|was) unexpected\)",
                  lambda m: "(" + ", ".join(sorted(m.group(1).split(", "))) + " unexpected)", problem)


def recorded_divergences(spec: Any) -> set[str]:
    """Where api.bitbucket.org's own recorded answers depart from its description (nulls, extra keys)."""
    found: set[str] = set()
    for recording in sorted(shared_path("fixtures", "decap-e2e").glob("BitBucket Backend*.json")):
        for exchange in json.loads(recording.read_text(encoding="utf-8")):
            if not str(exchange["headers"].get("Content-Type", "")).startswith("application/json"):
                continue
            try:
                body = json.loads(exchange["response"])
            except ValueError:
                continue
            path = exchange["url"].split("?", 1)[0].removeprefix("/2.0")
            found |= {normalised(p) for p in spec.problems(exchange["method"], path, exchange["status"], body) or []}
    return found


def test_the_fakes_json_answers_match_bitbuckets_openapi_description_as_bitbucket_itself_does(site: Site) -> None:
    from tests.fakes.bitbucket_openapi import load

    spec = load(shared_path("specs", "bitbucket", "bitbucket-cloud.swagger.v3.json"))
    site.backend.current_user()
    site.backend.list_files("content")
    site.backend.file_meta("content/posts/first.md")
    save_draft(site)
    site.backend.list_unpublished()
    site.backend.set_status("posts", "spring", STATUS_PENDING_REVIEW)
    site.backend.deploy_preview("posts", "spring")
    site.backend.publish("posts", "spring")
    site.backend.save_unpublished("posts", "first", [FileChange("content/posts/first.md", b"x\n")], "Update")
    site.backend.delete_unpublished("posts", "first")
    with pytest.raises(NotFoundError):
        site.backend.head("no-such-branch")
    judged: set[str] = set()
    problems: list[str] = []
    for request, response in site.recorder.exchanges:
        if not response.headers.get("Content-Type", "").startswith("application/json"):
            continue
        path = request.url.path.removeprefix("/2.0")
        found = spec.problems(request.method, path, response.status_code, response.json())
        if found is not None:
            judged.add(f"{request.method} {spec.operation(request.method, path)} {response.status_code}")
            problems += found
    # Only the departures the real service's recorded answers show too (null merge_commit, `type` keys...).
    unexplained = sorted({normalised(p) for p in problems} - recorded_divergences(spec))
    assert unexplained == [], '\n'.join(unexplained)
    assert {
        "GET /repositories/{workspace}/{repo_slug} 200", "GET /user 200",
        "GET /repositories/{workspace}/{repo_slug}/refs/branches/{name} 200",
        "GET /repositories/{workspace}/{repo_slug}/src/{commit}/{path} 200",
        "GET /repositories/{workspace}/{repo_slug}/commits 200",
        "GET /repositories/{workspace}/{repo_slug}/pullrequests 200",
        "POST /repositories/{workspace}/{repo_slug}/pullrequests 201",
        "GET /repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/comments 200",
        "POST /repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/comments 201",
        "GET /repositories/{workspace}/{repo_slug}/diffstat/{spec} 200",
        "POST /repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/merge 200",
        "POST /repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/decline 200",
        "GET /repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/statuses 200",
    } <= judged


def test_a_file_listed_before_the_branch_moved_is_read_as_it_was_listed() -> None:
    from editor_app.backends import bitbucket

    site = site_with(dict(FIXTURE_FILES))
    site.backend._contents = bitbucket._Contents(0)  # nothing kept: every read goes to Bitbucket
    listing = site.backend.list_files("content/posts", extension="md", depth=1)
    site.fake.commit_files("main", {"content/posts/first.md": b"newer\n"}, "Elsewhere")
    contents = site.backend.read_files(listing.files)
    assert contents["content/posts/first.md"] == FIXTURE_FILES["content/posts/first.md"]


def test_a_token_past_its_expiry_is_refused_before_spending_a_request() -> None:
    fake = make_fake_bitbucket({"a.md": b"a\n"})
    backend = BitbucketBackend.connect(settings(), Credentials(BITBUCKET_TOKEN, expires_at=1_000.0),
                                       transport=httpx.MockTransport(fake), clock=lambda: 4_600.0)
    with pytest.raises(AuthError) as caught:
        backend.read_file("a.md")
    assert caught.value.expired and "expired" in str(caught.value)
    assert len(fake.log) == 0


def test_a_token_past_its_expiry_with_a_refresh_token_is_renewed_first() -> None:
    fake = make_fake_bitbucket({"a.md": b"a\n"})
    fake.tokens = {"renewed-token": "ada"}
    backend = BitbucketBackend.connect(
        settings(), Credentials(BITBUCKET_TOKEN, refresh_token="r1", expires_at=1_000.0),
        transport=httpx.MockTransport(fake), clock=lambda: 4_600.0,
        refresh=lambda old: Credentials("renewed-token", refresh_token="r2", expires_at=8_200.0))
    assert backend.read_file("a.md")[0] == b"a\n"
    assert [e.status for e in fake.log.matching()] == [200, 200]


def test_behind_git_gateway_paths_carry_no_repository_and_commits_name_their_author() -> None:
    fake = FakeBitbucket(GitStore(), repo=REPO, default_branch="main", tokens={"gateway-jwt": "bot"},
                         api_prefix="/.netlify/git/bitbucket", api_base="https://garden.example.org",
                         repository_paths=False)
    fake.commit_files("main", dict(FIXTURE_FILES), "Seed")
    backend = BitbucketBackend.connect(
        BackendSettings(name="bitbucket", api_root="https://garden.example.org/.netlify/git/bitbucket"),
        Credentials("gateway-jwt"), transport=httpx.MockTransport(fake), author="Ada Gardener <ada@example.org>")
    assert backend.default_branch() == "main"
    result = backend.commit([FileChange("content/posts/new.md", b"new\n", expected_id=NEW_FILE)], "Add")
    author = fake.store.commit(result.commit).author
    assert (author.name, author.email) == ("Ada Gardener", "ada@example.org")
    save_draft(Site(fake, Recorder(fake), backend))
    assert [e.content_key for e in backend.list_unpublished()] == ["posts/spring"]
    backend.publish("posts", "spring")
    assert backend.read_file("content/posts/spring.md")[0] == b"spring\n"
    assert not any("/repositories/" in e.path for e in fake.log.matching())


def test_a_new_session_after_a_change_elsewhere_reads_only_what_changed(tmp_path: Any) -> None:
    fake = make_fake_bitbucket(dict(FIXTURE_FILES))

    def session() -> BitbucketBackend:
        return BitbucketBackend.connect(settings(), Credentials(BITBUCKET_TOKEN), transport=httpx.MockTransport(fake),
                                        state_dir=tmp_path / "cache")

    first = session()
    first.list_files("content/posts", extension="md")
    first.close()
    fake.commit_files("main", {"content/posts/first.md": b"edited elsewhere\n"}, "Elsewhere")
    fake.log.clear()
    listing = session().list_files("content/posts", extension="md")
    assert {f.path: f.id for f in listing.files}["content/posts/first.md"] == blob_id(b"edited elsewhere\n")
    assert [e.path.rsplit("/", 1)[-1] for e in fake.log.matching()][1:] == [
        f"{listing.head}..{fake.store.commit(listing.head).parents[0]}", "first.md"]


def test_a_damaged_state_file_is_ignored(tmp_path: Any) -> None:
    (tmp_path / "cache").mkdir()
    site_state = BitbucketBackend.connect(settings(), Credentials(BITBUCKET_TOKEN),
                                          transport=httpx.MockTransport(make_fake_bitbucket({"a.md": b"a\n"})),
                                          state_dir=tmp_path / "cache")
    assert site_state._state_file is not None
    site_state._state_file.write_text("{not json", encoding="utf-8")
    fresh = BitbucketBackend.connect(settings(), Credentials(BITBUCKET_TOKEN),
                                     transport=httpx.MockTransport(make_fake_bitbucket({"a.md": b"a\n"})),
                                     state_dir=tmp_path / "cache")
    assert [f.path for f in fresh.list_files("").files] == ["a.md"]


LFS_ATTRIBUTES = b"*.png filter=lfs diff=lfs merge=lfs -text\n*.md text\n"


def lfs_site() -> tuple[FakeBitbucket, BitbucketBackend, list[httpx.Request]]:
    fake = make_fake_bitbucket({**FIXTURE_FILES, ".gitattributes": LFS_ATTRIBUTES})
    sent: list[httpx.Request] = []

    def watch(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return fake(request)

    backend = BitbucketBackend.connect(settings(), Credentials(BITBUCKET_TOKEN), transport=httpx.MockTransport(watch))
    return fake, backend, sent


def test_media_that_gitattributes_sends_through_lfs_are_uploaded_there_and_committed_as_pointers() -> None:
    from editor_app.backends.workflow import git_blob_id
    from tests.fakes.git_store import lfs_pointer

    fake, backend, sent = lfs_site()
    oid, pointer = lfs_pointer(PIXEL_PNG)

    result = backend.commit([FileChange("static/img/new.png", PIXEL_PNG, expected_id=NEW_FILE),
                             FileChange("content/posts/new.md", b"---\ntitle: New\n---\n", expected_id=NEW_FILE)],
                            "Upload “new.png”")

    tree = fake.store.commit(result.commit).tree
    assert fake.store.blob(fake.store.files(tree)["static/img/new.png"]) == pointer
    assert fake.store.blob(fake.store.files(tree)["content/posts/new.md"]) == b"---\ntitle: New\n---\n"
    assert fake.lfs_objects[oid] == PIXEL_PNG
    assert result.ids["static/img/new.png"] == git_blob_id(pointer)
    batch, upload, verify = [r for r in sent if "/info/lfs/" in r.url.path or r.url.path.startswith("/upload/")]
    assert str(batch.url) == f"https://bitbucket.org/{REPO}/info/lfs/objects/batch"
    assert BITBUCKET_TOKEN not in str(upload.headers) and upload.content == PIXEL_PNG
    assert json.loads(verify.content) == {"oid": oid, "size": len(PIXEL_PNG)}


def test_an_lfs_file_reads_as_its_content_and_lists_with_its_pointers_id() -> None:
    from editor_app.backends.workflow import git_blob_id
    from tests.fakes.git_store import lfs_pointer

    fake, backend, _sent = lfs_site()
    backend.commit([FileChange("static/img/new.png", PIXEL_PNG, expected_id=NEW_FILE)], "Upload")
    fresh = BitbucketBackend.connect(settings(), Credentials(BITBUCKET_TOKEN), transport=httpx.MockTransport(fake))

    listed = {f.path: f.id for f in fresh.list_files("static/img").files}
    data, blob = fresh.read_file("static/img/new.png")

    assert data == PIXEL_PNG and blob == listed["static/img/new.png"] == git_blob_id(lfs_pointer(PIXEL_PNG)[1])
    # A later edit knows the file by that id: no false conflict.
    backend_again = BitbucketBackend.connect(
        settings(), Credentials(BITBUCKET_TOKEN), transport=httpx.MockTransport(fake)
    )
    backend_again.commit([FileChange("static/img/new.png", delete=True, expected_id=blob)], "Delete it")


def test_an_lfs_upload_the_store_refuses_commits_nothing() -> None:
    fake, backend, _sent = lfs_site()
    before = backend.head()
    fake.faults.error(500, method="PUT", path=r"^/upload/", times=None)
    with pytest.raises(Exception, match="Git LFS"):
        backend.commit([FileChange("static/img/new.png", PIXEL_PNG, expected_id=NEW_FILE)], "Upload")
    assert backend.head() == before
