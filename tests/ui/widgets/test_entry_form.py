"""EntryForm: values round-trip unchanged, defaults on new entries, validation next to the fields."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime

from PySide6.QtCore import Qt

from editor_app.config.loader import load_site_config
from editor_app.ui.widgets.entry_form import EntryForm, ListEditor, ObjectEditor, SimpleListEditor
from editor_app.ui.widgets.field_editor import FormContext
from editor_app.ui.widgets.raw_editors import RawYamlEditor
from tests.conftest import shared_path
from tests.ui.widgets.fakes import FakeRelationSource, fields_of

KITCHEN_SINK_ENTRY = {
    "post": "First post",
    "title": "Everything",
    "boolean": False,
    "map": '{"type":"Point","coordinates":[13.4,52.5]}',
    "text": "Plain\ntext",
    "number": 42,
    "markdown": "# Heading\n\nSome *text*.",
    "datetime": "2024-05-01T10:30:00.000Z",
    "image": "/img/cat.png",
    "file": "/files/report.pdf",
    "select": "b",
    "select_multiple": ["a", "c"],
    "hidden": "kept as is",
    "color": "#ff8000",
    "object": {"string": "inner", "boolean": True, "number": 1.5, "datetime": "2024-05-01",
               "select": "c", "post": "Second post"},
    "list": [
        {"string": "one", "number": 1, "object": {"string": "deep", "list": [{"string": "deeper", "hidden": "h"}]}},
        {"string": "two", "select": "a"},
    ],
    "typed_list": [
        {"type": "type_2_object", "string": "typed"},
        {"type": "type_1_object", "number": 7, "boolean": True},
    ],
    "unknown_key": {"kept": ["verbatim", 1]},
}


def kitchen_sink_fields():
    config = load_site_config(shared_path("fixtures", "decap-dev-test", "config.yml"))
    return next(c for c in config.collections if c.name == "kitchenSink").fields


def make_form(qtbot, fields, **context) -> EntryForm:
    form = EntryForm(fields, FormContext(**context))
    qtbot.addWidget(form)
    return form


def test_untouched_kitchen_sink_entry_round_trips_exactly(qtbot):
    form = make_form(qtbot, kitchen_sink_fields(), relation_source=FakeRelationSource({}))
    data = copy.deepcopy(KITCHEN_SINK_ENTRY)
    form.set_value(data)
    value = form.value()
    assert value == KITCHEN_SINK_ENTRY
    assert list(value) == list(KITCHEN_SINK_ENTRY)  # key order kept
    assert type(value["number"]) is int and type(value["object"]["number"]) is float


def test_missing_optional_keys_stay_missing_on_existing_entries(qtbot):
    form = make_form(qtbot, kitchen_sink_fields())
    form.set_value({"title": "Only a title"})
    assert form.value() == {"title": "Only a title"}


def test_new_entries_get_defaults_and_nothing_else(qtbot):
    fields = fields_of("""
- {name: title}
- {name: draft, widget: boolean, default: true}
- {name: date, widget: datetime, default: '{{now}}', format: 'YYYY-MM-DD'}
- {name: tags, widget: list, default: [news]}
- {name: seo, widget: object, fields: [{name: robots, default: index}, {name: description, required: false}]}
- {name: secret, widget: hidden, default: hidden-value}
""")
    form = make_form(qtbot, fields, now=lambda: datetime(2025, 1, 2, 3, 4, tzinfo=UTC))
    form.set_value(None)
    assert form.value() == {"draft": True, "date": "2025-01-02", "tags": ["news"], "seo": {"robots": "index"},
                            "secret": "hidden-value"}


def test_editing_one_field_changes_only_that_key(qtbot):
    form = make_form(qtbot, kitchen_sink_fields())
    form.set_value(copy.deepcopy(KITCHEN_SINK_ENTRY))
    qtbot.keyClicks(form.editor("title").line, "!")
    expected = {**KITCHEN_SINK_ENTRY, "title": "Everything!"}
    assert form.value() == expected


def test_nested_object_in_list_edits_in_place(qtbot):
    form = make_form(qtbot, kitchen_sink_fields())
    form.set_value(copy.deepcopy(KITCHEN_SINK_ENTRY))
    deep = form.editor("list[0].object.list[0].string")
    deep.line.setText("changed")
    deep.line.textEdited.emit("changed")
    value = form.value()
    assert value["list"][0]["object"]["list"][0] == {"string": "changed", "hidden": "h"}
    assert value["list"][1] == KITCHEN_SINK_ENTRY["list"][1]


def test_list_items_add_remove_and_reorder(qtbot):
    fields = fields_of("""
- name: authors
  widget: list
  summary: '{{fields.name}}'
  collapsed: true
  fields: [{name: name}, {name: role, default: writer}]
""")
    form = make_form(qtbot, fields)
    form.set_value({"authors": [{"name": "Ann"}, {"name": "Bob"}]})
    authors = form.editor("authors")
    assert isinstance(authors, ListEditor)
    assert [i.box.toggle.text() for i in authors.items] == ["Ann", "Bob"]
    assert not authors.items[0].box.body.isVisibleTo(authors)  # collapsed: true
    authors.move_item(authors.items[1], -1)
    assert form.value()["authors"] == [{"name": "Bob"}, {"name": "Ann"}]
    new = authors.add_item()
    assert new.box.body.isVisibleTo(authors)
    assert form.value()["authors"][2] == {"role": "writer"}
    authors.remove_item(authors.items[0])
    assert form.value()["authors"] == [{"name": "Ann"}, {"role": "writer"}]


def test_list_with_a_single_field_and_simple_list(qtbot):
    fields = fields_of("""
