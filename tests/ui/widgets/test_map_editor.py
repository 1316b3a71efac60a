"""The map field: a Point as latitude/longitude, lines and polygons as a table of points, GeoJSON on request."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.widgets.test_field_widgets import form_for

POINT = '{"type":"Point","coordinates":[13.4,52.5]}'
LINE = '{"type":"LineString","coordinates":[[13.4,52.5],[2.35,48.85]]}'


def type_number(qtbot, spin, text: str) -> None:
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key.Key_Tab)


def test_point_shows_latitude_and_longitude_and_untouched_round_trips(qtbot):
    form = form_for(qtbot, "- {name: where, label: Where, widget: map}", {"where": POINT})
    editor = form.editor("where")
    assert editor.latitude.value() == 52.5 and editor.longitude.value() == 13.4
    assert editor.latitude.accessibleName() == "Where: latitude"
    assert not editor.raw.isVisible() and editor.raw.toPlainText() == POINT


def test_typing_a_latitude_writes_decaps_geojson_string(qtbot):
    form = form_for(qtbot, "- {name: where, label: Where, widget: map}", {"where": POINT})
    editor = form.editor("where")
    form.show()
    type_number(qtbot, editor.latitude, "48.8566")
    assert form.value() == {"where": '{"type":"Point","coordinates":[13.4,48.8566]}'}
    assert editor.raw.toPlainText() == form.value()["where"]  # the GeoJSON view follows
    assert form.validate() == []


def test_latitude_refuses_letters_and_values_out_of_range(qtbot):
    form = form_for(qtbot, "- {name: where, label: Where, widget: map}", {"where": POINT})
    editor = form.editor("where")
    form.show()
    type_number(qtbot, editor.latitude, "95abc")
    assert -90 <= editor.latitude.value() <= 90
    assert "abc" not in editor.latitude.text()


def test_an_empty_point_stays_empty_until_set_and_clear_empties_it(qtbot):
    form = form_for(qtbot, "- {name: where, label: Where, widget: map, required: false}", {})
    editor = form.editor("where")
    assert editor.status.text() == "No location yet."
    editor.set_point(40.4168, -3.7038)
    assert form.value() == {"where": '{"type":"Point","coordinates":[-3.7038,40.4168]}'}
    qtbot.mouseClick(editor.clear_button, Qt.MouseButton.LeftButton)
    assert form.value() == {}  # an optional key that was missing stays missing when emptied again
    assert editor.status.text() == "No location yet."


def test_line_points_are_a_table_to_edit_add_and_remove(qtbot):
    form = form_for(qtbot, "- {name: route, label: Route, widget: map, type: LineString}", {"route": LINE})
    editor = form.editor("route")
    form.show()
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow, timeout=2000)
    assert not editor.latitude.isVisible() and editor.table.rowCount() == 2
    assert [editor.table.item(0, c).text() for c in (0, 1)] == ["52.5", "13.4"]
    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    assert editor.table.rowCount() == 3
    # edit the new point's latitude with the keyboard: the cell's editor is a range-checked spin box
    editor.table.setFocus()
    editor.table.setCurrentCell(2, 0)
    qtbot.keyClick(editor.table, Qt.Key.Key_F2)
    cell_editor = QApplication.focusWidget()
    cell_editor.selectAll()
    qtbot.keyClicks(cell_editor, "45.76")
    qtbot.keyClick(cell_editor, Qt.Key.Key_Return)  # the table commits the cell on its next event loop turn
    expected = {"route": '{"type":"LineString","coordinates":[[13.4,52.5],[2.35,48.85],[2.35,45.76]]}'}
    qtbot.waitUntil(lambda: form.value() == expected, timeout=2000)
    editor.table.setCurrentCell(0, 0)
    qtbot.mouseClick(editor.remove_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(editor.remove_button, Qt.MouseButton.LeftButton)
    assert editor.table.rowCount() == 1
    assert form.validate() == [("route", "Route: a LineString needs at least two points.")]


def test_polygon_closes_its_ring_on_write(qtbot):
    polygon = '{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,0]]]}'
    form = form_for(qtbot, "- {name: area, label: Area, widget: map, type: Polygon}", {"area": polygon})
    editor = form.editor("area")
    assert editor.table.rowCount() == 3  # three corners, the closing one is implied
    editor.table.item(2, 0).setText("20")
    assert form.value() == {"area": '{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,20],[0,0]]]}'}


def test_geojson_text_is_editable_as_an_advanced_option(qtbot):
    form = form_for(qtbot, "- {name: where, label: Where, widget: map}", {"where": POINT})
    editor = form.editor("where")
    form.show()
    qtbot.mouseClick(editor.raw_button, Qt.MouseButton.LeftButton)
    assert editor.raw.isVisible()
    editor.raw.selectAll()
    qtbot.keyClicks(editor.raw, '{"type":"Point","coordinates":[2.35,48.85]}')
    assert editor.latitude.value() == 48.85 and editor.longitude.value() == 2.35  # the fields follow
    assert form.value() == {"where": '{"type":"Point","coordinates":[2.35,48.85]}'}
    editor.raw.selectAll()
    qtbot.keyClicks(editor.raw, '{"type":"Point"')
    assert "not a valid Point" in editor.status.text()
    problems = form.validate()
    assert problems[0][0] == "where" and "not valid JSON" in problems[0][1]


def test_a_stored_value_that_is_not_the_geometry_opens_the_geojson_text(qtbot):
    form = form_for(qtbot, "- {name: where, label: Where, widget: map}", {"where": "somewhere"})
    editor = form.editor("where")
    assert editor.raw_button.isChecked() and "not a Point" in editor.status.text()
    assert form.value() == {"where": "somewhere"}  # kept as stored until edited


def test_a_mapping_value_stays_a_mapping(qtbot):
    form = form_for(qtbot, "- {name: where, widget: map}", {"where": {"type": "Point", "coordinates": [1, 2]}})
    form.editor("where").set_point(3.0, 4.0)
    assert form.value() == {"where": {"type": "Point", "coordinates": [4, 3]}}
