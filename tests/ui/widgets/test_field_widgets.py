"""Each widget family: file data -> form -> data, and what editing it writes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from editor_app.ui.widgets.entry_form import EntryForm
from editor_app.ui.widgets.field_editor import FormContext
from editor_app.ui.widgets.media_chooser_dialog import MediaChooserDialog
from tests.ui.widgets.fakes import PNG_1PX, FakeMediaSource, FakeRelationSource, fields_of

POSTS = [
    {"slug": "first-post", "title": "First post", "date": "2024-01-01"},
    {"slug": "second-post", "title": "Second post", "date": "2024-02-01"},
    {"slug": "third", "title": "Third thing", "date": "2024-03-01"},
]


def form_for(qtbot, yaml_fields: str, data: dict, **context) -> EntryForm:
    form = EntryForm(fields_of(yaml_fields), FormContext(**context))
    qtbot.addWidget(form)
    form.set_value(data)
    assert form.value() == data  # untouched: exactly what was loaded
    return form


def type_into(qtbot, line, text: str) -> None:
    line.clear()
    qtbot.keyClicks(line, text)


def test_string_and_text(qtbot):
    form = form_for(qtbot, "- {name: title}\n- {name: about, widget: text}", {"title": "A", "about": "x\ny"})
    type_into(qtbot, form.editor("title").line, "New")
    form.editor("about").edit.setPlainText("one\ntwo")
    assert form.value() == {"title": "New", "about": "one\ntwo"}


@pytest.mark.parametrize(("value_type", "typed", "stored"), [("int", "12", 12), ("float", "2.5", 2.5),
                                                              (None, "7", 7), ("float", "3", 3.0)])
def test_number_keeps_the_configured_type(qtbot, value_type, typed, stored):
    vt = f", value_type: {value_type}" if value_type else ""
    form = form_for(qtbot, f"- {{name: n, widget: number{vt}}}", {"n": 1})
    type_into(qtbot, form.editor("n").line, typed)
    assert form.value() == {"n": stored} and type(form.value()["n"]) is type(stored)


def test_number_steps_with_arrow_keys_within_bounds(qtbot):
    form = form_for(qtbot, "- {name: n, widget: number, value_type: int, min: 0, max: 10, step: 5}", {"n": 4})
    line = form.editor("n").line
    qtbot.keyClick(line, Qt.Key.Key_Up)
    assert form.value() == {"n": 9}
    qtbot.keyClick(line, Qt.Key.Key_Up)
    assert form.value() == {"n": 10}


def test_number_that_does_not_parse_blocks_the_save(qtbot):
    # typing cannot produce such text any more (see test_number_refuses_what_is_not_a_number_as_it_is_typed);
    # a file can still hold it, and editing it must not pass it off as a number
    form = form_for(qtbot, "- {name: n, label: Count, widget: number, value_type: int}", {"n": "1.5"})
    line = form.editor("n").line
    line.end(False)
    qtbot.keyClicks(line, "0")
    assert line.text() == "1.50"
    assert form.validate() == [("n", "Count: '1.50' is not a whole number.")]


@pytest.mark.parametrize(("options", "typed", "shown"), [
    ("value_type: int", "400abc", "400"),
    ("value_type: int", "1.5", "15"),
    ("value_type: float", "2.5x", "2.5"),
    ("value_type: float, min: 0", "-3", "3"),
    ("value_type: int, min: -5", "-3", "-3"),
    ("", "4e", "4"),
])
def test_number_refuses_what_is_not_a_number_as_it_is_typed(qtbot, options, typed, shown):
    form = form_for(qtbot, f"- {{name: n, label: Count, widget: number, {options}}}", {"n": 1})
    type_into(qtbot, form.editor("n").line, typed)
    assert form.editor("n").line.text() == shown
    assert form.validate() == []


def test_number_shows_its_range_and_step_and_says_when_a_value_is_out_of_range(qtbot):
    form = form_for(qtbot, "- {name: n, label: Count, widget: number, value_type: int, min: 1, max: 10, step: 2}",
                    {"n": 4})
    editor = form.editor("n")
    assert editor.hint.text() == "Whole number from 1 to 10, in steps of 2 (Up/Down to step)"
    assert editor.line.accessibleDescription() == editor.hint.text()
    type_into(qtbot, editor.line, "12")
    assert editor.hint.text() == "Out of range: 12 is above the maximum 10"
    type_into(qtbot, editor.line, "7")
    assert editor.hint.text().startswith("Whole number from 1 to 10")


def test_boolean(qtbot):
    form = form_for(qtbot, "- {name: draft, widget: boolean}\n- {name: other, widget: boolean}", {"draft": True})
    form.editor("draft").check.click()
    assert form.value() == {"draft": False}
    form.editor("other").check.click()
    assert form.value() == {"draft": False, "other": True}


@pytest.mark.parametrize(("options", "stored", "written"), [
    ("", "2024-05-01", "2024-06-02"),
    ("", "2024-05-01T10:30:00.000Z", "2024-06-02T09:05:00.000Z"),
    ("", "2024-05-01 10:30", "2024-06-02 09:05"),
    (", format: 'DD.MM.YYYY HH:mm'", "01.05.2024 10:30", "02.06.2024 09:05"),
    (", time_format: false", "2024-05-01", "2024-06-02"),
    (", date_format: false, format: 'HH:mm'", "10:30", "09:05"),
])
def test_datetime_writes_back_in_the_stored_format(qtbot, options, stored, written):
    form = form_for(qtbot, f"- {{name: when, widget: datetime, picker_utc: true{options}}}", {"when": stored})
    form.editor("when").set_datetime(datetime(2024, 6, 2, 9, 5, tzinfo=UTC))
    assert form.value() == {"when": written}


def test_datetime_now_and_clear(qtbot):
    now = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    form = form_for(qtbot, "- {name: when, widget: datetime, picker_utc: true, required: false}", {}, now=lambda: now)
    editor = form.editor("when")
    editor.now_button.click()
    assert form.value() == {"when": "2025-03-04T05:06:07.000Z"}
    editor.clear_button.click()
    assert form.value() == {}  # cleared again: a key the file never had stays out


def test_select_single_with_label_value_options(qtbot):
    form = form_for(qtbot, "- {name: s, widget: select, options: [{label: One, value: 1}, {label: Two, value: 2}]}",
                    {"s": 1})
    combo = form.editor("s").combo
    assert combo.currentText() == "One"
    form.editor("s").choose(2)
    assert form.value() == {"s": 2}


def test_select_keeps_a_stored_value_that_is_not_an_option(qtbot):
    form = form_for(qtbot, "- {name: s, widget: select, options: [a, b]}\n- {name: t}", {"s": "legacy", "t": "x"})
    assert "legacy (not an option)" in [form.editor("s").combo.itemText(i) for i in range(4)]
    type_into(qtbot, form.editor("t").line, "y")
    assert form.value() == {"s": "legacy", "t": "y"}


def test_select_multiple(qtbot):
    form = form_for(qtbot, "- {name: tags, widget: select, multiple: true, options: [a, b, c], max: 2}",
                    {"tags": ["a"]})
    form.editor("tags").list.item(2).setCheckState(Qt.CheckState.Checked)
    assert form.value() == {"tags": ["a", "c"]}
    form.editor("tags").list.item(1).setCheckState(Qt.CheckState.Checked)
    assert form.validate() == [("tags", "tags takes at most 2 items (has 3).")]


def test_relation_multiple_searches_and_stores_the_value_field(qtbot):
    source = FakeRelationSource({"posts": POSTS})
    form = form_for(qtbot, """