- {name: tags, widget: list}
- {name: scores, widget: list, field: {name: score, widget: number, value_type: int}}
""")
    form = make_form(qtbot, fields)
    form.set_value({"tags": ["a", "b"], "scores": [1, 2]})
    assert isinstance(form.editor("tags"), SimpleListEditor)
    assert form.value() == {"tags": ["a", "b"], "scores": [1, 2]}
    qtbot.keyClicks(form.editor("tags").line, ", c")
    scores = form.editor("scores")
    scores.add_item()
    scores.items[2].single.line.setText("3")
    scores.items[2].single.line.textEdited.emit("3")
    assert form.value() == {"tags": ["a", "b", "c"], "scores": [1, 2, 3]}


def test_typed_list_adds_items_with_the_type_key(qtbot):
    fields = fields_of("""
- name: blocks
  widget: list
  typeKey: kind
  types:
    - {name: hero, label: Hero, widget: object, fields: [{name: heading}]}
    - {name: quote, label: Quote, widget: object, fields: [{name: text, widget: text}]}
""")
    form = make_form(qtbot, fields)
    form.set_value({"blocks": [{"kind": "hero", "heading": "Hi"}]})
    blocks = form.editor("blocks")
    assert blocks.items[0].box.toggle.text() == "Hero: Hi"
    item = blocks.add_item(fields[0].types[1])
    item.panel.rows[0].editor.edit.setPlainText("Wise words")
    assert form.value() == {"blocks": [{"kind": "hero", "heading": "Hi"}, {"kind": "quote", "text": "Wise words"}]}


def test_object_summary_titles_a_collapsed_object(qtbot):
    fields = fields_of(
        "- {name: seo, widget: object, collapsed: true, summary: 'SEO: {{title}}', fields: [{name: title}]}"
    )
    form = make_form(qtbot, fields)
    form.set_value({"seo": {"title": "Home"}})
    seo = form.editor("seo")
    assert isinstance(seo, ObjectEditor)
    assert seo.box.toggle.text() == "seo — SEO: Home"
    assert not seo.box.body.isVisibleTo(seo)


def test_unknown_widget_is_edited_as_raw_yaml_with_a_notice(qtbot):
    fields = fields_of("- {name: gallery, widget: fancyGallery}")
    form = make_form(qtbot, fields)
    form.set_value({"gallery": {"images": ["a.png", "b.png"]}})
    editor = form.editor("gallery")
    assert isinstance(editor, RawYamlEditor)
    assert "not built into this app" in editor.notice.text()
    assert editor.edit.toPlainText() == "images:\n- a.png\n- b.png"
    editor.edit.setPlainText("images: [c.png]")
    assert form.value() == {"gallery": {"images": ["c.png"]}}
    editor.edit.setPlainText("images: [unclosed")
    problems = form.validate()
    assert problems and problems[0][0] == "gallery" and "invalid YAML" in problems[0][1]


def test_validation_messages_show_next_to_the_fields(qtbot):
    fields = fields_of("""
- {name: title, label: Title}
- {name: slug, label: Slug, pattern: ['^[a-z-]+$', 'Use lowercase letters and dashes']}
- {name: rating, label: Rating, widget: number, min: 1, max: 5}
- {name: tags, label: Tags, widget: list, min: 1, field: {name: tag}}
""")
    form = make_form(qtbot, fields)
    form.set_value({"title": "", "slug": "Not OK", "rating": 9, "tags": []})
    problems = form.validate()
    assert problems == [
        ("title", "Title is required."),
        ("slug", "Slug: Use lowercase letters and dashes"),
        ("rating", "Rating must be at most 5."),
        ("tags", "Tags is required."),
    ]
    assert form.row("slug").error.text() == "Slug: Use lowercase letters and dashes"
    assert not form.row("slug").error.isHidden()
    qtbot.keyClicks(form.editor("title").line, "Fixed")
    form.editor("slug").line.setText("ok-now")
    form.editor("slug").line.textEdited.emit("ok-now")
    assert [p for p, _m in form.validate()] == ["rating", "tags"]
    assert form.row("title").error.isHidden()


def test_labels_are_buddies_and_controls_have_accessible_names(qtbot):
    form = make_form(qtbot, kitchen_sink_fields())
    form.set_value(copy.deepcopy(KITCHEN_SINK_ENTRY))
    title = form.row("title")
    assert title.label.buddy() is form.editor("title").line
    assert form.editor("title").line.accessibleName() == "Title"
    assert form.row("number").hint.text() == "To infinity and beyond!"
    assert form.row("hidden").isHidden()


def test_dates_loaded_as_python_dates_come_back_as_dates(qtbot):
    fields = fields_of("- {name: day, widget: datetime, time_format: false}")
    form = make_form(qtbot, fields)
    form.set_value({"day": date(2024, 5, 1)})
    assert form.value() == {"day": date(2024, 5, 1)}
    form.editor("day").set_datetime(datetime(2024, 6, 3))
    assert form.value() == {"day": date(2024, 6, 3)}


def test_tab_moves_through_the_fields_in_order(qtbot):
    fields = fields_of("""
- {name: title}
- {name: about, widget: text}
- {name: draft, widget: boolean}
- {name: count, widget: number}
""")
    form = make_form(qtbot, fields)
    form.set_value({})
    form.show()
    qtbot.waitExposed(form)
    form.activateWindow()
    qtbot.waitActive(form)
    form.editor("title").line.setFocus()
    order = []
    for _ in range(3):
        current = form.focusWidget()
        assert current is not None
        qtbot.keyClick(current, Qt.Key.Key_Tab)
        order.append(form.focusWidget())
    assert order == [form.editor("about").edit, form.editor("draft").check, form.editor("count").line]
