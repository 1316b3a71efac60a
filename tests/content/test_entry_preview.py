"""The whole-entry preview HTML: title, every field by its widget, images, nested values, dates, opt-outs."""

from __future__ import annotations

import datetime as dt

from editor_app.config.loader import parse_site_config
from editor_app.config.site_config import Field
from editor_app.content.entry_preview import (
    build_preview_html,
    field_previewed,
    format_date,
    preview_enabled,
    preview_style_path,
    title_field_name,
)

CONFIG = """
backend: {name: test-repo}
media_folder: static/img
public_folder: /img
editor: {preview_style: /static/admin/preview.css}
collections:
  - name: posts
    label: Posts
    folder: content/posts
    create: true
    fields:
      - {name: title, label: Title}
      - {name: date, label: Publish date, widget: datetime}
      - {name: day, label: Day, widget: datetime, time_format: false, format: YYYY-MM-DD}
      - {name: cover, label: Cover, widget: image}
      - {name: summary, label: Summary, widget: text}
      - {name: draft, label: Draft, widget: boolean}
      - {name: secret, label: Secret, preview: false}
      - {name: layout, widget: hidden}
      - {name: category, label: Category, widget: select, options: [{label: Garden tips, value: tips}]}
      - name: author
        label: Author
        widget: object
        fields: [{name: name, label: Name}, {name: photo, label: Photo, widget: image}]
      - {name: tags, label: Tags, widget: list}
      - name: steps
        label: Steps
        widget: list
        fields: [{name: what, label: What}, {name: note, label: Note, widget: markdown}]
      - {name: body, label: Body, widget: markdown}
  - name: settings
    label: Settings
    editor: {preview: false}
    files:
      - {name: general, label: General, file: data/general.yml, fields: [{name: site, label: Site}]}
"""

ENTRY = {
    "title": "Pruning <walnut> trees",
    "date": "2026-03-02T14:30:00.000Z",
    "day": "2026-03-05",
    "cover": "/img/walnut.jpg",
    "summary": "Line one\nLine two",
    "draft": False,
    "secret": "do not show",
    "layout": "post",
    "category": "tips",
    "author": {"name": "María Delgado", "photo": "/img/maria.png"},
    "tags": ["trees", "winter"],
    "steps": [{"what": "Sharpen", "note": "Use **clean** shears"}],
    "body": "# Why\n\nBecause *sap* flows.",
}


def site():
    return parse_site_config(CONFIG)


def posts_fields() -> list[Field]:
    return site().collections[0].fields


def test_title_is_the_heading_and_escaped():
    html = build_preview_html(posts_fields(), ENTRY, title_field="title")
    assert html.startswith('<h1 class="entry-title">Pruning &lt;walnut&gt; trees</h1>')
    assert "<b>Title</b>" not in html  # the heading is the title, not a labelled field


def test_every_field_is_rendered_by_its_widget():
    html = build_preview_html(posts_fields(), ENTRY, title_field="title")
    assert "<b>Summary</b>" in html and "Line one<br>Line two" in html
    assert "<p>No</p>" in html  # boolean
    assert "<p>Garden tips</p>" in html  # select shows its option's label
    assert "<h1>Why</h1>" in html and "<em>sap</em>" in html  # markdown through markdown-it
    assert "<li>trees</li><li>winter</li>" in html  # a plain list
    assert "María Delgado" in html and 'class="object"' in html  # an object, nested
    assert "<strong>clean</strong>" in html  # markdown inside a list of objects


def test_images_use_the_public_path_resolved_by_the_caller():
    html = build_preview_html(posts_fields(), ENTRY, title_field="title", image_src=lambda p: "media:" + p)
    assert '<img src="media:/img/walnut.jpg" alt="walnut.jpg"' in html
    assert '<img src="media:/img/maria.png"' in html  # nested images too


