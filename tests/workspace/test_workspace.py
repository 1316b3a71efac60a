"""Workspace on the sandbox backend: loading with the cache, views, create/save/delete, conflicts, drafts, media."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from editor_app.backends.base import FileChange
from editor_app.errors import ConflictError, ContentError, NetworkError
from editor_app.workspace import views
from editor_app.workspace.workspace import IndexedEntry, backend_settings_from_config
from tests.workspace.helpers import Env, make_env

POSTS = "content/posts"


@pytest.fixture()
def env(tmp_path: Path) -> Env:
    return make_env(tmp_path)


def someone_else_writes(env: Env, path: str, data: bytes) -> None:
    """A commit made by another editor, straight on the backend."""
    env.backend.commit([FileChange(path=path, data=data)], f"Update {path} elsewhere")


# --- loading -------------------------------------------------------------------------------------


def test_loading_a_collection_parses_every_entry_and_reports_progress(env: Env) -> None:
    ws = env.workspace()
    reports: list[tuple[int, int]] = []
    entries = ws.load_collection("posts", progress=lambda done, total, text: reports.append((done, total)))
    assert len(entries) == 8
    assert reports[0] == (0, 8) and reports[-1] == (8, 8)
    diary = ws.indexed("posts", f"{POSTS}/2026-07-14-tomato-diary.md")
    assert diary is not None
    assert diary.slug == "2026-07-14-tomato-diary"
    assert diary.data["title"] == "A tomato diary"
    assert diary.data["tags"] == ["tomatoes", "diary"]
    assert diary.parse_error is None


def test_progress_callbacks_with_two_arguments_are_accepted(env: Env) -> None:
    ws = env.workspace()
    reports: list[tuple[int, int]] = []
    ws.load_collection("plants", progress=lambda done, total: reports.append((done, total)))
    assert reports[-1] == (4, 4)


def test_reopening_an_unchanged_site_costs_one_call_for_the_login_and_the_head(env: Env) -> None:
    first = env.workspace()
    for collection in first.collections:
        first.load_collection(collection.name)
    env.counting.calls.clear()
    again = env.workspace()  # opens: who am I + the head, in one `open_site`
    loaded = {c.name: again.load_collection(c.name) for c in again.collections}
    assert {name: len(entries) for name, entries in loaded.items()} == {
        "posts": 8, "plants": 4, "events": 2, "pages": 5, "settings": 2,
    }
    assert env.counting.requests == 1, env.counting.calls
    assert env.counting.calls["open_site"] == 1
    assert again.user is not None and again.user.can_write


def test_loading_again_later_checks_the_head_once(env: Env) -> None:
    ws = env.workspace()
    ws.load_collection("posts")
    env.clock[0] += 60  # the head read at open is old now
    env.counting.calls.clear()
    assert len(ws.load_collection("posts")) == 8
    assert dict(env.counting.calls) == {"head": 1}


def test_after_a_change_only_the_changed_blob_is_downloaded(env: Env) -> None:
    env.workspace().load_collection("posts")
    path = f"{POSTS}/2026-07-14-tomato-diary.md"
    someone_else_writes(env, path, b"---\ntitle: Changed elsewhere\n---\nNew body\n")
    ws = env.workspace()
    env.counting.calls.clear()
    read: list[str] = []
    original = env.backend.read_files
    env.backend.read_files = lambda files, **kw: read.extend(f.path for f in files) or original(files, **kw)  # type: ignore[method-assign]
    ws.load_collection("posts")
    assert read == [path]
    assert ws.indexed("posts", path).data["title"] == "Changed elsewhere"  # type: ignore[union-attr]


def test_a_damaged_cache_is_refetched_not_a_crash(env: Env) -> None:
    env.workspace().load_collection("posts")
    for blob in (env.tmp / "cache" / "blobs").rglob("*"):
        if blob.is_file():
            blob.write_bytes(blob.read_bytes()[:7])
    for listing in (env.tmp / "cache" / "listings").glob("*.json"):
        listing.write_text("{not json", "utf-8")
    entries = env.workspace().load_collection("posts")
    assert len(entries) == 8
    assert all(e.data.get("title") for e in entries)


def test_files_collections_list_their_files(env: Env) -> None:
    ws = env.workspace()
    entries = {e.file: e for e in ws.load_collection("settings")}
    assert set(entries) == {"general", "authors"}
    assert entries["authors"].path == "data/settings/authors.json"
    assert isinstance(entries["authors"].data["authors"], list)
    assert ws.summary(entries["general"]) == "General settings"


def test_nested_collections_list_entries_down_to_their_depth(env: Env) -> None:
    ws = env.workspace()
    slugs = sorted(e.slug for e in ws.load_collection("pages"))
    assert slugs == ["about/index", "about/team/index", "index", "visit/accessibility/index", "visit/index"]


def test_an_entry_that_does_not_parse_is_listed_with_its_error(env: Env) -> None:
    someone_else_writes(env, f"{POSTS}/broken.md", b"---\ntitle: [unclosed\n---\nbody\n")
    ws = env.workspace()
    broken = ws.indexed("posts", f"{POSTS}/broken.md") if ws.load_collection("posts") else None
    assert broken is not None and broken.data == {}
    assert broken.parse_error and "broken.md" in broken.parse_error


# --- views ---------------------------------------------------------------------------------------


def test_search_looks_in_every_field_case_insensitively(env: Env) -> None:
    ws = env.workspace()
    ws.load_collection("posts")
    assert ws.search("posts", "GREENHOUSE") == [f"{POSTS}/2026-07-14-tomato-diary.md"]
    assert ws.search("posts", "tomato diary") == [f"{POSTS}/2026-07-14-tomato-diary.md"]
    assert len(ws.search("posts", "")) == 8
    assert ws.search("posts", "no such words anywhere") == []


def test_search_over_ten_thousand_entries_fits_in_a_keystroke() -> None:
    entries = [
        IndexedEntry("posts", f"post-{i}", f"content/posts/post-{i}.md", str(i), {"title": f"Post number {i}"},
                     search_text=views.search_text_of({"title": f"Post number {i}", "body": "lorem ipsum " * 40}))
        for i in range(10_000)
    ]
    started = time.perf_counter()
    for text in ("n", "nu", "num", "numb", "number 9999"):
        found = views.search_entries(entries, text)
    elapsed = (time.perf_counter() - started) / 5
    assert [e.slug for e in found] == ["post-9999"]
    assert elapsed < 0.1, f"{elapsed * 1000:.0f} ms per keystroke"


# --- open, create, save, delete ----------------------------------------------------------------


def test_saving_an_unchanged_entry_is_a_no_op_and_keeps_the_bytes(env: Env) -> None:
    ws = env.workspace()
    path = f"{POSTS}/2026-07-14-tomato-diary.md"
    before = env.backend.read_file(path)
    head = env.backend.head()
    entry = ws.open_entry("posts", path)
    assert ws.raw_text(entry) == before[0].decode("utf-8")
    saved = ws.save_entry(entry)
    assert env.backend.head() == head
    assert env.backend.read_file(path) == before
    assert saved.base_id == before[1]


def test_changing_one_field_changes_only_its_line_in_one_commit(env: Env) -> None:
    ws = env.workspace()
    path = f"{POSTS}/2026-07-14-tomato-diary.md"
    original = env.backend.read_file(path)[0].decode("utf-8")
    ws.load_collection("posts")
    entry = ws.open_entry("posts", path)
    data = dict(entry.data, title="A tomato diary, revised")
    env.counting.calls.clear()
    saved = ws.save_entry(entry.with_data(data))
    assert env.counting.calls["commit"] == 1
    written = env.backend.read_file(path)[0].decode("utf-8")
    changed = [(a, b) for a, b in zip(original.splitlines(), written.splitlines(), strict=True) if a != b]
    assert changed == [('title: "A tomato diary"', 'title: "A tomato diary, revised"')]
    assert len(original.splitlines()) == len(written.splitlines())
    assert saved.base_id == env.backend.read_file(path)[1]
    assert ws.indexed("posts", path).data["title"] == "A tomato diary, revised"  # type: ignore[union-attr]


def test_the_commit_message_comes_from_the_templates(env: Env) -> None:
    ws = env.workspace()
    messages: list[str] = []
    original = env.backend.commit
    env.backend.commit = lambda changes, message, **kw: messages.append(message) or original(changes, message, **kw)  # type: ignore[method-assign]
    entry = ws.open_entry("plants", "content/plants/basil.yml")
    ws.save_entry(entry.with_data(dict(entry.data, family="Mint family")))
    assert messages == ["Update Plant \u201cbasil\u201d"]


def test_signoff_commits_adds_the_logged_in_users_signed_off_by_trailer(env: Env) -> None:
    import dataclasses

    site = dataclasses.replace(env.site, backend=dataclasses.replace(env.site.backend, signoff_commits=True))
    ws = env.workspace(site=site)
    user = env.backend.current_user()
    messages: list[str] = []
    original = env.backend.commit
    env.backend.commit = lambda changes, message, **kw: messages.append(message) or original(changes, message, **kw)  # type: ignore[method-assign]
    entry = ws.open_entry("plants", "content/plants/basil.yml")
    ws.save_entry(entry.with_data(dict(entry.data, family="Mint family")))
    ws.upload_media(None, [("leaf.svg", b"<svg/>")])
    trailer = f"\n\nSigned-off-by: {user.name or user.login} <{user.email}>\n"
    assert ws.signoff_identity == f"{user.name or user.login} <{user.email}>"
    assert env.workspace().signoff_identity == ""  # a site without signoff_commits signs nothing off
    assert messages == ["Update Plant \u201cbasil\u201d" + trailer,
                        "Upload \u201cstatic/images/uploads/leaf.svg\u201d" + trailer]


def test_a_new_entry_gets_defaults_a_slug_from_the_template_and_never_overwrites(env: Env) -> None:
    ws = env.workspace()
    ws.load_collection("plants")
    entry = ws.new_entry("plants")
    assert entry.is_new and entry.data["watering"] == {"morning": True}
    assert entry.path == ""  # no name typed yet
    first = ws.save_entry(entry.with_data(dict(entry.data, name="Sweet Pea", family="Fabaceae")))
    assert first.path == "content/plants/sweet-pea.yml" and not first.is_new
    second = ws.save_entry(ws.new_entry("plants").with_data({"name": "Sweet pea", "family": "Fabaceae"}))
    assert second.path == "content/plants/sweet-pea-1.yml"
    assert env.backend.read_file(first.path)[0].startswith(b"name: Sweet Pea")


def test_a_new_entry_whose_path_appeared_meanwhile_is_refused_not_written_over(env: Env) -> None:
    ws = env.workspace()
    ws.load_collection("plants")
    entry = ws.new_entry("plants", {"name": "Kale", "family": "Brassicaceae"})
    someone_else_writes(env, "content/plants/kale.yml", b"name: Kale\nfamily: theirs\n")
    with pytest.raises(ConflictError) as caught:
        ws.backend.commit([FileChange(entry.path, b"x", expected_id="")], "m")  # what a stale save would send
    assert caught.value.theirs == b"name: Kale\nfamily: theirs\n"
    saved = ws.save_entry(entry)  # the workspace looks the path up at save and picks a free one
    assert saved.path == "content/plants/kale-1.yml"
    assert env.backend.read_file("content/plants/kale.yml")[0] == b"name: Kale\nfamily: theirs\n"


def test_the_post_slug_template_uses_the_date(env: Env) -> None:
    ws = env.workspace()
    entry = ws.new_entry("posts", {"title": "Autumn Leaves!"})
    saved = ws.save_entry(entry)
    assert saved.path == f"{POSTS}/2026-11-22-autumn-leaves.md"
    text = env.backend.read_file(saved.path)[0].decode("utf-8")
    assert text.startswith("---\ntitle: Autumn Leaves!\n")
    assert "featured: false" in text and "layout: post" in text


def test_duplicate_makes_a_new_entry_with_its_own_slug(env: Env) -> None:
    ws = env.workspace()
    ws.load_collection("plants")
    basil = ws.open_entry("plants", "content/plants/basil.yml")
    copy = ws.duplicate_entry(basil)
    assert copy.is_new and copy.data == basil.data and copy.data is not basil.data
    assert copy.path == "content/plants/basil-1.yml"
    saved = ws.save_entry(copy)
    assert saved.path == "content/plants/basil-1.yml"
    assert env.backend.read_file("content/plants/basil.yml")[0] != b""


def test_delete_removes_the_file_in_one_commit(env: Env) -> None:
    ws = env.workspace()
    ws.load_collection("plants")
    entry = ws.open_entry("plants", "content/plants/rhubarb.yml")
    env.counting.calls.clear()
    ws.delete_entry(entry)
    assert env.counting.calls["commit"] == 1
    assert "content/plants/rhubarb.yml" not in {f.path for f in env.backend.list_files("content/plants").files}
    assert ws.indexed("plants", "content/plants/rhubarb.yml") is None


def test_files_collections_cannot_delete_or_create(env: Env) -> None:
    ws = env.workspace()
    general = ws.open_entry("settings", "general")
    with pytest.raises(ContentError):
        ws.delete_entry(general)
    with pytest.raises(ContentError):
        ws.new_entry("settings")


# --- conflicts -----------------------------------------------------------------------------------


def test_saving_over_a_file_that_moved_on_raises_a_conflict_with_theirs(env: Env) -> None:
    ws = env.workspace()
    path = "content/plants/basil.yml"
    entry = ws.open_entry("plants", path)
    theirs = env.backend.read_file(path)[0].replace(b"Lamiaceae", b"Their family")
    someone_else_writes(env, path, theirs)
    mine = entry.with_data(dict(entry.data, family="My family"))
    ws.journal_draft(mine)
    with pytest.raises(ConflictError) as caught:
        ws.save_entry(mine)
    assert caught.value.theirs == theirs
    assert env.backend.read_file(path)[0] == theirs  # nothing overwritten
    assert ws.draft_for(entry) is not None  # my edit is still in the journal


def test_keeping_mine_replaces_their_version_explicitly(env: Env) -> None:
    ws = env.workspace()
    path = "content/plants/basil.yml"
    entry = ws.open_entry("plants", path)
    someone_else_writes(env, path, env.backend.read_file(path)[0].replace(b"Lamiaceae", b"Theirs"))
    mine = entry.with_data(dict(entry.data, family="Mine"))
    with pytest.raises(ConflictError) as caught:
        ws.save_entry(mine)
    mine_text = ws.raw_text(mine)
    resolved = ws.resolve_conflict(mine, mine_text, caught.value)
    saved = ws.save_entry(resolved)
    assert env.backend.read_file(path)[0].decode("utf-8") == mine_text
    assert saved.base_id == env.backend.read_file(path)[1]


def test_keeping_mine_over_a_version_that_moved_on_again_conflicts_again(env: Env) -> None:
    ws = env.workspace()
    path = "content/plants/basil.yml"
    entry = ws.open_entry("plants", path)
    someone_else_writes(env, path, b"name: Basil\nfamily: second\n")
    with pytest.raises(ConflictError) as caught:
        ws.save_entry(entry.with_data(dict(entry.data, family="Mine")))
    resolved = ws.resolve_conflict(entry, "name: Basil\nfamily: Mine\n", caught.value)
    someone_else_writes(env, path, b"name: Basil\nfamily: third\n")
    with pytest.raises(ConflictError):
        ws.save_entry(resolved)
    assert env.backend.read_file(path)[0] == b"name: Basil\nfamily: third\n"


def test_taking_theirs_drops_my_draft_and_opens_their_version(env: Env) -> None:
    ws = env.workspace()
    path = "content/plants/basil.yml"
    entry = ws.open_entry("plants", path)
    someone_else_writes(env, path, b"name: Basil\nfamily: theirs\n")
    mine = entry.with_data(dict(entry.data, family="Mine"))
    ws.journal_draft(mine)
    with pytest.raises(ConflictError) as caught:
        ws.save_entry(mine)
    theirs = ws.take_theirs(mine, caught.value)
    assert theirs is not None and theirs.data["family"] == "theirs"
    assert ws.draft_for(entry) is None
    assert ws.save_entry(theirs).commit is None  # unchanged: nothing to save


# --- drafts --------------------------------------------------------------------------------------


def test_a_draft_survives_a_failed_save_and_a_restart_and_goes_after_success(env: Env) -> None:
    ws = env.workspace()
    entry = ws.open_entry("plants", "content/plants/basil.yml")
    edited = entry.with_data(dict(entry.data, family="Edited"))
    ws.journal_draft(edited)
    env.counting.fail["commit"] = NetworkError("the host could not be reached")
    with pytest.raises(NetworkError):
        ws.save_entry(edited)
    restarted = env.workspace()
    (pending,) = restarted.pending_drafts()
    assert pending.entry.path == "content/plants/basil.yml"
    assert pending.entry.data["family"] == "Edited"
    assert restarted.has_draft("content/plants/basil.yml")
    offered = restarted.draft_for(restarted.open_entry("plants", "content/plants/basil.yml"))
    assert offered is not None and offered.entry.data["family"] == "Edited"
    del env.counting.fail["commit"]
    restarted.save_entry(offered.entry)
    assert restarted.pending_drafts() == []
    assert not restarted.has_draft("content/plants/basil.yml")
    assert b"family: Edited" in env.backend.read_file("content/plants/basil.yml")[0]


def test_a_new_entry_draft_is_kept_until_saved(env: Env) -> None:
    ws = env.workspace()
    entry = ws.new_entry("plants", {"name": "Chard", "family": "Amaranthaceae"})
    ws.journal_draft(entry)
    (pending,) = env.workspace().pending_drafts()
    assert pending.entry.is_new and pending.entry.data["name"] == "Chard"
    ws.save_entry(pending.entry)
    assert env.workspace().pending_drafts() == []


def test_discarding_a_draft_forgets_it(env: Env) -> None:
    ws = env.workspace()
    entry = ws.open_entry("plants", "content/plants/basil.yml")
    ws.journal_draft(entry.with_data(dict(entry.data, family="x")))
    ws.discard_draft(entry)
    assert ws.pending_drafts() == []


# --- media, urls, settings ---------------------------------------------------------------------


def test_uploading_media_commits_binary_files_and_never_overwrites(env: Env) -> None:
    ws = env.workspace()
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    (item,) = ws.upload_media(None, [("compost.png", png)])
    assert item.path == "static/images/uploads/compost-1.png"
    assert item.public_path == "/images/uploads/compost-1.png"
    assert env.backend.read_file(item.path)[0] == png
    assert ws.read_media(item.path) == png
    assert item.path in {m.path for m in ws.list_media()}


def test_media_usages_find_entries_that_mention_a_file(env: Env) -> None:
    ws = env.workspace()
    ws.load_collection("posts")
    assert ws.media_usages("static/images/uploads/tomatoes.png") == [f"{POSTS}/2026-07-14-tomato-diary.md"]


def test_entry_url_joins_site_url_and_preview_path(env: Env) -> None:
    ws = env.workspace()
    ws.load_collection("posts")
    entry = ws.indexed("posts", f"{POSTS}/2026-07-14-tomato-diary.md")
    assert ws.entry_url(entry) == "https://riverside-garden.example.org/blog/2026-07-14-tomato-diary"  # type: ignore[arg-type]


def test_backend_settings_come_from_the_config(env: Env) -> None:
    settings = backend_settings_from_config(env.site)
    assert settings.name == "test-repo" and settings.branch == "main"


def test_translated_collections_list_one_entry_per_default_locale_file(env: Env) -> None:
    ws = env.workspace()
    entries = ws.load_collection("events")
    assert sorted(e.path for e in entries) == [
        "content/events/en/harvest-supper.md", "content/events/en/spring-open-day.md",
    ]
    assert sorted(e.slug for e in entries) == ["harvest-supper", "spring-open-day"]
    new = ws.new_entry("events", {"title": "Seed Swap"})
    assert new.path == "content/events/en/seed-swap.md"


def test_raw_source_text_parses_into_fields_or_says_where_it_is_wrong(env: Env) -> None:
    ws = env.workspace()
    basil = ws.open_entry("plants", "content/plants/basil.yml")
    edited = ws.parse_raw_text(basil, ws.raw_text(basil).replace("Lamiaceae", "Mints"))
    assert edited.data["family"] == "Mints" and edited.base_id == basil.base_id
    with pytest.raises(ValueError) as caught:
        ws.parse_raw_text(basil, "name: Basil\nfamily: [unclosed\n")
    assert isinstance(caught.value, ContentError)
    assert "content/plants/basil.yml" in str(caught.value)


def test_every_sandbox_entry_opens_and_writes_back_byte_identical(env: Env) -> None:
    ws = env.workspace()
    checked = 0
    for collection in ws.collections:
        for entry in ws.load_collection(collection.name):
            opened = ws.open_entry(collection.name, entry.file or entry.path)
            assert opened.parse_error is None, opened.parse_error
            assert ws.raw_text(opened).encode("utf-8") == env.backend.read_file(entry.path)[0], entry.path
            checked += 1
    assert checked >= 20


def test_saving_a_file_deleted_elsewhere_conflicts_and_keeping_mine_recreates_it(env: Env) -> None:
    ws = env.workspace()
    path = "content/plants/marigold.yml"
    entry = ws.open_entry("plants", path)
    env.backend.commit([FileChange(path=path, delete=True)], "Delete marigold elsewhere")
    mine = entry.with_data(dict(entry.data, family="Still mine"))
    with pytest.raises(ConflictError) as caught:
        ws.save_entry(mine)
    assert caught.value.theirs is None and caught.value.theirs_id is None
    assert ws.take_theirs(mine, caught.value) is None  # theirs is "deleted"
    resolved = ws.resolve_conflict(mine, ws.raw_text(mine), caught.value)
    ws.save_entry(resolved)
    assert b"family: Still mine" in env.backend.read_file(path)[0]


def test_collections_load_concurrently_from_worker_threads(env: Env) -> None:
    from concurrent.futures import ThreadPoolExecutor

    ws = env.workspace()
    names = [c.name for c in ws.collections] * 3
    with ThreadPoolExecutor(max_workers=6) as pool:
        counts = list(pool.map(lambda name: len(ws.load_collection(name)), names))
    assert counts == [8, 4, 2, 5, 2] * 3
    assert {c.name: len(ws.entries(c.name)) for c in ws.collections} == {
        "posts": 8, "plants": 4, "events": 2, "pages": 5, "settings": 2,
    }


def test_list_titles_come_from_the_summary_template_or_fall_back_to_the_slug(env: Env) -> None:
    someone_else_writes(env, f"{POSTS}/broken.md", b"---\ntitle: [unclosed\n---\n")
    ws = env.workspace()
    ws.load_collection("posts")
    assert ws.summary(ws.indexed("posts", f"{POSTS}/2026-07-14-tomato-diary.md")) == "A tomato diary \u2014 2026-07-14"  # type: ignore[arg-type]
    assert ws.summary(ws.indexed("posts", f"{POSTS}/broken.md")) == "broken"  # type: ignore[arg-type]
    ws.load_collection("plants")
    assert ws.summary(ws.indexed("plants", "content/plants/basil.yml")) == "Basil (Lamiaceae)"  # type: ignore[arg-type]


def test_force_base_keeps_mine_over_exactly_the_version_named(env: Env) -> None:
    ws = env.workspace()
    path = "content/plants/basil.yml"
    entry = ws.open_entry("plants", path)
    someone_else_writes(env, path, b"name: Basil\nfamily: theirs\n")
    mine = entry.with_data(dict(entry.data, family="Mine"))
    with pytest.raises(ConflictError) as caught:
        ws.save_entry(mine)
    with pytest.raises(ConflictError):
        ws.save_entry(mine, force_base=entry.base_id)  # naming the old version is not enough
    ws.save_entry(mine, force_base=caught.value.theirs_id)
    assert b"family: Mine" in env.backend.read_file(path)[0]


def test_a_billion_laughs_entry_is_listed_with_its_error_and_the_rest_of_the_collection_loads(env: Env) -> None:
    from tests.content.test_alias_bombs import LAUGHS

    someone_else_writes(env, f"{POSTS}/boom.md", ("---\ntitle: Boom\n" + LAUGHS + "---\nbody\n").encode())
    ws = env.workspace()
    started = time.perf_counter()
    entries = ws.load_collection("posts")
    assert time.perf_counter() - started < 5
    assert len(entries) == 9
    boom = ws.indexed("posts", f"{POSTS}/boom.md")
    assert boom is not None and boom.data == {}
    assert boom.parse_error and f"{POSTS}/boom.md:8: invalid YAML: the aliases" in boom.parse_error
    assert ws.search("posts", "laughs") == [] and ws.search("posts", "lol") == []
    assert ws.indexed("posts", f"{POSTS}/2026-07-14-tomato-diary.md").data["title"] == "A tomato diary"


def test_a_collection_named_by_its_slug_template_fields_saves_and_names_the_field_to_fill(env: Env) -> None:
    import dataclasses

    from editor_app.content.slugs import EmptyFileNameError

    plants = env.site.collection_named("plants")
    renamed = dataclasses.replace(plants, identifier_field=None, slug="{{family}}-{{fields.name}}",
                                  fields=[f for f in plants.fields if f.name != "title"])
    site = dataclasses.replace(env.site, collections=[renamed if c is plants else c for c in env.site.collections])
    assert renamed.identifier_field_name() is None  # no title, no identifier_field: Decap still creates entries
    ws = env.workspace(site=site)
    ws.load_collection("plants")
    saved = ws.save_entry(ws.new_entry("plants", {"name": "Borage", "family": "Boraginaceae"}))
    assert saved.path == "content/plants/boraginaceae-borage.yml"
    with pytest.raises(EmptyFileNameError) as caught:
        ws.save_entry(ws.new_entry("plants", {"name": " ", "family": ""}))
    assert caught.value.fields == ["family", "name"]
    assert str(caught.value) == "the entry's file name would be empty: fill in 'family' (Family) and 'name' (Name)"
