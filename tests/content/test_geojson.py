"""The map widget's GeoJSON string as points and back, as Decap writes it."""

from __future__ import annotations

import pytest

from editor_app.content.geojson import Geometry, format_geometry, geometry_problem, parse_geometry

STORED = [
    ("Point", '{"type":"Point","coordinates":[13.4,52.5]}'),
    ("Point", '{"type":"Point","coordinates":[-0.1276,51.5072]}'),
    ("LineString", '{"type":"LineString","coordinates":[[13.4,52.5],[13.41,52.51],[2.35,48.85]]}'),
    ("Polygon", '{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,0]]]}'),
    ("Polygon", '{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,0]],[[1,1],[2,1],[2,2],[1,1]]]}'),
]


@pytest.mark.parametrize(("kind", "stored"), STORED)
def test_stored_geometries_round_trip_to_the_same_string(kind, stored):
    assert format_geometry(parse_geometry(stored, kind)) == stored


def test_points_are_latitude_first_and_the_polygon_ring_is_closed_on_write():
    line = parse_geometry(STORED[2][1], "LineString")
    assert line.points[0] == (52.5, 13.4)
    polygon = parse_geometry(STORED[3][1], "Polygon")
    assert polygon.points == [(0, 0), (0, 10), (10, 10)]  # the closing corner is not a row to edit
    polygon.points.append((5.0, -5.0))
    assert format_geometry(polygon) == '{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[-5,5],[0,0]]]}'


def test_decimals_round_like_decap():
    geometry = Geometry("Point", [(52.123456789, 13.987654321)])
    assert format_geometry(geometry) == '{"type":"Point","coordinates":[13.9876543,52.1234568]}'
    assert format_geometry(geometry, 2) == '{"type":"Point","coordinates":[13.99,52.12]}'


def test_empty_value_has_no_points_and_writes_empty():
    assert parse_geometry("", "Point").points == [] and parse_geometry(None, "LineString").points == []
    assert format_geometry(Geometry("Point")) == ""


def test_mapping_values_parse_too():
    assert parse_geometry({"type": "Point", "coordinates": [1, 2]}).points == [(2.0, 1.0)]


@pytest.mark.parametrize(("value", "kind", "message"), [
    ('{"type":"Point"', "Point", "not valid JSON"),
    ('{"type":"LineString","coordinates":[[1,2],[3,4]]}', "Point", "expected a GeoJSON Point"),
    ('{"type":"Point","coordinates":[1]}', "Point", "must be [longitude, latitude]"),
    ("[1, 2]", "Point", "must be an object"),
])
def test_bad_values_say_what_is_wrong(value, kind, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_geometry(value, kind)


def test_problems_name_the_point_and_the_range():
    assert geometry_problem(Geometry("Point", [(95.0, 0.0)])) == "the point: latitude 95.0 is outside -90..90"
    assert "point 2: longitude 200.0" in str(geometry_problem(Geometry("LineString", [(0, 0), (0, 200.0)])))
    assert geometry_problem(Geometry("LineString", [(0, 0)])) == "a LineString needs at least two points"
    assert geometry_problem(Geometry("Polygon", [(0, 0), (1, 1)])) == "a Polygon needs at least three corners"
    assert geometry_problem(Geometry("Polygon", [(0, 0), (1, 1), (1, 0)])) is None
