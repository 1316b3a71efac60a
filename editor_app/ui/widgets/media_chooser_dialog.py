"""MediaChooserDialog: pick a file of the media library, or upload one from disk."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from editor_app.ui.widgets.field_editor import FormContext, MediaSource, is_alive, make_row


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
        layout.addLayout(make_row(self.upload_button, None, buttons, stretch_first=False))
        self.context.run(source.list_media, self._on_listed, self._on_failed)

    def _on_listed(self, paths: list[str]) -> None:
        if not is_alive(self):
            return
        shown = [p for p in paths if not self.images_only or _looks_like_image(p)]
        for path in shown:
            self.list.addItem(path)
        self.status.setText(f"{len(shown)} file{'s' if len(shown) != 1 else ''} in the media library"
                            if shown else "The media library is empty; upload a file.")

    def _on_failed(self, failure: Any) -> None:
        if is_alive(self):
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
        if not is_alive(self):
            return
        self.list.addItem(public)
        self.list.setCurrentRow(self.list.count() - 1)
        self.status.setText(f"Uploaded {public}")


def _looks_like_image(path: str) -> bool:
    return path.lower().rsplit(".", 1)[-1] in {"png", "jpg", "jpeg", "gif", "webp", "svg", "avif", "bmp"}
