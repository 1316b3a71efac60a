"""Folders and files that can never be in the repository are refused with file and line; Decap's forms pass."""

from __future__ import annotations

import io

import pytest

from editor_app.config.check import main as check_config
from editor_app.config.loader import parse_site_config
from editor_app.errors import ConfigError

HEAD = "backend: {name: github, repo: o/r}\nmedia_folder: {media}\ncollections:\n"


def load(media: str = "static/img", collection: str = "") -> list[str]:
    text = HEAD.replace("{media}", media) + collection
    try:
        parse_site_config(text, "config.yml")
    except ConfigError as error:
        return [str(p) for p in error.problems]
    return []


POSTS = "  - {name: posts, label: Posts, folder: %s, fields: [{name: title, label: T}]}\n"


@pytest.mark.parametrize(("folder", "why"), [
    ("../outside", "leaves the repository"),
    ("content/../../outside", "leaves the repository"),
    ("C:\\\\Users\\\\me\\\\site\\\\posts", "is a path on this computer"),
    ("/home/me/site/content/posts", "is a path on this computer"),
    ("~/site/posts", "is a path on this computer"),
])
def test_a_collection_folder_outside_the_repository_is_refused_with_its_line(folder, why):
    found = load(collection=POSTS % f'"{folder}"')
    assert len(found) == 1, found
    assert found[0].startswith("config.yml:4:33: collections[0].folder: '") and why in found[0]


@pytest.mark.parametrize("folder", ["content/posts", "/content/posts", "content/../content/posts", "_posts/"])
def test_folders_decap_accepts_still_load(folder):
    assert load(collection=POSTS % f'"{folder}"') == []


def test_media_folders_and_files_outside_the_repository_are_refused():
    assert load(media="../shared/img", collection=POSTS % "posts") == [
        "config.yml:2:1: media_folder: '../shared/img' leaves the repository ('..' climbs above its root); "
        "every path must stay inside it"]
    found = load(collection=(
        "  - name: posts\n    label: Posts\n    folder: content/posts\n    media_folder: ../../../img\n"
        "    fields: [{name: title, label: T}]\n"
        "  - name: settings\n    label: Settings\n    files:\n"
        "      - {name: site, label: Site, file: ../site.yml, fields: [{name: t, label: T}]}\n"
        "      - {name: menu, label: Menu, file: data/menu.yml, media_folder: ../../up,"
        " fields: [{name: t, label: T}]}\n"
        "      - {name: nav, label: Nav, file: data/nav.yml, fields: [{name: p, label: P, widget: image,"
        " media_folder: 'D:/pictures'}]}\n"
    ))
    assert [f.split(": '")[0] for f in found] == [
        "config.yml:7:5: collections[0].media_folder",
        "config.yml:12:35: collections[1].files[0].file",
        "config.yml:13:56: collections[1].files[1].media_folder",
        "config.yml:14:97: collections[1].files[2].fields[0].media_folder",
    ]


def test_relative_and_templated_media_folders_decap_accepts_still_load():
    assert load(collection=(
        "  - name: posts\n    label: Posts\n    folder: content/posts\n    media_folder: ../../static/img\n"
        "    fields: [{name: title, label: T}]\n"
        "  - name: bundles\n    label: Bundles\n    folder: content/bundles\n    path: '{{slug}}/index'\n"
        "    media_folder: '{{media_folder}}/{{dirname}}/../{{filename}}'\n    fields: [{name: title, label: T}]\n"
        "  - name: pages\n    label: Pages\n    folder: content/pages\n    media_folder: ''\n    public_folder: ''\n"
        "    fields: [{name: title, label: T, widget: image, media_folder: ../img}]\n"
    )) == []


def test_check_config_refuses_a_folder_outside_with_exit_2(tmp_path):
    path = tmp_path / "config.yml"
    path.write_text(HEAD.replace("{media}", "img") + POSTS % "../outside", encoding="utf-8")
    err = io.StringIO()
    assert check_config([str(path)], out=io.StringIO(), err=err) == 2
    assert f"{path}:4:33: collections[0].folder: '../outside' leaves the repository" in err.getvalue()
