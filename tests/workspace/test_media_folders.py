"""The workspace's media folders and public paths come from content/media_paths (Decap's rules), resolved once."""

from __future__ import annotations

import textwrap
from pathlib import Path

from editor_app.config.loader import parse_site_config
from editor_app.workspace import content_bridge
from tests.workspace.helpers import make_env

SITE = parse_site_config(textwrap.dedent("""\
    backend: {name: test-repo}
    media_folder: static/img
    public_folder: /img
    collections:
      - name: posts
        label: Posts
        folder: content/posts
        media_folder: ../../static/blog
        public_folder: /blog
        fields: [{name: title, label: T}]
      - name: notes
        label: Notes
        folder: content/notes
        media_folder: images
        public_folder: images
        fields: [{name: title, label: T}]
      - name: gallery
        label: Gallery
        folder: content/gallery
        media_folder: "{{media_folder}}/gallery"
        public_folder: "{{public_folder}}/gallery"
        fields: [{name: title, label: T}]
      - name: bundles
        label: Bundles
        folder: content/bundles
        media_folder: "{{media_folder}}/{{filename}}"
        fields: [{name: title, label: T}]
      - name: pages
        label: Pages
        files:
          - {name: about, label: About, file: content/about/index.md, media_folder: pics, public_folder: pics,
             fields: [{name: title, label: T}]}
    """))


def test_relative_and_templated_media_folders_are_resolved_not_skipped():
    assert content_bridge.media_folders(SITE) == [
        ("static/img", "/img"),
        ("static/blog", "/blog"),  # relative to the entries' folder
        ("content/notes/images", "images"),
        ("static/img/gallery", "/img/gallery"),  # {{media_folder}}
        ("content/about/pics", "pics"),  # a file's folder is relative to that file
    ]  # {{filename}} differs per entry: no one folder to list


def test_public_paths_use_the_public_folder_of_the_media_folder_the_file_is_in():
    assert content_bridge.public_path(SITE, "static/img/a.png") == "/img/a.png"
    assert content_bridge.public_path(SITE, "static/blog/b.png") == "/blog/b.png"
    assert content_bridge.public_path(SITE, "static/img/gallery/c.png") == "/img/gallery/c.png"
    assert content_bridge.public_path(SITE, "content/notes/images/d.png") == "images/d.png"
    assert content_bridge.public_path(SITE, "logo.png") == "/logo.png"


def test_the_workspace_lists_and_links_media_through_the_one_implementation(tmp_path: Path):
    ws = make_env(tmp_path).workspace(site=SITE)
    assert ws.media_folders() == ["static/img", "static/blog", "content/notes/images", "static/img/gallery",
                                  "content/about/pics"]
    assert ws.public_path("static/blog/b.png") == "/blog/b.png"
