"""The proxy adapter against the real decap-server from npm, in MODE=fs and MODE=git."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from editor_app.backends.base import NEW_FILE, STATUS_PENDING_PUBLISH, BackendSettings, FileChange
from editor_app.backends.proxy import DEFAULT_PROXY_URL, NAME_ENDINGS, ProxyBackend, proxy_url
from editor_app.backends.workflow import git_blob_id
from editor_app.errors import ConflictError, ContentError, EditorError, NetworkError, NotFoundError
from tests.decap_server.harness import free_port, init_site_repo, run_decap_server

POST = b"---\ntitle: Hello\ndate: 2026-11-01\n---\n\nFirst post.\n"
PNG = bytes(range(256)) * 4  # not valid UTF-8: must travel as exact bytes

SEED = {
    "content/posts/hello.md": POST,
    "content/posts/2026/nested.md": b"---\ntitle: Nested\n---\n",
    "content/posts/notes.txt": b"not an entry",
    "static/img/pixel.png": PNG,
}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture(params=["git", "fs"])
def proxy(request: pytest.FixtureRequest, tmp_path: Path):
    repo = init_site_repo(tmp_path / "site", SEED)
    with run_decap_server(repo, request.param) as url:
        backend = ProxyBackend.connect(BackendSettings(name="proxy", proxy_url=url))
        backend.repo_path = repo  # for assertions
        backend.mode = request.param
        yield backend
        backend.close()


@pytest.fixture
def git_proxy(tmp_path: Path):
    repo = init_site_repo(tmp_path / "site", SEED)
    with run_decap_server(repo, "git") as url:
        backend = ProxyBackend.connect(BackendSettings(name="proxy", proxy_url=url, cms_label_prefix="decap-cms/"))
        backend.repo_path = repo
        yield backend
        backend.close()


def test_info_tells_the_mode(proxy):
    info = proxy.info()
    assert info["repo"] == "site"
    assert info["type"] == ("local_git" if proxy.mode == "git" else "local_fs")
    assert proxy.supports_workflow == (proxy.mode == "git")


def test_default_branch_is_found_without_config(proxy):
    assert proxy.default_branch() == "main"


def test_listing_respects_extension_and_depth(proxy):
    deep = proxy.list_files("content/posts", extension="md")
    assert [f.path for f in deep.files] == ["content/posts/2026/nested.md", "content/posts/hello.md"]
    shallow = proxy.list_files("content/posts", extension="md", depth=1)
    assert [f.path for f in shallow.files] == ["content/posts/hello.md"]
    assert proxy.list_files("content/missing", extension="md").files == ()


def test_listed_ids_are_git_blob_ids_and_reading_needs_no_second_request(proxy):
    listing = proxy.list_files("content/posts", extension="md", depth=1)
    (hello,) = listing.files
    assert (hello.id, hello.size) == (git_blob_id(POST), len(POST))  # not decap-server's SHA-256
    actions: list[str] = []
    call = proxy._call
    proxy._call = lambda action, *args, **kwargs: actions.append(action) or call(action, *args, **kwargs)
    assert proxy.read_files(listing.files) == {"content/posts/hello.md": POST}
    assert actions == []


def test_binary_files_read_back_exactly(proxy):
    data, file_id = proxy.read_file("static/img/pixel.png")
    assert data == PNG and file_id == git_blob_id(PNG)


def test_reading_a_missing_file_is_not_found(proxy):
    with pytest.raises(NotFoundError):
        proxy.read_file("content/posts/nope.md")


def test_commit_writes_text_and_binary_and_deletes(proxy):
    new_post = "---\ntitle: Ünïcode\n---\n\nBody ✓\n".encode()
    image = bytes(reversed(PNG))
    result = proxy.commit(
        [
            FileChange("content/posts/new.md", new_post, expected_id=NEW_FILE),
            FileChange("static/img/new.png", image, expected_id=NEW_FILE),
            FileChange("content/posts/notes.txt", delete=True),
        ],
        "Create Post “new”",
    )
    assert result.ids["content/posts/new.md"] == git_blob_id(new_post)
    assert (proxy.repo_path / "content/posts/new.md").read_bytes() == new_post
    assert (proxy.repo_path / "static/img/new.png").read_bytes() == image
    assert not (proxy.repo_path / "content/posts/notes.txt").exists()
    if proxy.mode == "git":
        log = git(proxy.repo_path, "log", "--format=%s")
        assert "Create Post “new”" in log
        assert git(proxy.repo_path, "status", "--porcelain") == ""


def test_commit_moves_a_file(proxy):
    moved = POST.replace(b"Hello", b"Moved")
    proxy.commit(
        [FileChange("content/posts/moved.md", moved, previous_path="content/posts/hello.md",
                    expected_id=git_blob_id(POST))],
        "Update Post “moved”",
    )
    assert not (proxy.repo_path / "content/posts/hello.md").exists()
    assert (proxy.repo_path / "content/posts/moved.md").read_bytes() == moved


def test_stale_base_is_a_conflict_carrying_their_version(proxy):
    theirs = POST.replace(b"First", b"Their")
    (proxy.repo_path / "content/posts/hello.md").write_bytes(theirs)
    with pytest.raises(ConflictError) as caught:
        proxy.commit(
            [FileChange("content/posts/hello.md", POST.replace(b"First", b"Mine"), expected_id=git_blob_id(POST))],
            "Update Post “hello”",
        )
    assert caught.value.theirs == theirs
    assert caught.value.theirs_id == git_blob_id(theirs)
    assert (proxy.repo_path / "content/posts/hello.md").read_bytes() == theirs


def test_creating_over_an_existing_file_is_a_conflict(proxy):
    with pytest.raises(ConflictError):
        proxy.commit([FileChange("content/posts/hello.md", b"x", expected_id=NEW_FILE)], "Create Post “hello”")
    assert (proxy.repo_path / "content/posts/hello.md").read_bytes() == POST


def test_fs_mode_explains_that_it_has_no_workflow(tmp_path: Path):
    repo = init_site_repo(tmp_path / "site", SEED)
    with run_decap_server(repo, "fs") as url:
        backend = ProxyBackend.connect(BackendSettings(name="proxy", proxy_url=url))
        assert backend.list_unpublished() == []
        with pytest.raises(EditorError, match="MODE=git"):
            backend.save_unpublished("posts", "x", [FileChange("content/posts/x.md", b"---\n---\n")], "Create")
        backend.close()


def test_workflow_lifecycle_uses_decaps_branch_and_description(git_proxy):
    draft = b"---\ntitle: Draft\n---\n\nWork in progress.\n"
    image = bytes(reversed(PNG))
    git_proxy.save_unpublished(
        "posts", "draft",
        [FileChange("content/posts/draft.md", draft), FileChange("static/img/draft.png", image)],
        "Create Post “draft”",
    )
    repo = git_proxy.repo_path
    assert "cms/posts/draft" in git(repo, "branch", "--list")
    assert git(repo, "config", "branch.cms/posts/draft.description").strip() == "decap-cms/draft"
    assert not (repo / "content/posts/draft.md").exists()  # the published branch is untouched

    (entry,) = git_proxy.list_unpublished()
    assert (entry.collection, entry.slug, entry.status) == ("posts", "draft", "draft")
    assert entry.branch == "cms/posts/draft"
    assert {d.path for d in entry.diffs} == {"content/posts/draft.md", "static/img/draft.png"}
    assert all(d.new_file for d in entry.diffs)
    assert git_proxy.read_unpublished_file("posts", "draft", "static/img/draft.png") == image

    git_proxy.set_status("posts", "draft", STATUS_PENDING_PUBLISH)
    assert git_proxy.read_unpublished("posts", "draft").status == STATUS_PENDING_PUBLISH

    git_proxy.publish("posts", "draft")
    assert (repo / "content/posts/draft.md").read_bytes() == draft
    assert "cms/posts/draft" not in git(repo, "branch", "--list")
    assert git_proxy.list_unpublished() == []


def test_deleting_an_unpublished_entry_leaves_the_site_alone(git_proxy):
    git_proxy.save_unpublished("posts", "gone", [FileChange("content/posts/gone.md", b"---\ntitle: x\n---\n")],
                               "Create Post “gone”")
    git_proxy.delete_unpublished("posts", "gone")
    assert git_proxy.list_unpublished() == []
    with pytest.raises(NotFoundError):
        git_proxy.read_unpublished("posts", "gone")
    assert (git_proxy.repo_path / "content/posts/hello.md").read_bytes() == POST


def test_unreachable_server_is_a_network_error_that_says_what_to_do():
    backend = ProxyBackend.connect(
        BackendSettings(name="proxy", proxy_url=f"http://127.0.0.1:{free_port()}/api/v1", branch="main")
    )
    with pytest.raises(NetworkError, match="decap-server"):
        backend.info()
    backend.close()


def test_listing_without_an_extension_finds_files_at_any_depth_whatever_their_names_end_with(proxy):
    deep = proxy.repo_path / "static/img/2026"
    deep.mkdir(parents=True)
    (deep / "photo.jpg").write_bytes(PNG)
    (deep / "tilde~").write_bytes(b"backup")
    (deep / "café").write_bytes(b"accented ending")  # no sweep matches it: found through its folder
    listing = proxy.list_files("static/img")
    assert [f.path for f in listing.files] == [
        "static/img/2026/café", "static/img/2026/photo.jpg", "static/img/2026/tilde~", "static/img/pixel.png",
    ]
    assert {f.path: f.id for f in listing.files}["static/img/2026/photo.jpg"] == git_blob_id(PNG)
    assert [f.path for f in proxy.list_files("static/img", depth=1).files] == ["static/img/pixel.png"]


def test_the_head_changes_exactly_when_a_listed_file_changes(proxy):
    listing = proxy.list_files("content/posts", extension="md")
    assert proxy.head() == listing.head
    (proxy.repo_path / "content/posts/hello.md").write_bytes(POST + b"Edited outside.\n")
    edited = proxy.head()
    assert edited != listing.head
    assert proxy.head() == edited


def test_git_mode_has_branches_fs_mode_has_one_tree(proxy):
    if proxy.mode == "git":
        git(proxy.repo_path, "branch", "other")
        assert proxy.head("other") == proxy.head("main")
    else:
        with pytest.raises(NotFoundError, match="MODE=fs"):
            proxy.head("other")


def test_a_later_save_keeps_the_entrys_media(git_proxy):
    image = bytes(reversed(PNG))
    git_proxy.save_unpublished(
        "posts", "pics", [FileChange("content/posts/pics.md", b"---\ntitle: Pics\n---\n"),
                          FileChange("static/img/pics.png", image)], "Create Post “pics”",
    )
    # decap-server deletes the entry's binary files a save does not send again; the adapter sends them.
    git_proxy.save_unpublished("posts", "pics", [FileChange("content/posts/pics.md", b"---\ntitle: Pics 2\n---\n")],
                               "Update Post “pics”")
    entry = git_proxy.read_unpublished("posts", "pics")
    assert {d.path: d.id for d in entry.diffs}["static/img/pics.png"] == git_blob_id(image)
    assert git_proxy.read_unpublished_file("posts", "pics", "static/img/pics.png") == image


@pytest.mark.parametrize("then", ["save", "publish"])
def test_a_site_change_to_the_entrys_file_is_a_conflict_not_a_broken_repository(git_proxy, then: str):
    path = "content/posts/hello.md"
    git_proxy.save_unpublished("posts", "hello", [FileChange(path, POST + b"Workflow edit.\n")], "Update Post “hello”")
    published = POST + b"Published edit.\n"
    git_proxy.commit([FileChange(path, published)], "Update Post “hello”")
    with pytest.raises(ConflictError, match=path) as caught:
        if then == "save":
            git_proxy.save_unpublished("posts", "hello", [FileChange(path, POST + b"More.\n")], "Update Post “hello”")
        else:
            git_proxy.publish("posts", "hello")
    assert caught.value.theirs == published
    repo = git_proxy.repo_path
    # decap-server would have left a rebase or a merge half done; nothing was started.
    assert git(repo, "status", "--porcelain") == ""
    assert not (repo / ".git/MERGE_HEAD").exists() and not (repo / ".git/rebase-merge").exists()
    assert (repo / path).read_bytes() == published
    assert git_proxy.read_unpublished("posts", "hello").status == "draft"


def test_a_media_listing_reads_no_binary_file_one_by_one(proxy):
    for i in range(5):
        (proxy.repo_path / f"static/img/photo-{i}.png").write_bytes(PNG + bytes([i]))
    proxy.default_branch()  # asked once per session, not per listing
    actions: list[str] = []
    call = proxy._call
    proxy._call = lambda action, *args, **kwargs: actions.append(action) or call(action, *args, **kwargs)
    listing = proxy.list_files("static/img")
    assert len(listing.files) == 6
    assert actions.count("getMediaFile") == 0  # getMedia brought the folder's bytes at once
    # getMedia, one entriesByFolder per swept name ending, and the head's fingerprint.
    assert len(actions) == 1 + len(NAME_ENDINGS) + 1


def test_a_later_save_of_a_file_only_the_site_changed_meanwhile_is_a_conflict(git_proxy):
    git_proxy.save_unpublished("posts", "hello", [FileChange("content/posts/hello.md", POST + b"Edit.\n")],
                               "Update Post “hello”")
    nested = "content/posts/2026/nested.md"
    started_from = git_proxy.read_file(nested, branch="cms/posts/hello")[1]
    theirs = b"---\ntitle: Nested, published edit\n---\n"
    git_proxy.commit([FileChange(nested, theirs)], "Update Post “nested”")
    # Saving it on the entry branch would bury the site's edit when the entry is published.
    with pytest.raises(ConflictError, match=nested) as caught:
        git_proxy.save_unpublished("posts", "hello", [FileChange(nested, b"mine\n", expected_id=started_from)],
                                   "Update Post “hello”")
    assert caught.value.theirs == theirs


@pytest.mark.parametrize(
    ("given", "used"),
    [(None, DEFAULT_PROXY_URL), ("  http://127.0.0.1:9000/api/v1 ", "http://127.0.0.1:9000/api/v1"),
     ("https://cms.example.org/api/v1", "https://cms.example.org/api/v1")],
)
def test_proxy_url_takes_http_urls_trimmed_with_decap_servers_default(given, used):
    assert proxy_url(given) == used


@pytest.mark.parametrize(("given", "says"), [("/api/v1", "full URL"), ("//evil.example/api", "http"),
                                              ("ftp://host/api", "http")])
def test_proxy_url_refuses_what_decap_refuses_and_says_how_to_fix_it(given, says):
    with pytest.raises(ContentError, match=says):
        ProxyBackend.connect(BackendSettings(name="proxy", proxy_url=given))
