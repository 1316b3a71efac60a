"""The `local` backend: a git working copy edited in place, one git commit per save."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from editor_app.backends import BACKENDS
from editor_app.backends.base import NEW_FILE, STATUS_PENDING_REVIEW, BackendSettings, FileChange, RepoFile
from editor_app.backends.local import CONFIG_LOCATIONS, LocalBackend, find_site_config
from editor_app.backends.workflow import MERGE_COMMIT_MESSAGE, git_blob_id
from editor_app.errors import AuthError, ConflictError, ContentError, NotFoundError
from tests.backends.conftest import FIXTURE_FILES, git, make_git_site

POST = "content/posts/first.md"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return make_git_site(tmp_path / "site", FIXTURE_FILES)


def local(site: Path, **settings: object) -> LocalBackend:
    return LocalBackend(BackendSettings(name="local", local_path=str(site), **settings))  # type: ignore[arg-type]


def commit_count(site: Path, ref: str = "HEAD") -> int:
    return int(git(site, "rev-list", "--count", ref))


def status(site: Path) -> str:
    return git(site, "status", "--porcelain")


@pytest.fixture(autouse=True)
def no_global_git_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the repository's own config counts: the machine's ~/.gitconfig must not leak in."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)  # tests/conftest.py's test identity
    monkeypatch.delenv("GIT_AUTHOR_NAME", raising=False)
    monkeypatch.delenv("GIT_AUTHOR_EMAIL", raising=False)
    monkeypatch.delenv("GIT_COMMITTER_NAME", raising=False)
    monkeypatch.delenv("GIT_COMMITTER_EMAIL", raising=False)
    monkeypatch.delenv("EMAIL", raising=False)


# --- finding the site ----------------------------------------------------------------------------


@pytest.mark.parametrize("location", ["static/admin/config.yml", "public/admin/config.yaml", "admin/config.yml"])
def test_config_is_found_where_sites_keep_it(tmp_path: Path, location: str) -> None:
    (tmp_path / location).parent.mkdir(parents=True)
    (tmp_path / location).write_text("backend: {name: git-gateway}\n")
    assert find_site_config(tmp_path) == tmp_path / location


def test_an_explicit_config_path_wins(tmp_path: Path) -> None:
    (tmp_path / "static/admin").mkdir(parents=True)
    (tmp_path / "static/admin/config.yml").write_text("a: 1\n")
    (tmp_path / "cms.yml").write_text("a: 2\n")
    assert find_site_config(tmp_path, "cms.yml") == tmp_path / "cms.yml"
    with pytest.raises(NotFoundError, match="missing.yml"):
        find_site_config(tmp_path, "missing.yml")


def test_a_missing_config_lists_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError) as caught:
        find_site_config(tmp_path)
    message = str(caught.value)
    assert str(tmp_path) in message
    for location in CONFIG_LOCATIONS:
        assert location in message


def test_a_folder_that_is_not_a_git_working_copy_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="not a git working copy"):
        local(tmp_path)


def test_a_subfolder_of_the_working_copy_opens_the_whole_repository(site: Path) -> None:
    backend = local(site / "content")
    assert backend.root == site.resolve()
    assert backend.read_file(POST)[0] == FIXTURE_FILES[POST]


def test_the_registry_names_the_local_backend() -> None:
    assert BACKENDS["local"] is LocalBackend


# --- authorship ----------------------------------------------------------------------------------


def test_commits_are_authored_by_git_configs_user(site: Path) -> None:
    backend = local(site)
    assert backend.current_user().name == "Ada Gardener"
    backend.commit([FileChange(POST, b"edited\n")], "Update Post “first”")
    assert git(site, "log", "-1", "--format=%an <%ae>|%cn|%s").strip() == (
        "Ada Gardener <ada@example.org>|Ada Gardener|Update Post “first”"
    )


def test_an_author_from_the_settings_wins(site: Path) -> None:
    backend = local(site, options={"author_name": "Bo Planter", "author_email": "bo@example.org"})
    backend.commit([FileChange(POST, b"edited\n")], "Edit")
    assert git(site, "log", "-1", "--format=%an <%ae>").strip() == "Bo Planter <bo@example.org>"


def test_without_any_author_saving_explains_how_to_set_one(tmp_path: Path) -> None:
    site = make_git_site(tmp_path / "anon", FIXTURE_FILES, user=None)
    backend = local(site)
    head = backend.head()
    with pytest.raises(AuthError, match="user.name"):
        backend.commit([FileChange(POST, b"edited\n")], "Edit")
    assert backend.head() == head
    assert (site / POST).read_bytes() == FIXTURE_FILES[POST]


# --- committing ----------------------------------------------------------------------------------


def test_a_save_is_one_git_commit_and_leaves_a_clean_working_tree(site: Path) -> None:
    backend = local(site)
    before = commit_count(site)
    result = backend.commit(
        [
            FileChange(POST, b"edited\n", expected_id=git_blob_id(FIXTURE_FILES[POST])),
            FileChange("content/posts/new/deep.md", b"new\n", expected_id=NEW_FILE),
            FileChange("content/posts/notes.txt", delete=True),
        ],
        "Save",
    )
    assert commit_count(site) == before + 1
    assert git(site, "rev-parse", "HEAD").strip() == result.commit
    assert (site / POST).read_bytes() == b"edited\n"
    assert (site / "content/posts/new/deep.md").read_bytes() == b"new\n"
    assert not (site / "content/posts/notes.txt").exists()
    assert status(site) == ""
    assert git(site, "show", f"HEAD:{POST}") == "edited\n"


def test_a_save_leaves_other_uncommitted_work_alone(site: Path) -> None:
    (site / "content/posts/second.md").write_bytes(b"work in progress\n")
    (site / "scratch.txt").write_bytes(b"untracked\n")
    local(site).commit([FileChange(POST, b"edited\n")], "Save")
    assert (site / "content/posts/second.md").read_bytes() == b"work in progress\n"
    assert git(site, "show", "HEAD:content/posts/second.md").encode() == FIXTURE_FILES["content/posts/second.md"]
    assert set(status(site).splitlines()) == {" M content/posts/second.md", "?? scratch.txt"}


def test_a_save_refuses_to_overwrite_uncommitted_outside_edits(site: Path) -> None:
    backend = local(site)
    started_from = backend.read_file(POST)[1]
    (site / POST).write_bytes(b"edited in another editor\n")
    head = backend.head()
    with pytest.raises(ConflictError, match="uncommitted changes made outside the app") as caught:
        backend.commit([FileChange(POST, b"mine\n", expected_id=started_from)], "Save")
    assert caught.value.theirs == b"edited in another editor\n"
    assert backend.head() == head
    assert (site / POST).read_bytes() == b"edited in another editor\n"


def test_an_unchecked_save_also_refuses_over_outside_edits(site: Path) -> None:
    (site / POST).write_bytes(b"edited in another editor\n")
    with pytest.raises(ConflictError, match="outside the app"):
        local(site).commit([FileChange(POST, b"mine\n")], "Save")


def test_a_save_made_from_the_working_tree_content_may_commit_it(site: Path) -> None:
    backend = local(site)
    (site / POST).write_bytes(b"edited in another editor\n")
    data, seen = backend.read_file(POST)
    assert data == b"edited in another editor\n"
    backend.commit([FileChange(POST, data + b"and in the app\n", expected_id=seen)], "Save")
    assert git(site, "show", f"HEAD:{POST}") == "edited in another editor\nand in the app\n"
    assert status(site) == ""


def test_listing_shows_the_working_tree_minus_ignored_files(site: Path) -> None:
    (site / ".gitignore").write_text("*.tmp\n")
    (site / "content/posts/draft.md").write_bytes(b"made outside\n")
    (site / "content/posts/swap.tmp").write_bytes(b"ignored\n")
    (site / "content/posts/second.md").unlink()
    listing = local(site).list_files("content/posts", extension=None, depth=1)
    assert {f.path: f.id for f in listing.files} == {
        "content/posts/draft.md": git_blob_id(b"made outside\n"),
        "content/posts/first.md": git_blob_id(FIXTURE_FILES[POST]),
        "content/posts/notes.txt": git_blob_id(FIXTURE_FILES["content/posts/notes.txt"]),
    }


def test_a_site_branch_that_is_not_checked_out_is_read_and_written_through_git(site: Path) -> None:
    git(site, "checkout", "-q", "-b", "other")
    (site / POST).write_bytes(b"dirty on other\n")
    backend = local(site, branch="main")
    backend.commit([FileChange(POST, b"main edit\n", expected_id=git_blob_id(FIXTURE_FILES[POST]))], "Save")
    assert backend.read_file(POST)[0] == b"main edit\n"
    assert git(site, "show", f"main:{POST}") == "main edit\n"
    assert (site / POST).read_bytes() == b"dirty on other\n"
    assert git(site, "rev-parse", "--abbrev-ref", "HEAD").strip() == "other"


def test_file_meta_is_the_last_commit_touching_the_file(site: Path) -> None:
    backend = local(site)
    backend.commit([FileChange(POST, b"edited\n")], "Save")
    meta = backend.file_meta(POST)
    assert meta is not None and meta.author == "Ada Gardener"
    assert meta.updated_on == git(site, "log", "-1", "--format=%aI").strip()
    assert backend.file_meta("content/posts/none.md") is None


# --- editorial workflow as decap-server keeps it -------------------------------------------------


def test_workflow_branches_are_written_without_checking_them_out(site: Path) -> None:
    backend = local(site)
    head = backend.head()
    backend.save_unpublished("posts", "spring", [FileChange("content/posts/spring.md", b"spring\n")], "Create")
    assert git(site, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    assert backend.head() == head
    assert status(site) == ""
    assert not (site / "content/posts/spring.md").exists()
    assert git(site, "show", "cms/posts/spring:content/posts/spring.md") == "spring\n"


def test_status_is_the_branch_description_label(site: Path) -> None:
    backend = local(site)
    backend.save_unpublished("posts", "spring", [FileChange("content/posts/spring.md", b"spring\n")], "Create")
    assert git(site, "config", "branch.cms/posts/spring.description").strip() == "decap-cms/draft"
    backend.set_status("posts", "spring", STATUS_PENDING_REVIEW)
    assert git(site, "config", "branch.cms/posts/spring.description").strip() == "decap-cms/pending_review"


def test_a_custom_label_prefix_is_honoured(site: Path) -> None:
    backend = local(site, cms_label_prefix="site/")
    backend.save_unpublished("posts", "spring", [FileChange("content/posts/spring.md", b"spring\n")], "Create")
    assert git(site, "config", "branch.cms/posts/spring.description").strip() == "site/draft"
    assert backend.read_unpublished("posts", "spring").status == "draft"


def test_entries_made_by_decap_server_are_listed(site: Path) -> None:
    git(site, "branch", "cms/posts/elsewhere")
    git(site, "config", "branch.cms/posts/elsewhere.description", "decap-cms/pending_publish")
    (entry,) = local(site).list_unpublished()
    assert (entry.content_key, entry.status) == ("posts/elsewhere", "pending_publish")


def test_publish_merges_updates_the_working_tree_and_deletes_the_branch(site: Path) -> None:
    backend = local(site)
    backend.save_unpublished("posts", "spring", [FileChange("content/posts/spring.md", b"spring\n")], "Create")
    entry_head = backend.head("cms/posts/spring")
    result = backend.publish("posts", "spring")
    parent = git(site, "rev-parse", "HEAD~1").strip()
    assert git(site, "log", "-1", "--format=%P|%s").strip() == f"{parent} {entry_head}|{MERGE_COMMIT_MESSAGE}"
    assert result.commit == git(site, "rev-parse", "HEAD").strip()
    assert (site / "content/posts/spring.md").read_bytes() == b"spring\n"
    assert status(site) == ""
    assert git(site, "branch", "--list", "cms/*") == ""
    leftover = subprocess.run(["git", "config", "--get-regexp", r"^branch\.cms/"], cwd=site, capture_output=True)
    assert leftover.returncode == 1, leftover.stdout  # no description left behind


def test_squash_merges_publish_one_plain_commit(site: Path) -> None:
    backend = local(site, squash_merges=True)
    spring = [FileChange("content/posts/spring.md", b"spring\n")]
    backend.save_unpublished("posts", "spring", spring, "Create Post “spring”")
    backend.publish("posts", "spring")
    parent = git(site, "rev-parse", "HEAD~1").strip()
    assert git(site, "log", "-1", "--format=%P|%s").strip() == f"{parent}|Create Post “spring”"


def test_publish_refuses_over_outside_edits_of_the_published_files(site: Path) -> None:
    backend = local(site)
    backend.save_unpublished("posts", "first", [FileChange(POST, b"workflow edit\n")], "Update")
    (site / POST).write_bytes(b"edited in another editor\n")
    head = backend.head()
    with pytest.raises(ConflictError, match="outside the app"):
        backend.publish("posts", "first")
    assert backend.head() == head
    assert (site / POST).read_bytes() == b"edited in another editor\n"
    assert backend.read_unpublished("posts", "first").status == "draft"


def test_publish_refuses_when_both_sides_changed_the_same_file(site: Path) -> None:
    backend = local(site)
    backend.save_unpublished("posts", "first", [FileChange(POST, b"workflow edit\n")], "Update")
    backend.commit([FileChange(POST, b"published edit\n")], "Meanwhile")
    with pytest.raises(ConflictError, match="content/posts/first.md"):
        backend.publish("posts", "first")
    assert (site / POST).read_bytes() == b"published edit\n"


def test_line_ending_conversion_is_applied_as_git_add_would(site: Path) -> None:
    git(site, "config", "core.autocrlf", "true")
    backend = local(site)
    result = backend.commit([FileChange(POST, b"line one\r\nline two\r\n")], "Save with CRLF")
    assert git(site, "cat-file", "blob", f"HEAD:{POST}") == "line one\nline two\n"
    assert status(site) == ""
    data, seen = backend.read_file(POST)
    assert result.ids[POST] == seen
    backend.commit([FileChange(POST, data + b"line three\r\n", expected_id=seen)], "Save again")
    assert status(site) == ""


def test_reading_many_files_of_another_branch_at_once(site: Path) -> None:
    backend = local(site)
    many = [FileChange(f"data/many/{i:03}.yml", b"n: %d\n" % i) for i in range(250)]
    backend.save_unpublished("data", "many", many, "Create many")
    files = backend.list_files("data/many", branch="cms/data/many").files
    assert len(files) == 250
    contents = backend.read_files(files, branch="cms/data/many")
    assert contents["data/many/249.yml"] == b"n: 249\n" and len(contents) == 250


def test_a_branch_named_like_a_workflow_prefix_blocks_the_entry_with_decaps_message(site: Path) -> None:
    git(site, "branch", "cms/posts")
    with pytest.raises(ConflictError, match="already a branch named 'cms/posts'. Please delete"):
        local(site).save_unpublished("posts", "x", [FileChange("content/posts/x.md", b"x")], "Create")
    assert git(site, "branch", "--list", "cms/*").split() == ["cms/posts"]


def test_a_refused_first_save_deletes_the_branch_it_created(site: Path) -> None:
    backend = local(site)
    with pytest.raises(ConflictError):
        backend.save_unpublished("posts", "first", [FileChange(POST, b"x", expected_id=NEW_FILE)], "Create")
    assert git(site, "branch", "--list", "cms/*") == ""


# --- symbolic links ------------------------------------------------------------------------------


def linked_site(tmp_path: Path) -> tuple[Path, Path]:
    """A site whose posts folder holds a link to a file outside the repository, and a link to a sibling post."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_bytes(b"---\ntitle: Not part of the site\n---\nprivate\n")
    site = make_git_site(tmp_path / "site", FIXTURE_FILES)
    (site / "content/posts/leak.md").symlink_to(outside / "secret.md")
    (site / "content/posts/alias.md").symlink_to("first.md")
    git(site, "add", "-A")
    git(site, "commit", "-q", "-m", "Links")
    return site, outside


