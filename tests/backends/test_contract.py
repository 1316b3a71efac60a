"""The backend interface's behaviours, stated once and run against every adapter in ADAPTER_FACTORIES."""

from __future__ import annotations

import hashlib
import re
import threading
from datetime import datetime
from pathlib import Path

import pytest

from editor_app.backends.base import (
    NEW_FILE,
    STATUS_DRAFT,
    STATUS_PENDING_PUBLISH,
    STATUS_PENDING_REVIEW,
    Backend,
    FileChange,
    RepoFile,
)
from editor_app.config.loader import parse_site_config
from editor_app.errors import AuthError, ConflictError, ContentError, EditorError, NotFoundError
from editor_app.workspace.cache import ContentCache
from editor_app.workspace.journal import DraftsJournal
from editor_app.workspace.workspace import Workspace
from tests.backends.conftest import FIXTURE_FILES, PIXEL_PNG, Hosted


def blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def listed_paths(backend: Backend, folder: str, **kwargs: object) -> list[str]:
    return [f.path for f in backend.list_files(folder, **kwargs).files]  # type: ignore[arg-type]


# --- who am I, what is there ---------------------------------------------------------------------


def test_user_can_write(backend: Backend) -> None:
    user = backend.current_user()
    assert user.login
    assert user.can_write


def test_site_branch_and_its_head(backend: Backend) -> None:
    assert backend.default_branch() == "main"
    head = backend.head()
    assert re.fullmatch(r"[0-9a-f]{40}", head)
    assert backend.head("main") == head


def test_head_of_missing_branch_is_not_found(backend: Backend) -> None:
    with pytest.raises(NotFoundError):
        backend.head("no-such-branch")


def test_opening_the_site_says_who_is_logged_in_the_branch_and_its_head(backend: Backend) -> None:
    opened = backend.open_site()
    assert opened.user.login and opened.user.can_write and opened.user_checked
    assert (opened.branch, opened.head) == ("main", backend.head())


def test_the_login_key_never_holds_the_token(backend: Backend) -> None:
    key = backend.login_key()
    assert key is None or re.fullmatch(r"[0-9a-f]{64}", key)
    assert key == backend.login_key()


# --- opening a site on a Git host: who am I and the head, in as few requests as the host allows ----------


def _reopened(hosted: Hosted) -> tuple[str, str, int]:
    """Open the site (full check), then again with the user that check returned, as a reopen does:
    (first head, second head, requests the second open cost)."""
    backend = hosted.backend
    first = backend.open_site()
    assert first.user_checked and first.user.can_write
    remembered = first.user if backend.login_key() is not None else None
    hosted.log.clear()
    again = backend.open_site(remembered)
    assert (again.user, again.branch) == (first.user, first.branch)
    return first.head, again.head, len(hosted.log)


def test_reopening_an_unchanged_site_costs_one_request(hosted: Hosted) -> None:
    first, again, requests = _reopened(hosted)
    assert again == first
    assert requests == 1, [(e.method, e.path) for e in hosted.log.entries]


def test_reopening_after_a_change_elsewhere_sees_the_new_head_in_one_request(hosted: Hosted) -> None:
    backend = hosted.backend
    first = backend.open_site()
    backend.commit([FileChange("data/settings.yml", b"title: Changed\n")], "Change elsewhere")
    hosted.log.clear()
    again = backend.open_site(first.user if backend.login_key() is not None else None)
    requests = len(hosted.log)
    assert again.head != first.head and again.head == backend.head()
    assert requests == 1, [(e.method, e.path) for e in hosted.log.entries]


def test_a_refused_token_on_reopen_is_still_a_login_problem(hosted: Hosted) -> None:
    first = hosted.backend.open_site()
    hosted.expire_token()
    with pytest.raises(AuthError):
        hosted.backend.open_site(first.user)


POSTS_SITE = """\
backend: {name: github, repo: o/r, branch: main}
media_folder: static/img
collections:
  - {name: posts, label: Posts, folder: content/posts, extension: md, fields: [{name: title, label: Title}]}
"""


