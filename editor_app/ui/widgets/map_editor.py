"""MapEditor: the `map` widget as coordinates to edit, with the GeoJSON text as an advanced view.

There is no map to click on (tiles need the network); a Point is a latitude and a longitude, a LineString or
Polygon a table of points. The stored value is the GeoJSON string Decap writes; "Edit GeoJSON" shows it.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from editor_app.config.site_config import Field
from editor_app.content import geojson
from editor_app.ui.widgets.field_editor import FieldEditor, FormContext

LATITUDE, LONGITUDE = 0, 1
RANGES = {LATITUDE: (-90.0, 90.0), LONGITUDE: (-180.0, 180.0)}


class _CoordinateSpin(QDoubleSpinBox):
    """A coordinate as typed: 52.5, not 52.5000000."""

    def textFromValue(self, value: float) -> str:
        return _text(value, self.decimals())


def _spin(column: int, decimals: int, name: str) -> QDoubleSpinBox:
    spin = _CoordinateSpin()
    low, high = RANGES[column]
    spin.setRange(low, high)  # typing outside the range or letters is refused as it is typed
    spin.setDecimals(decimals)
    spin.setSingleStep(0.001)
    spin.setAccessibleName(name)
    spin.setMinimumWidth(150)
    return spin


class _CoordinateDelegate(QStyledItemDelegate):
    """Table cells edited with a range-checked spin box (latitude -90..90, longitude -180..180)."""

    def __init__(self, decimals: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.decimals = decimals

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: QModelIndex | QPersistentModelIndex) -> QWidget:
        spin = _spin(index.column(), self.decimals, "Latitude" if index.column() == LATITUDE else "Longitude")
        spin.setParent(parent)
        spin.setFrame(False)
        return spin

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        if isinstance(editor, QDoubleSpinBox):
            try:
                editor.setValue(float(index.data(Qt.ItemDataRole.EditRole) or 0))
            except ValueError:
                editor.setValue(0.0)

    def setModelData(self, editor: QWidget, model: Any,
                     index: QModelIndex | QPersistentModelIndex) -> None:
        if isinstance(editor, QDoubleSpinBox):
            model.setData(index, _text(editor.value(), self.decimals), Qt.ItemDataRole.EditRole)


class MapEditor(FieldEditor):
    """`map`: a Point as latitude/longitude, a LineString or Polygon as a table of points, GeoJSON on request."""

    def __init__(self, fld: Field, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, context, parent)
        self.kind = str(fld.options.get("type") or "Point")
        decimals = fld.options.get("decimals")
        self.decimals = decimals if isinstance(decimals, int) and 0 <= decimals <= 15 else geojson.DEFAULT_DECIMALS
        self._holes: list[Any] = []
        self._raw_edited = False  # the GeoJSON text was typed last: it is the value
        self._syncing = False
        label = self._label()

        self.point_box = QWidget()
        self.latitude = _spin(LATITUDE, self.decimals, f"{label}: latitude")
        self.longitude = _spin(LONGITUDE, self.decimals, f"{label}: longitude")
        self._point_empty = True
        for spin in (self.latitude, self.longitude):
            spin.valueChanged.connect(self._on_point_changed)
        point_row = QHBoxLayout(self.point_box)
        point_row.setContentsMargins(0, 0, 0, 0)
        for text, spin in (("Latitude", self.latitude), ("Longitude", self.longitude)):
            caption = QLabel(text)
            caption.setBuddy(spin)
            point_row.addWidget(caption)
            point_row.addWidget(spin)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setAccessibleName(f"{label}: clear the location")
        self.clear_button.clicked.connect(self._on_clear_clicked)
        point_row.addWidget(self.clear_button)
        point_row.addStretch(1)

        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Latitude", "Longitude"])
        self.table.setAccessibleName(f"{label}: points of the {self.kind} (latitude, longitude)")
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setItemDelegate(_CoordinateDelegate(self.decimals, self.table))
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move between cells
        self.table.setMaximumHeight(self.table.fontMetrics().lineSpacing() * 9)
        self.table.itemChanged.connect(self._on_table_changed)
        self.add_button = QPushButton("Add point")
        self.add_button.setAccessibleName(f"{label}: add a point")
        self.add_button.clicked.connect(self._on_add_clicked)
        self.remove_button = QPushButton("Remove point")
        self.remove_button.setAccessibleName(f"{label}: remove the selected point")
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.points_box = QWidget()
        points_layout = QVBoxLayout(self.points_box)
        points_layout.setContentsMargins(0, 0, 0, 0)
        points_layout.addWidget(self.table)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        points_layout.addLayout(buttons)

        self.raw_button = QPushButton("Edit GeoJSON")
        self.raw_button.setCheckable(True)
        self.raw_button.setAccessibleName(f"{label}: show the GeoJSON text")
        self.raw_button.toggled.connect(self._on_raw_button_toggled)
        self.raw = QPlainTextEdit()
        self.raw.setAccessibleName(f"{label} (GeoJSON {self.kind})")
        self.raw.setTabChangesFocus(True)
        self.raw.setFont(QFont("monospace"))
        self.raw.setFixedHeight(self.raw.fontMetrics().lineSpacing() * 3 + 12)
        self.raw.textChanged.connect(self._on_raw_changed)
        self.raw.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setForegroundRole(self.status.foregroundRole().PlaceholderText)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.point_box)
        layout.addWidget(self.points_box)
        layout.addWidget(self.status)
        layout.addWidget(self.raw_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.raw)
        self.point_box.setVisible(self.kind == "Point")
        self.points_box.setVisible(self.kind != "Point")

    # --- the field protocol ---

    def _show(self, value: Any) -> None:
        self._raw_edited = False
        self._syncing = True
        try:
            shown = json.dumps(value) if isinstance(value, dict) else ("" if value is None else str(value))
            self.raw.setPlainText(shown)
            try:
                geometry = geojson.parse_geometry(value, self.kind)
            except ValueError as exc:
                # not a geometry the fields can show: the text is, and says why
                self._show_points(geojson.Geometry(self.kind))
                self.raw_button.setChecked(True)
                self.status.setText(f"The stored value is not a {self.kind}: {exc}. Edit the GeoJSON below.")
                self.status.show()
                return
            self._show_points(geometry)
        finally:
            self._syncing = False
        self._update_status()

    def _read(self) -> Any:
        if self._raw_edited:
            text = self.raw.toPlainText().strip()
            if isinstance(self._original, dict) and text:
                try:
                    return json.loads(text)
                except json.JSONDecodeError:
                    return text
            return text
        written = geojson.format_geometry(self.points_geometry(), self.decimals)
        if isinstance(self._original, dict) and written:
            return json.loads(written)  # stored as a YAML mapping: stays one
        return written

    def local_problems(self) -> list[str]:
        if not self._touched:
            return []
        if self._raw_edited:
            text = self.raw.toPlainText().strip()
            try:
                geojson.parse_geometry(text, self.kind)
            except ValueError as exc:
                return [f"{self._label()}: {exc}."]
            return []
        problem = geojson.geometry_problem(self.points_geometry())
        return [f"{self._label()}: {problem}."] if problem else []

    def focus_target(self) -> QWidget:
        return self.latitude if self.kind == "Point" else self.table

    # --- points ---

    def points_geometry(self) -> geojson.Geometry:
        """The points as shown in the coordinate fields."""
        if self.kind == "Point":
            points = [] if self._point_empty else [(self.latitude.value(), self.longitude.value())]
            return geojson.Geometry(self.kind, points)
        points = []
        for row in range(self.table.rowCount()):
            cells = [self.table.item(row, column) for column in (LATITUDE, LONGITUDE)]
            try:
                lat, lon = (float(cell.text()) if cell is not None else 0.0 for cell in cells)
            except ValueError:
                continue  # cells are edited through spin boxes; this only skips a row being filled in
            points.append((lat, lon))
        return geojson.Geometry(self.kind, points, self._holes)

    def set_point(self, latitude: float, longitude: float) -> None:
        """Put the Point at a place (as typing it into the two fields does)."""
        self.latitude.setValue(latitude)
        self.longitude.setValue(longitude)
        self._point_empty = False
        self._on_point_changed()

    def _show_points(self, geometry: geojson.Geometry) -> None:
        self._holes = geometry.holes
        if self.kind == "Point":
            self._point_empty = not geometry.points
            lat, lon = geometry.points[0] if geometry.points else (0.0, 0.0)
            self.latitude.setValue(lat)
            self.longitude.setValue(lon)
            return
        self.table.setRowCount(0)
        for lat, lon in geometry.points:
            self._append_row(lat, lon)

    def _append_row(self, lat: float, lon: float) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column, number in ((LATITUDE, lat), (LONGITUDE, lon)):
            self.table.setItem(row, column, QTableWidgetItem(_text(number, self.decimals)))

    # --- edits ---

    def _coordinates_edited(self) -> None:
        """The fields changed: they are the value again, and the GeoJSON text follows them."""
        self._raw_edited = False
        self._syncing = True
        self.raw.setPlainText(geojson.format_geometry(self.points_geometry(), self.decimals))
        self._syncing = False
        self._update_status()
        self._edited()

    def _on_point_changed(self, *_args: Any) -> None:
        if self._syncing or self._loading:
            return
        self._point_empty = False
        self._coordinates_edited()

    def _on_clear_clicked(self) -> None:
        self._syncing = True
        self.latitude.setValue(0.0)
        self.longitude.setValue(0.0)
        self._syncing = False
        self._point_empty = True
        self._coordinates_edited()

    def _on_table_changed(self, _item: QTableWidgetItem) -> None:
        if self._syncing or self._loading:
            return
        self._coordinates_edited()

    def _on_add_clicked(self) -> None:
        # a new point starts where the last one is, ready to be adjusted
        last = self.points_geometry().points[-1] if self.table.rowCount() else (0.0, 0.0)
        self._syncing = True
        self._append_row(*last)
        self._syncing = False
        self.table.setCurrentCell(self.table.rowCount() - 1, LATITUDE)
        self._coordinates_edited()

    def _on_remove_clicked(self) -> None:
        row = self.table.currentRow() if self.table.currentRow() >= 0 else self.table.rowCount() - 1
        if row >= 0:
            self.table.removeRow(row)
            self._coordinates_edited()

    def _on_raw_button_toggled(self, shown: bool) -> None:
        self.raw.setVisible(shown)
        if shown and not self._loading:
            self.raw.setFocus()

    def _on_raw_changed(self) -> None:
        if self._syncing or self._loading:
            return
        self._raw_edited = True
        try:
            geometry = geojson.parse_geometry(self.raw.toPlainText(), self.kind)
        except ValueError as exc:
            self.status.setText(f"The GeoJSON is not a valid {self.kind}: {exc}.")
            self.status.show()
        else:
            self._syncing = True
            self._show_points(geometry)
            self._syncing = False
            self._update_status()
        self._edited()

    def _update_status(self) -> None:
        geometry = self.points_geometry()
        problem = geojson.geometry_problem(geometry)
        if problem:
            self.status.setText(problem[0].upper() + problem[1:] + ".")
        elif not geometry.points:
            self.status.setText("No location yet." if self.kind == "Point"
                                else f"No points yet: add the {self.kind}'s points.")
        else:
            count = len(geometry.points)
            noun = "corner" if self.kind == "Polygon" else "point"
            self.status.setText("" if self.kind == "Point" else f"{count} {noun}{'s' if count != 1 else ''}.")
        self.status.setVisible(bool(self.status.text()))


def _text(number: float, decimals: int) -> str:
    """A coordinate as typed: no trailing zeros."""
    text = f"{number:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