def test_a_link_leading_outside_the_repository_is_skipped_with_a_reason(tmp_path: Path) -> None:
    site, _outside = linked_site(tmp_path)
    listing = local(site).list_files("content/posts", extension="md", depth=1)
    assert "content/posts/leak.md" not in {f.path for f in listing.files}
    (skipped,) = listing.skipped
    assert skipped.path == "content/posts/leak.md" and "outside the repository" in skipped.reason
    with pytest.raises(ContentError, match="outside the repository"):
        local(site).read_file("content/posts/leak.md")
    assert local(site).read_files(listing.files + (RepoFile("content/posts/leak.md", ""),)).keys() == {
        f.path for f in listing.files
    }


def test_a_link_inside_the_repository_is_read_but_never_written_through(tmp_path: Path) -> None:
    site, _outside = linked_site(tmp_path)
    backend = local(site)
    listing = backend.list_files("content/posts", extension="md", depth=1)
    assert "content/posts/alias.md" in {f.path for f in listing.files}
    assert backend.read_file("content/posts/alias.md")[0] == FIXTURE_FILES[POST]
    head = backend.head()
    with pytest.raises(ContentError, match="is a symbolic link"):
        backend.commit([FileChange("content/posts/alias.md", b"through the link\n")], "Save")
    assert (site / "content/posts/alias.md").is_symlink()
    assert (site / POST).read_bytes() == FIXTURE_FILES[POST]
    assert backend.head() == head and status(site) == ""