def test_a_workspace_reopens_an_unchanged_site_in_one_request(hosted: Hosted, tmp_path: Path) -> None:
    site = parse_site_config(POSTS_SITE, "config.yml")
    cache = ContentCache(tmp_path / "cache")

    def session() -> Workspace:  # a new session over the same caches: open, then the posts
        workspace = Workspace(hosted.backend, site, cache, DraftsJournal(tmp_path / "journal"))
        workspace.open()
        assert len(workspace.load_collection("posts")) == 2  # first, second (2024/ is a subfolder)
        return workspace

    first = session()
    hosted.log.clear()
    again = session()
    assert len(hosted.log) == 1, [(e.method, e.path) for e in hosted.log.entries]
    assert again.user == first.user and again.head() == first.head()


# --- listing -------------------------------------------------------------------------------------


def test_listing_filters_by_extension_at_any_depth(backend: Backend) -> None:
    assert listed_paths(backend, "content/posts", extension="md") == [
        "content/posts/2024/archived.md",
        "content/posts/first.md",
        "content/posts/second.md",
    ]


def test_listing_depth_one_lists_direct_children_only(backend: Backend) -> None:
    assert listed_paths(backend, "content/posts", extension="md", depth=1) == [
        "content/posts/first.md",
        "content/posts/second.md",
    ]
    assert listed_paths(backend, "content/posts", depth=2) == [
        "content/posts/2024/archived.md",
        "content/posts/first.md",
        "content/posts/notes.txt",
        "content/posts/second.md",
    ]


def test_listing_carries_git_blob_ids_sizes_and_the_head(backend: Backend) -> None:
    listing = backend.list_files("static/img")
    assert listing.head == backend.head()
    (pixel,) = listing.files
    assert pixel.path == "static/img/pixel.png"
    assert pixel.id == blob_id(PIXEL_PNG)
    assert pixel.size == len(PIXEL_PNG)


def test_listing_a_missing_folder_is_empty(backend: Backend) -> None:
    assert backend.list_files("content/nothing-here").files == ()


def test_listing_the_root_lists_every_file(backend: Backend) -> None:
    assert listed_paths(backend, "") == sorted(FIXTURE_FILES)


def test_a_folder_prefix_does_not_match_sibling_folders(backend: Backend) -> None:
    assert listed_paths(backend, "content/post") == []


# --- reading -------------------------------------------------------------------------------------


def test_read_many_files_at_once_leaving_out_missing_ones(backend: Backend) -> None:
    files = backend.list_files("content/posts", extension="md").files
    contents = backend.read_files([*files, RepoFile(path="content/posts/missing.md", id="")])
    assert contents == {f.path: FIXTURE_FILES[f.path] for f in files}


def test_read_one_file_with_its_blob_id(backend: Backend) -> None:
    data, file_id = backend.read_file("content/posts/first.md")
    assert data == FIXTURE_FILES["content/posts/first.md"]
    assert file_id == blob_id(data)


def test_read_binary_file_bytes_exactly(backend: Backend) -> None:
    assert backend.read_file("static/img/pixel.png")[0] == PIXEL_PNG


def test_reading_a_missing_file_is_not_found(backend: Backend) -> None:
    with pytest.raises(NotFoundError, match="content/posts/missing.md"):
        backend.read_file("content/posts/missing.md")


def test_file_meta_is_known_exactly_for_git_backends(backend: Backend) -> None:
    meta = backend.file_meta("content/posts/first.md")
    if backend.is_git:
        assert meta is not None and meta.author and meta.updated_on
    else:
        assert meta is None


def test_many_files_meta_at_once_agree_with_one_at_a_time(backend: Backend) -> None:
    backend.commit([FileChange("content/posts/second.md", b"---\ntitle: Second, edited\n---\n")], "Edit second")
    paths = ["content/posts/first.md", "content/posts/second.md", "content/posts/2024/archived.md",
             "content/posts/missing.md"]
    many = backend.files_meta(paths)
    one_by_one = {path: meta for path in paths if (meta := backend.file_meta(path)) is not None}
    # the same author and moment; hosts write the moment differently per API (`Z` or `+00:00`, milliseconds)
    assert {p: (m.author, datetime.fromisoformat(m.updated_on)) for p, m in many.items()} == {
        p: (m.author, datetime.fromisoformat(m.updated_on)) for p, m in one_by_one.items()}
    assert backend.file_meta_batch() >= 1
    if backend.is_git:
        assert set(many) == set(paths[:3])


