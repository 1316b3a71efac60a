"""Media folders: the site's by default; collection, file and field folders as templates relative to the entry."""

from __future__ import annotations

import dataclasses
import textwrap

import pytest

from editor_app.config.loader import parse_site_config
from editor_app.content.media_paths import media_folder_for, public_folder_for, public_path
from editor_app.errors import ContentError

SITE = parse_site_config(
    textwrap.dedent("""\
    backend: {name: test-repo}
    media_folder: static/images
    public_folder: /images
    collections:
      - name: plain
        label: Plain
        folder: content/plain
        fields: [{name: title, label: T},
                 {name: pic, label: P, widget: image, media_folder: /static/special, public_folder: /special}]
      - name: bundles
        label: Bundles
        folder: content/bundles
        path: "{{slug}}/index"
        fields: [{name: title, label: T}]
      - name: posts
        label: Posts
        folder: content/posts
        media_folder: "{{media_folder}}/posts/{{filename}}"
        public_folder: "/images/posts/{{filename}}"
        fields: [{name: title, label: T}]
      - name: pages
        label: Pages
        files:
          - {name: about, label: About, file: content/about.md, media_folder: about-media, public_folder: about-media,
             fields: [{name: title, label: T}]}
    """)
)


def collection(name):
    return SITE.collection_named(name)


def test_site_media_folder_by_default():
    assert media_folder_for(SITE, collection("plain"), entry_path="content/plain/a.md") == "static/images"
    assert public_folder_for(SITE, collection("plain"), entry_path="content/plain/a.md") == "/images"
    assert media_folder_for(SITE, None) == "static/images"


def test_field_media_folder_starting_with_slash_is_from_the_repository_root():
    pic = collection("plain").field_named("pic")
    assert media_folder_for(SITE, collection("plain"), entry_path="content/plain/a.md", field=pic) == "static/special"
    assert public_folder_for(SITE, collection("plain"), entry_path="content/plain/a.md", field=pic) == "/special"


def test_path_collections_keep_media_next_to_the_entry():
    bundles = collection("bundles")
    assert media_folder_for(SITE, bundles, entry_path="content/bundles/trip/index.md") == "content/bundles/trip"
    assert public_path(public_folder_for(SITE, bundles, entry_path="content/bundles/trip/index.md"), "a.jpg") == "a.jpg"


def test_templates_use_the_site_folder_and_file_name():
    posts = collection("posts")
    data = {"title": "Hello"}
    assert media_folder_for(SITE, posts, entry_path="content/posts/hello-world.md", data=data) == \
        "static/images/posts/hello-world"
    assert public_folder_for(SITE, posts, entry_path="content/posts/hello-world.md", data=data) == \
        "/images/posts/hello-world"


def test_files_collection_folder_is_relative_to_the_file():
    pages = collection("pages")
    about = pages.file_named("about")
    assert media_folder_for(SITE, pages, entry_path="content/about.md", file=about) == "content/about-media"
    assert public_path(public_folder_for(SITE, pages, entry_path="content/about.md", file=about), "x.png") == \
        "about-media/x.png"


def test_media_folder_cannot_leave_the_repository():
    # The loader refuses such a config; a collection made in code is still checked when its folder is resolved.
    escape = dataclasses.replace(collection("plain"), name="escape", folder="content", media_folder="../../outside")
    with pytest.raises(ContentError, match="leaves the repository"):
        media_folder_for(SITE, escape, entry_path="content/a.md")