def test_saving_over_a_link_to_outside_never_replaces_the_link_nor_writes_outside(tmp_path: Path) -> None:
    site, outside = linked_site(tmp_path)
    backend = local(site)
    head = backend.head()
    with pytest.raises(ContentError, match="does not save through links"):
        backend.commit([FileChange("content/posts/leak.md", b"---\ntitle: mine\n---\n")], "Save")
    with pytest.raises(ContentError, match="symbolic link"):
        backend.commit([FileChange("content/posts/leak.md", delete=True)], "Delete")
    assert (site / "content/posts/leak.md").is_symlink()
    assert (outside / "secret.md").read_bytes() == b"---\ntitle: Not part of the site\n---\nprivate\n"
    assert backend.head() == head and status(site) == ""
    assert git(site, "ls-tree", "HEAD", "content/posts/leak.md").split()[0] == "120000"


def test_a_collection_folder_linked_outside_is_skipped_and_never_becomes_a_real_folder(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "hidden.md").write_bytes(b"outside\n")
    site = make_git_site(tmp_path / "site", FIXTURE_FILES)
    (site / "content/news").symlink_to(outside)
    git(site, "add", "-A")
    git(site, "commit", "-q", "-m", "Link a folder")
    backend = local(site)
    listing = backend.list_files("content/news", extension="md")
    assert listing.files == ()
    assert [s.path for s in listing.skipped] == ["content/news"]
    assert "outside the repository" in listing.skipped[0].reason
    head = backend.head()
    with pytest.raises(ContentError, match="inside content/news, which is a symbolic link"):
        backend.commit([FileChange("content/news/new.md", b"new\n", expected_id=NEW_FILE)], "Create")
    assert (site / "content/news").is_symlink()
    assert sorted(p.name for p in outside.iterdir()) == ["hidden.md"]
    assert backend.head() == head and status(site) == ""