# --- one atomic commit ---------------------------------------------------------------------------


def test_one_commit_creates_updates_deletes_and_moves(backend: Backend) -> None:
    before = backend.head()
    first_id = blob_id(FIXTURE_FILES["content/posts/first.md"])
    result = backend.commit(
        [
            FileChange("content/posts/third.md", b"---\ntitle: Third\n---\n", expected_id=NEW_FILE),
            FileChange("content/posts/first.md", b"---\ntitle: First, edited\n---\n", expected_id=first_id),
            FileChange("content/posts/notes.txt", delete=True),
            FileChange(
                "content/pages/about-us.md",
                b"---\ntitle: About us\n---\n",
                previous_path="content/pages/about.md",
                expected_id=blob_id(FIXTURE_FILES["content/pages/about.md"]),
            ),
            FileChange("static/img/new.png", PIXEL_PNG + b"\x00\xff", expected_id=NEW_FILE),
        ],
        "Update posts",
    )
    assert result.branch == "main"
    assert result.commit == backend.head() != before
    assert result.ids == {
        "content/posts/third.md": blob_id(b"---\ntitle: Third\n---\n"),
        "content/posts/first.md": blob_id(b"---\ntitle: First, edited\n---\n"),
        "content/pages/about-us.md": blob_id(b"---\ntitle: About us\n---\n"),
        "static/img/new.png": blob_id(PIXEL_PNG + b"\x00\xff"),
    }
    assert listed_paths(backend, "content") == [
        "content/pages/about-us.md",
        "content/posts/2024/archived.md",
        "content/posts/first.md",
        "content/posts/second.md",
        "content/posts/third.md",
    ]
    assert backend.read_file("content/posts/first.md")[0] == b"---\ntitle: First, edited\n---\n"
    assert backend.read_file("static/img/new.png")[0] == PIXEL_PNG + b"\x00\xff"


def test_a_move_without_new_content_keeps_the_bytes(backend: Backend) -> None:
    result = backend.commit(
        [FileChange("media/pixel.png", previous_path="static/img/pixel.png")], "Move the pixel"
    )
    assert result.ids == {"media/pixel.png": blob_id(PIXEL_PNG)}
    assert backend.read_file("media/pixel.png")[0] == PIXEL_PNG
    assert backend.list_files("static/img").files == ()


def test_a_stale_base_is_a_conflict_carrying_their_side(backend: Backend) -> None:
    path = "content/posts/first.md"
    started_from = backend.read_file(path)[1]
    theirs = b"---\ntitle: Their edit\n---\n"
    backend.commit([FileChange(path, theirs, expected_id=started_from)], "Their edit")
    head = backend.head()
    with pytest.raises(ConflictError) as caught:
        backend.commit(
            [
                FileChange("content/posts/new.md", b"mine too", expected_id=NEW_FILE),
                FileChange(path, b"---\ntitle: My edit\n---\n", expected_id=started_from),
            ],
            "My edit",
        )
    assert caught.value.path == path
    assert caught.value.theirs == theirs
    assert caught.value.theirs_id == blob_id(theirs)
    # Nothing of the refused commit was written.
    assert backend.head() == head
    assert backend.read_file(path)[0] == theirs
    with pytest.raises(NotFoundError):
        backend.read_file("content/posts/new.md")


def test_creating_a_file_that_exists_is_a_conflict(backend: Backend) -> None:
    with pytest.raises(ConflictError) as caught:
        backend.commit([FileChange("content/posts/second.md", b"mine", expected_id=NEW_FILE)], "Create")
    assert caught.value.theirs == FIXTURE_FILES["content/posts/second.md"]
    assert backend.read_file("content/posts/second.md")[0] == FIXTURE_FILES["content/posts/second.md"]


