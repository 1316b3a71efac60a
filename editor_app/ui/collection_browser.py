"""CollectionBrowser: the collection tree and the entry list of one site, filled from the workspace.

It loads the collections in the background, turns entries into list rows (the collection's sortable fields as
columns, its view filters and groups, nested folders in the tree, each row's status) and wires the loader of
the "Commit date"/"Commit author" columns. It says which entry the user wants (`entry_activated`); opening it
is the window's job.
"""

from __future__ import annotations

import datetime
import re
import time
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

from editor_app.config.site_config import Collection, Field
from editor_app.content import widget_values as wv
from editor_app.ui.collection_tree import CollectionItem, CollectionTreeView
from editor_app.ui.contracts import WorkspaceView
from editor_app.ui.entry_list import EntryListView, EntryRow, ViewFilter, ViewGroup
from editor_app.ui.entry_meta_loader import EntryMetaLoader
from editor_app.ui.signals import emit
from editor_app.ui.status_feedback import StatusFeedback
from editor_app.ui.tasks import TaskFailure, TaskRunner, run_in_background
from editor_app.workspace.workspace import IndexedEntry, OpenEntry


class CollectionBrowser(QObject):
    """The site's collections in a tree and the chosen collection's entries in a list."""

    entry_activated = Signal(str, str)  # collection name, entry key (its path, or a files collection's file name)
    collection_chosen = Signal(str)  # the list now shows this collection (new entries go there)
    site_loaded = Signal()  # no collection is loading any more

    def __init__(
        self,
        workspace: WorkspaceView,
        runner: TaskRunner,
        feedback: StatusFeedback,
        is_unsaved: Callable[[str], bool],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.runner = runner
        self.feedback = feedback
        self._is_unsaved = is_unsaved  # whether the entry at a path has unsaved changes in the editor
        self.current_collection: str | None = None
        self.loaded: set[str] = set()
        self.loading: set[str] = set()
        self._workflow_status: dict[str, str] = {}  # entry path -> unpublished status
        # a relation column's labels: (collection, field) -> stored value -> display fields, as the picker shows them
        self._relation_labels: dict[tuple[str, str], dict[str, str]] = {}
        self.tree = CollectionTreeView()
        self.entry_list = EntryListView()
        # "Commit date" / "Commit author" of the rows on screen, fetched in batches in the background
        self.meta_loader = EntryMetaLoader(
            self.entry_list, runner, lambda name, paths: self.workspace.entries_meta(name, paths),
            lambda: self.workspace.meta_batch, self,
        )
        self.meta_loader.notice.connect(self.feedback.say)
        self.tree.collection_selected.connect(self._on_tree_collection_selected)
        self.tree.folder_selected.connect(self._on_tree_folder_selected)
        self.tree.file_selected.connect(self._on_tree_file_selected)
        self.entry_list.entry_activated.connect(self._on_entry_list_entry_activated)
        # the tree's "Posts (8)" counts the rows the list holds: new, saved, deleted and published entries alike
        self.entry_list.model.modelReset.connect(self._sync_count)
        self.entry_list.model.layoutChanged.connect(self._sync_count)

    # --- collections -----------------------------------------------------------------------------

    def collections(self) -> list[Collection]:
        """The site's collections that are not hidden."""
        return [c for c in self.workspace.site.collections if not c.hide]

    def collection(self, name: str) -> Collection:
        """One collection by name."""
        for collection in self.collections():
            if collection.name == name:
                return collection
        raise KeyError(name)

    def show_site(self) -> None:
        """Show the collections, choose the first and start loading every folder collection."""
        items = [_collection_item(c) for c in self.collections()]
        self.tree.set_collections(items)
        if items:
            self.tree.select_collection(items[0].name)
        for item in items:
            if item.kind != "files":
                self.load_collection(item.name)

    def wait_until_loaded(self, timeout: float = 30.0) -> None:
        """Process events until every collection has loaded (self-test, benchmarks)."""
        deadline = time.monotonic() + timeout
        while self.loading and time.monotonic() < deadline:
            QApplication.processEvents()
            time.sleep(0.002)
        if self.loading:
            raise TimeoutError(f"collections still loading after {timeout:.0f} s: {sorted(self.loading)}")

    def load_collection(self, name: str) -> None:
        """Load a collection's entries in the background (once at a time)."""
        if name in self.loading:
            return
        self.loading.add(name)
        self.feedback.show_progress(0, 0, f"Loading {name}…")

        def progress(done: int, total: int, _text: str) -> None:
            if not self.collection(name).files:  # a files collection's row shows its files, not a count
                self.tree.set_loading(name, done, total)
            self.feedback.show_progress(done, total, f"Loading {self.collection(name).label}: {done} of {total}")

        run_in_background(
            self.runner,
            lambda report: self.workspace.load_collection(name, progress=report),
            lambda entries: self._on_collection_loaded(name, entries),
            lambda failure: self._on_collection_failed(name, failure),
            progress,
        )

    def reload(self, name: str) -> None:
        """Load a collection again."""
        self.loaded.discard(name)
        self.load_collection(name)

    def reload_if_loaded(self, name: str) -> None:
        """Load a collection again if it was loaded (its entries changed)."""
        if name in self.loaded:
            self.reload(name)

    def _on_collection_loaded(self, name: str, entries: list[IndexedEntry]) -> None:
        self.loading.discard(name)
        self.loaded.add(name)
        collection = self.collection(name)
        if not collection.files:
            self.tree.set_count(name, len(entries))
        self._relation_labels = {k: v for k, v in self._relation_labels.items() if _target(self._field(*k)) != name}
        self._load_relation_targets(collection)
        self._relabel_relation_columns(name)
        if collection.nested is not None:
            self.tree.set_folders(name, _folders_of(collection, entries))
        if self.current_collection == name and not collection.files:
            self._show_entries(name, entries)
        self.feedback.hide_progress(f"Loaded {len(entries)} entries of {collection.label}")
        if not self.loading:
            emit(self.site_loaded)

    def _sync_count(self) -> None:
        name = self.current_collection
        if name is None or name not in self.loaded or self.collection(name).files:
            return
        self.tree.set_count(name, self.entry_list.model.total)

    def _on_collection_failed(self, name: str, failure: TaskFailure) -> None:
        self.loading.discard(name)
        self.feedback.report_failure(failure, f"Loading {self.collection(name).label} failed")

    # --- relation columns ------------------------------------------------------------------------

    def _columns(self, collection: Collection) -> list[str]:
        """The list's columns after the title: its sortable fields; the commit columns only where there is history.

        A site whose backend keeps no history (the sandbox, a plain folder) would show them empty.
        """
        names = _sortable_names(collection)
        if self.workspace.meta_batch <= 0:
            names = [n for n in names if n not in ("commit_date", "commit_author")]
        return names

    def _field(self, collection: str, name: str) -> Field | None:
        return self.collection(collection).field_named(name)

    def _relation_fields(self, collection: Collection) -> dict[str, Field]:
        """The list's relation columns: sortable field name -> its relation field."""
        found = {}
        for name in self._columns(collection):
            field = collection.field_named(name)
            if field is not None and field.widget == "relation" and _target(field):
                found[name] = field
        return found

    def _load_relation_targets(self, collection: Collection) -> None:
        """Load the collections the list's relation columns name (a files collection is not loaded otherwise)."""
        for field in self._relation_fields(collection).values():
            target = _target(field)
            if target and target not in self.loaded and target not in self.loading \
                    and any(c.name == target for c in self.collections()):
                self.load_collection(target)

    def _relabel_relation_columns(self, loaded: str) -> None:
        """The shown list's relation cells, once the collection they point to has loaded."""
        name = self.current_collection
        if name is None or name not in self.loaded:
            return
        collection = self.collection(name)
        names = self._columns(collection)
        columns = {names.index(f) + 1: field for f, field in self._relation_fields(collection).items()
                   if _target(field) == loaded}
        if not columns:
            return
        values = {}
        for entry in self.workspace.entries(name):
            values[entry.path] = {column: self._relation_text(name, field, entry.data.get(field.name))
                                  for column, field in columns.items()}
        self.entry_list.model.set_cells(values)

    def _relation_text(self, collection: str, field: Field, value: object) -> str:
        """A relation's stored value(s) shown by the target entries' display fields (the stored value if unknown)."""
        key = (collection, field.name)
        labels = self._relation_labels.get(key)
        if labels is None:
            labels = self._labels_of(field)
            if _target(field) in self.loaded:
                self._relation_labels[key] = labels
        values = value if isinstance(value, list) else ([] if value in (None, "") else [value])
        return ", ".join(labels.get(_text(v), _text(v)) for v in values)

    def _labels_of(self, field: Field) -> dict[str, str]:
        target = _target(field)
        file = field.option("file")
        value_field = str(field.option("value_field") or "{{slug}}")
        display = [str(f) for f in field.option("display_fields") or []]
        labels: dict[str, str] = {}
        for entry in self.workspace.entries(target):
            if isinstance(file, str) and entry.file not in (None, file):
                continue
            for option in wv.relation_options({**entry.data, "slug": entry.slug}, value_field, display, None):
                labels.setdefault(_text(option.value), option.label)
        return labels

    # --- rows ------------------------------------------------------------------------------------

    def _show_entries(self, name: str, entries: list[IndexedEntry] | None = None) -> None:
        collection = self.collection(name)
        if entries is None:
            entries = self.workspace.entries(name)
        headers, rows = self.rows_for(collection, entries)
        self.entry_list.set_search_function(lambda text: set(self.workspace.search(name, text)))
        self.entry_list.show_entries(
            headers,
            rows,
            [ViewFilter(f.label, f.field, _text(f.pattern)) for f in collection.view_filters],
            [ViewGroup(g.label, g.field, _text(g.pattern)) for g in collection.view_groups],
        )
        names = self._columns(collection)
        self.meta_loader.show_collection(name, _column_of(names, "commit_date"), _column_of(names, "commit_author"))

    def rows_for(
        self, collection: Collection, entries: Sequence[IndexedEntry | OpenEntry]
    ) -> tuple[list[str], list[EntryRow]]:
        """The list's headers and one row per entry: its summary, sortable fields and status."""
        sortable = self._columns(collection)
        headers = [collection.label_singular or "Title"] + [f.replace("_", " ").capitalize() for f in sortable]
        relations = self._relation_fields(collection)
        rows = []
        for entry in entries:
            data = entry.data
            summary = self.workspace.summary(entry)
            cells = (summary,) + tuple(self._relation_text(collection.name, relations[f], data.get(f))
                                       if f in relations else _text(data.get(f)) for f in sortable)
            fields = {k: _text(v) for k, v in data.items() if not isinstance(v, (list, dict))}
            status = "unsaved" if self._is_unsaved(entry.path) else self._draft_status(entry.path)
            if entry.skipped:  # the backend did not read it (e.g. a link leading outside the repository)
                status = "skipped"
            rows.append(EntryRow(entry.path, cells, fields, status, note=entry.skipped))
        return headers, rows

    def show_saved(self, entry: OpenEntry) -> None:
        """Update a saved entry's row and select it (a new entry or a copy: its own row, not its origin's)."""
        headers, rows = self.rows_for(self.collection(entry.collection), [entry])
        self.entry_list.model.update_row(rows[0])
        self.entry_list.select_key(entry.path)

    def _draft_status(self, path: str) -> str:
        if self.workspace.has_draft(path):
            return "journal"
        return self._workflow_status.get(path, "")

    def set_workflow_statuses(self, statuses: dict[str, str]) -> None:
        """The unpublished entries' statuses (path -> status), shown on their rows unless they are being edited."""
        for path in set(self._workflow_status) | set(statuses):
            if not self._is_unsaved(path):
                self.entry_list.model.set_status(path, statuses.get(path, ""))
        self._workflow_status = statuses

    def set_workflow_status(self, path: str, status: str | None) -> None:
        """One entry's unpublished status (None: it has none any more); its row shows it at its next update."""
        if status is None:
            self._workflow_status.pop(path, None)
        else:
            self._workflow_status[path] = status

    def clear_workflow_status(self, path: str) -> None:
        """An entry has no unpublished changes any more (published, or its changes deleted): its row says so now."""
        self._workflow_status.pop(path, None)
        if not self._is_unsaved(path):
            self.entry_list.model.set_status(path, self._draft_status(path))

    def forget_workflow_statuses(self) -> None:
        """No entry is known to be unpublished (the site was reset)."""
        self._workflow_status = {}

    # --- what the rows stand for -----------------------------------------------------------------

    def is_published(self, entry: OpenEntry) -> bool:
        """Whether the entry's file is on the site's branch (as far as the loaded list knows)."""
        if entry.collection not in self.loaded:
            return True  # not known here: the workspace refuses with a clear message if it is not
        return any(e.path == entry.path for e in self.workspace.entries(entry.collection))

    def entry_title(self, entry: OpenEntry) -> str:
        """How dialogs name an entry: its title (the collection's summary), not its file path."""
        title = self.workspace.summary(entry).strip() if entry.data else ""
        if title and title != entry.path:
            return title
        if entry.is_new:
            return f"New {self._collection_singular(entry.collection)}"
        return entry.slug or entry.path

    def _collection_singular(self, name: str) -> str:
        collection = self.collection(name)
        return (collection.label_singular or collection.label or name).lower()

    # --- tree and list events --------------------------------------------------------------------

    def _on_tree_collection_selected(self, name: str) -> None:
        self.current_collection = name
        collection = self.collection(name)
        if collection.files:
            self._show_files_of(collection)
        elif name in self.loaded:
            self._show_entries(name)
        emit(self.collection_chosen, name)

    def _show_files_of(self, collection: Collection) -> None:
        """A files collection's list: one row per file, by label."""
        self.entry_list.show_entries(["File"], [EntryRow(f.name, (f.label,)) for f in collection.files])
        self.meta_loader.show_collection(None, None, None)
        self.entry_list.set_search_function(None)

    def _on_tree_folder_selected(self, name: str, folder: str) -> None:
        self.current_collection = name
        if name in self.loaded:
            self._show_entries(name)
            prefix = f"{self.collection(name).folder}/{folder}/"
            self.entry_list.model.set_matching(
                {e.path for e in self.workspace.entries(name) if e.path.startswith(prefix)}
            )

    def _on_tree_file_selected(self, name: str, file_name: str) -> None:
        # The list shows this collection's files, so that its rows open files of this collection.
        if self.current_collection != name or self.entry_list.model.row_of(file_name) < 0:
            self.current_collection = name
            self._show_files_of(self.collection(name))
            emit(self.collection_chosen, name)
        self.entry_list.select_key(file_name)
        emit(self.entry_activated, name, file_name)

    def _on_entry_list_entry_activated(self, key: str) -> None:
        if self.current_collection is not None:
            emit(self.entry_activated, self.current_collection, key)


def _sortable_names(collection: Collection) -> list[str]:
    """The list's columns after the title: the collection's sortable_fields, title excepted."""
    return [f.field for f in collection.sortable_fields if f.field != "title"]


def _target(field: Field | None) -> str:
    """The collection a relation field points to ("" for other fields)."""
    target = field.option("collection") if field is not None and field.widget == "relation" else None
    return target if isinstance(target, str) else ""


def _column_of(names: list[str], name: str) -> int | None:
    """The list column (of its headers: the title is 0) showing sortable field `name`, if shown."""
    return names.index(name) + 1 if name in names else None


def _collection_item(collection: Collection) -> CollectionItem:
    files = tuple((f.name, f.label or f.name) for f in collection.files)
    kind = "files" if files else ("nested" if collection.nested is not None else "folder")
    return CollectionItem(collection.name, collection.label or collection.name, kind, files,
                          collection.description or "")


def _folders_of(collection: Collection, entries: list[IndexedEntry]) -> list[str]:
    base = (collection.folder or "").rstrip("/") + "/"
    folders = set()
    for entry in entries:
        relative = entry.path[len(base):] if entry.path.startswith(base) else entry.path
        parent = relative.rsplit("/", 1)[0] if "/" in relative else ""
        if parent:
            folders.add(parent)
    return sorted(folders)


_ISO_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def _text(value: object) -> str:
    """A field value as a list cell shows it (dates without seconds, lists joined)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        found = _ISO_DATETIME.match(value)
        return f"{found.group(1)} {found.group(2)}" if found else value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    return str(value)
