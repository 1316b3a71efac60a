"""DateTimeEditor: `datetime` and `date` fields, written back in the format they were stored in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtWidgets import QDateTimeEdit, QPushButton, QWidget

from editor_app.config.site_config import Field
from editor_app.content import widget_values as wv
from editor_app.ui.widgets.field_editor import FieldEditor, FormContext, make_column, make_row


class _DateTimePicker(QDateTimeEdit):
    """A date/time picker that is one Tab stop: Tab leaves it instead of walking day, month, year, hour, minute.

    Its parts are still reached with Left/Right (and changed with Up/Down or by typing)."""

    def focusNextPrevChild(self, forward: bool) -> bool:
        return QWidget.focusNextPrevChild(self, forward)


class DateTimeEditor(FieldEditor):
    """`datetime`/`date`: a picker; the value is written back in the format it was stored in."""

    def __init__(self, fld: Field, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, context, parent)
        self.kind = wv.datetime_kind(fld)
        self.picker = _DateTimePicker()
        self.picker.setAccessibleName(self._label())
        self.picker.setAccessibleDescription("Left and Right move between its parts, Up and Down change them")
        self.picker.setDisplayFormat(wv.picker_display_format(fld))
        self.picker.setCalendarPopup(self.kind != "time")
        self.picker.setSpecialValueText(" ")  # shown while the field has no value
        self.picker.setMinimumDateTime(QDateTime(QDate(100, 1, 1), QTime(0, 0)))
        self.picker.dateTimeChanged.connect(self._on_picker_changed)
        self.now_button = QPushButton("Now" if self.kind != "date" else "Today")
        self.now_button.setAccessibleName(f"{self._label()}: set to now")
        self.now_button.clicked.connect(self._on_now_clicked)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setAccessibleName(f"{self._label()}: clear")
        self.clear_button.clicked.connect(self._on_clear_clicked)
        self.picker.setMinimumWidth(200)
        make_column(self).addLayout(make_row(self.picker, self.now_button, self.clear_button, None,
                                   stretch_first=False))
        self._empty = True
        self._format = wv.storage_format(fld)

    @property
    def _utc(self) -> bool:
        return bool(self.field.options.get("picker_utc"))

    def _show(self, value: Any) -> None:
        self._format = wv.storage_format(self.field, value)
        self._empty = value is None or value == ""
        if self._empty:
            self.picker.setDateTime(self.picker.minimumDateTime())
            return
        try:
            dt = wv.read_stored_datetime(value, self._format)
        except ValueError:
            self._empty = True
            self.picker.setDateTime(self.picker.minimumDateTime())
            return
        self._set_picker(dt)

    def _set_picker(self, dt: datetime) -> None:
        if dt.tzinfo is not None:
            dt = dt.astimezone(UTC) if self._utc else dt.astimezone()
        self.picker.setDateTime(QDateTime(QDate(dt.year, dt.month, dt.day),
                                          QTime(dt.hour, dt.minute, dt.second, dt.microsecond // 1000)))

    def _picked(self) -> datetime:
        qdt = self.picker.dateTime()
        d, t = qdt.date(), qdt.time()
        dt = datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), t.second(), t.msec() * 1000)
        if self.kind == "date":
            return dt.replace(hour=0, minute=0, second=0, microsecond=0)
        if "Z" in self._format.replace("[Z]", "") or wv.is_utc_format(self._format):
            return dt.replace(tzinfo=UTC) if self._utc else dt.astimezone()
        return dt

    def _read(self) -> Any:
        if self._empty:
            return ""
        return wv.write_datetime(self._picked(), self._format, self._original)

    def _on_picker_changed(self, _value: QDateTime) -> None:
        if self._loading:
            return
        self._empty = self.picker.dateTime() == self.picker.minimumDateTime()
        self._edited()

    def _on_now_clicked(self) -> None:
        self._loading = True
        self._set_picker(self.context.now())
        self._loading = False
        self._empty = False
        self._edited()

    def _on_clear_clicked(self) -> None:
        self._loading = True
        self.picker.setDateTime(self.picker.minimumDateTime())
        self._loading = False
        self._empty = True
        self._edited()

    def set_datetime(self, dt: datetime) -> None:
        """Pick a date/time as the user would."""
        self._loading = True
        self._set_picker(dt)
        self._loading = False
        self._empty = False
        self._edited()

    def focus_target(self) -> QWidget:
        return self.picker
