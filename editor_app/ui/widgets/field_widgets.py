"""Editors of the single-value Decap widgets: string, text, number, boolean, datetime, select, image/file,
relation, code, color, hidden and the raw-YAML editor of widgets that are not built in (map: map_editor.py).

Every editor keeps the value it was loaded with and returns it unchanged until the user edits it, so
an untouched field round-trips exactly (types, date formats, values that are not among the options).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import shiboken6
from PySide6.QtCore import QDate, QDateTime, QEvent, QObject, QRegularExpression, Qt, QTime, Signal
from PySide6.QtGui import QColor, QFont, QKeyEvent, QPixmap, QSyntaxHighlighter, QTextCharFormat, QValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from editor_app.config.site_config import Field
from editor_app.content import number_input
from editor_app.content import widget_values as wv
from editor_app.errors import EditorError
from editor_app.ui.signals import emit


class RelationSource(Protocol):
    """Finds entries of a collection for relation fields (the workspace's in-memory index)."""

    def search(self, collection: str, query: str, search_fields: list[str], file: str | None) -> list[dict]:
        """Entries (their data, with `slug`) whose search fields contain `query` ('' = all)."""


class MediaSource(Protocol):
    """The site's media library as the form sees it."""

    def list_media(self) -> list[str]:
        """Public paths of the media files."""

    def upload(self, path: str) -> str:
        """Add a local file to the media folder and return its public path."""

    def thumbnail(self, public_path: str) -> bytes | None:
        """Image bytes to preview a media file, or None."""


class Runner(Protocol):
    """Runs work off the GUI thread and reports back on it (ui.tasks.TaskRunner)."""

    def run(self, work: Callable[[], Any], on_success: Callable[[Any], None] | None = None,
            on_failure: Callable[[Any], None] | None = None) -> None:
        """Run `work`; call `on_success(result)` or `on_failure(failure)` on the GUI thread."""


@dataclass
class FormContext:
    """Collaborators of a form: where relations and media come from, the clock for `{{now}}`, and the
    runner that keeps media listing, uploads and thumbnails off the GUI thread (None: run in place, for
    in-memory sources and tests)."""

    relation_source: RelationSource | None = None
    media_source: MediaSource | None = None
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    runner: Runner | None = None

    def run(self, work: Callable[[], Any], on_success: Callable[[Any], None],
            on_failure: Callable[[Any], None]) -> None:
        """Run media work on the runner, or at once when there is none."""
        if self.runner is not None:
            self.runner.run(work, on_success, on_failure)
            return
        try:
            result = work()
        except (OSError, EditorError, ValueError) as exc:  # what sources raise; shown to the user
            on_failure(exc)
            return
        on_success(result)


def _alive(widget: QWidget) -> bool:
    """Whether a widget still exists when a background result arrives."""
    return shiboken6.isValid(widget)


class FieldEditor(QWidget):
    """Base of all field editors: loaded value, `changed` when the user edits, `value()` for saving."""

    changed = Signal()

    def __init__(self, fld: Field, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = fld
        self.context = context
        self._original: Any = None
        self._present = False
        self._touched = False
        self._loading = False

    # --- the protocol the form uses ---

    def load(self, value: Any, present: bool) -> None:
        """Show a stored value (`present` False: the key is missing from the file)."""
        self._original, self._present, self._touched = value, present, False
        self._loading = True
        try:
            self._show(value if present else None)
        finally:
            self._loading = False

    def value(self) -> Any:
        """The value to write: the loaded one until the user edited the field."""
        return self._read() if self._touched else self._original

    def is_present(self) -> bool:
        """Whether the key is written at all (untouched missing keys stay missing)."""
        if not self._touched:
            return self._present
        return self._present or not wv.is_empty(self._read())

    def is_touched(self) -> bool:
        """Whether the user changed this field since it was loaded."""
        return self._touched

    def local_problems(self) -> list[str]:
        """Problems only the editor knows (text that does not parse)."""
        return []

    def focus_target(self) -> QWidget:
        """The control that takes focus and the label's buddy."""
        return self

    def set_read_only(self, read_only: bool) -> None:
        """Lock the editor (shared i18n fields in a non-default locale)."""
        self.setEnabled(not read_only)

    # --- for subclasses ---

    def _show(self, value: Any) -> None:
        raise NotImplementedError

    def _read(self) -> Any:
        raise NotImplementedError

    def _edited(self, *_args: Any) -> None:
        if self._loading:
            return
        self._touched = True
        emit(self.changed)

    def _label(self) -> str:
        return self.field.label or self.field.name


def _row(*widgets: QWidget | None, stretch_first: bool = True) -> QHBoxLayout:
    """A horizontal row; None stands for the empty space that takes what is left."""
    layout = QHBoxLayout()
    layout.setContentsMargins(0, 0, 0, 0)
    for i, widget in enumerate(widgets):
        if widget is None:
            layout.addStretch(1)
        else:
            layout.addWidget(widget, 1 if (i == 0 and stretch_first) else 0)
    return layout


def _vbox(widget: QWidget) -> QVBoxLayout:
    layout = QVBoxLayout(widget)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(4)
    return layout


class StringEditor(FieldEditor):
    """`string`: one line of text."""

    def __init__(self, fld: Field, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, context, parent)
        self.line = QLineEdit()
        self.line.setAccessibleName(self._label())
        self.line.textEdited.connect(self._edited)
        _vbox(self).addWidget(self.line)

    def _show(self, value: Any) -> None:
        self.line.setText("" if value is None else str(value))

    def _read(self) -> Any:
        return self.line.text()

    def focus_target(self) -> QWidget:
        return self.line


class TextEditor(FieldEditor):
    """`text`: several lines of plain text."""

    def __init__(self, fld: Field, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, context, parent)
        self.edit = QPlainTextEdit()
        self.edit.setAccessibleName(self._label())
        self.edit.setTabChangesFocus(True)
        self.edit.setFixedHeight(self.edit.fontMetrics().lineSpacing() * 5 + 12)
        self.edit.textChanged.connect(self._edited)
        _vbox(self).addWidget(self.edit)

    def _show(self, value: Any) -> None:
        self.edit.setPlainText("" if value is None else str(value))

    def _read(self) -> Any:
        return self.edit.toPlainText()

    def focus_target(self) -> QWidget:
        return self.edit


class _NumberLine(QLineEdit):
    """A line edit where Up/Down step the number by the field's `step`."""

    stepped = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            emit(self.stepped, 1 if event.key() == Qt.Key.Key_Up else -1)
            return
        super().keyPressEvent(event)


class _NumberValidator(QValidator):
    """Refuses keystrokes that cannot lead to a number of the field's kind ("400abc" stops at "400").

    `strict` is off while the text is a stored value that is not a number: it stays editable, and the check
    starts again once the text is a number."""

    def __init__(self, options: dict[str, Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.options = options
        self.strict = True

    def validate(self, text: str, pos: int) -> object:
        if not self.strict or number_input.accepts_typing(text, self.options):
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Invalid, text, pos


class NumberEditor(FieldEditor):
    """`number`: int or float (`value_type`), `min`/`max`, Up/Down step by `step`; only numbers can be typed."""

    def __init__(self, fld: Field, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, context, parent)
        self.line = _NumberLine()
        self.line.setAccessibleName(self._label())
        opts = fld.options
        self.validator = _NumberValidator(opts, self)
        self.line.setValidator(self.validator)
        self.hint = QLabel(number_input.number_hint(opts))
        self.hint.setObjectName("numberHint")
        self.hint.setForegroundRole(self.hint.foregroundRole().PlaceholderText)
        self.line.setAccessibleDescription(self.hint.text())
        self.line.setMaximumWidth(220)
        self.line.textEdited.connect(self._edited)
        self.line.textEdited.connect(self._on_line_edited)
        self.line.stepped.connect(self._on_line_stepped)
        layout = _vbox(self)
        layout.addLayout(_row(self.line, self.hint, None, stretch_first=False))

    def _show(self, value: Any) -> None:
        text = wv.format_number(value)
        self.validator.strict = number_input.accepts_typing(text, self.field.options)
        self.line.setText(text)
        self._update_hint()

    def _on_line_edited(self, text: str) -> None:
        if not self.validator.strict and number_input.accepts_typing(text, self.field.options):
            self.validator.strict = True
        self._update_hint()

    def _update_hint(self) -> None:
        """The range hint, or what is wrong with the number typed (above the maximum, …)."""
        value = self._read() if self.line.text().strip() else None
        problem = number_input.range_problem(value, self.field.options)
        self.hint.setText(f"Out of range: {problem}" if problem else number_input.number_hint(self.field.options))
        font = self.hint.font()
        font.setBold(problem is not None)  # readable in any palette; saving names it as a problem as well
        self.hint.setFont(font)

    def _read(self) -> Any:
        text = self.line.text()
        if not text.strip():
            return None
        try:
            return wv.parse_number(text, self.field.options.get("value_type"))
        except ValueError:
            return text  # kept as typed; local_problems() blocks the save

    def local_problems(self) -> list[str]:
        if self._touched and self.line.text().strip():
            try:
                wv.parse_number(self.line.text(), self.field.options.get("value_type"))
            except ValueError as exc:
                return [f"{self._label()}: {exc}."]
        return []

    def _on_line_stepped(self, direction: int) -> None:
        step = self.field.options.get("step") or 1
        current = self._read()
        base = current if isinstance(current, (int, float)) else 0
        number = base + direction * step
        opts = self.field.options
        if opts.get("min") is not None:
            number = max(number, opts["min"])
        if opts.get("max") is not None:
            number = min(number, opts["max"])
        if opts.get("value_type") == "int" or (isinstance(number, float) and number.is_integer()
                                                and isinstance(base, int) and isinstance(step, int)):
            number = int(number)
        self.line.setText(str(number))
        self._edited()

    def focus_target(self) -> QWidget:
        return self.line


class BooleanEditor(FieldEditor):
    """`boolean`: a check box."""

    def __init__(self, fld: Field, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, context, parent)
        self.check = QCheckBox(self._label())
        self.check.setAccessibleName(self._label())
        self.check.toggled.connect(self._edited)
        _vbox(self).addWidget(self.check)

    def _show(self, value: Any) -> None:
        self.check.setChecked(bool(value))

    def _read(self) -> Any:
        return self.check.isChecked()

    def is_present(self) -> bool:
        return self._present or self._touched

    def focus_target(self) -> QWidget:
        return self.check


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
        _vbox(self).addLayout(_row(self.picker, self.now_button, self.clear_button, None,
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


class SelectEditor(FieldEditor):
    """`select`: one option from a combo box, or several (`multiple`) from a check list."""

    def __init__(self, fld: Field, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, context, parent)
        self.options = wv.select_options(fld)
        self.multiple = bool(fld.options.get("multiple"))
        layout = _vbox(self)
        if self.multiple:
            self.list = QListWidget()
            self.list.setAccessibleName(self._label())
            self.list.itemChanged.connect(self._edited)
            layout.addWidget(self.list)
        else:
            self.combo = QComboBox()
            self.combo.setAccessibleName(self._label())
            self.combo.activated.connect(self._edited)
            self.combo.setMinimumWidth(200)
            layout.addLayout(_row(self.combo, None, stretch_first=False))

    def _fill(self, extra: list[Any]) -> None:
        pairs = list(self.options) + [(f"{v} (not an option)", v) for v in extra]
        if self.multiple:
            self.list.clear()
            for label, value in pairs:
                item = QListWidgetItem(label)
                item.setData(Qt.ItemDataRole.UserRole, value)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                self.list.addItem(item)
            # as tall as its options (up to eight rows), no empty box under short lists
            rows = min(max(self.list.count(), 1), 8)
            self.list.setFixedHeight(self.list.sizeHintForRow(0) * rows + 2 * self.list.frameWidth() + 2)
        else:
            self.combo.clear()
            self.combo.addItem("— none —", None)
            for label, value in pairs:
                self.combo.addItem(label, value)

    def _show(self, value: Any) -> None:
        known = [v for _label, v in self.options]
        values = value if isinstance(value, list) else ([] if value is None else [value])
        self._fill([v for v in values if v not in known])
        if self.multiple:
            for i in range(self.list.count()):
                item = self.list.item(i)
                if item.data(Qt.ItemDataRole.UserRole) in values:
                    item.setCheckState(Qt.CheckState.Checked)
        else:
            index = next((i for i in range(1, self.combo.count()) if self.combo.itemData(i) in values), 0)
            self.combo.setCurrentIndex(index)

    def _read(self) -> Any:
        if self.multiple:
            return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())
                    if self.list.item(i).checkState() == Qt.CheckState.Checked]
        return self.combo.currentData()

    def choose(self, *values: Any) -> None:
        """Select these option values as the user would."""
        if self.multiple:
            for i in range(self.list.count()):
                item = self.list.item(i)
                checked = item.data(Qt.ItemDataRole.UserRole) in values
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        else:
            index = next(i for i in range(self.combo.count()) if self.combo.itemData(i) == values[0])
            self.combo.setCurrentIndex(index)
            self._edited()

    def focus_target(self) -> QWidget:
        return self.list if self.multiple else self.combo


class MediaChooserDialog(QDialog):
    """Pick a file of the media library, or upload one from disk (listing and upload run in the background)."""

    def __init__(self, source: MediaSource, images_only: bool, parent: QWidget | None = None,
                 context: FormContext | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose an image" if images_only else "Choose a file")
        self.source = source
        self.context = context or FormContext(media_source=source)
        self.images_only = images_only
        self.status = QLabel("Loading the media library…")
        self.list = QListWidget()
        self.list.setAccessibleName("Media files")
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        self.upload_button = QPushButton("Upload from disk…")
        self.upload_button.clicked.connect(self._on_upload_clicked)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.list)
        layout.addLayout(_row(self.upload_button, None, buttons, stretch_first=False))
        self.context.run(source.list_media, self._on_listed, self._on_failed)

    def _on_listed(self, paths: list[str]) -> None:
        if not _alive(self):
            return
        shown = [p for p in paths if not self.images_only or _looks_like_image(p)]
        for path in shown:
            self.list.addItem(path)
        self.status.setText(f"{len(shown)} file{'s' if len(shown) != 1 else ''} in the media library"
                            if shown else "The media library is empty; upload a file.")

    def _on_failed(self, failure: Any) -> None:
        if _alive(self):
            self.status.setText(f"Could not reach the media library: {failure}")

    def chosen(self) -> str | None:
        """The public path picked, or None."""
        item = self.list.currentItem()
        return item.text() if item is not None else None

    def _on_upload_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Upload a file")
        if path:
            self.add_upload(path)

    def add_upload(self, path: str) -> None:
        """Upload a local file and select it when it is in."""
        self.status.setText(f"Uploading {path.rsplit('/', 1)[-1]}…")
        self.context.run(lambda: self.source.upload(path), self._on_uploaded, self._on_failed)

    def _on_uploaded(self, public: str) -> None:
        if not _alive(self):
            return
        self.list.addItem(public)
        self.list.setCurrentRow(self.list.count() - 1)
        self.status.setText(f"Uploaded {public}")


def _looks_like_image(path: str) -> bool:
    return path.lower().rsplit(".", 1)[-1] in {"png", "jpg", "jpeg", "gif", "webp", "svg", "avif", "bmp"}


class MediaEditor(FieldEditor):
    """`image`/`file`: a media path chosen from the library or uploaded; a free URL with `choose_url`."""

    def __init__(self, fld: Field, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, context, parent)
        self.is_image = fld.widget == "image"
        library = fld.options.get("media_library") or {}
        config = library.get("config") if isinstance(library, dict) else None
        self.multiple = bool(fld.options.get("allow_multiple")) or bool(
            isinstance(config, dict) and config.get("multiple"))
        self.path = QLineEdit()
        self.path.setAccessibleName(self._label())
        self.path.setReadOnly(not fld.options.get("choose_url", True))
        self.path.setPlaceholderText("Type a URL or choose from the media library"
                                     if not self.path.isReadOnly() else "No file chosen")
        self.path.textEdited.connect(self._on_path_edited)
        self.thumbnail = QLabel()
        self.thumbnail.setFixedSize(64, 64)
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumbnail.setAccessibleName(f"{self._label()} preview")
        self.thumbnail.setVisible(self.is_image)
        self.choose_button = QPushButton("Add…" if self.multiple else "Choose…")
        self.choose_button.setAccessibleName(f"{self._label()}: choose from the media library")
        self.choose_button.clicked.connect(self._on_choose_clicked)
        self.choose_button.setEnabled(context.media_source is not None)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setAccessibleName(f"{self._label()}: remove")
        self.remove_button.clicked.connect(self._on_remove_clicked)
        row = _row(self.thumbnail, self.path, self.choose_button, self.remove_button, stretch_first=False)
        row.setStretch(1, 1)
        _vbox(self).addLayout(row)
        self._paths: list[str] = []

    def _show(self, value: Any) -> None:
        if isinstance(value, list):
            self._paths = [str(v) for v in value]
        else:
            self._paths = [] if value in (None, "") else [str(value)]
        self._refresh()

    def _refresh(self) -> None:
        self.path.setText(", ".join(self._paths))
        self._update_thumbnail()

    def _update_thumbnail(self) -> None:
        if not self.is_image:
            return
        self.thumbnail.clear()
        self.thumbnail.setText("🖼" if not self._paths else "")
        source = self.context.media_source
        if not self._paths or source is None:
            return
        wanted = self._paths[0]
        self.context.run(lambda: source.thumbnail(wanted), lambda data: self._on_thumbnail(wanted, data),
                         lambda _failure: self._on_thumbnail(wanted, None))

    def _on_thumbnail(self, path: str, data: bytes | None) -> None:
        if not _alive(self) or not self._paths or self._paths[0] != path:
            return  # the field was removed or shows another file by now
        pixmap = QPixmap()
        if data and pixmap.loadFromData(data):
            self.thumbnail.setPixmap(pixmap.scaled(64, 64, Qt.AspectRatioMode.KeepAspectRatio,
                                                   Qt.TransformationMode.SmoothTransformation))
        else:
            self.thumbnail.setText("no\npreview")

    def _read(self) -> Any:
        if self.multiple or isinstance(self._original, list):
            return list(self._paths)
        return self._paths[0] if self._paths else ""

    def _on_path_edited(self, text: str) -> None:
        self._paths = wv.parse_simple_list(text) if self.multiple else ([text.strip()] if text.strip() else [])
        self._edited()

    def choose_path(self, public_path: str) -> None:
        """Use a media file (appended when the field takes several)."""
        self._paths = [*self._paths, public_path] if self.multiple else [public_path]
        self._refresh()
        self._edited()

    def _on_choose_clicked(self) -> None:
        if self.context.media_source is None:
            return
        dialog = MediaChooserDialog(self.context.media_source, self.is_image, self, self.context)
        dialog.accepted.connect(lambda: self._on_chooser_accepted(dialog))
        dialog.open()

    def _on_chooser_accepted(self, dialog: MediaChooserDialog) -> None:
        chosen = dialog.chosen()
        if chosen:
            self.choose_path(chosen)

    def _on_remove_clicked(self) -> None:
        self._paths = []
        self._refresh()
        self._edited()

    def focus_target(self) -> QWidget:
        return self.path


class RelationEditor(FieldEditor):
    """`relation`: search another collection; stores `value_field`, shows `display_fields`.

    Choices are built as Decap builds them (content.widget_values.relation_options): `{{slug}}` and other
    templates, nested paths, and `*` paths into a files collection's list, one choice per list item.
    """

    def __init__(self, fld: Field, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, context, parent)
        opts = fld.options
        self.multiple = bool(opts.get("multiple"))
        self.collection = str(opts.get("collection", ""))
        self.value_field = str(opts.get("value_field", "{{slug}}"))
        self.search_fields = [str(f) for f in opts.get("search_fields") or [self.value_field]]
        self.display_fields = [str(f) for f in opts.get("display_fields") or []]
        self.limit = int(opts.get("options_length") or 20)
        self.search = QLineEdit()
        target = str(opts.get("file") or self.collection)  # a files collection's list: name the file
        self.search.setPlaceholderText(f"Search {target}…")
        self.search.setAccessibleName(f"{self._label()}: search {target}")
        self.search.textEdited.connect(self._on_search_edited)
        self.search.returnPressed.connect(self._on_search_return_pressed)
        self.search.installEventFilter(self)
        self.results = QListWidget()
        self.results.setAccessibleName(f"{self._label()}: matching entries")
        self.results.setMaximumHeight(130)
        self.results.itemActivated.connect(self._on_result_activated)
        self.results.itemClicked.connect(self._on_result_activated)
        self.results.hide()
        self.no_match = QLabel()
        self.no_match.setObjectName("empty-state")
        self.no_match.hide()
        self.chosen = QListWidget()
        self.chosen.setAccessibleName(f"{self._label()}: chosen")
        self.chosen.setMaximumHeight(26 if not self.multiple else 90)
        self.chosen.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.chosen.model().rowsMoved.connect(self._edited)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setAccessibleName(f"{self._label()}: remove the chosen entry")
        self.remove_button.clicked.connect(self._on_remove_clicked)
        layout = _vbox(self)
        layout.addLayout(_row(self.chosen, self.remove_button))
        layout.addWidget(self.search)
        layout.addWidget(self.results)
        layout.addWidget(self.no_match)
        self._labels: dict[str, str] = {}

    def options(self, query: str = "") -> list[wv.RelationOption]:
        """The choices whose search fields match `query` (all for ''), each value once, in entry order."""
        source = self.context.relation_source
        if source is None:
            return []
        found: list[wv.RelationOption] = []
        seen: set[str] = set()
        for entry in source.search(self.collection, query, self.search_fields, self.field.options.get("file")):
            for option in wv.relation_options(entry, self.value_field, self.display_fields, self.search_fields):
                key = _value_key(option.value)
                if key not in seen and option.matches(query):
                    seen.add(key)
                    found.append(option)
        return found

    def _label_of(self, value: Any) -> str:
        key = _value_key(value)
        if key not in self._labels:
            for option in self.options():
                self._labels.setdefault(_value_key(option.value), option.label)
        return self._labels.get(key, str(value))  # not found: the target collection may still be loading

    def _add_chosen(self, value: Any) -> None:
        item = QListWidgetItem(self._label_of(value))
        item.setData(Qt.ItemDataRole.UserRole, value)
        item.setToolTip(f"Stored as: {value}")
        self.chosen.addItem(item)

    def refresh_labels(self) -> None:
        """Show the chosen entries by their display fields, and search again (the target collection loaded)."""
        self._labels.clear()
        for row in range(self.chosen.count()):
            item = self.chosen.item(row)
            item.setText(self._label_of(item.data(Qt.ItemDataRole.UserRole)))
        if self.search.text().strip():  # typed before the entries were there: search again
            self._on_search_edited(self.search.text())

    def _show(self, value: Any) -> None:
        self.chosen.clear()
        self._hide_results()
        self.search.clear()
        values = value if isinstance(value, list) else ([] if value in (None, "") else [value])
        for v in values:
            self._add_chosen(v)

    def _read(self) -> Any:
        values = [self.chosen.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.chosen.count())]
        if self.multiple:
            return values
        return values[0] if values else ""

    def _on_search_edited(self, text: str) -> None:
        query = text.strip()
        if not query:
            self._hide_results()
            return
        self.results.clear()
        for option in self.options(query)[: self.limit]:
            item = QListWidgetItem(option.label)
            item.setData(Qt.ItemDataRole.UserRole, option.value)
            item.setToolTip(f"Stored as: {option.value}")
            self.results.addItem(item)
        self.results.setVisible(self.results.count() > 0)
        self.no_match.setText(f"No {self.field.label or self.field.name} matches “{query}”.")
        self.no_match.setVisible(self.results.count() == 0)
        if self.results.count():
            self.results.setCurrentRow(0)

    def _hide_results(self) -> None:
        self.results.clear()
        self.results.hide()
        self.no_match.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Up and Down in the search box move through the matches, Escape closes them."""
        if watched is self.search and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress \
                and not self.results.isHidden():
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                step = 1 if key == Qt.Key.Key_Down else -1
                row = max(0, min(self.results.count() - 1, self.results.currentRow() + step))
                self.results.setCurrentRow(row)
                return True
            if key == Qt.Key.Key_Escape:
                self._hide_results()
                return True
        return super().eventFilter(watched, event)

    def _on_search_return_pressed(self) -> None:
        if not self.results.isHidden() and self.results.currentItem() is not None:
            self._on_result_activated(self.results.currentItem())

    def _on_result_activated(self, item: QListWidgetItem) -> None:
        self.pick(item.data(Qt.ItemDataRole.UserRole))

    def pick(self, value: Any) -> None:
        """Choose an entry by its stored value (replaces the choice unless `multiple`)."""
        if not self.multiple:
            self.chosen.clear()
        elif value in self._read():
            return
        self._add_chosen(value)
        self.search.clear()
        self._hide_results()
        self._edited()

    def _on_remove_clicked(self) -> None:
        row = self.chosen.currentRow() if self.chosen.currentRow() >= 0 else self.chosen.count() - 1
        if row >= 0:
            self.chosen.takeItem(row)
            self._edited()

    def focus_target(self) -> QWidget:
        return self.search


def _value_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


class CodeHighlighter(QSyntaxHighlighter):
    """A small language-agnostic highlighter: strings, numbers, comments and common keywords."""

    KEYWORDS = ("def class return if else elif for while import from function const let var async await "
                "true false null None True False new public private static void int float string").split()

    def __init__(self, document: Any) -> None:
        super().__init__(document)
        self.rules: list[tuple[QRegularExpression, QTextCharFormat]] = []

        def fmt(color: str, bold: bool = False) -> QTextCharFormat:
            f = QTextCharFormat()
            f.setForeground(QColor(color))
            if bold:
                f.setFontWeight(QFont.Weight.Bold)
            return f

        self.rules.append((QRegularExpression(r"\b(" + "|".join(self.KEYWORDS) + r")\b"), fmt("#3f7fd0", True)))
        self.rules.append((QRegularExpression(r"\b\d+(\.\d+)?\b"), fmt("#c07020")))
        self.rules.append((QRegularExpression(r"\"[^\"]*\"|'[^']*'|`[^`]*`"), fmt("#3a9a3a")))
        self.rules.append((QRegularExpression(r"(#|//|--).*$"), fmt("#8a8a8a")))

    def highlightBlock(self, text: str) -> None:
        for regex, fmt in self.rules:
            matches = regex.globalMatch(text)
            while matches.hasNext():
                match = matches.next()
                self.setFormat(match.capturedStart(), match.capturedLength(), fmt)


CODE_LANGUAGES = ["", "bash", "c", "cpp", "csharp", "css", "go", "html", "java", "javascript", "json",
                  "kotlin", "markdown", "php", "python", "ruby", "rust", "shell", "sql", "swift", "toml",
                  "typescript", "xml", "yaml"]


class CodeEditor(FieldEditor):
    """`code`: a monospace editor with a language selector; value `{code, lang}` or the code alone."""

    def __init__(self, fld: Field, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, context, parent)
        opts = fld.options
        keys = opts.get("keys")
        if not isinstance(keys, dict):
            keys = {}
        self.code_key = str(keys.get("code", "code"))
        self.lang_key = str(keys.get("lang", "lang"))
        self.code_only = bool(opts.get("output_code_only"))
        self.language = QComboBox()
        self.language.setAccessibleName(f"{self._label()}: language")
        self.language.addItems(CODE_LANGUAGES)
        self.language.setEditable(True)
        self.language.setVisible(bool(opts.get("allow_language_selection", True)) and not self.code_only)
        self.language.currentTextChanged.connect(self._edited)
        self.edit = QPlainTextEdit()
        self.edit.setAccessibleName(self._label())
        self.edit.setTabChangesFocus(True)
        self.edit.setFont(QFont("monospace"))
        self.edit.setFixedHeight(self.edit.fontMetrics().lineSpacing() * 8 + 12)
        self.edit.textChanged.connect(self._edited)
        self.highlighter = CodeHighlighter(self.edit.document())
        layout = _vbox(self)
        layout.addLayout(_row(self.language, None, stretch_first=False))
        layout.addWidget(self.edit)

    def _show(self, value: Any) -> None:
        if isinstance(value, dict):
            code, lang = value.get(self.code_key, ""), value.get(self.lang_key, "")
        else:
            code, lang = ("" if value is None else str(value)), self.field.options.get("default_language", "")
        self.language.setCurrentText(str(lang or ""))
        self.edit.setPlainText(str(code or ""))

    def _read(self) -> Any:
        if self.code_only or isinstance(self._original, str):
            return self.edit.toPlainText()
        base = dict(self._original) if isinstance(self._original, dict) else {}
        base[self.code_key] = self.edit.toPlainText()
        base[self.lang_key] = self.language.currentText()
        return base

    def focus_target(self) -> QWidget:
        return self.edit


class ColorEditor(FieldEditor):
    """`color`: a colour dialog (alpha with `enableAlpha`); typing the value with `allowInput`."""

    def __init__(self, fld: Field, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, context, parent)
        self.enable_alpha = bool(fld.options.get("enable_alpha"))
        self.line = QLineEdit()
        self.line.setAccessibleName(self._label())
        self.line.setReadOnly(not fld.options.get("allow_input"))
        self.line.setMinimumWidth(200)
        self.line.setMaximumWidth(260)
        self.line.textEdited.connect(self._on_line_edited)
        self.swatch = QPushButton()
        self.swatch.setFixedSize(40, 26)
        self.swatch.setAccessibleName(f"{self._label()}: pick a colour")
        self.swatch.setToolTip("Pick a colour")
        self.swatch.clicked.connect(self._on_swatch_clicked)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setAccessibleName(f"{self._label()}: clear")
        self.clear_button.clicked.connect(self._on_clear_clicked)
        _vbox(self).addLayout(_row(self.swatch, self.line, self.clear_button, None, stretch_first=False))

    def _show(self, value: Any) -> None:
        self.line.setText("" if value is None else str(value))
        self._paint_swatch()

    def _paint_swatch(self) -> None:
        try:
            r, g, b, a = wv.parse_color(self.line.text())
        except ValueError:
            self.swatch.setStyleSheet("")
            return
        self.swatch.setStyleSheet(f"background-color: rgba({r}, {g}, {b}, {int(a * 255)});"
                                  " border: 1px solid palette(mid);")

    def _read(self) -> Any:
        return self.line.text().strip()

    def _on_line_edited(self, _text: str) -> None:
        self._paint_swatch()
        self._edited()

    def set_color(self, color: QColor) -> None:
        """Use a colour picked in the dialog."""
        text = wv.format_color(color.red(), color.green(), color.blue(), round(color.alphaF(), 2), self.enable_alpha)
        self.line.setText(text)
        self._paint_swatch()
        self._edited()

    def _on_swatch_clicked(self) -> None:
        dialog = QColorDialog(self)
        if self.enable_alpha:
            dialog.setOption(QColorDialog.ColorDialogOption.ShowAlphaChannel)
        try:
            r, g, b, a = wv.parse_color(self.line.text())
            dialog.setCurrentColor(QColor(r, g, b, int(a * 255)))
        except ValueError:
            pass  # no valid colour yet: the dialog starts at its default
        dialog.colorSelected.connect(self.set_color)
        dialog.open()

    def _on_clear_clicked(self) -> None:
        self.line.clear()
        self._paint_swatch()
        self._edited()

    def local_problems(self) -> list[str]:
        text = self.line.text().strip()
        if self._touched and text:
            try:
                wv.parse_color(text)
            except ValueError as exc:
                return [f"{self._label()}: {exc}."]
        return []

    def focus_target(self) -> QWidget:
        return self.line


class HiddenEditor(FieldEditor):
    """`hidden`: never shown; its stored value (or default on new entries) is kept."""

    def _show(self, value: Any) -> None:
        self._shown = value

    def _read(self) -> Any:
        return self._original


class RawYamlEditor(FieldEditor):
    """A field whose widget is not built in: its value edited as YAML, with a notice saying why."""

    def __init__(self, fld: Field, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, context, parent)
        self.notice = QLabel(f"⚠ The “{fld.widget}” widget is not built into this app; edit the value as YAML.")
        self.notice.setForegroundRole(self.notice.foregroundRole().PlaceholderText)
        font = self.notice.font()
        font.setItalic(True)
        self.notice.setFont(font)
        self.notice.setWordWrap(True)
        self.notice.setObjectName("rawYamlNotice")
        self.edit = QPlainTextEdit()
        self.edit.setAccessibleName(f"{self._label()} (YAML)")
        self.edit.setTabChangesFocus(True)
        self.edit.setFont(QFont("monospace"))
        self.edit.setFixedHeight(self.edit.fontMetrics().lineSpacing() * 4 + 12)
        self.edit.textChanged.connect(self._edited)
        layout = _vbox(self)
        layout.addWidget(self.notice)
        layout.addWidget(self.edit)

    def _show(self, value: Any) -> None:
        self.edit.setPlainText(wv.value_to_yaml(value))

    def _read(self) -> Any:
        try:
            return wv.yaml_to_value(self.edit.toPlainText())
        except ValueError:
            return self.edit.toPlainText()

    def local_problems(self) -> list[str]:
        if not self._touched:
            return []
        try:
            wv.yaml_to_value(self.edit.toPlainText())
        except ValueError as exc:
            return [f"{self._label()}: {exc}."]
        return []

    def focus_target(self) -> QWidget:
        return self.edit
