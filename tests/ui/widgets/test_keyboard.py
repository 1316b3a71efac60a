"""Keyboard use of the editor: every control reachable by Tab and named, no traps, one stop per date field."""

from __future__ import annotations

import copy

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDateTimeEdit, QToolButton, QWidget

from editor_app.ui.editor_pane import EditorPane
from editor_app.ui.widgets.field_editor import FormContext
from tests.ui.widgets.fakes import FakeRelationSource, fields_of
from tests.ui.widgets.test_entry_form import KITCHEN_SINK_ENTRY, kitchen_sink_fields


def make_pane(qtbot) -> EditorPane:
    pane = EditorPane(context=FormContext(relation_source=FakeRelationSource({})))
    qtbot.addWidget(pane)
    pane.resize(1200, 900)
    pane.show()
    pane.activateWindow()
    qtbot.waitUntil(pane.isActiveWindow, timeout=2000)
    return pane


def focused() -> QWidget | None:
    return QApplication.focusWidget()


def accessible_name(widget: QWidget) -> str:
    """The name a screen reader reads: the widget's own, or that of the widget it is the focus proxy of."""
    if widget.accessibleName():
        return widget.accessibleName()
    parent = widget.parentWidget()
    while parent is not None and parent.focusProxy() is widget:
        if parent.accessibleName():
            return parent.accessibleName()
        parent = parent.parentWidget()
    return ""


def walk(qtbot, start: QWidget, key: Qt.Key = Qt.Key.Key_Tab, limit: int = 400) -> list[QWidget]:
    """Press `key` from `start` until the focus comes back to it; the widgets focused on the way."""
    start.setFocus(Qt.FocusReason.TabFocusReason)
    assert focused() is start
    stops: list[QWidget] = [start]
    for _ in range(limit):
        before = focused()
        qtbot.keyClick(before, key)
        after = focused()
        assert after is not None and after is not before, f"{key.name} did not leave {before!r} (a keyboard trap)"
        if after is start:
            return stops
        stops.append(after)
    raise AssertionError(f"{key.name} never came back to the first field after {limit} presses")


def test_tab_walks_the_whole_kitchen_sink_form_with_named_stops_and_no_trap(qtbot):
    pane = make_pane(qtbot)
    pane.load(kitchen_sink_fields(), copy.deepcopy(KITCHEN_SINK_ENTRY))
    changes: list[object] = []
    pane.changed.connect(lambda: changes.append(1))
    first = pane.form.editor("title").focus_target()
    stops = walk(qtbot, first)
    unnamed = [repr(w) for w in stops if not accessible_name(w)]
    assert unnamed == []
    assert pane.save_button in stops and pane.preview_button in stops
    markdown = pane.form.editor("markdown").editor
    assert markdown.edit in stops  # entered and left again by Tab
    assert sum(1 for w in stops if isinstance(w, QToolButton) and w.parentWidget() is markdown.toolbar) == 1
    pickers = [w for w in stops if isinstance(w, QDateTimeEdit)]
    assert len(pickers) == len(set(pickers))  # each date field is one stop, not one per day/month/year/…
    # walking through changed nothing: Tab in the markdown text inserted no whitespace
    assert changes == [] and pane.value() == KITCHEN_SINK_ENTRY
    back = walk(qtbot, first, Qt.Key.Key_Backtab)
    assert set(back) == set(stops)  # Shift+Tab reaches the same controls the other way round


def test_tab_in_the_markdown_text_moves_on_without_marking_the_entry_changed(qtbot):
    pane = make_pane(qtbot)
    pane.load(fields_of("- {name: body, label: Body, widget: markdown}\n- {name: after, label: After}"),
              {"body": "Text", "after": "x"})
    changes: list[object] = []
    pane.changed.connect(lambda: changes.append(1))
    body = pane.form.editor("body").editor
    body.edit.setFocus()
    qtbot.keyClick(body.edit, Qt.Key.Key_Tab)
    assert focused() is pane.form.editor("after").focus_target()
    assert body.text() == "Text" and changes == []
    qtbot.keyClick(focused(), Qt.Key.Key_Backtab)
    assert focused() is body.edit
    qtbot.keyClick(body.edit, Qt.Key.Key_Backtab)
    assert isinstance(focused(), QToolButton)  # Shift+Tab from the text lands on the formatting toolbar