- name: related
  widget: relation
  collection: posts
  multiple: true
  search_fields: [title]
  display_fields: [title, date]
  value_field: '{{slug}}'
""", {"related": ["first-post"]}, relation_source=source)
    editor = form.editor("related")
    assert editor.chosen.item(0).text() == "First post 2024-01-01"
    assert editor.chosen.item(0).toolTip() == "Stored as: first-post"
    qtbot.keyClicks(editor.search, "third")
    assert source.queries[-1] == ("posts", "third", ("title",), None)
    assert [editor.results.item(i).text() for i in range(editor.results.count())] == ["Third thing 2024-03-01"]
    qtbot.keyClick(editor.search, Qt.Key.Key_Return)
    assert form.value() == {"related": ["first-post", "third"]}
    editor.chosen.setCurrentRow(0)
    editor.remove_button.click()
    assert form.value() == {"related": ["third"]}


def test_relation_single_replaces_the_choice(qtbot):
    source = FakeRelationSource({"posts": POSTS})
    form = form_for(qtbot, "- {name: post, widget: relation, collection: posts, search_fields: [title], "
                           "value_field: title}", {"post": "First post"}, relation_source=source)
    form.editor("post").pick("Second post")
    assert form.value() == {"post": "Second post"}
    assert form.editor("post").chosen.count() == 1


def test_image_from_the_media_library_with_thumbnail(qtbot, tmp_path):
    media = FakeMediaSource(tmp_path / "media")
    (media.folder / "cat.png").write_bytes(PNG_1PX)
    (media.folder / "notes.txt").write_text("x")
    form = form_for(qtbot, "- {name: cover, widget: image}", {}, media_source=media)
    editor = form.editor("cover")
    dialog = MediaChooserDialog(media, images_only=True)
    qtbot.addWidget(dialog)
    assert [dialog.list.item(i).text() for i in range(dialog.list.count())] == ["/img/cat.png"]
    dialog.list.setCurrentRow(0)
    editor._on_chooser_accepted(dialog)
    assert form.value() == {"cover": "/img/cat.png"}
    assert editor.thumbnail.pixmap() is not None and not editor.thumbnail.pixmap().isNull()


def test_upload_in_the_chooser_adds_the_file(qtbot, tmp_path):
    media = FakeMediaSource(tmp_path / "media")
    local = tmp_path / "report.pdf"
    local.write_bytes(b"%PDF-1.4")
    dialog = MediaChooserDialog(media, images_only=False)
    qtbot.addWidget(dialog)
    dialog.add_upload(str(local))
    assert dialog.chosen() == "/img/report.pdf" and media.uploaded == [str(local)]


def test_file_choose_url_allows_a_free_url_and_multiple_images_append(qtbot, tmp_path):
    media = FakeMediaSource(tmp_path / "media")
    form = form_for(qtbot, """
