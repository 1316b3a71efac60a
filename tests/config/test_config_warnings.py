"""Warnings a site owner can act on (the config still loads, exit 0): each with file and line."""

from __future__ import annotations

import io

from editor_app.config.check import main as check_config
from editor_app.config.dialects import DIALECTS, field_option_dialects, top_level_dialects
from editor_app.config.loader import parse_site_config

HEAD = "backend: {name: github, repo: o/r}\nmedia_folder: static/img\n"


def warnings_of(text: str) -> list[str]:
    return [str(w) for w in parse_site_config(text, "config.yml").warnings]


def test_a_relation_to_a_collection_that_does_not_exist_is_a_warning_with_its_line():
    found = warnings_of(HEAD + (
        "collections:\n"
        "  - name: authors\n    label: Authors\n    folder: authors\n    fields: [{name: title, label: T}]\n"
        "  - name: posts\n    label: Posts\n    folder: posts\n    fields:\n"
        "      - {name: title, label: T}\n"
        "      - {name: author, label: A, widget: relation, collection: authors, value_field: title,"
        " search_fields: [title]}\n"
        "      - name: meta\n        label: M\n        widget: object\n        fields:\n"
        "          - {name: editor, label: E, widget: relation, collection: people, value_field: title,"
        " search_fields: [title]}\n"
    ))
    assert found == ["config.yml:18:13: collections[1].fields[2].fields[0].collection: relation to collection "
                     "'people', which does not exist (collections: authors, posts)"]


def test_top_level_options_name_the_dialect_that_has_them():
    found = warnings_of(HEAD + (
        "app_title: My site\n"
        "theme: dark\n"
        "medai_folder: typo\n"
        "definitions:\n  seo: &seo {name: seo, label: SEO, widget: object, fields: [{name: t, label: T}]}\n"
        "production:\n  site_url: https://example.com\n"
        "collections:\n  - {name: posts, label: P, folder: posts, fields: [{name: title, label: T}, *seo]}\n"
    ))
    assert found == [
        "config.yml:3:1: app_title: 'app_title' is a Sveltia CMS option; Decap CMS and this app ignore it",
        "config.yml:4:1: theme: 'theme' is a Static CMS option; Decap CMS and this app ignore it",
        "config.yml:5:1: medai_folder: 'medai_folder' is not an option of Decap CMS, Static CMS or Sveltia CMS; "
        "it is ignored",
    ]


def test_field_options_name_the_dialect_that_has_them():
    found = warnings_of(HEAD + (
        "collections:\n  - name: posts\n    label: P\n    folder: posts\n    fields:\n"
        "      - {name: title, label: T, maxlength: 80}\n"
        "      - {name: n, label: N, widget: number, prefix: '$'}\n"
        "      - {name: b, label: B, widget: string, flavour: vanilla}\n"
        "      - {name: id, label: Id, widget: uuid}\n"
    ))
    assert found == [
        "config.yml:8:33: collections[0].fields[0].maxlength: 'maxlength' is a Sveltia CMS option of the string "
        "widget; Decap CMS and this app ignore it",
        "config.yml:9:45: collections[0].fields[1].prefix: 'prefix' is a Static CMS option of the number widget; "
        "Decap CMS and this app ignore it",
        "config.yml:10:45: collections[0].fields[2].flavour: 'flavour' is not an option of the string widget in "
        "Decap CMS, Static CMS or Sveltia CMS; it is ignored",
        "config.yml:11:31: collections[0].fields[3].widget: widget 'uuid' is not built in (a Static CMS and "
        "Sveltia CMS widget); 'id' is edited as raw YAML",
    ]


def test_the_dialect_tables_agree_on_what_every_cms_shares():
    for dialect in DIALECTS:
        assert {"backend", "collections", "media_folder", "public_folder", "site_url", "slug", "i18n"} <= \
            dialect.top_level, dialect.name
    assert top_level_dialects("publish_mode") == ["Decap CMS", "Static CMS", "Sveltia CMS"]
    assert field_option_dialects("relation", "value_field") == ["Decap CMS", "Static CMS", "Sveltia CMS"]
    assert field_option_dialects("list", "allow_duplicate") == ["Sveltia CMS"]


def test_a_path_folder_made_only_of_optional_fields_is_a_warning():
    found = warnings_of(HEAD + (
        "collections:\n"
        "  - name: pages\n    label: Pages\n    folder: content\n    create: true\n"
        "    path: '{{section}}/{{slug}}'\n"
        "    fields: [{name: title, label: T}, {name: section, label: S, required: false}]\n"
        "  - name: docs\n    label: Docs\n    folder: docs\n    create: true\n"
        "    path: '{{category}}/{{slug}}'\n"
        "    fields: [{name: title, label: T}, {name: category, label: C}]\n"
        "  - name: notes\n    label: Notes\n    folder: notes\n    create: true\n"
        "    path: 'n-{{topic}}/{{slug}}'\n"
        "    fields: [{name: title, label: T}]\n"
    ))
    assert found == [
        "config.yml:4:5: collections[0].path: the folder '{{section}}' of path '{{section}}/{{slug}}' is empty when "
        "'section' is not filled in; such an entry cannot be saved (make the field required or add fixed text)"]


def test_check_config_prints_warnings_and_exits_0(tmp_path):
    path = tmp_path / "config.yml"
    path.write_text(HEAD + "app_title: X\ncollections:\n  - {name: p, label: P, folder: p, "
                    "fields: [{name: title, label: T}]}\n", encoding="utf-8")
    out = io.StringIO()
    assert check_config([str(path)], out=out, err=io.StringIO()) == 0
    assert f"  {path}:3:1: app_title: 'app_title' is a Sveltia CMS option" in out.getvalue()