def test_a_collection_folder_linked_inside_the_repository_is_listed_under_its_name(tmp_path: Path) -> None:
    site = make_git_site(tmp_path / "site", FIXTURE_FILES)
    (site / "content/news").symlink_to("posts")
    listing = local(site).list_files("content/news", extension="md", depth=1)
    assert {f.path for f in listing.files} == {"content/news/first.md", "content/news/second.md"}
    assert local(site).read_file("content/news/first.md")[0] == FIXTURE_FILES[POST]


def test_links_on_a_branch_that_is_not_checked_out_are_skipped_and_not_replaced(tmp_path: Path) -> None:
    site, _outside = linked_site(tmp_path)
    git(site, "checkout", "-q", "-b", "other")
    backend = local(site, branch="main")
    listing = backend.list_files("content/posts", extension="md", branch="main")
    assert {s.path for s in listing.skipped} == {"content/posts/alias.md", "content/posts/leak.md"}
    head = backend.head("main")
    with pytest.raises(ContentError, match="is a symbolic link"):
        backend.commit([FileChange("content/posts/leak.md", b"mine\n")], "Save", branch="main")
    assert backend.head("main") == head


def test_saving_the_committed_text_over_an_outside_edit_makes_no_empty_commit_but_writes_it(site: Path) -> None:
    backend = local(site)
    (site / POST).write_bytes(b"edited in another editor\n")
    data, seen = backend.read_file(POST)
    head = backend.head()
    result = backend.commit([FileChange(POST, FIXTURE_FILES[POST], expected_id=seen)], "Save")
    assert result.commit == head == backend.head()
    assert (site / POST).read_bytes() == FIXTURE_FILES[POST]
    assert status(site) == ""


def test_files_meta_is_one_git_log_walk_for_many_files(site: Path) -> None:
    backend = local(site)
    backend.commit([FileChange(POST, b"edited\n")], "Save")
    runs: list[tuple[str, ...]] = []
    original = backend._run

    def counted(args, **kwargs):  # type: ignore[no-untyped-def]
        runs.append(tuple(args))
        return original(args, **kwargs)

    backend._run = counted  # type: ignore[method-assign]
    paths = [POST, "content/posts/second.md", "content/posts/none.md"]
    found = backend.files_meta(paths)
    assert [run for run in runs if "log" in run] and len([run for run in runs if "log" in run]) == 1
    backend._run = original  # type: ignore[method-assign]
    assert found == {path: meta for path in paths if (meta := backend.file_meta(path)) is not None}
    assert found[POST].author == "Ada Gardener" and set(found) == {POST, "content/posts/second.md"}
