"""The map widget's value as points to edit: a GeoJSON Point, LineString or Polygon and back.

Decap's map widget stores the geometry as a JSON string written by OpenLayers (`writeGeometry` with
`decimals`, default 7): compact, `{"type":"Point","coordinates":[longitude,latitude]}`. Positions are
longitude first; the editor shows latitude first, as people read them. A Polygon is edited as its outer
ring without the closing point, which is added back when written; holes (other rings) are kept as they were.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

GEOMETRY_TYPES = ("Point", "LineString", "Polygon")
DEFAULT_DECIMALS = 7


@dataclass
class Geometry:
    """A geometry as editable points: (latitude, longitude) pairs, plus a Polygon's other rings untouched."""

    kind: str
    points: list[tuple[float, float]] = field(default_factory=list)
    holes: list[Any] = field(default_factory=list)

    def minimum_points(self) -> int:
        """How many points the kind needs: 1 for a Point, 2 for a line, 3 corners for a polygon."""
        return {"Point": 1, "LineString": 2, "Polygon": 3}.get(self.kind, 1)


def parse_geometry(value: Any, kind: str = "Point") -> Geometry:
    """The stored value (a GeoJSON string or mapping; empty: no points) as a Geometry of `kind`.

    Raises ValueError naming what is wrong when it is not such a geometry."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return Geometry(kind)
    data = value
    if isinstance(value, str):
        try:
            data = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    if not isinstance(data, dict):
        raise ValueError("a GeoJSON geometry must be an object")
    if data.get("type") != kind:
        raise ValueError(f"expected a GeoJSON {kind}, found {data.get('type')!r}")
    coords = data.get("coordinates")
    if kind == "Point":
        return Geometry(kind, [_position(coords, "the Point")])
    if kind == "LineString":
        if not isinstance(coords, list):
            raise ValueError("a LineString needs a list of [longitude, latitude] positions")
        return Geometry(kind, [_position(p, f"position {i + 1}") for i, p in enumerate(coords)])
    if kind == "Polygon":
        if not isinstance(coords, list) or not coords or not isinstance(coords[0], list):
            raise ValueError("a Polygon needs a list of linear rings")
        ring = [_position(p, f"corner {i + 1}") for i, p in enumerate(coords[0])]
        if len(ring) > 1 and ring[0] == ring[-1]:
            ring = ring[:-1]  # the closing point is written back on save
        return Geometry(kind, ring, list(coords[1:]))
    raise ValueError(f"the map widget's type must be one of {', '.join(GEOMETRY_TYPES)}, not {kind!r}")


def geometry_problem(geometry: Geometry) -> str | None:
    """Why the points cannot be written as the geometry (too few, out of range), or None."""
    if geometry.points and len(geometry.points) < geometry.minimum_points():
        need = {"LineString": "at least two points", "Polygon": "at least three corners"}[geometry.kind]
        return f"a {geometry.kind} needs {need}"
    for i, (lat, lon) in enumerate(geometry.points):
        where = "the point" if geometry.kind == "Point" else f"point {i + 1}"
        if not -90 <= lat <= 90:
            return f"{where}: latitude {lat} is outside -90..90"
        if not -180 <= lon <= 180:
            return f"{where}: longitude {lon} is outside -180..180"
    return None


def format_geometry(geometry: Geometry, decimals: int = DEFAULT_DECIMALS) -> str:
    """The geometry as Decap writes it (compact JSON, longitude first, rounded to `decimals`); '' when empty."""
    if not geometry.points:
        return ""
    positions = [[_number(lon, decimals), _number(lat, decimals)] for lat, lon in geometry.points]
    coords: Any
    if geometry.kind == "Point":
        coords = positions[0]
    elif geometry.kind == "LineString":
        coords = positions
    else:
        coords = [positions + [positions[0]], *geometry.holes]
    return json.dumps({"type": geometry.kind, "coordinates": coords}, separators=(",", ":"))


def _position(value: Any, where: str) -> tuple[float, float]:
    if (not isinstance(value, list) or len(value) < 2
            or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in value[:2])):
        raise ValueError(f"{where} must be [longitude, latitude] numbers")
    return float(value[1]), float(value[0])


def _number(value: float, decimals: int) -> int | float:
    rounded = round(value, decimals)
    return int(rounded) if float(rounded).is_integer() else rounded  # JSON.stringify writes 13, not 13.0
