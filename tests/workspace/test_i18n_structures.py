"""Translated entries in every i18n structure, on the sandbox backend and on a git working copy.

An entry opens with all its locales, an unchanged save writes nothing, a save writes every changed locale in
one commit (Decap's files kept byte for byte elsewhere), duplicate fields follow the default locale, fields
that are not translated stay in the default locale, and create/duplicate/delete take every locale along.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.workspace.i18n_sites import (
    BACKEND_KINDS,
    EN_HELLO,
    FILES,
    FR_HELLO,
    HOME_JSON,
    STRUCTURES,
    Site,
    make_site,
)


@pytest.fixture(params=[(s, k) for s in STRUCTURES for k in BACKEND_KINDS], ids=lambda p: f"{p[0]}-{p[1]}")
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Site:
    structure, kind = request.param
    return make_site(tmp_path, structure, kind)


def open_hello(site: Site):
    ws = site.workspace()
    entries = {e.slug: e for e in ws.load_collection("posts")}
    return ws, ws.open_entry("posts", entries["hello"].path)


def test_the_list_has_one_row_per_entry_in_the_default_locale(site: Site) -> None:
    ws = site.workspace()
    entries = {e.slug: e for e in ws.load_collection("posts")}
    assert sorted(entries) == ["beans", "hello"]
    assert entries["hello"].path == site.path("hello", "en")
    assert entries["hello"].data["title"] == "Hello world"
    assert ws.summary(entries["beans"]) == "Beans"
    # searching finds an entry by its translation too
    assert ws.search("posts", "jardin") == [entries["hello"].path]


def test_an_entry_opens_with_every_locale(site: Site) -> None:
    ws, hello = open_hello(site)
    assert ws.entry_locales(hello) == (["en", "fr", "de"], "en")
    assert hello.data["title"] == "Hello world" and hello.data["body"].rstrip() == "Hello from the garden."
    assert hello.locale_data["fr"]["title"] == "Bonjour le monde"
    assert hello.locale_data["de"]["body"].rstrip() == "Hallo aus dem Garten."
    beans = ws.open_entry("posts", site.path("beans", "en"))
    assert set(beans.locale_data) == {"fr"}  # no German file yet


def test_saving_an_unchanged_translated_entry_commits_nothing(site: Site) -> None:
    ws, hello = open_hello(site)
    site.counting.calls.clear()
    assert ws.save_entry(hello) is hello
    assert site.counting.calls["commit"] == 0
    for path, text in FILES[site.structure].items():
        assert site.read(path) == text.encode("utf-8"), path


def test_editing_a_translation_changes_only_its_title_line(site: Site) -> None:
    ws, hello = open_hello(site)
    fr = dict(hello.locale_data["fr"], title="Bonjour, monde")
    site.counting.calls.clear()
    saved = ws.save_entry(hello.with_data(hello.data, {**hello.locale_data, "fr": fr}))
    assert site.counting.calls["commit"] == 1
    assert saved.locale_data["fr"]["title"] == "Bonjour, monde"
    after = site.read(site.path("hello", "fr")).decode("utf-8")
    before = FILES[site.structure][site.path("hello", "fr")]
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b]
    assert len(before.splitlines()) == len(after.splitlines())
    assert len(changed) == 1 and "Bonjour, monde" in changed[0][1]
    if site.structure != "single_file":  # the other locales' files are untouched
        assert site.read(site.path("hello", "en")) == EN_HELLO.encode("utf-8")
        assert site.read(site.path("hello", "de")) == FILES[site.structure][site.path("hello", "de")].encode()
    # saving what was just saved is a no-op
    site.counting.calls.clear()
    ws.save_entry(saved)
    assert site.counting.calls["commit"] == 0


def test_a_save_of_several_locales_is_one_commit_and_duplicate_fields_follow_the_default(site: Site) -> None:
    ws, hello = open_hello(site)
    de = dict(hello.locale_data["de"], title="Hallo, Welt")
    edited = hello.with_data(dict(hello.data, date="2024-03-02T09:00:00.000Z", title="Hello, world"),
                             {**hello.locale_data, "de": de})
    site.counting.calls.clear()
    saved = ws.save_entry(edited)
    assert site.counting.calls["commit"] == 1
    for locale in ("en", "fr", "de"):
        text = site.read(site.path("hello", locale)).decode("utf-8")
        assert "2024-03-02T09:00:00.000Z" in text, locale
        assert "2024-03-01" not in text, locale
    assert saved.locale_data["fr"]["date"] == "2024-03-02T09:00:00.000Z"
    assert saved.locale_data["de"]["title"] == "Hallo, Welt"
    reopened = site.workspace().open_entry("posts", site.path("hello", "en"))
    assert reopened.data["title"] == "Hello, world"
    assert reopened.locale_data == saved.locale_data


def test_a_new_entry_writes_every_locale_in_one_commit_without_untranslated_fields(site: Site) -> None:
    ws = site.workspace()
    ws.load_collection("posts")
    new = ws.new_entry("posts", {"title": "Seed swap", "date": "2024-05-01T10:00:00.000Z", "draft": True,
                                 "body": "Bring seeds."})
    assert set(new.locale_data) == {"fr", "de"}
    fr = dict(new.locale_data["fr"], title="Troc de graines", body="Apportez des graines.")
    site.counting.calls.clear()
    saved = ws.save_entry(new.with_data(new.data, {**new.locale_data, "fr": fr}))
    assert site.counting.calls["commit"] == 1
    assert saved.path == site.path("seed-swap", "en")
    reopened = site.workspace().open_entry("posts", saved.path)
    assert reopened.data["draft"] is True
    fr_read = dict(reopened.locale_data["fr"], body=reopened.locale_data["fr"]["body"].rstrip())
    assert fr_read == {"title": "Troc de graines", "date": "2024-05-01T10:00:00.000Z", "body": "Apportez des graines."}
    # German was not translated yet: it only carries the duplicated date, and never the draft flag
    assert reopened.locale_data["de"].get("date") == "2024-05-01T10:00:00.000Z"
    assert "draft" not in reopened.locale_data["de"] and "draft" not in reopened.locale_data["fr"]


def test_a_missing_translation_is_written_only_once_something_is_translated(site: Site) -> None:
    ws = site.workspace()
    ws.load_collection("posts")
    beans = ws.open_entry("posts", site.path("beans", "en"))
    site.counting.calls.clear()
    saved = ws.save_entry(beans.with_data(dict(beans.data, title="Runner beans"), beans.locale_data))
    assert site.counting.calls["commit"] == 1
    if site.structure != "single_file":
        assert site.read(site.path("beans", "de")) is None
    assert "de" not in saved.locale_data
    de = {"title": "Bohnen", "body": "Stangenbohnen klettern."}
    saved = ws.save_entry(saved.with_data(saved.data, {**saved.locale_data, "de": de}))
    text = site.read(site.path("beans", "de")).decode("utf-8")
    assert "Bohnen" in text and "2024-04-01T09:00:00.000Z" in text
    assert saved.locale_data["de"]["title"] == "Bohnen"


def test_duplicating_an_entry_copies_its_translations(site: Site) -> None:
    ws, hello = open_hello(site)
    copy = ws.duplicate_entry(hello)
    assert copy.is_new and copy.locale_data["fr"]["title"] == "Bonjour le monde"
    saved = ws.save_entry(copy)
    assert saved.path == site.path("hello-world", "en")  # the slug template names the copy after its title
    assert "Bonjour le monde" in site.read(site.path("hello-world", "fr")).decode("utf-8")
    assert "Hallo Welt" in site.read(site.path("hello-world", "de")).decode("utf-8")
    assert site.read(site.path("hello", "fr")) == FILES[site.structure][site.path("hello", "fr")].encode()


def test_deleting_an_entry_removes_every_locale_in_one_commit(site: Site) -> None:
    ws, hello = open_hello(site)
    site.counting.calls.clear()
    ws.delete_entry(hello)
    assert site.counting.calls["commit"] == 1
    for locale in ("en", "fr", "de"):
        assert site.read(site.path("hello", locale)) is None
    assert site.read(site.path("beans", "en")) is not None
    # deleting from the list (an indexed entry) does the same
    beans = next(e for e in ws.load_collection("posts") if e.slug == "beans")
    ws.delete_entry(beans)
    assert site.read(site.path("beans", "en")) is None and site.read(site.path("beans", "fr")) is None


def test_a_translated_file_of_a_files_collection_nests_locales_and_round_trips(site: Site) -> None:
    ws = site.workspace()
    ws.load_collection("pages")
    home = ws.open_entry("pages", "home")
    assert home.data == {"heading": "Welcome", "colour": "green"}
    assert home.locale_data == {"fr": {"heading": "Bienvenue", "colour": "green"}}
    assert ws.raw_text(home) == HOME_JSON
    saved = ws.save_entry(home.with_data(dict(home.data, colour="blue"),
                                         {"fr": {"heading": "Bienvenue !", "colour": "green"}}))
    text = site.read("data/home.json").decode("utf-8")
    assert text == HOME_JSON.replace("green", "blue").replace("Bienvenue", "Bienvenue !")
    assert saved.locale_data["fr"] == {"heading": "Bienvenue !", "colour": "blue"}


def test_a_journaled_translation_is_offered_back_with_its_bases(site: Site) -> None:
    ws, hello = open_hello(site)
    edited = hello.with_data(hello.data, {**hello.locale_data, "fr": dict(hello.locale_data["fr"], title="Brouillon")})
    ws.journal_draft(edited)
    restarted = site.workspace()
    restarted.load_collection("posts")
    pending = restarted.draft_for(restarted.open_entry("posts", hello.path))
    assert pending is not None and pending.entry.locale_data["fr"]["title"] == "Brouillon"
    restarted.save_entry(pending.entry)  # the bases came back too: no conflict, the French file is updated
    assert "title: Brouillon" in site.read(site.path("hello", "fr")).decode("utf-8")
    if site.structure != "single_file":
        assert site.read(site.path("hello", "en")) == FILES[site.structure][site.path("hello", "en")].encode()


def test_a_translation_changed_elsewhere_is_a_conflict_not_an_overwrite(tmp_path: Path) -> None:
    from editor_app.backends.base import FileChange
    from editor_app.errors import ConflictError

    site = make_site(tmp_path, "multiple_folders")
    ws, hello = open_hello(site)
    site.inner.commit([FileChange(path=site.path("hello", "fr"), data=b"---\ntitle: Autre\n---\n")], "elsewhere")
    fr = dict(hello.locale_data["fr"], title="Mien")
    with pytest.raises(ConflictError):
        ws.save_entry(hello.with_data(hello.data, {**hello.locale_data, "fr": fr}))
    assert site.read(site.path("hello", "fr")) == b"---\ntitle: Autre\n---\n"
    assert site.read(site.path("hello", "en")) == EN_HELLO.encode()  # all or nothing: English untouched too


def test_under_the_editorial_workflow_every_locale_goes_to_the_entry_branch(tmp_path: Path) -> None:
    site = make_site(tmp_path, "multiple_files", publish_mode="editorial_workflow")
    ws, hello = open_hello(site)
    fr = dict(hello.locale_data["fr"], title="Bonjour (brouillon)")
    saved = ws.save_entry(hello.with_data(dict(hello.data, title="Hello (draft)"), {**hello.locale_data, "fr": fr}))
    assert saved.status == "draft"
    assert site.read(site.path("hello", "fr")) == FR_HELLO.encode()  # the site branch is unchanged
    unpublished = site.inner.read_unpublished("posts", "hello")
    assert {d.path for d in unpublished.diffs} >= {site.path("hello", "en"), site.path("hello", "fr")}
    reopened = site.workspace().open_entry("posts", site.path("hello", "en"))
    assert reopened.branch == unpublished.branch
    assert reopened.locale_data["fr"]["title"] == "Bonjour (brouillon)"


def test_keeping_my_translation_over_theirs_replaces_only_their_version(tmp_path: Path) -> None:
    from editor_app.backends.base import FileChange
    from editor_app.errors import ConflictError

    site = make_site(tmp_path, "multiple_files")
    ws, hello = open_hello(site)
    theirs = FR_HELLO.replace("Bonjour le monde", "Salut le monde").encode()
    site.inner.commit([FileChange(path=site.path("hello", "fr"), data=theirs)], "elsewhere")
    edited = hello.with_data(dict(hello.data, title="Hello, world"),
                             {**hello.locale_data, "fr": dict(hello.locale_data["fr"], title="Coucou")})
    with pytest.raises(ConflictError) as caught:
        ws.save_entry(edited)
    assert caught.value.path == site.path("hello", "fr")
    mine = ws.conflict_text(edited, caught.value.path)
    assert "title: Coucou" in mine and "Bonjour du jardin." in mine
    resolved = ws.resolve_conflict(edited, mine, caught.value)
    assert resolved.path == hello.path  # still the English entry, with the French file as chosen
    saved = ws.save_entry(resolved)
    assert site.read(site.path("hello", "fr")) == mine.encode()
    assert "title: Hello, world" in site.read(site.path("hello", "en")).decode()
    assert saved.locale_data["fr"]["title"] == "Coucou"


def test_taking_their_translation_reads_the_entry_again(tmp_path: Path) -> None:
    from editor_app.backends.base import FileChange
    from editor_app.errors import ConflictError

    site = make_site(tmp_path, "multiple_folders")
    ws, hello = open_hello(site)
    theirs = FR_HELLO.replace("Bonjour le monde", "Salut le monde").encode()
    site.inner.commit([FileChange(path=site.path("hello", "fr"), data=theirs)], "elsewhere")
    edited = hello.with_data(hello.data, {**hello.locale_data, "fr": dict(hello.locale_data["fr"], title="Coucou")})
    with pytest.raises(ConflictError) as caught:
        ws.save_entry(edited)
    again = ws.take_theirs(edited, caught.value)
    assert again is not None and again.locale_data["fr"]["title"] == "Salut le monde"
    assert ws.save_entry(again) is again  # nothing left to save


def test_a_single_file_conflict_kept_as_mine_splits_back_into_locales(tmp_path: Path) -> None:
    from editor_app.backends.base import FileChange
    from editor_app.errors import ConflictError

    site = make_site(tmp_path, "single_file")
    ws, hello = open_hello(site)
    theirs = FILES["single_file"][hello.path].replace("Hallo Welt", "Servus Welt").encode()
    site.inner.commit([FileChange(path=hello.path, data=theirs)], "elsewhere")
    edited = hello.with_data(hello.data, {**hello.locale_data, "fr": dict(hello.locale_data["fr"], title="Coucou")})
    with pytest.raises(ConflictError) as caught:
        ws.save_entry(edited)
    mine = ws.conflict_text(edited, caught.value.path).replace("Hallo Welt", "Servus Welt")
    resolved = ws.resolve_conflict(edited, mine, caught.value)
    assert resolved.data["title"] == "Hello world" and resolved.locale_data["de"]["title"] == "Servus Welt"
    ws.save_entry(resolved)
    assert site.read(hello.path) == mine.encode()


@pytest.mark.parametrize("structure", STRUCTURES)
def test_the_workflow_board_titles_a_translated_entry_in_the_default_locale(tmp_path: Path, structure: str) -> None:
    site = make_site(tmp_path, structure, publish_mode="editorial_workflow")
    ws, hello = open_hello(site)
    fr = dict(hello.locale_data["fr"], title="Bonjour (brouillon)")
    ws.save_entry(hello.with_data(dict(hello.data, title="Hello (draft)"), {**hello.locale_data, "fr": fr}))
    titles = {item.slug: item.title for item in site.workspace().list_unpublished()}
    assert titles == {"hello": "Hello (draft)"}


def test_opening_a_listed_translated_entry_reads_its_translations_from_the_cache(tmp_path: Path) -> None:
    site = make_site(tmp_path, "multiple_files")  # the sandbox backend: files change only with the head
    ws = site.workspace()
    hello = next(e for e in ws.load_collection("posts") if e.slug == "hello")
    beans = next(e for e in ws.load_collection("posts") if e.slug == "beans")
    site.counting.calls.clear()
    assert set(ws.open_entry("posts", hello.path).locale_data) == {"fr", "de"}
    assert set(ws.open_entry("posts", beans.path).locale_data) == {"fr"}  # no German file listed: none read
    assert site.counting.calls["read_file"] == 0 and site.counting.calls["read_files"] == 0


def test_a_translation_edited_in_the_working_copy_shows_when_the_entry_opens(tmp_path: Path) -> None:
    site = make_site(tmp_path, "multiple_folders", "local")
    ws = site.workspace()
    beans = next(e for e in ws.load_collection("posts") if e.slug == "beans")
    folder = tmp_path / "seed" / "repo"
    (folder / "content/posts/fr/beans.md").write_text("---\ntitle: Haricots grimpants\n---\n", "utf-8")
    (folder / "content/posts/de/beans.md").write_text("---\ntitle: Bohnen\n---\n", "utf-8")
    opened = ws.open_entry("posts", beans.path)
    assert opened.locale_data["fr"]["title"] == "Haricots grimpants"
    assert opened.locale_data["de"]["title"] == "Bohnen"


def test_a_translation_that_does_not_parse_is_left_as_it_is(tmp_path: Path) -> None:
    from editor_app.backends.base import FileChange

    site = make_site(tmp_path, "multiple_folders")
    broken = b"---\ntitle: [unclosed\n---\nCass\xc3\xa9\n"
    site.inner.commit([FileChange(path=site.path("hello", "fr"), data=broken)], "a broken translation")
    ws, hello = open_hello(site)
    french = hello.locale_file("fr")
    assert french is not None and french.parse_error is not None and "fr" not in hello.locale_data
    ws.save_entry(hello.with_data(dict(hello.data, title="Hello, world"), hello.locale_data))
    assert site.read(site.path("hello", "fr")) == broken
    assert "title: Hello, world" in site.read(site.path("hello", "en")).decode()


def test_typing_into_a_translation_that_does_not_parse_refuses_the_save(tmp_path: Path) -> None:
    from editor_app.backends.base import FileChange
    from editor_app.errors import ContentError

    site = make_site(tmp_path, "multiple_folders")
    broken = b"---\ntitle: [unclosed\n---\n"
    site.inner.commit([FileChange(path=site.path("hello", "fr"), data=broken)], "a broken translation")
    ws, hello = open_hello(site)
    with pytest.raises(ContentError, match="fr translation does not parse") as caught:
        ws.save_entry(hello.with_data(hello.data, {**hello.locale_data, "fr": {"title": "Nouveau"}}))
    assert caught.value.path == site.path("hello", "fr")
    assert site.read(site.path("hello", "fr")) == broken
