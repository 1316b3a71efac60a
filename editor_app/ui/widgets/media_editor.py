"""MediaEditor: `image` and `file` fields, chosen from the media library or typed as a URL."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QWidget

from editor_app.config.site_config import Field
from editor_app.content import widget_values as wv
from editor_app.ui import theme
from editor_app.ui.widgets.field_editor import FieldEditor, FormContext, is_alive, make_column, make_row
from editor_app.ui.widgets.media_chooser_dialog import MediaChooserDialog


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
        row = make_row(self.thumbnail, self.path, self.choose_button, self.remove_button, stretch_first=False)
        row.setStretch(1, 1)
        make_column(self).addLayout(row)
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
        if not self._paths:
            self.thumbnail.setPixmap(theme.icon("image").pixmap(32, 32))
        source = self.context.media_source
        if not self._paths or source is None:
            return
        wanted = self._paths[0]
        self.context.run(lambda: source.thumbnail(wanted), lambda data: self._on_thumbnail(wanted, data),
                         lambda _failure: self._on_thumbnail(wanted, None))

    def _on_thumbnail(self, path: str, data: bytes | None) -> None:
        if not is_alive(self) or not self._paths or self._paths[0] != path:
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
