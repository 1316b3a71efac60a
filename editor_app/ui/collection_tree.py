"""CollectionTreeView: the site's collections; nested collections show their folders, files collections their files."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem, QWidget

from editor_app.ui import theme
from editor_app.ui.signals import emit

NAME_ROLE = Qt.ItemDataRole.UserRole + 1
KIND_ROLE = Qt.ItemDataRole.UserRole + 2
TARGET_ROLE = Qt.ItemDataRole.UserRole + 3


@dataclass(frozen=True)
class CollectionItem:
    """What the tree shows for one collection: kind is "folder", "nested" or "files".

    `files` lists (file name, label) of a files collection.
    """

    name: str
    label: str
    kind: str = "folder"
    files: tuple[tuple[str, str], ...] = ()
    description: str = ""
    children: list[str] = field(default_factory=list)


class CollectionTreeView(QTreeWidget):
    """Shows collections; emits which collection, folder of a nested collection, or file was chosen."""

    collection_selected = Signal(str)  # collection name
    folder_selected = Signal(str, str)  # collection name, folder path relative to the collection ("" = all)
    file_selected = Signal(str, str)  # collection name, file name

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("collection-tree")  # the sidebar look (theme.py)
        self.setHeaderHidden(True)
        self.setAccessibleName("Collections")
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setUniformRowHeights(True)
        self.currentItemChanged.connect(self._on_current_item_changed)
        self._items: dict[str, QTreeWidgetItem] = {}
        self._labels: dict[str, str] = {}

    def set_collections(self, collections: Iterable[CollectionItem]) -> None:
        """Show the site's collections (counts and folders arrive later)."""
        self.clear()
        self._items.clear()
        folder_icon = theme.icon("folder")
        file_icon = theme.icon("file-text")
        for collection in collections:
            item = QTreeWidgetItem([collection.label])
            item.setData(0, NAME_ROLE, collection.name)
            item.setData(0, KIND_ROLE, "collection")
            item.setIcon(0, file_icon if collection.kind == "files" else folder_icon)
            if collection.description:
                item.setToolTip(0, collection.description)
            for file_name, label in collection.files:
                child = QTreeWidgetItem([label])
                child.setData(0, NAME_ROLE, collection.name)
                child.setData(0, KIND_ROLE, "file")
                child.setData(0, TARGET_ROLE, file_name)
                child.setIcon(0, file_icon)
                item.addChild(child)
            self.addTopLevelItem(item)
            self._items[collection.name] = item
            self._labels[collection.name] = collection.label
            if collection.kind == "files":
                item.setExpanded(True)

    def set_count(self, collection: str, count: int) -> None:
        """Show how many entries a collection has, once loaded."""
        item = self._items.get(collection)
        if item is not None:
            item.setText(0, f"{self._labels[collection]}  ({count})")
            item.setData(0, Qt.ItemDataRole.AccessibleTextRole, f"{self._labels[collection]}, {count} entries")

    def set_loading(self, collection: str, done: int, total: int) -> None:
        """Show loading progress next to a collection."""
        item = self._items.get(collection)
        if item is not None:
            item.setText(0, f"{self._labels[collection]}  ({done}/{total}…)")

    def set_folders(self, collection: str, folders: Sequence[str]) -> None:
        """Show a nested collection's folder tree (paths relative to the collection folder)."""
        top = self._items.get(collection)
        if top is None:
            return
        top.takeChildren()
        icon = theme.icon("folder")
        nodes: dict[str, QTreeWidgetItem] = {"": top}
        for folder in sorted(set(folders)):
            parts = folder.split("/")
            for depth in range(1, len(parts) + 1):
                path = "/".join(parts[:depth])
                if path in nodes:
                    continue
                node = QTreeWidgetItem([parts[depth - 1]])
                node.setData(0, NAME_ROLE, collection)
                node.setData(0, KIND_ROLE, "folder")
                node.setData(0, TARGET_ROLE, path)
                node.setIcon(0, icon)
                nodes["/".join(parts[: depth - 1])].addChild(node)
                nodes[path] = node
        top.setExpanded(True)

    def select_collection(self, collection: str) -> None:
        """Make a collection current (emits collection_selected)."""
        item = self._items.get(collection)
        if item is not None:
            self.setCurrentItem(item)

    def item_for(self, collection: str) -> QTreeWidgetItem | None:
        """The top-level item of a collection."""
        return self._items.get(collection)

    def _on_current_item_changed(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        if current is None:
            return
        name = current.data(0, NAME_ROLE)
        kind = current.data(0, KIND_ROLE)
        if kind == "file":
            emit(self.file_selected, name, current.data(0, TARGET_ROLE))
        elif kind == "folder":
            emit(self.folder_selected, name, current.data(0, TARGET_ROLE))
        else:
            emit(self.collection_selected, name)
