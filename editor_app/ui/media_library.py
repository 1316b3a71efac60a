"""MediaLibraryDialog: the site's media folders with thumbnails and search; upload (several files, drag and
drop), insert, and delete with a confirm that warns when an entry still uses the file.

What it uses of the workspace is `contracts.MediaStore`; every call but `media_folders()` runs through the task
runner.
"""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from editor_app.ui import theme
from editor_app.ui.contracts import MediaStore, UserPrompts
from editor_app.ui.notifications import NotificationArea, Prompts
from editor_app.ui.signals import emit
from editor_app.ui.tasks import TaskFailure, TaskRunner, run_in_background
from editor_app.workspace.workspace import MediaItem

THUMBNAIL = QSize(96, 96)
PATH_ROLE = Qt.ItemDataRole.UserRole + 1
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".svg"}


def _file_icon() -> QIcon:
    """A file's icon, thumbnail-sized (the grid's uniform cells are sized from it) with the glyph drawn smaller."""
    canvas = QPixmap(THUMBNAIL)
    canvas.fill(Qt.GlobalColor.transparent)
    painter = QPainter(canvas)
    side = THUMBNAIL.height() * 7 // 12
    theme.icon("file-text").paint(painter, QRect((THUMBNAIL.width() - side) // 2, (THUMBNAIL.height() - side) // 2,
                                                 side, side))
    painter.end()
    return QIcon(canvas)


