"""FieldEditor, the base of the form's field editors, and FormContext, the collaborators a form works with.

Every editor keeps the value it was loaded with and returns it unchanged until the user edits it, so
an untouched field round-trips exactly (types, date formats, values that are not among the options).
The editors themselves live by family: text_editors, choice_editors, datetime_editor, media_editor,
relation_editor, code_editor, color_editor, raw_editors (map: map_editor, markdown: entry_form).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import shiboken6
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from editor_app.config.site_config import Field
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


def is_alive(widget: QWidget) -> bool:
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


def make_row(*widgets: QWidget | None, stretch_first: bool = True) -> QHBoxLayout:
    """A horizontal row; None stands for the empty space that takes what is left."""
    layout = QHBoxLayout()
    layout.setContentsMargins(0, 0, 0, 0)
    for i, widget in enumerate(widgets):
        if widget is None:
            layout.addStretch(1)
        else:
            layout.addWidget(widget, 1 if (i == 0 and stretch_first) else 0)
    return layout


def make_column(widget: QWidget) -> QVBoxLayout:
    """The vertical layout of `widget`, without margins: an editor's controls, top to bottom."""
    layout = QVBoxLayout(widget)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(4)
    return layout