def test_images_take_the_width_asked_for():
    html = build_preview_html(posts_fields(), ENTRY, title_field="title", image_width=180)
    assert '<img src="/img/walnut.jpg" alt="walnut.jpg" width="180">' in html


def test_map_values_read_as_latitude_and_longitude():
    fields = fields_of_config("""
      - {name: where, label: Where, widget: map}
      - {name: route, label: Route, widget: map, type: LineString}
      - {name: odd, label: Odd, widget: map}
    """)
    data = {"where": '{"type":"Point","coordinates":[4.89205,52.37361]}',
            "route": '{"type":"LineString","coordinates":[[1,2],[3,4]]}', "odd": "not json"}
    html = build_preview_html(fields, data)
    assert "52.37361, 4.89205 <i>(latitude, longitude)</i>" in html
    assert "LineString of 2 points" in html and "<li>2, 1</li><li>4, 3</li>" in html
    assert "<code>not json</code>" in html  # shown as stored


def fields_of_config(yaml_fields: str) -> list[Field]:
    lines = "\n".join("      " + line.strip() for line in yaml_fields.strip().splitlines())
    text = ("backend: {name: test-repo}\nmedia_folder: m\ncollections:\n  - name: c\n    label: C\n"
            "    folder: c\n    fields:\n" + lines + "\n")
    return parse_site_config(text).collections[0].fields


def test_dates_are_formatted_for_people():
    fields = {f.name: f for f in posts_fields()}
    assert format_date(fields["day"], "2026-03-05") == "5 March 2026"
    assert format_date(fields["day"], dt.date(2026, 3, 5)) == "5 March 2026"
    assert format_date(fields["date"], "2026-03-02T14:30:00.000Z").startswith("2 March 2026, 14:30")
    assert format_date(fields["date"], "not a date") == "not a date"
    html = build_preview_html(posts_fields(), ENTRY, title_field="title")
    assert "5 March 2026" in html and "2026-03-05" not in html


def test_hidden_fields_and_preview_false_fields_are_left_out():
    fields = {f.name: f for f in posts_fields()}
    assert not field_previewed(fields["secret"]) and not field_previewed(fields["layout"])
    assert field_previewed(fields["summary"])
    html = build_preview_html(posts_fields(), ENTRY, title_field="title")
    assert "do not show" not in html and "Secret" not in html and ">post<" not in html


def test_empty_values_are_skipped_and_an_empty_entry_says_so():
    html = build_preview_html(posts_fields(), {"title": "Only a title", "summary": ""}, title_field="title")
    assert "Summary" not in html and "Only a title" in html
    assert "no values" in build_preview_html(posts_fields(), {}, title_field="title")


def test_collection_editor_options_turn_the_preview_off_and_name_a_stylesheet():
    config = site()
    posts, settings = config.collections
    assert preview_enabled(posts.editor) and not preview_enabled(settings.editor)
    assert preview_enabled(None) and preview_enabled({})
    assert preview_style_path(posts.editor) == "static/admin/preview.css"  # inherited from the top level
    assert preview_style_path({"preview_style": "  "}) is None and preview_style_path(None) is None


def test_title_field_follows_identifier_field():
    fields = posts_fields()
    assert title_field_name(fields) == "title"
    assert title_field_name(fields, "summary") == "summary"
    assert title_field_name([f for f in fields if f.name != "title"]) is None


def test_a_relation_reads_as_its_targets_display_fields():
    (author,) = fields_of_config("- {name: author, label: Author, widget: relation, collection: c, "
                                 "value_field: 'authors.*.id', search_fields: ['authors.*.name'], "
                                 "display_fields: ['authors.*.name']}")
    html = build_preview_html([author], {"author": "maria"},
                              relation_label=lambda fld, value: {"maria": "María Delgado"}.get(value, value))
    assert "María Delgado" in html and "maria<" not in html
    assert "maria" in build_preview_html([author], {"author": "maria"})  # without a resolver: the stored value