def thumbnail_icon(data: bytes, size: QSize = THUMBNAIL) -> QIcon | None:
    """A scaled thumbnail of image bytes; None when Qt cannot decode them."""
    image = QImage.fromData(data)
    if image.isNull():
        return None
    scaled = image.scaled(size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    # centred in a box of the full size: every cell of the (uniform) grid then has room for the name below
    canvas = QPixmap(size)
    canvas.fill(Qt.GlobalColor.transparent)
    painter = QPainter(canvas)
    painter.drawImage((size.width() - scaled.width()) // 2, (size.height() - scaled.height()) // 2, scaled)
    painter.end()
    return QIcon(canvas)


def human_size(size: int | None) -> str:
    """1.2 MB, 340 KB, 12 bytes."""
    if size is None:
        return ""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


class MediaLibraryDialog(QDialog):
    """Browse, upload, insert and delete media; `inserted(path)` when the user picks a file to insert."""

    inserted = Signal(str)
    uploaded = Signal(list)
    deleted = Signal(str)

    def __init__(
        self, workspace: MediaStore, runner: TaskRunner, prompts: UserPrompts | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.runner = runner
        self.setWindowTitle("Media library")
        self.setAccessibleName("Media library")
        self.setAcceptDrops(True)
        self.prompts: UserPrompts = prompts or Prompts(self)
        self._items: dict[str, QListWidgetItem] = {}

        self.notifications = NotificationArea()
        self.folder_box = QComboBox()
        self.folder_box.setAccessibleName("Media folder")
        for folder in workspace.media_folders():
            self.folder_box.addItem(folder)
        self.folder_box.currentTextChanged.connect(lambda _text: self.refresh())
        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText("Search media")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setAccessibleName("Search media")
        self.search_box.textChanged.connect(self._apply_search)
        self.list = QListWidget()
        self.list.setAccessibleName("Media files")
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(THUMBNAIL)
        self.list.setGridSize(QSize(THUMBNAIL.width() + 48, THUMBNAIL.height() + 44))
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setWordWrap(True)
        self.list.setUniformItemSizes(True)
        self.list.itemActivated.connect(lambda _item: self.insert_selected())
        self.list.itemSelectionChanged.connect(self._update_buttons)
        # an empty folder, or a search nothing matches, says so and how to go on
        self.empty_label = QLabel()
        self.empty_label.setObjectName("empty-state")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.hide()
        self.hint = QLabel("Drop files here to upload them.")
        self.hint.setObjectName("empty-state")
        self.upload_button = QPushButton(theme.icon("upload"), "Upload…")
        self.insert_button = QPushButton("Insert")
        self.delete_button = QPushButton("Delete…")
        close_button = QPushButton("Close")
        self.upload_button.clicked.connect(self._on_upload_clicked)
        self.insert_button.clicked.connect(self.insert_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        close_button.clicked.connect(self.reject)
        self.insert_button.setDefault(True)

        top = QHBoxLayout()
        top.addWidget(self.folder_box)
        top.addWidget(self.search_box, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.upload_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.hint)
        buttons.addStretch(1)
        buttons.addWidget(close_button)
        buttons.addWidget(self.insert_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notifications)
        layout.addLayout(top)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.resize(760, 520)
        self._update_buttons()

    @property
    def folder(self) -> str:
        """The media folder shown."""
        return self.folder_box.currentText()

    def paths(self) -> list[str]:
        """The paths listed, visible or not."""
        return list(self._items)

    def visible_paths(self) -> list[str]:
        """The paths the search lets through."""
        return [path for path, item in self._items.items() if not item.isHidden()]

    def refresh(self) -> None:
        """List the current folder again (in the background), then load thumbnails."""
        folder = self.folder
        run_in_background(
            self.runner,
            lambda: self.workspace.list_media(folder),
            lambda files: self._show_files(folder, files),
            lambda failure: self._on_failed(failure, f"Listing {folder} failed"),
        )

    def _show_files(self, folder: str, files: list[MediaItem]) -> None:
        if not shiboken6.isValid(self) or folder != self.folder:
            return  # closed (and deleted) while listing, or another folder was chosen meanwhile
        self.list.clear()
        self._items.clear()
        file_icon = _file_icon()
        for media in sorted(files, key=lambda m: m.path.casefold()):
            name = media.path.rsplit("/", 1)[-1]
            item = QListWidgetItem(file_icon, name)
            item.setData(PATH_ROLE, media.path)
            item.setToolTip(f"{media.path}\n{human_size(media.size)}")
            self.list.addItem(item)
            self._items[media.path] = item
        self._apply_search(self.search_box.text())
        images = [m.path for m in files if Path(m.path).suffix.lower() in IMAGE_SUFFIXES]
        if images:
            run_in_background(
                self.runner,
                lambda: {path: self.workspace.read_media(path) for path in images},
                self._show_thumbnails,
                lambda failure: self._on_failed(failure, "Loading thumbnails failed"),
            )

    def _show_thumbnails(self, contents: dict[str, bytes]) -> None:
        for path, data in contents.items():
            item = self._items.get(path)
            if item is None or not shiboken6.isValid(item):
                continue  # the dialog closed (or relisted) while the thumbnails were read
            icon = thumbnail_icon(data)
            if icon is not None:
                item.setIcon(icon)

    def _apply_search(self, text: str) -> None:
        needle = text.strip().casefold()
        for path, item in self._items.items():
            item.setHidden(bool(needle) and needle not in path.casefold())
        self._show_empty_state()

    def _show_empty_state(self) -> None:
        message = ""
        if not self._items:
            message = f"No media in {self.folder} yet. Upload files with “Upload…”, or drop them on this window."
        elif not self.visible_paths():
            message = f"No media matches “{self.search_box.text().strip()}”. Clear the search box to see all files."
        self.empty_label.setText(message)
        self.empty_label.setVisible(bool(message))

    def selected_path(self) -> str | None:
        """The selected file's path."""
        items = self.list.selectedItems()
        return items[0].data(PATH_ROLE) if items else None

    def select(self, path: str) -> None:
        """Select a file by path."""
        item = self._items.get(path)
        if item is not None:
            self.list.setCurrentItem(item)

    def insert_selected(self) -> None:
        """Insert the selected file (the caller decides where) and close."""
        path = self.selected_path()
        if path is not None:
            emit(self.inserted, path)
            self.accept()

    # --- upload ----------------------------------------------------------------------------------

    def upload_files(self, local_paths: list[Path]) -> None:
        """Upload several local files into the current folder, as one commit."""
        if not local_paths:
            return
        folder = self.folder
        self.hint.setText(f"Uploading {len(local_paths)} file(s)…")

        def work() -> list[str]:
            files = [(path.name, path.read_bytes()) for path in local_paths]
            # The dialog reports the repository paths the files were stored at (a taken name gets a suffix).
            return [item.path for item in self.workspace.upload_media(folder, files)]

        run_in_background(self.runner, work, self._on_uploaded, lambda f: self._on_failed(f, "Upload failed"))

    def _on_uploaded(self, paths: list[str]) -> None:
        self.hint.setText(f"Uploaded {len(paths)} file(s).")
        emit(self.uploaded, paths)
        self.refresh()

    def _on_upload_clicked(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(self, "Upload media")
        self.upload_files([Path(name) for name in names])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        files = [path for path in paths if path.is_file()]
        if files:
            event.acceptProposedAction()
            self.upload_files(files)

    # --- delete ----------------------------------------------------------------------------------

    def delete_selected(self) -> None:
        """Delete the selected file after a confirm that names the entries still using it."""
        path = self.selected_path()
        if path is None:
            return
        run_in_background(
            self.runner,
            lambda: self.workspace.media_usages(path),
            lambda usages: self._confirm_delete(path, usages),
            lambda failure: self._on_failed(failure, f"Checking where {path} is used failed"),
        )

    def _confirm_delete(self, path: str, usages: list[str]) -> None:
        text = f"Delete {path}? This makes a commit that removes it."
        if usages:
            listed = "\n".join(f"• {usage}" for usage in usages[:10])
            more = f"\n…and {len(usages) - 10} more" if len(usages) > 10 else ""
            text = f"{path} is still used by:\n{listed}{more}\n\nDelete it anyway? Those pages will show a broken link."
        if not self.prompts.confirm("Delete media", text, "Delete", destructive=True):
            return
        run_in_background(
            self.runner,
            lambda: self.workspace.delete_media(path),
            lambda _result: self._on_deleted(path),
            lambda failure: self._on_failed(failure, f"Deleting {path} failed"),
        )

    def _on_deleted(self, path: str) -> None:
        item = self._items.pop(path, None)
        if item is not None:
            self.list.takeItem(self.list.row(item))
        self._show_empty_state()
        emit(self.deleted, path)

    def _on_failed(self, failure: TaskFailure, context: str) -> None:
        if shiboken6.isValid(self):  # a failure that arrives after the dialog closed has no one to tell
            self.notifications.notify_error(failure, context)

    def _update_buttons(self) -> None:
        selected = self.selected_path() is not None
        self.insert_button.setEnabled(selected)
        self.delete_button.setEnabled(selected)