def test_editing_a_file_they_deleted_is_a_conflict_without_their_content(backend: Backend) -> None:
    path = "content/posts/second.md"
    started_from = backend.read_file(path)[1]
    backend.commit([FileChange(path, delete=True)], "They delete")
    with pytest.raises(ConflictError) as caught:
        backend.commit([FileChange(path, b"mine", expected_id=started_from)], "My edit")
    assert caught.value.theirs is None
    with pytest.raises(NotFoundError):
        backend.read_file(path)


def test_deleting_a_missing_file_is_not_found_and_writes_nothing(backend: Backend) -> None:
    head = backend.head()
    with pytest.raises(NotFoundError):
        backend.commit(
            [FileChange("content/posts/extra.md", b"x"), FileChange("content/posts/gone.md", delete=True)], "Delete"
        )
    assert backend.head() == head
    assert "content/posts/extra.md" not in listed_paths(backend, "content/posts")


def test_unsafe_paths_are_refused(backend: Backend) -> None:
    with pytest.raises(ContentError):
        backend.commit([FileChange("../outside.md", b"x")], "Escape")


def test_concurrent_commits_from_threads_all_land(backend: Backend) -> None:
    errors: list[BaseException] = []

    def save(i: int) -> None:
        try:
            backend.commit([FileChange(f"content/posts/t{i}.md", b"%d" % i, expected_id=NEW_FILE)], f"t{i}")
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert {f"content/posts/t{i}.md" for i in range(4)} <= set(listed_paths(backend, "content/posts"))


# --- editorial workflow --------------------------------------------------------------------------

NEW_POST = "content/posts/spring.md"
NEW_POST_DATA = b"---\ntitle: Spring\n---\nSeedlings.\n"


def without_workflow(backend: Backend) -> bool:
    """True for a backend that only publishes directly (decap-server in MODE=fs), once it has shown it says so.

    Such a backend declares `supports_workflow` False, lists no unpublished entries and refuses a workflow
    save with an error naming the editorial workflow, writing nothing; the rest of a workflow test is not
    about it. Every other backend must support the workflow.
    """
    if backend.supports_workflow:
        return False
    assert backend.list_unpublished() == []
    with pytest.raises(EditorError, match="editorial workflow"):
        backend.save_unpublished("posts", "spring", [FileChange(NEW_POST, NEW_POST_DATA)], "Create Post “spring”")
    with pytest.raises(NotFoundError):
        backend.read_file(NEW_POST)
    return True


def save_spring_post(backend: Backend, **kwargs: object) -> None:
    backend.save_unpublished(
        "posts",
        "spring",
        [FileChange(NEW_POST, NEW_POST_DATA, expected_id=NEW_FILE), FileChange("static/img/spring.png", PIXEL_PNG)],
        "Create Post “spring”",
        **kwargs,  # type: ignore[arg-type]
    )


def test_first_save_opens_a_draft_on_the_entry_branch(backend: Backend) -> None:
    if without_workflow(backend):
        return
    published_head = backend.head()
    save_spring_post(backend)
    entry = backend.read_unpublished("posts", "spring")
    assert (entry.collection, entry.slug, entry.status) == ("posts", "spring", STATUS_DRAFT)
    assert entry.branch == "cms/posts/spring"
    assert entry.head == backend.head("cms/posts/spring")
    assert [(d.path, d.id, d.new_file) for d in entry.diffs] == [
        (NEW_POST, blob_id(NEW_POST_DATA), True),
        ("static/img/spring.png", blob_id(PIXEL_PNG), True),
    ]
    assert backend.read_file(NEW_POST, branch=entry.branch)[0] == NEW_POST_DATA
    # The published branch did not move.
    assert backend.head() == published_head
    with pytest.raises(NotFoundError):
        backend.read_file(NEW_POST)


def test_unpublished_entries_are_listed(backend: Backend) -> None:
    if without_workflow(backend):
        return
    assert backend.list_unpublished() == []
    save_spring_post(backend)
    backend.save_unpublished(
        "posts", "first", [FileChange("content/posts/first.md", b"edited\n")], "Update Post “first”"
    )
    entries = {e.content_key: e for e in backend.list_unpublished()}
    assert sorted(entries) == ["posts/first", "posts/spring"]
    assert [(d.path, d.new_file) for d in entries["posts/first"].diffs] == [("content/posts/first.md", False)]


