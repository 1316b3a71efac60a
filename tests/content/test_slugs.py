"""Slugs and entry paths: Decap's templates and sanitising, unique names, and paths that stay in their folder."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime

import pytest

from editor_app.config.loader import parse_site_config
from editor_app.config.site_config import SlugConfig
from editor_app.content.slugs import (
    check_relative_path,
    entry_path,
    join_inside,
    new_entry_location,
    sanitize_slug,
    slug_for_entry,
    slug_from_path,
    unique_slug,
)
from editor_app.errors import ContentError

NOW = datetime(2024, 3, 9, 22, 5, 7, tzinfo=UTC)


def site(collection_yaml: str, slug: str = ""):
    text = "backend: {name: test-repo}\nmedia_folder: m\n" + slug + "collections:\n" + textwrap.indent(
        textwrap.dedent(collection_yaml).strip("\n"), "  ")
    return parse_site_config(text)


POSTS = """
- name: posts
  label: Posts
  folder: content/posts
  slug: "{{year}}-{{month}}-{{day}}-{{hour}}{{minute}}{{second}}-{{slug}}"
  fields: [{name: title, label: Title}, {name: author, label: Author}]
"""


def test_slug_template_uses_identifier_and_utc_date_parts():
    s = site(POSTS)
    posts = s.collections[0]
    assert slug_for_entry(posts, {"title": "Hello World"}, s.slug, now=NOW) == "2024-03-09-220507-hello-world"
    # The entry's own date field wins over "now", converted to UTC.
    data = {"title": "Hi", "date": "2024-01-01T01:30:00+02:00"}
    assert slug_for_entry(posts, data, s.slug, now=NOW) == "2023-12-31-233000-hi"


def test_slug_processing_follows_decap():
    config = SlugConfig()
    s = site("""
        - {name: a, label: A, folder: a, fields: [{name: title, label: T}]}
    """)
    a = s.collections[0]
    assert slug_for_entry(a, {"title": "  It's Version 2.5: Ünïcode/Path?  "}, config) == "its-version-2-5-ünïcode-path"
    assert slug_for_entry(a, {"title": "日本語 タイトル"}, config) == "日本語-タイトル"


def test_slug_encoding_ascii_clean_accents_and_replacement():
    ascii_only = SlugConfig(encoding="ascii", clean_accents=False, sanitize_replacement="-")
    assert sanitize_slug("crème brûlée", ascii_only) == "cr-me-br-l-e"
    cleaned = SlugConfig(encoding="ascii", clean_accents=True, sanitize_replacement="_")
    assert sanitize_slug("crème brûlée straße", cleaned) == "creme_brulee_strasse"
    unicode = SlugConfig(encoding="unicode", clean_accents=True)
    assert sanitize_slug("Ærø — ok", unicode) == "AEro-—-ok"
    assert sanitize_slug("--a  b--", SlugConfig()) == "a-b"
    assert sanitize_slug("con", SlugConfig()) == ""


def test_fields_prefix_and_bare_field_names_and_nested_paths():
    s = site("""
        - name: docs
          label: Docs
          folder: docs
          identifier_field: heading
          slug: "{{fields.author}}-{{slug}}-{{meta.lang}}"
          fields: [{name: heading, label: H}, {name: author, label: A},
                   {name: meta, label: M, widget: object, fields: [{name: lang, label: L}]}]
    """)
    docs = s.collections[0]
    data = {"heading": "Getting Started", "author": "Ann Lee", "meta": {"lang": "EN"}}
    assert slug_for_entry(docs, data, s.slug, now=NOW) == "ann-lee-getting-started-en"


def test_missing_identifier_is_a_clear_error():
    s = site(POSTS)
    with pytest.raises(ContentError, match="needs a value in 'title'"):
        slug_for_entry(s.collections[0], {"title": ""}, s.slug, now=NOW)


def test_path_template_keeps_the_slug_and_adds_the_extension():
    s = site("""
        - name: pages
          label: Pages
          folder: content/pages
          path: "{{category}}/{{slug}}/index"
          format: json
          fields: [{name: title, label: T}, {name: category, label: C}]
    """)
    pages = s.collections[0]
    data = {"title": "About Us", "category": "Company Info"}
    slug = slug_for_entry(pages, data, s.slug, now=NOW)
    assert slug == "about-us"
    assert entry_path(pages, slug, data, s.slug, now=NOW) == "content/pages/company-info/about-us/index.json"
    assert slug_from_path(pages, "content/pages/company-info/about-us/index.json") == "company-info/about-us/index"


def test_unique_slug_appends_counter_and_never_overwrites():
    taken = {"content/posts/hello.md", "content/posts/hello-1.md"}
    s = site("""
        - {name: posts, label: Posts, folder: content/posts, fields: [{name: title, label: T}]}
    """)
    slug, path = new_entry_location(s.collections[0], {"title": "Hello"}, s.slug, taken.__contains__, now=NOW)
    assert (slug, path) == ("hello-2", "content/posts/hello-2.md")
    assert unique_slug("a", {"a", "a_1"}.__contains__, "_") == "a_2"
    assert unique_slug("free", lambda s: False) == "free"


def test_entry_slug_is_path_minus_folder_and_extension():
    s = site("""
        - {name: posts, label: Posts, folder: content/posts, extension: markdown, format: frontmatter,
           fields: [{name: title, label: T}]}
    """)
    posts = s.collections[0]
    assert slug_from_path(posts, "content/posts/2024-01-01-hi.markdown") == "2024-01-01-hi"
    assert slug_from_path(posts, "content/posts/sub/dir/page.markdown") == "sub/dir/page"


@pytest.mark.parametrize("bad", ["../escape", "a/../../b", "/etc/passwd", "C:\\x", "a\x00b", "a\nb", "a//b", "./a", ""])
def test_unsafe_paths_are_refused(bad):
    with pytest.raises(ContentError):
        check_relative_path(bad)


def test_generated_path_never_leaves_the_collection_folder():
    s = site("""
        - name: pages
          label: Pages
          folder: content
          path: "{{section}}/{{slug}}"
          fields: [{name: title, label: T}, {name: section, label: S}]
    """)
    pages = s.collections[0]
    # Values are sanitised, so data cannot inject a parent directory...
    assert entry_path(pages, "x", {"section": "../../etc"}, s.slug) == "content/etc/x.md"
    # ...and a raw relative path with one is refused outright.
    with pytest.raises(ContentError, match="leaves its folder"):
        join_inside("content", "../outside.md")
    assert join_inside("/content/", "a/b.md") == "content/a/b.md"


def test_i18n_paths_follow_decaps_structures():
    from editor_app.content.slugs import locale_from_path, locale_path, path_without_locale

    assert locale_path("multiple_folders", "content/posts/hello.md", "hello", "de", "md") == "content/posts/de/hello.md"
    assert locale_path("multiple_files", "content/posts/hello.md", "hello", "de", "md") == "content/posts/hello.de.md"
    assert locale_path("single_file", "content/posts/hello.md", "hello", "de", "md") == "content/posts/hello.md"
    assert locale_from_path("multiple_folders", "content/posts/de/hello.md", "md") == "de"
    assert locale_from_path("multiple_files", "content/posts/hello.de.md", "md") == "de"
    assert locale_from_path("single_file", "content/posts/hello.md", "md") is None
    assert path_without_locale("multiple_folders", "content/posts/de/hello.md", "de") == "content/posts/hello.md"
    assert path_without_locale("multiple_files", "content/posts/hello.de.md", "de") == "content/posts/hello.md"
    assert path_without_locale("multiple_folders", "code/posts/de/hello.md", "de") == "code/posts/hello.md"


def test_a_slug_made_of_other_fields_needs_no_identifier():
    s = site("""
        - {name: people, label: People, folder: people, create: true, slug: "{{name}}-{{fields.from}}",
           fields: [{name: name, label: Name}, {name: from, label: From}]}
    """)
    people = s.collections[0]
    assert people.identifier_field_name() is None
    assert slug_for_entry(people, {"name": "Ada Lovelace", "from": "London"}, s.slug, now=NOW) == "ada-lovelace-london"
    # One field left empty still gives a name, as in Decap (the separator stays): only an empty slug is refused.
    assert slug_for_entry(people, {"name": "Ada"}, s.slug, now=NOW) == "ada-"


def test_an_empty_slug_names_the_fields_to_fill_in():
    from editor_app.content.slugs import EmptyFileNameError

    s = site("""
        - {name: people, label: People, folder: people, create: true, slug: "{{name}}",
           fields: [{name: name, label: Full name}]}
        - {name: posts, label: Posts, folder: posts, create: true, fields: [{name: heading, label: Heading}]}
    """)
    people, posts = s.collections
    with pytest.raises(EmptyFileNameError) as info:
        slug_for_entry(people, {"name": "  "}, s.slug, now=NOW)
    assert info.value.fields == ["name"]
    assert str(info.value) == "the entry's file name would be empty: fill in 'name' (Full name)"
    # {{slug}} without any identifier field: say how to fix the config, not "path is absolute".
    with pytest.raises(EmptyFileNameError, match="set 'identifier_field'"):
        slug_for_entry(posts, {"heading": "Hello"}, s.slug, now=NOW)


def test_a_path_template_with_an_empty_field_names_that_field():
    from editor_app.content.slugs import EmptyFileNameError

    s = site("""
        - name: pages
          label: Pages
          folder: content
          create: true
          path: "{{section}}/{{slug}}"
          fields: [{name: title, label: Title}, {name: section, label: Section}]
    """)
    pages = s.collections[0]
    with pytest.raises(EmptyFileNameError) as info:
        entry_path(pages, "hello", {"title": "Hello", "section": ""}, s.slug, now=NOW)
    assert info.value.fields == ["section"]
    assert "would have an empty folder name: fill in 'section' (Section)" in str(info.value)
    assert "absolute" not in str(info.value)


@pytest.mark.parametrize("char", ["a", "é", "日", "😀"])
def test_a_very_long_title_gives_a_file_name_that_fits_255_bytes(tmp_path, char):
    s = site("""
        - {name: posts, label: Posts, folder: posts, create: true, fields: [{name: title, label: T}]}
    """)
    posts = s.collections[0]
    title = char * 400
    taken: set[str] = set()
    for _ in range(3):  # the counter that keeps a name unique must fit too
        slug, path = new_entry_location(posts, {"title": title}, s.slug, taken.__contains__, now=NOW)
        taken.add(path)
        name = path.rsplit("/", 1)[1]
        assert name.endswith(".md") and len(name.encode("utf-8")) <= 255
        assert slug.startswith(char * 10) and len(slug.encode()) >= 255 - 3 - 12 - 4  # cut, not emptied
        (tmp_path / name).write_text("x", encoding="utf-8")  # the file system takes it: no OSError
    assert len(taken) == 3


def test_a_long_path_template_segment_is_cut_to_fit_too():
    s = site("""
        - {name: posts, label: Posts, folder: posts, create: true, path: "{{year}}-{{slug}}",
           fields: [{name: title, label: T}]}
    """)
    posts = s.collections[0]
    slug = slug_for_entry(posts, {"title": "ü" * 300}, s.slug, now=NOW)
    path = entry_path(posts, slug, {"title": "ü" * 300}, s.slug, now=NOW)
    assert path.startswith("posts/2024-üü") and len(path.rsplit("/", 1)[1].encode()) <= 255