def test_ctrl_bracket_indents_and_outdents_the_markdown_line(qtbot):
    pane = make_pane(qtbot)
    pane.load(fields_of("- {name: body, widget: markdown}"), {"body": "- item"})
    edit = pane.form.editor("body").editor.edit
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)
    assert edit.toPlainText() == "    - item"
    qtbot.keyClick(edit, Qt.Key.Key_BracketLeft, Qt.KeyboardModifier.ControlModifier)
    assert edit.toPlainText() == "- item"


def test_formatting_toolbar_is_one_stop_with_arrow_keys_between_named_buttons(qtbot):
    pane = make_pane(qtbot)
    pane.load(fields_of("- {name: title, label: Title}\n- {name: body, label: Body, widget: markdown}"),
              {"title": "T", "body": "word"})
    editor = pane.form.editor("body").editor
    title = pane.form.editor("title").focus_target()
    title.setFocus()
    qtbot.keyClick(title, Qt.Key.Key_Tab)
    first = focused()
    assert isinstance(first, QToolButton) and first.accessibleName() == "Heading (Ctrl+Alt+2)"
    qtbot.keyClick(first, Qt.Key.Key_Right)
    qtbot.keyClick(focused(), Qt.Key.Key_Right)
    bold = focused()
    assert bold.accessibleName() == "Bold (Ctrl+B)"
    qtbot.keyClick(bold, Qt.Key.Key_Tab)
    assert focused() is editor.edit  # the rest of the bar is not a row of extra Tab stops
    editor.edit.selectAll()
    qtbot.keyClick(editor.edit, Qt.Key.Key_Backtab)
    assert focused() is bold  # back to the button used last
    qtbot.keyClick(bold, Qt.Key.Key_Space)
    assert editor.text() == "**word**"


def test_date_field_is_one_tab_stop_plus_its_buttons(qtbot):
    pane = make_pane(qtbot)
    pane.load(fields_of("- {name: date, label: Date, widget: datetime}\n- {name: after, label: After}"),
              {"date": "2024-05-01T10:30:00.000Z", "after": "x"})
    editor = pane.form.editor("date")
    editor.picker.setFocus()
    qtbot.keyClick(editor.picker, Qt.Key.Key_Tab)
    assert focused() is editor.now_button
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused() is editor.clear_button
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused() is pane.form.editor("after").focus_target()


def test_relation_image_and_map_controls_are_named_tab_stops(qtbot, tmp_path):
    from tests.ui.widgets.fakes import FakeMediaSource

    pane = EditorPane(context=FormContext(
        relation_source=FakeRelationSource({"authors": [{"slug": "maria", "name": "María Delgado"}]}),
        media_source=FakeMediaSource(tmp_path / "img")))
    qtbot.addWidget(pane)
    pane.resize(1200, 900)
    pane.show()
    pane.activateWindow()
    qtbot.waitUntil(pane.isActiveWindow, timeout=2000)
    pane.load(fields_of("""
- {name: title, label: Title}
- {name: author, label: Author, widget: relation, collection: authors, search_fields: [name], value_field: slug,
   display_fields: [name]}
- {name: cover, label: Cover, widget: image}
- {name: route, label: Route, widget: map, type: LineString}
- {name: count, label: Count, widget: number, value_type: int, min: 1, max: 9}
"""), {"title": "T", "author": "maria", "route": '{"type":"LineString","coordinates":[[1,2],[3,4]]}', "count": 3})
    stops = walk(qtbot, pane.form.editor("title").focus_target())
    assert [repr(w) for w in stops if not accessible_name(w)] == []
    names = [accessible_name(w) for w in stops]
    assert any(n.startswith("Author") for n in names) and any(n.startswith("Cover") for n in names)
    assert "Route: add a point" in names and "Route: show the GeoJSON text" in names
    assert pane.save_button in stops