def test_first_save_may_choose_the_status(backend: Backend) -> None:
    if without_workflow(backend):
        return
    save_spring_post(backend, status=STATUS_PENDING_PUBLISH)
    assert backend.read_unpublished("posts", "spring").status == STATUS_PENDING_PUBLISH


def test_later_saves_commit_on_the_same_branch(backend: Backend) -> None:
    if without_workflow(backend):
        return
    save_spring_post(backend)
    first = backend.read_unpublished("posts", "spring")
    started_from = backend.read_file(NEW_POST, branch=first.branch)[1]
    backend.save_unpublished(
        "posts", "spring", [FileChange(NEW_POST, b"second draft\n", expected_id=started_from)], "Update Post “spring”"
    )
    entry = backend.read_unpublished("posts", "spring")
    assert entry.head != first.head
    assert entry.status == STATUS_DRAFT
    assert backend.read_file(NEW_POST, branch=entry.branch)[0] == b"second draft\n"
    assert len(backend.list_unpublished()) == 1


def test_a_stale_save_on_the_entry_branch_is_a_conflict(backend: Backend) -> None:
    if without_workflow(backend):
        return
    save_spring_post(backend)
    started_from = backend.read_file(NEW_POST, branch="cms/posts/spring")[1]
    backend.save_unpublished("posts", "spring", [FileChange(NEW_POST, b"theirs\n", expected_id=started_from)], "Theirs")
    with pytest.raises(ConflictError) as caught:
        backend.save_unpublished("posts", "spring", [FileChange(NEW_POST, b"mine\n", expected_id=started_from)], "Mine")
    assert caught.value.theirs == b"theirs\n"


def test_a_refused_first_save_leaves_no_entry(backend: Backend) -> None:
    if without_workflow(backend):
        return
    with pytest.raises(ConflictError):
        backend.save_unpublished(
            "posts", "first", [FileChange("content/posts/first.md", b"x", expected_id=NEW_FILE)], "Create"
        )
    assert backend.list_unpublished() == []
    with pytest.raises(NotFoundError):
        backend.read_unpublished("posts", "first")


def test_status_changes(backend: Backend) -> None:
    if without_workflow(backend):
        return
    save_spring_post(backend)
    for status in (STATUS_PENDING_REVIEW, STATUS_PENDING_PUBLISH, STATUS_DRAFT):
        backend.set_status("posts", "spring", status)
        assert backend.read_unpublished("posts", "spring").status == status
    with pytest.raises(ContentError, match="unknown workflow status"):
        backend.set_status("posts", "spring", "published")


def test_publish_puts_the_files_on_the_site_branch_and_ends_the_entry(backend: Backend) -> None:
    if without_workflow(backend):
        return
    save_spring_post(backend)
    # The site branch moves on meanwhile: publishing must keep that change too.
    backend.commit([FileChange("content/posts/second.md", b"updated meanwhile\n")], "Meanwhile")
    result = backend.publish("posts", "spring")
    assert result.branch == "main"
    assert result.commit == backend.head()
    assert backend.read_file(NEW_POST)[0] == NEW_POST_DATA
    assert backend.read_file("static/img/spring.png")[0] == PIXEL_PNG
    assert backend.read_file("content/posts/second.md")[0] == b"updated meanwhile\n"
    assert backend.list_unpublished() == []
    with pytest.raises(NotFoundError):
        backend.read_unpublished("posts", "spring")
    with pytest.raises(NotFoundError):
        backend.head("cms/posts/spring")


def test_publishing_an_edit_of_a_published_entry(backend: Backend) -> None:
    if without_workflow(backend):
        return
    backend.save_unpublished(
        "posts", "first", [FileChange("content/posts/first.md", b"new first\n")], "Update Post “first”"
    )
    assert backend.read_file("content/posts/first.md")[0] == FIXTURE_FILES["content/posts/first.md"]
    backend.publish("posts", "first")
    assert backend.read_file("content/posts/first.md")[0] == b"new first\n"


