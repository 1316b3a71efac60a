"""The site config loader: Decap's options, defaults, YAML 1.2 rules, and errors with file, line and path."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from editor_app.config.loader import load_site_config, parse_site_config
from editor_app.config.site_config import DEFAULT_COMMIT_MESSAGES
from editor_app.errors import ConfigError
from tests.conftest import shared_path


def config(text: str):
    return parse_site_config(textwrap.dedent(text).lstrip("\n"), "config.yml")


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        config(text)
    return [str(p) for p in info.value.problems]


MINIMAL = """
backend:
  name: github
  repo: owner/site
media_folder: static/img
collections:
  - name: posts
    label: Posts
    folder: content/posts
    fields:
      - {name: title, label: Title}
"""


def all_dev_test_configs() -> list[Path]:
    root = shared_path("fixtures", "decap-dev-test")
    return [root / "config.yml", *sorted(root.glob("backends/*/config.yml"))]


def test_every_decap_dev_test_config_loads_without_error():
    paths = all_dev_test_configs()
    assert len(paths) >= 8
    for path in paths:
        site = load_site_config(path)
        assert site.collections, path
        assert all(w.severity == "warning" for w in site.warnings)


def test_kitchen_sink_config_model():
    site = load_site_config(shared_path("fixtures", "decap-dev-test", "config.yml"))
    assert site.backend.name == "test-repo"
    assert site.publish_mode == "editorial_workflow"
    assert site.media_folder == "assets/uploads"
    assert site.public_folder == "/assets/uploads"
    assert site.display_url == site.site_url == "https://example.com"
    posts = site.collection_named("posts")
    assert posts.is_folder and posts.folder == "_posts" and posts.create
    assert posts.slug == "{{year}}-{{month}}-{{day}}-{{slug}}"
    assert [s.field for s in posts.sortable_fields] == ["title", "date", "draft"]
    assert posts.sortable_fields[1].default_sort == "desc"
    assert posts.view_filters[2].pattern is True and posts.view_filters[0].id == "title__This is post #"
    assert posts.view_groups[0].pattern == r"\d{4}" and posts.view_groups[1].pattern is None
    date = posts.field_named("date")
    assert date.widget == "datetime" and date.options["format"] == "YYYY-MM-DD HH:mm" and date.default == "{{now}}"
    settings = site.collection_named("settings")
    assert settings.is_files and not settings.delete
    assert [f.file for f in settings.files] == ["_data/settings.json", "_data/authors.yml"]
    sink = site.collection_named("kitchenSink")
    custom = sink.fields[0]
    assert custom.widget == "relationKitchenSinkPost" and not custom.is_builtin_widget
    pages = site.collection_named("pages")
    assert pages.nested is not None and pages.nested.depth == 100
    assert pages.fields[0].name == "path" and pages.fields[0].meta


def test_defaults_follow_decap():
    site = config(MINIMAL)
    assert site.publish_mode == "simple"
    assert site.public_folder == "/static/img"
    assert (site.slug.encoding, site.slug.clean_accents, site.slug.sanitize_replacement) == ("unicode", False, "-")
    assert site.backend.branch is None  # the backend asks the host for the default branch
    assert site.backend.commit_messages == DEFAULT_COMMIT_MESSAGES
    assert site.editor == {"preview": True, "notes": False}
    posts = site.collections[0]
    assert posts.create is False and posts.delete is True and posts.publish is True
    assert posts.slug == "{{slug}}" and posts.entry_extension == "md"
    assert posts.identifier_field_name() == "title"
    assert [s.field for s in posts.sortable_fields] == ["commit_date", "title", "commit_author"]
    field = posts.fields[0]
    assert field.widget == "string" and field.required and field.is_builtin_widget


def test_every_backend_option_is_read():
    site = config("""
        backend:
          name: gitlab
          repo: group/site
          branch: develop
          api_root: https://git.example.com/api/v4
          graphql_api_root: https://git.example.com/api/graphql
          site_domain: example.netlify.app
          base_url: https://auth.example.com
          auth_endpoint: oauth/authorize
          auth_type: pkce
          app_id: abc123
          preview_context: deploy/netlify
          cms_label_prefix: cms/
          squash_merges: true
          open_authoring: true
          use_graphql: true
          identity_url: https://id.example.com
          gateway_url: https://gw.example.com
          proxy_url: http://localhost:8081/api/v1
          signoff_commits: true
          commit_messages:
            create: "New {{collection}} {{slug}}"
          custom_option: kept
        media_folder: img
        site_url: https://site.example.com
        display_url: https://display.example.com
        logo_url: https://site.example.com/logo.svg
        local_backend: {url: http://localhost:8082/api/v1}
        show_preview_links: false
        search: false
        editor: {preview: false}
        slug: {encoding: ascii, clean_accents: true, sanitize_replacement: _}
        i18n: {structure: multiple_folders, locales: [en, de]}
        collections:
          - {name: a, label: A, folder: a, i18n: true, fields: [{name: title, label: T, i18n: true}]}
    """)
    b = site.backend
    assert (b.name, b.repo, b.branch, b.api_root, b.graphql_api_root) == (
        "gitlab", "group/site", "develop", "https://git.example.com/api/v4", "https://git.example.com/api/graphql")
    assert (b.site_domain, b.base_url, b.auth_endpoint, b.auth_type, b.app_id) == (
        "example.netlify.app", "https://auth.example.com", "oauth/authorize", "pkce", "abc123")
    assert (b.preview_context, b.cms_label_prefix, b.squash_merges, b.open_authoring, b.use_graphql) == (
        "deploy/netlify", "cms/", True, True, True)
    assert (b.identity_url, b.gateway_url, b.proxy_url, b.signoff_commits) == (
        "https://id.example.com", "https://gw.example.com", "http://localhost:8081/api/v1", True)
    assert b.commit_messages["create"] == "New {{collection}} {{slug}}"
    assert b.commit_messages["update"] == DEFAULT_COMMIT_MESSAGES["update"]
    assert b.get("custom_option") == "kept"
    assert site.display_url == "https://display.example.com" and site.logo_url.endswith("logo.svg")
    assert site.local_backend == {"url": "http://localhost:8082/api/v1"}
    assert site.show_preview_links is False and site.search is False and site.editor["preview"] is False
    assert (site.slug.encoding, site.slug.clean_accents, site.slug.sanitize_replacement) == ("ascii", True, "_")
    assert site.i18n.default_locale == "en" and site.collections[0].i18n.locales == ["en", "de"]
    assert site.collections[0].fields[0].i18n == "translate"


def test_collection_options():
    site = config("""
        backend: {name: git-gateway}
        media_folder: static
        collections:
          - name: docs
            label: Docs
            label_singular: Doc
            description: All docs
            folder: /content/docs/
            create: true
            delete: false
            hide: true
            publish: false
            format: toml-frontmatter
            extension: markdown
            frontmatter_delimiter: ["<!--", "-->"]
            identifier_field: heading
            summary: "{{heading | upper}}"
            path: "{{category}}/{{slug}}"
            preview_path: "docs/{{slug}}"
            media_folder: ""
            public_folder: /docs
            filter: {field: lang, value: en}
            nested: {depth: 3, subfolders: false, summary: "{{heading}}"}
            meta: {path: {widget: string, label: Path, index_file: index}}
            sortableFields: [heading]
            fields:
              - {name: heading, label: Heading}
              - {name: category, label: Category, widget: select, options: [a, {label: B, value: b}]}
    """)
    docs = site.collections[0]
    assert docs.folder == "content/docs" and docs.label_singular == "Doc" and docs.description == "All docs"
    assert (docs.create, docs.delete, docs.hide, docs.publish) == (True, False, True, False)
    assert docs.format == "toml-frontmatter" and docs.entry_extension == "markdown"
    assert docs.frontmatter_delimiter == ["<!--", "-->"]
    assert docs.identifier_field_name() == "heading"
    assert docs.path == "{{category}}/{{slug}}" and docs.preview_path == "docs/{{slug}}"
    assert docs.media_folder == "" and docs.public_folder == "/docs"
    assert docs.filter == {"field": "lang", "value": "en"}
    assert (docs.nested.depth, docs.nested.subfolders, docs.nested.summary) == (3, False, "{{heading}}")
    assert docs.fields[0].meta and docs.fields[0].options["index_file"] == "index"
    assert [s.field for s in docs.sortable_fields] == ["heading"]
    assert any("sortableFields" in w.message for w in site.warnings)


def test_fields_cover_every_builtin_widget_and_nesting():
    site = config("""
        backend: {name: test-repo}
        media_folder: m
        collections:
          - name: all
            label: All
            folder: all
            fields:
              - {name: title, label: Title, widget: string, hint: h, pattern: ['^.{1,5}$', 'too long']}
              - {name: text, label: Text, widget: text, default: x}
              - {name: n, label: N, widget: number, value_type: float, min: 0, max: 10, step: 0.5}
              - {name: b, label: B, widget: boolean, default: false}
              - {name: dt, label: DT, widget: datetime, format: YYYY, date_format: DD.MM.YYYY,
                 time_format: false, picker_utc: true}
              - {name: s, label: S, widget: select, options: [1, 2], multiple: true, min: 1, max: 2}
              - {name: img, label: I, widget: image, allow_multiple: false, choose_url: true,
                 media_folder: /x, public_folder: /y}
              - {name: f, label: F, widget: file, media_library: {config: {max_file_size: 1}}}
              - {name: md, label: MD, widget: markdown, minimal: true, buttons: [bold, quote],
                 editor_components: [image], modes: [raw]}
              - {name: rt, label: RT, widget: richtext}
              - name: l1
                label: L1
                widget: list
                field: {name: item, label: Item, widget: string}
              - name: l2
                label: L2
                widget: list
                allow_add: false
                collapsed: true
                summary: "{{fields.a}}"
                label_singular: Thing
                min: 1
                max: 3
                add_to_top: true
                fields: [{name: a, label: A}, {name: o, label: O, widget: object, fields: [{name: deep, label: D}]}]
              - name: l3
                label: L3
                widget: list
                typeKey: kind
                types: [{name: t1, label: T1, widget: object, fields: [{name: x, label: X}]}]
              - {name: r, label: R, widget: relation, collection: all, valueField: title, searchFields: [title],
                 displayFields: [title], optionsLength: 5, file: f, multiple: true,
                 filters: [{field: b, values: [true]}]}
              - {name: map, label: Map, widget: map, decimals: 5, type: Polygon}
              - {name: code, label: Code, widget: code, default_language: python, allow_language_selection: true,
                 keys: {code: c, lang: l}, output_code_only: false}
              - {name: color, label: Color, widget: color, allowInput: true, enableAlpha: true}
              - {name: h, label: H, widget: hidden, default: x}
              - {name: c, label: C, comment: "a comment", i18n: duplicate, required: false}
    """)
    fields = {f.name: f for f in site.collections[0].fields}
    assert fields["title"].pattern == ("^.{1,5}$", "too long") and fields["title"].hint == "h"
    assert fields["n"].options == {"value_type": "float", "min": 0, "max": 10, "step": 0.5}
    assert fields["dt"].options["date_format"] == "DD.MM.YYYY" and fields["dt"].options["time_format"] is False
    assert fields["s"].options["options"] == [1, 2]
    assert fields["img"].media_folder == "/x" and fields["img"].public_folder == "/y"
    assert fields["md"].options["buttons"] == ["bold", "quote"]
    assert fields["l1"].field.name == "item"
    assert [f.name for f in fields["l2"].fields] == ["a", "o"] and fields["l2"].fields[1].fields[0].name == "deep"
    assert fields["l2"].options["allow_add"] is False and fields["l2"].options["label_singular"] == "Thing"
    assert fields["l3"].type_key == "kind" and fields["l3"].types[0].fields[0].name == "x"
    relation = fields["r"].options
    assert relation["value_field"] == "title" and relation["search_fields"] == ["title"]
    assert relation["display_fields"] == ["title"] and relation["options_length"] == 5
    assert fields["map"].options["type"] == "Polygon"
    assert fields["code"].options["keys"] == {"code": "c", "lang": "l"}
    assert fields["color"].options == {"allow_input": True, "enable_alpha": True}
    assert fields["h"].widget == "hidden" and fields["h"].is_builtin_widget
    assert fields["c"].comment == "a comment" and fields["c"].i18n == "duplicate" and not fields["c"].required
    warned = {w.message for w in site.warnings}
    assert any("valueField" in m for m in warned) and any("allowInput" in m for m in warned)


def test_yaml_1_2_scalars_like_decap():
    site = config("""
        backend: {name: test-repo, repo: yes}
        media_folder: on
        site_url: 2024-01-02
        collections:
          - name: c
            label: C
            folder: c
            fields:
              - {name: title, label: Title, default: no}
              - {name: n, label: N, widget: number, default: 0777}
              - {name: o, label: O, widget: number, default: 0o17}
    """)
    assert site.backend.repo == "yes" and site.media_folder == "on" and site.site_url == "2024-01-02"
    fields = site.collections[0].fields
    assert fields[0].default == "no" and fields[1].default == 777 and fields[2].default == 15


def test_anchors_aliases_and_merge_keys():
    site = config("""
        backend: {name: test-repo}
        media_folder: m
        x-common: &common
          folder: shared
          create: true
          fields: &fields
            - {name: title, label: Title}
        collections:
          - <<: *common
            name: one
            label: One
          - <<: *common
            name: two
            label: Two
            folder: other
            fields: *fields
    """)
    one, two = site.collections
    assert (one.folder, one.create, [f.name for f in one.fields]) == ("shared", True, ["title"])
    assert (two.folder, two.create) == ("other", True)


def test_crlf_and_bom_are_accepted(tmp_path):
    text = "\ufeff" + textwrap.dedent(MINIMAL).lstrip("\n").replace("\n", "\r\n")
    path = tmp_path / "config.yml"
    path.write_bytes(text.encode("utf-8"))
    site = load_site_config(path)
    assert site.collections[0].fields[0].name == "title"


def test_errors_name_file_line_and_option_path_and_all_are_reported():
    found = problems("""
        backend:
          name: github
          squash_merges: "yes"
        media_folder: m
        publish_mode: editorial
        collections:
          - name: posts
            label: Posts
            folder: posts
            fields:
              - {name: title, label: Title}
              - {name: n, label: N, widget: number, value_type: decimal}
              - {name: s, label: S, widget: select}
              - {name: r, label: R, widget: relation, collection: posts, value_field: title, search_field: [title]}
              - {name: l, label: L, widget: list, colapsed: true}
    """)
    text = "\n".join(found)
    assert "config.yml:3:3: backend.squash_merges: must be true or false, not string" in found
    assert "config.yml:5:1: publish_mode: 'editorial' is not one of: '', editorial_workflow, simple" in found
    assert "config.yml:12:45: collections[0].fields[1].value_type: 'decimal' is not one of: float, int" in found
    assert "config.yml:13:9: collections[0].fields[2]: select widget needs 'options'" in found
    assert "config.yml:14:9: collections[0].fields[3]: relation widget needs 'search_fields'" in text
    assert "unknown relation widget option 'search_field' (did you mean 'search_fields'?)" in text
    assert "config.yml:15:43: collections[0].fields[4]: unknown list widget option 'colapsed'" in text
    assert len(found) >= 7


def test_missing_required_options_and_wrong_types():
    found = problems("""
        backend: {repo: a/b}
        collections:
          - name: posts
            folder: posts
            fields: [{label: No name}]
          - name: posts
            label: Again
            files:
              - {name: f, label: F, file: a.yml, fields: {name: x}}
    """)
    text = "\n".join(found)
    assert "config.yml:1:10: backend: missing required option 'name'" in found
    assert "missing required option 'media_folder' (or 'media_library')" in text
    assert "collections[0]: missing required option 'label'" in text
    assert "collections[0].fields[0]: missing required option 'name'" in text
    assert "collections[1].name: duplicate collection name 'posts'" in text
    assert "collections[1].files[0].fields: must be a list, not mapping" in text


def test_folder_and_files_together_and_identifier_are_checked():
    found = problems("""
        backend: {name: test-repo}
        media_folder: m
        collections:
          - {name: a, label: A, folder: a, files: [], fields: [{name: title, label: T}]}
          - {name: c, label: C, folder: c, extension: adoc, fields: [{name: title, label: T}]}
    """)
    text = "\n".join(found)
    assert "collections[0]: needs exactly one of 'folder' (with 'fields') or 'files'" in text
    assert "collections[1].extension: 'adoc' needs a 'format'" in text


def test_a_collection_without_an_identifier_loads_as_decap_loads_it():
    site = config("""
        backend: {name: test-repo}
        media_folder: m
        collections:
          - {name: people, label: People, folder: people, create: true, slug: "{{name}}",
             fields: [{name: name, label: Name}]}
          - {name: ids, label: Ids, folder: ids, create: true, slug: "{{id}}-{{from}}",
             fields: [{name: id, label: Id}, {name: from, label: From}]}
          - {name: notes, label: Notes, folder: notes, fields: [{name: heading, label: H}]}
          - name: posts
            label: Posts
            folder: posts
            create: true
            fields: [{name: heading, label: H}]
          - name: events
            label: Events
            folder: events
            create: true
            slug: "{{year}}-{{slug}}"
            fields: [{name: heading, label: H}]
    """)
    assert [c.name for c in site.collections] == ["people", "ids", "notes", "posts", "events"]
    # A warning only where the slug needs the identifier ({{slug}} or the default slug) and entries can be created.
    warned = [(w.path, w.line) for w in site.warnings]
    assert warned == [("collections[3]", 13), ("collections[4]", 18)]
    assert "the default slug uses {{slug}}" in site.warnings[0].message
    assert "the slug template '{{year}}-{{slug}}' uses {{slug}}" in site.warnings[1].message


def test_sortable_fields_and_sortableFields_together_is_an_error():
    found = problems("""
        backend: {name: test-repo}
        media_folder: m
        collections:
          - name: a
            label: A
            folder: a
            sortable_fields: [title]
            sortableFields: [title]
            fields: [{name: title, label: T}]
    """)
    assert any("use either 'sortable_fields' or the deprecated 'sortableFields', not both" in p for p in found)


def test_duplicate_keys_are_errors_with_their_lines_reported_with_the_other_problems():
    found = problems("""
        backend: {name: test-repo}
        media_folder: m
        media_folder: n
        collections:
          - name: a
            label: A
            label: B
            folder: a
            fields: [{name: title, label: T, widget: nope-widget, required: maybe}]
    """)
    heads = [p.splitlines()[0] for p in found]
    assert "config.yml:3:1: media_folder: duplicate key: also set on line 2; YAML keeps only one of them, " \
           "so remove or rename one" in heads
    assert any(h.startswith("config.yml:7:5: collections[0].label: duplicate key: also set on line 6") for h in heads)
    assert "config.yml:9:59: collections[0].fields[0].required: must be true or false, not string" in found


def test_invalid_yaml_reports_the_line():
    found = problems("""
        backend: {name: test-repo
        media_folder: m
    """)
    assert found[0].startswith("config.yml:") and "invalid YAML" in found[0]


def test_custom_widget_is_a_warning_not_an_error():
    site = config("""
        backend: {name: test-repo}
        media_folder: m
        collections:
          - name: a
            label: A
            folder: a
            fields: [{name: title, label: T}, {name: where, label: W, widget: my-map, zoom: 3}]
    """)
    where = site.collections[0].fields[1]
    assert not where.is_builtin_widget and where.options == {"zoom": 3}
    assert [str(w) for w in site.warnings] == [
        "config.yml:7:63: collections[0].fields[1].widget: widget 'my-map' is not built in; "
        "'where' is edited as raw YAML"
    ]


def test_extra_options_on_builtin_widgets_are_allowed():
    site = config("""
        backend: {name: test-repo}
        media_folder: m
        collections:
          - {name: a, label: A, folder: a, fields: [{name: title, label: T, tagname: h1, placeholder: x}]}
    """)
    assert site.collections[0].fields[0].options == {"tagname": "h1", "placeholder": "x"}


def test_static_cms_forms_of_sorting_filters_and_groups():
    site = config("""
        backend: {name: github, repo: a/b}
        media_folder: m
        collections:
          - name: posts
            label: Posts
            folder: posts
            sortable_fields:
              fields: [title, date]
              default: {field: date, direction: Descending}
            view_filters:
              filters:
                - {name: drafts, label: Drafts, field: draft, pattern: true}
            view_groups:
              groups:
                - {name: year, label: Year, field: date, pattern: '\\d{4}'}
            fields: [{name: title, label: T}, {name: date, label: D, widget: datetime}]
    """)
    posts = site.collections[0]
    assert [(s.field, s.default_sort) for s in posts.sortable_fields] == [("title", None), ("date", "desc")]
    assert posts.view_filters[0].pattern is True and posts.view_filters[0].id == "draft__True"
    assert posts.view_groups[0].pattern == r"\d{4}"


def test_frontmatter_delimiter_needs_a_frontmatter_format_and_filter_patterns_are_typed():
    found = problems("""
        backend: {name: test-repo}
        media_folder: m
        i18n: {structure: multiple_folders, locales: [en, fr]}
        collections:
          - name: a
            label: A
            folder: a
            frontmatter_delimiter: "~~~"
            view_filters: [{label: L, field: n, pattern: 3}]
            fields: [{name: title, label: T}]
          - name: b
            label: B
            i18n: true
            files: [{name: f, label: F, file: f.yml, fields: [{name: title, label: T}]}]
    """)
    text = "\n".join(found)
    assert "config.yml:8:5: collections[0].frontmatter_delimiter: needs 'format' set to yaml-frontmatter" in text
    assert "config.yml:9:41: collections[0].view_filters[0].pattern: must be a string or true/false, not number" in text
    assert "collections[1].i18n: a files collection only supports the 'single_file' i18n structure" in text


def test_misspelled_camel_case_option_is_an_error_and_list_types_default_to_objects():
    found = problems("""
        backend: {name: test-repo}
        media_folder: m
        collections:
          - name: a
            label: A
            folder: a
            fields:
              - {name: title, label: T}
              - {name: r, label: R, widget: relation, collection: a, value_field: title,
                 search_fields: [title], displayFeilds: [title]}
    """)
    assert any("unknown relation widget option 'displayFeilds' (did you mean 'displayFields'?)" in p for p in found)
    site = config("""
        backend: {name: test-repo}
        media_folder: m
        collections:
          - name: a
            label: A
            folder: a
            fields:
              - {name: title, label: T}
              - {name: blocks, label: B, widget: list, types: [{name: hero, label: Hero,
                 fields: [{name: h, label: H}]}]}
    """)
    hero = site.collections[0].fields[1].types[0]
    assert hero.widget == "object" and hero.fields[0].name == "h"


def test_a_git_gateway_config_without_the_sites_address_is_warned_about():
    bare = config("""
        backend: {name: git-gateway}
        media_folder: m
        collections: [{name: a, label: A, folder: a, fields: [{name: title, label: T}]}]
    """)
    assert [str(w) for w in bare.warnings] == [
        "config.yml:1:11: backend.name: git-gateway needs the site's address to log in: set site_url "
        "(or backend.identity_url and backend.gateway_url)"
    ]
    with_site = config("""
        backend: {name: git-gateway}
        site_url: https://garden.example
        media_folder: m
        collections: [{name: a, label: A, folder: a, fields: [{name: title, label: T}]}]
    """)
    assert with_site.warnings == []


def test_a_field_keeps_preview_false_as_a_flag_and_its_widget_options_once():
    site = config("""
        backend: {name: test-repo}
        media_folder: static/img
        collections:
          - name: posts
            label: Posts
            folder: content/posts
            create: true
            fields:
              - {name: title, label: Title}
              - {name: secret, label: Secret, preview: false}
              - {name: body, label: Body, widget: markdown, editorComponents: [image]}
    """)
    title, secret, body = site.collections[0].fields
    assert (title.preview, secret.preview, body.preview) == (True, False, True)
    assert body.options == {"editor_components": ["image"]}
    # the field as written is not kept beside the typed attributes: each option has one place
    assert not hasattr(body, "raw")