- {name: doc, widget: file, choose_url: true}
- {name: gallery, widget: image, media_library: {config: {multiple: true}}}
""", {"gallery": ["/img/a.png"]}, media_source=media)
    assert not form.editor("doc").path.isReadOnly()
    qtbot.keyClicks(form.editor("doc").path, "https://example.org/a.pdf")
    form.editor("gallery").choose_path("/img/b.png")
    assert form.value() == {"doc": "https://example.org/a.pdf", "gallery": ["/img/a.png", "/img/b.png"]}


def test_hidden_keeps_its_value_and_is_not_shown(qtbot):
    form = form_for(qtbot, "- {name: layout, widget: hidden, default: post}\n- {name: title}", {"layout": "page"})
    assert form.row("layout").isHidden()
    type_into(qtbot, form.editor("title").line, "T")
    assert form.value() == {"layout": "page", "title": "T"}


def test_code_with_language_as_object_or_code_only(qtbot):
    form = form_for(qtbot, """
- {name: snippet, widget: code, allow_language_selection: true}
- {name: raw, widget: code, output_code_only: true}
- {name: custom, widget: code, keys: {code: src, lang: syntax}}
""", {"snippet": {"code": "print(1)", "lang": "python"}, "raw": "x = 1", "custom": {"src": "a", "syntax": "js"}})
    snippet = form.editor("snippet")
    assert snippet.language.currentText() == "python"
    snippet.language.setCurrentText("ruby")
    form.editor("raw").edit.setPlainText("x = 2")
    form.editor("custom").edit.setPlainText("b")
    assert form.value() == {"snippet": {"code": "print(1)", "lang": "ruby"}, "raw": "x = 2",
                            "custom": {"src": "b", "syntax": "js"}}


def test_color_with_alpha_and_input(qtbot):
    form = form_for(qtbot, """
- {name: plain, widget: color}
- {name: alpha, widget: color, enableAlpha: true, allowInput: true}
""", {"plain": "#112233", "alpha": "rgba(1, 2, 3, 0.5)"})
    assert form.editor("plain").line.isReadOnly() and not form.editor("alpha").line.isReadOnly()
    form.editor("plain").set_color(QColor(255, 0, 0, 128))
    form.editor("alpha").set_color(QColor(0, 0, 255, 128))
    assert form.value() == {"plain": "#ff0000", "alpha": "rgba(0, 0, 255, 0.5)"}
    type_into(qtbot, form.editor("alpha").line, "not a colour")
    assert form.validate()[0][0] == "alpha"


def test_map_validates_geojson(qtbot):
    form = form_for(qtbot, "- {name: where, label: Where, widget: map}",
                    {"where": '{"type":"Point","coordinates":[1,2]}'})
    assert form.validate() == []
    form.editor("where").raw.setPlainText('{"type":"Point","coordinates":[1]')
    problems = form.validate()
    assert problems[0][0] == "where" and "not valid JSON" in problems[0][1]
    form.editor("where").raw.setPlainText('{"type":"Point","coordinates":[3,4]}')
    assert form.validate() == []
    assert form.value() == {"where": '{"type":"Point","coordinates":[3,4]}'}