def test_delete_unpublished_removes_the_branch_and_leaves_published_files(backend: Backend) -> None:
    if without_workflow(backend):
        return
    backend.save_unpublished(
        "posts", "first", [FileChange("content/posts/first.md", b"abandoned\n")], "Update Post “first”"
    )
    head = backend.head()
    backend.delete_unpublished("posts", "first")
    assert backend.list_unpublished() == []
    assert backend.head() == head
    assert backend.read_file("content/posts/first.md")[0] == FIXTURE_FILES["content/posts/first.md"]
    with pytest.raises(NotFoundError):
        backend.head("cms/posts/first")


def test_nested_slugs_keep_their_slashes(backend: Backend) -> None:
    if without_workflow(backend):
        return
    backend.save_unpublished(
        "pages", "about/team", [FileChange("content/pages/about/team.md", b"team\n", expected_id=NEW_FILE)], "Create"
    )
    (entry,) = backend.list_unpublished()
    assert (entry.collection, entry.slug, entry.branch) == ("pages", "about/team", "cms/pages/about/team")


@pytest.mark.parametrize("operation", ["read", "set_status", "publish", "delete"])
def test_workflow_operations_on_unknown_entries_are_not_found(backend: Backend, operation: str) -> None:
    if without_workflow(backend):
        return
    calls = {
        "read": lambda: backend.read_unpublished("posts", "nope"),
        "set_status": lambda: backend.set_status("posts", "nope", STATUS_PENDING_REVIEW),
        "publish": lambda: backend.publish("posts", "nope"),
        "delete": lambda: backend.delete_unpublished("posts", "nope"),
    }
    with pytest.raises(NotFoundError, match="posts/nope"):
        calls[operation]()


def test_publish_refuses_when_both_sides_changed_the_same_file(backend: Backend) -> None:
    if without_workflow(backend):
        return
    path = "content/posts/first.md"
    backend.save_unpublished("posts", "first", [FileChange(path, b"workflow edit\n")], "Update Post “first”")
    backend.commit([FileChange(path, b"published edit\n")], "Meanwhile")
    head = backend.head()
    with pytest.raises(ConflictError, match=path):
        backend.publish("posts", "first")
    assert backend.head() == head
    assert backend.read_file(path)[0] == b"published edit\n"
    assert backend.read_unpublished("posts", "first").diffs


def test_chained_moves_take_the_content_each_file_had_before(backend: Backend) -> None:
    backend.commit(
        [
            FileChange("content/posts/third.md", previous_path="content/posts/second.md"),
            FileChange("content/posts/second.md", previous_path="content/posts/first.md"),
        ],
        "Shift posts",
    )
    assert backend.read_file("content/posts/third.md")[0] == FIXTURE_FILES["content/posts/second.md"]
    assert backend.read_file("content/posts/second.md")[0] == FIXTURE_FILES["content/posts/first.md"]
    with pytest.raises(NotFoundError):
        backend.read_file("content/posts/first.md")


def test_an_entry_branch_is_listed_and_read_like_any_branch(backend: Backend) -> None:
    if without_workflow(backend):
        return
    save_spring_post(backend)
    listing = backend.list_files("content/posts", extension="md", depth=1, branch="cms/posts/spring")
    assert listing.head == backend.head("cms/posts/spring")
    assert [f.path for f in listing.files] == ["content/posts/first.md", "content/posts/second.md", NEW_POST]
    assert backend.read_files(listing.files, branch="cms/posts/spring")[NEW_POST] == NEW_POST_DATA


def test_unpublishing_a_published_entry_as_decap_does(backend: Backend) -> None:
    if without_workflow(backend):
        return
    # Decap's "unpublish": delete on the site branch, then a workflow entry waiting to go live.
    data = backend.read_file("content/posts/second.md")[0]
    backend.commit([FileChange("content/posts/second.md", delete=True)], "Delete Post “second”")
    backend.save_unpublished(
        "posts", "second", [FileChange("content/posts/second.md", data)], "Create Post “second”",
        status=STATUS_PENDING_PUBLISH,
    )
    entry = backend.read_unpublished("posts", "second")
    assert entry.status == STATUS_PENDING_PUBLISH
    assert [(d.path, d.new_file) for d in entry.diffs] == [("content/posts/second.md", True)]
    backend.publish("posts", "second")
    assert backend.read_file("content/posts/second.md")[0] == data
