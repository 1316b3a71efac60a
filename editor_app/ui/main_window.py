"""MainWindow: collection tree | entry list | editor, with the actions, menus and status bar around them.

The window talks to the workspace only through the runner (never on the GUI thread for I/O). What it uses of
the workspace: `site` (collections), `load_collection(name, progress)`, `search(name, text)`,
`open_entry(collection, path)`, `new_entry(collection)`, `save_entry(entry)`, `delete_entry(entry)`,
`duplicate_entry(entry)`, `journal_draft(entry)`, `draft_for(entry)`, `discard_draft(entry)`, `entry_url(entry)`,
`deploy_preview(entry)`, `deploy_previews(items)`, `entries_meta(name, paths)`, `meta_batch`.
The editor widget comes from `editor_factory(workspace, parent)`.
"""

from __future__ import annotations

import datetime
import re
import time
from urllib.parse import urlsplit
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QPushButton,
    QLabel,
    QMainWindow,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from editor_app.errors import AuthError, ConflictError, EditorError, LockedError
from editor_app.ui.collection_tree import CollectionItem, CollectionTreeView
from editor_app.ui.conflict_dialog import ConflictChoice, ConflictDialog
from editor_app.ui.draft_dialog import DraftChoice
from editor_app.ui.entry_list import EntryListView, EntryRow, ViewFilter, ViewGroup
from editor_app.ui.entry_meta_loader import EntryMetaLoader
from editor_app.ui.lock_dialog import LockDialog
from editor_app.backends.base import WORKFLOW_STATUSES
from editor_app.ui.media_library import MediaLibraryDialog
from editor_app.ui.notifications import NotificationArea, Prompts
from editor_app.ui.tasks import TaskFailure, TaskRunner, run_in_background
from editor_app.ui.deploy_preview_bar import DeployPreviewBar, open_in_desktop_browser
from editor_app.ui.workflow_board import STATUS_TITLES, WorkflowBoard, WorkflowCard
from editor_app.ui.signals import emit
from editor_app.ui.start_dialog import HOST_NAMES

GEOMETRY_KEY = "main_window/geometry"
STATE_KEY = "main_window/state"
SPLITTER_KEY = "main_window/splitter"
JOURNAL_DELAY_MS = 400
INVALID_ENTRY_NOTICE = "invalid-entry"  # the one "Not saved: fields need attention" notification


class MainWindow(QMainWindow):
    """The editor's main window for one site."""

    site_loaded = Signal()
    entry_opened = Signal(str)
    entry_saved = Signal(str)
    workflow_loaded = Signal()
    workflow_changed = Signal()
    workflow_previews_loaded = Signal()
    open_another_requested = Signal()  # the user wants another site (the open entry is already safe)

    def __init__(
        self,
        workspace: Any,
        settings: QSettings,
        runner: TaskRunner,
        editor_factory: Callable[[Any, QWidget], QWidget] | None = None,
        prompts: Prompts | None = None,
        parent: QWidget | None = None,
        *,
        url_opener: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.settings = settings
        self.runner = runner
        self._editor_factory = editor_factory or _default_editor_factory
        self.current_collection: str | None = None
        self.current_entry: Any = None
        self._dirty = False
        self._after_save: Callable[[], None] | None = None
        self.expiry_banner: Any = None  # set by attach_login for sites behind a Git-host login
        self._relogin: Callable[[Callable[[bool], None]], None] | None = None
        self._paused_save: Any = None  # the entry whose save waits for a new login
        self.lock_dialog: LockDialog | None = None  # open while a lock file blocks a save
        self._workflow_status: dict[str, str] = {}  # entry path -> unpublished status
        self._loaded: set[str] = set()
        self._loading: set[str] = set()
        self.prompts = prompts or Prompts(self)
        self.setWindowTitle(f"{self._site_title()} — editor-app")
        self.setAccessibleName("Main window")

        self.notifications = NotificationArea()
        self.collection_tree = CollectionTreeView()
        self.entry_list = EntryListView()
        self.editor = self._editor_factory(workspace, self)
        self.empty_label = QLabel("Choose an entry on the left, or create one with File → New entry (Ctrl+N).")
        self.empty_label.setObjectName("empty-state")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.open_url = url_opener or open_in_desktop_browser  # deploy previews; tests inject a recorder
        self.preview_bar = DeployPreviewBar(runner, self.open_url)
        self.workflow_bar = _EntryWorkflowBar(self.preview_bar)
        self.workflow_bar.setVisible(False)
        editor_page = QWidget()
        editor_layout = QVBoxLayout(editor_page)
        editor_layout.setContentsMargins(0, 0, 0, 0)
        editor_layout.addWidget(self.workflow_bar)
        editor_layout.addWidget(self.editor, 1)
        self.editor_page = editor_page
        self.editor_stack = QStackedWidget()
        self.editor_stack.addWidget(self.empty_label)
        self.editor_stack.addWidget(editor_page)
        self.workflow_board = WorkflowBoard()

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("main-splitter")
        self.splitter.addWidget(self.collection_tree)
        self.splitter.addWidget(self.entry_list)
        self.splitter.addWidget(self.editor_stack)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes([190, 470, 640])
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.splitter)
        self.pages.addWidget(self.workflow_board)
        layout.addWidget(self.notifications)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)

        self.status_label = QLabel()
        # "Commit date" / "Commit author" of the rows on screen, fetched in batches in the background
        self.meta_loader = EntryMetaLoader(
            self.entry_list, runner, lambda name, paths: self.workspace.entries_meta(name, paths),
            lambda: self.workspace.meta_batch, self,
        )
        self.meta_loader.notice.connect(self.status_label.setText)
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(200)
        self.progress_bar.setAccessibleName("Progress")
        self.progress_bar.setVisible(False)
        self.account_label = QLabel(self._account_text())
        self.account_label.setAccessibleName("Site and account")
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.progress_bar)
        self.statusBar().addPermanentWidget(self.account_label)

        self._journal_timer = QTimer(self, singleShot=True, interval=JOURNAL_DELAY_MS)
        self._journal_timer.timeout.connect(self._journal_now)
        self._create_actions()
        self._create_menus()
        self._connect()
        self._restore_layout()
        self._update_actions()

    # --- set-up ----------------------------------------------------------------------------------

    def _create_actions(self) -> None:
        def action(text: str, shortcut: QKeySequence | str | None, handler: Callable[[], None], tip: str) -> QAction:
            act = QAction(text, self)
            if shortcut is not None:
                act.setShortcut(QKeySequence(shortcut))
            act.setStatusTip(tip)
            act.setToolTip(tip)
            act.triggered.connect(handler)
            return act

        self.new_action = action("&New entry", "Ctrl+N", self.new_entry, "Create an entry")
        self.save_action = action("&Save", "Ctrl+S", self.save_entry, "Save (one commit)")
        self.close_action = action("&Close entry", "Ctrl+W", self.close_entry, "Close entry")
        self.quit_action = action("&Quit", "Ctrl+Q", self.close, "Quit editor-app")
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.find_action = action("&Find entries", "Ctrl+F", self.focus_search, "Search entries")
        self.delete_action = action("&Delete entry…", None, self.delete_entry, "Delete the open entry")
        self.duplicate_action = action("D&uplicate", "Ctrl+D", self.duplicate_entry, "Copy into a new entry")
        self.discard_action = action("Discard c&hanges", None, self.discard_changes, "Forget unsaved changes")
        self.browser_action = action("Open in &browser", "Ctrl+Shift+B", self.open_in_browser, "View on the site")
        self.reload_action = action("&Reload", "F5", self.reload_collection, "Reload")
        self.content_view_action = action("&Content", "Ctrl+1", self.show_content, "Collections and entries")
        self.workflow_view_action = action("&Workflow", "Ctrl+2", self.show_workflow, "Unpublished entries by status")
        self.media_action = action("&Media library…", "Ctrl+M", self.show_media_library, "Browse and upload media")
        self.workflow_view_action.setVisible(self.uses_workflow)
        self.open_another_action = action("&Open another site…", "Ctrl+Shift+O", self.request_open_another,
                                          "Choose another site; this one closes once the other is open")
        self.reset_action = action("&Reset the sample site…", None, self.reset_sample_site,
                                   "Put the sandbox's sample site back, dropping every edit made in it")
        self.reset_action.setVisible(bool(getattr(self.workspace, "can_reset", False)))

    def _create_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        for act in (self.new_action, self.save_action, self.close_action):
            file_menu.addAction(act)
        file_menu.addSeparator()
        file_menu.addAction(self.open_another_action)
        file_menu.addAction(self.reset_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = self.menuBar().addMenu("&Edit")
        for act in (self.find_action, self.duplicate_action, self.discard_action, self.delete_action):
            edit_menu.addAction(act)
        view_menu = self.menuBar().addMenu("&View")
        view_menu.addAction(self.content_view_action)
        view_menu.addAction(self.workflow_view_action)
        view_menu.addAction(self.media_action)
        view_menu.addSeparator()
        view_menu.addAction(self.reload_action)
        view_menu.addAction(self.browser_action)
        self.view_menu = view_menu
        toolbar = self.addToolBar("Entry")
        toolbar.setObjectName("entry-toolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for act in (self.new_action, self.save_action, self.duplicate_action, self.discard_action,
                    self.delete_action, self.browser_action):
            toolbar.addAction(act)
        toolbar.addSeparator()
        for act in (self.content_view_action, self.workflow_view_action, self.media_action):
            toolbar.addAction(act)
        self.toolbar = toolbar

    def _connect(self) -> None:
        self.collection_tree.collection_selected.connect(self._on_collection_tree_collection_selected)
        self.collection_tree.folder_selected.connect(self._on_collection_tree_folder_selected)
        self.collection_tree.file_selected.connect(self._on_collection_tree_file_selected)
        self.entry_list.entry_activated.connect(self._on_entry_list_entry_activated)
        self.workflow_board.status_change_requested.connect(self._on_workflow_status_change_requested)
        self.workflow_board.publish_requested.connect(self._on_workflow_publish_requested)
        self.workflow_board.delete_requested.connect(self._on_workflow_delete_requested)
        self.workflow_board.entry_activated.connect(self._on_workflow_board_entry_activated)
        self.workflow_board.preview_open_requested.connect(self.open_url)
        self.workflow_bar.status_box.activated.connect(self._on_workflow_bar_status_chosen)
        self.workflow_bar.publish_button.clicked.connect(self._on_workflow_bar_publish_clicked)
        self.workflow_bar.delete_button.clicked.connect(self._on_workflow_bar_delete_clicked)
        save_requested = getattr(self.editor, "save_requested", None)
        if save_requested is not None:
            save_requested.connect(self.save_entry)
        changed = getattr(self.editor, "changed", None)
        if changed is not None:
            changed.connect(self._on_editor_changed)

    def _restore_layout(self) -> None:
        geometry = self.settings.value(GEOMETRY_KEY)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1200, 760)
        state = self.settings.value(STATE_KEY)
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        sizes = self.settings.value(SPLITTER_KEY)
        if isinstance(sizes, QByteArray) and not sizes.isEmpty():
            self.splitter.restoreState(sizes)

    def _save_layout(self) -> None:
        self.settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        self.settings.setValue(STATE_KEY, self.saveState())
        self.settings.setValue(SPLITTER_KEY, self.splitter.saveState())
        self.settings.sync()

    # --- site and collections --------------------------------------------------------------------

    def _site_title(self) -> str:
        site = getattr(self.workspace, "site", None)
        named = getattr(site, "name", None) or getattr(site, "site_title", None)
        if named:
            return str(named)
        url = getattr(site, "display_url", None) or getattr(site, "site_url", None)
        return urlsplit(url).hostname or url if url else "Site"

    def _account_text(self) -> str:
        """Who edits where: "ed@example.org · Git Gateway (GitHub)", "octo · GitHub octo/site", "Sandbox"."""
        backend = getattr(self.workspace, "backend", None)
        name = getattr(backend, "name", "")
        if name == "test-repo":
            return "Sandbox (sample site)"
        settings = getattr(backend, "settings", None)
        where = getattr(backend, "host_label", None) or HOST_NAMES.get(name, name)
        place = getattr(settings, "repo", "") or getattr(settings, "local_path", "") or ""
        user = getattr(self.workspace, "user", None)
        who = getattr(user, "login", "") or getattr(user, "name", "")
        return " · ".join(part for part in (who, f"{where} {place}".strip()) if part)

    def collections(self) -> list[Any]:
        """The site's collections, as the workspace describes them."""
        return [c for c in self.workspace.site.collections if not getattr(c, "hide", False)]

    def collection(self, name: str) -> Any:
        """One collection by name."""
        for collection in self.collections():
            if collection.name == name:
                return collection
        raise KeyError(name)

    def load_site(self) -> None:
        """Show the collections and start loading the first one."""
        items = [_collection_item(c) for c in self.collections()]
        self.collection_tree.set_collections(items)
        if items:
            self.collection_tree.select_collection(items[0].name)
        for item in items:
            if item.kind != "files":
                self._load_collection(item.name)
        if self.uses_workflow:
            self.refresh_workflow()

    def wait_until_loaded(self, timeout: float = 30.0) -> None:
        """Process events until every collection has loaded (self-test, benchmarks)."""
        app = QApplication.instance()
        deadline = time.monotonic() + timeout
        while self._loading and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.002)
        if self._loading:
            raise TimeoutError(f"collections still loading after {timeout:.0f} s: {sorted(self._loading)}")

    def _load_collection(self, name: str) -> None:
        if name in self._loading:
            return
        self._loading.add(name)
        self._show_progress(0, 0, f"Loading {name}…")

        def progress(done: int, total: int, _text: str) -> None:
            self.collection_tree.set_loading(name, done, total)
            self._show_progress(done, total, f"Loading {self.collection(name).label}: {done} of {total}")

        run_in_background(
            self.runner,
            lambda report: self.workspace.load_collection(name, progress=report),
            lambda entries: self._on_collection_loaded(name, entries),
            lambda failure: self._on_task_failed(failure, f"Loading {self.collection(name).label} failed", name),
            progress,
        )

    def _on_collection_loaded(self, name: str, entries: Any) -> None:
        self._loading.discard(name)
        self._loaded.add(name)
        entries = list(entries)
        self.collection_tree.set_count(name, len(entries))
        collection = self.collection(name)
        if getattr(collection, "nested", None):
            self.collection_tree.set_folders(name, _folders_of(collection, entries))
        if self.current_collection == name:
            self._show_entries(name, entries)
        self._hide_progress(f"Loaded {len(entries)} entries of {collection.label}")
        if not self._loading:
            emit(self.site_loaded)

    def _show_entries(self, name: str, entries: list[Any] | None = None) -> None:
        collection = self.collection(name)
        if entries is None:
            entries = list(self.workspace.entries(name))
        headers, rows = self._rows_for(collection, entries)
        self.entry_list.set_search_function(lambda text: set(self.workspace.search(name, text)))
        self.entry_list.show_entries(
            headers,
            rows,
            [
                ViewFilter(_option(f, "label", ""), _option(f, "field", ""), _text(_option(f, "pattern", "")))
                for f in getattr(collection, "view_filters", ()) or ()
            ],
            [
                ViewGroup(_option(g, "label", ""), _option(g, "field", ""), _text(_option(g, "pattern", "")))
                for g in getattr(collection, "view_groups", ()) or ()
            ],
        )
        names = _sortable_names(collection)
        self.meta_loader.show_collection(name, _column_of(names, "commit_date"), _column_of(names, "commit_author"))

    def _rows_for(self, collection: Any, entries: list[Any]) -> tuple[list[str], list[EntryRow]]:
        sortable = _sortable_names(collection)
        headers = [getattr(collection, "label_singular", None) or "Title"] + [f.replace("_", " ").capitalize()
                                                                            for f in sortable]
        rows = []
        for entry in entries:
            data = getattr(entry, "data", {}) or {}
            summary = self.workspace.summary(entry)
            cells = (summary,) + tuple(_text(data.get(f)) for f in sortable)
            fields = {k: _text(v) for k, v in data.items() if not isinstance(v, (list, dict))}
            status = "unsaved" if self._is_current_dirty(entry.path) else self._draft_status(entry)
            if entry.skipped:  # the backend did not read it (e.g. a link leading outside the repository)
                status = "skipped"
            rows.append(EntryRow(entry.path, cells, fields, status, note=entry.skipped))
        return headers, rows

    def _draft_status(self, entry: Any) -> str:
        has_draft = getattr(self.workspace, "has_draft", None)
        if has_draft is not None and has_draft(entry.path):
            return "journal"
        return self._workflow_status.get(entry.path, "")

    def _is_current_dirty(self, path: str) -> bool:
        return self._dirty and self.current_entry is not None and self.current_entry.path == path

    # --- tree and list events --------------------------------------------------------------------

    def _on_collection_tree_collection_selected(self, name: str) -> None:
        self.current_collection = name
        collection = self.collection(name)
        if getattr(collection, "files", None):
            self._show_files_of(collection)
        elif name in self._loaded:
            self._show_entries(name)
        self._update_actions()

    def _show_files_of(self, collection: Any) -> None:
        """A files collection's list: one row per file, by label."""
        self.entry_list.show_entries(["File"], [EntryRow(f.name, (f.label,)) for f in collection.files])
        self.meta_loader.show_collection(None, None, None)
        self.entry_list.set_search_function(None)

    def _on_collection_tree_folder_selected(self, name: str, folder: str) -> None:
        self.current_collection = name
        if name in self._loaded:
            self._show_entries(name)
            prefix = f"{self.collection(name).folder}/{folder}/"
            self.entry_list.model.set_matching(
                {e.path for e in self.workspace.entries(name) if e.path.startswith(prefix)}
            )

    def _on_collection_tree_file_selected(self, name: str, file_name: str) -> None:
        # The list shows this collection's files, so that its rows open files of this collection.
        if self.current_collection != name or self.entry_list.model.row_of(file_name) < 0:
            self.current_collection = name
            self._show_files_of(self.collection(name))
            self._update_actions()
        self.entry_list.select_key(file_name)
        self.open_entry(name, file_name)

    def _on_entry_list_entry_activated(self, key: str) -> None:
        if self.current_collection is not None:
            self.open_entry(self.current_collection, key)

    # --- entries ---------------------------------------------------------------------------------

    def open_entry(self, collection: str, key: str) -> None:
        """Open an entry (after the unsaved-changes guard)."""
        if self.current_entry is not None and self.current_entry.path == key:
            return
        if not self.confirm_leave(then=lambda: self.open_entry(collection, key)):
            if self.current_entry is not None:
                self.entry_list.select_key(self.current_entry.path)
            return
        self._show_progress(0, 0, f"Opening {key}…")
        run_in_background(
            self.runner,
            lambda: self.workspace.open_entry(collection, key),
            self._on_entry_loaded,
            lambda failure: self._on_task_failed(failure, f"Opening {key} failed"),
        )

    def _on_entry_loaded(self, entry: Any) -> None:
        self._hide_progress("")
        restored = False
        draft = self.workspace.draft_for(entry)
        if draft is not None:
            choice = DraftChoice(
                self.prompts.restore_draft(
                    entry.path, self.workspace.raw_text(entry), self.workspace.raw_text(draft.entry),
                    _when_text(draft.when),
                )
            )
            if choice is DraftChoice.RESTORE:
                entry, restored = draft.entry, True
            elif choice is DraftChoice.DISCARD:
                self.workspace.discard_draft(entry)
        self._show_entry(entry, dirty=restored)

    def _show_entry(self, entry: Any, *, dirty: bool = False) -> None:
        self.notifications.dismiss_key(INVALID_ENTRY_NOTICE)  # it spoke of the entry shown before
        self.current_entry = entry
        self.editor.set_entry(entry)
        self.editor_stack.setCurrentWidget(self.editor_page)
        self._set_dirty(dirty)
        self.entry_list.select_key(entry.path)
        self._show_entry_workflow(entry)
        emit(self.entry_opened, entry.path)
        self.status_label.setText(entry.path)

    def new_entry(self) -> None:
        """Create an entry in the current collection; the status bar shows the path it will create."""
        if self.current_collection is None or not self.confirm_leave():
            return
        collection = self.collection(self.current_collection)
        if getattr(collection, "files", None) or getattr(collection, "create", True) is False:
            self.notifications.notify(f"{collection.label} does not allow new entries.", "warning")
            return
        entry = self.workspace.new_entry(self.current_collection)
        self._show_entry(entry, dirty=True)
        self._show_new_entry_path(entry.path)

    def _on_editor_changed(self) -> None:
        if self.current_entry is None:
            return
        self.current_entry = self.editor.entry()
        self._set_dirty(True)
        self._journal_timer.start()
        if getattr(self.editor, "path_changed", None) is None:
            self.status_label.setText(self.current_entry.path)

    def _journal_now(self) -> None:
        entry = self.current_entry
        if entry is not None and self._dirty:
            self.workspace.journal_draft(entry)
            if getattr(entry, "is_new", False):
                # The file name follows the fields (slug template), so say again where it will go.
                self._show_new_entry_path(self.workspace.new_entry(entry.collection, data=entry.data).path)

    def _show_new_entry_path(self, path: str) -> None:
        if path:
            self.status_label.setText(f"New entry — will be saved as {path}")
        else:
            self.status_label.setText("New entry — its file name comes from the fields once they are filled in")

    def _set_dirty(self, dirty: bool) -> None:
        self._dirty = dirty
        self.setWindowModified(dirty)
        self.setWindowTitle(f"{self._site_title()}[*] — editor-app")
        if self.current_entry is not None:
            self.entry_list.model.set_status(self.current_entry.path, "unsaved" if dirty else "")
        self._update_actions()

    @property
    def is_dirty(self) -> bool:
        """Whether the open entry has unsaved changes."""
        return self._dirty

    def save_entry(self) -> None:
        """Save the open entry as one commit (message from commit_messages)."""
        if self.current_entry is None:
            return
        validate = getattr(self.editor, "validate", None)
        problems = validate() if validate is not None else []
        if problems:
            count = len(problems)
            self.notifications.notify(
                f"Not saved: {count} field{'s' if count != 1 else ''} need{'s' if count == 1 else ''} attention "
                "(listed above the form).", "warning", key=INVALID_ENTRY_NOTICE,
            )
            return
        self.notifications.dismiss_key(INVALID_ENTRY_NOTICE)
        entry = self.editor.entry()
        self._journal_timer.stop()
        self.workspace.journal_draft(entry)
        self._show_progress(0, 0, f"Saving {entry.path}…")
        self.save_action.setEnabled(False)
        run_in_background(
            self.runner,
            lambda: self.workspace.save_entry(entry),
            self._on_entry_saved,
            lambda failure: self._on_save_failed(entry, failure),
        )

    def _on_entry_saved(self, entry: Any) -> None:
        self.current_entry = entry
        self.editor.set_entry(entry)
        self._set_dirty(False)
        status = getattr(entry, "status", None)
        if self.uses_workflow and status:
            self._workflow_status[entry.path] = status  # the list shows the draft now, not at the next refresh
        headers, rows = self._rows_for(self.collection(entry.collection), [entry])
        self.entry_list.model.update_row(rows[0])
        self._show_entry_workflow(entry)
        self._hide_progress(f"Saved {entry.path}")
        emit(self.entry_saved, entry.path)
        then, self._after_save = self._after_save, None
        if then is not None:
            then()

    def _on_save_failed(self, entry: Any, failure: TaskFailure) -> None:
        self._after_save = None  # whatever waited for this save stays undone: the entry is still open
        self._hide_progress("")
        self._update_actions()
        if isinstance(failure.error, ConflictError):
            self.resolve_conflict(entry, failure.error)
            return
        if isinstance(failure.error, AuthError) and failure.error.expired and self._relogin is not None:
            self._pause_save_for_login(entry)
            return
        if isinstance(failure.error, LockedError):
            self.offer_lock_removal(entry, failure.error)
            return
        self.notifications.notify_error(failure, f"Saving {entry.path} failed (your changes are kept as a draft)")

    def offer_lock_removal(self, entry: Any, error: LockedError) -> LockDialog:
        """Explain the lock that blocked saving `entry`; remove it (when stale) and save again if the user says so."""
        self.status_label.setText(f"Saving {entry.path} is blocked by {error.lock}")
        dialog = LockDialog(entry.path, error, self)
        self.lock_dialog = dialog
        dialog.finished.connect(lambda _result: self._on_lock_dialog_finished(dialog, entry, error))
        dialog.open()
        return dialog

    def _on_lock_dialog_finished(self, dialog: LockDialog, entry: Any, error: LockedError) -> None:
        self.lock_dialog = None
        dialog.deleteLater()
        if not dialog.remove_chosen or error.remove is None:
            return
        remove = error.remove
        self._show_progress(0, 0, f"Removing {error.lock}…")
        run_in_background(
            self.runner, remove,
            lambda _done: self._save_after_lock_removal(entry),
            lambda failure: self._on_save_failed(entry, failure),
        )

    def _save_after_lock_removal(self, entry: Any) -> None:
        self._hide_progress("")
        if self.current_entry is not None and self.current_entry.path == entry.path:
            self.save_entry()  # the editor still holds the edit (perhaps with more typed since)
            return
        self._show_progress(0, 0, f"Saving {entry.path}…")
        run_in_background(
            self.runner, lambda: self.workspace.save_entry(entry),
            lambda saved: self._hide_progress(f"Saved {saved.path}"),
            lambda failure: self._on_save_failed(entry, failure),
        )

    # --- login expiry (sites behind a Git-host login) --------------------------------------------

    def attach_login(self, banner: QWidget, relogin: Callable[[Callable[[bool], None]], None]) -> None:
        """Show the expiry `banner` above the content; `relogin(done)` logs in again, then calls done(ok)."""
        self.expiry_banner = banner
        self._relogin = relogin
        self.centralWidget().layout().insertWidget(0, banner)
        banner.relogin_requested.connect(self.log_in_again)

    def log_in_again(self) -> None:
        """Open the login again (the banner's button); a save paused by an expired login resumes after it."""
        if self._relogin is not None:
            self._relogin(self._on_logged_in_again)

    def _pause_save_for_login(self, entry: Any) -> None:
        # The edit stays in the editor and in the drafts journal; the same save runs again after the login.
        self._paused_save = entry
        self.expiry_banner.show_message(
            f"Saving {entry.path} is paused: your login has expired. Log in again to finish the save; "
            "your changes are kept.",
            expired=True,
        )
        self.status_label.setText(f"Saving {entry.path} paused: log in again to finish it")

    def _on_logged_in_again(self, ok: bool) -> None:
        paused, self._paused_save = self._paused_save, None
        if not ok:
            self._paused_save = paused  # still waiting; the banner's button stays
            return
        self.expiry_banner.hide()
        if paused is None:
            return
        if self.current_entry is not None and self.current_entry.path == paused.path:
            self.save_entry()  # the editor still holds the edit (perhaps with more typed since)
        else:
            self._show_progress(0, 0, f"Saving {paused.path}…")
            run_in_background(
                self.runner, lambda: self.workspace.save_entry(paused),
                lambda saved: self._hide_progress(f"Saved {saved.path}"),
                lambda failure: self._on_save_failed(paused, failure),
            )

    def resolve_conflict(self, entry: Any, error: ConflictError) -> ConflictDialog:
        """Show the conflict dialog and act on the choice; returns the dialog (tests drive it)."""
        # the file in conflict may be one of the entry's translations: show mine of that file
        conflict_text = getattr(self.workspace, "conflict_text", None)
        mine = conflict_text(entry, error.path) if conflict_text is not None else self.workspace.raw_text(entry)
        theirs = error.theirs.decode("utf-8", "replace") if error.theirs is not None else None
        dialog = ConflictDialog(error.path or entry.path, mine, theirs, self)
        dialog.finished.connect(lambda _result: self._on_conflict_dialog_finished(dialog, entry, error))
        dialog.open()
        return dialog

    def _on_conflict_dialog_finished(self, dialog: ConflictDialog, entry: Any, error: ConflictError) -> None:
        if dialog.choice is ConflictChoice.KEEP_MINE:
            resolved = self.workspace.resolve_conflict(entry, dialog.mine, error)
            self.editor.set_entry(resolved)
            self.current_entry = resolved
            self.save_entry()
        elif dialog.choice is ConflictChoice.TAKE_THEIRS:
            theirs = self.workspace.take_theirs(entry, error)
            self._set_dirty(False)
            if theirs is None:  # they deleted it
                self.current_entry = None
                self.close_entry()
            else:
                self._show_entry(theirs)

    def delete_entry(self) -> None:
        """Delete the open entry after confirming."""
        entry = self.current_entry
        if entry is None:
            return
        if not self.prompts.confirm("Delete entry", f"Delete {entry.path}? This makes a commit that removes it."):
            return
        run_in_background(
            self.runner,
            lambda: self.workspace.delete_entry(entry),
            lambda _result: self._on_entry_deleted(entry),
            lambda failure: self._on_task_failed(failure, f"Deleting {entry.path} failed"),
        )

    def _on_entry_deleted(self, entry: Any) -> None:
        self.entry_list.model.remove_row(entry.path)
        self._set_dirty(False)
        self.close_entry()
        self.status_label.setText(f"Deleted {entry.path}")

    def duplicate_entry(self) -> None:
        """Open a copy of the open entry as a new, unsaved entry."""
        if self.current_entry is None or not self.confirm_leave():
            return
        copy = self.workspace.duplicate_entry(self.editor.entry())
        self._show_entry(copy, dirty=True)
        self.status_label.setText(f"Copy — will be saved as {copy.path}")

    def discard_changes(self) -> None:
        """Forget unsaved changes of the open entry and reload it."""
        entry = self.current_entry
        if entry is None or not self._dirty:
            return
        if not self.prompts.confirm("Discard changes", f"Discard your unsaved changes to {entry.path}?"):
            return
        self.workspace.discard_draft(entry)
        self._set_dirty(False)
        self.notifications.dismiss_key(INVALID_ENTRY_NOTICE)
        self.current_entry = None
        if getattr(entry, "is_new", False):
            self.close_entry()
        else:
            self.open_entry(entry.collection, entry.path)

    def close_entry(self) -> None:
        """Close the open entry (after the guard)."""
        if not self.confirm_leave():
            return
        self.current_entry = None
        self._set_dirty(False)
        self.notifications.dismiss_key(INVALID_ENTRY_NOTICE)
        self.editor_stack.setCurrentWidget(self.empty_label)
        self._update_actions()

    def open_in_browser(self) -> None:
        """Open the entry's page on the live site (site_url + preview_path)."""
        if self.current_entry is None:
            return
        url = self.workspace.entry_url(self.current_entry)
        if url:
            QDesktopServices.openUrl(QUrl(url))
        else:
            self.notifications.notify("This site has no site_url, so there is no page to open.", "warning")

    def reload_collection(self) -> None:
        """Load the current collection again."""
        if self.current_collection is not None:
            self._loaded.discard(self.current_collection)
            self._load_collection(self.current_collection)

    def focus_search(self) -> None:
        """Put the cursor in the search box."""
        self.entry_list.search_box.setFocus()
        self.entry_list.search_box.selectAll()

    # --- editorial workflow ---------------------------------------------------------------------

    @property
    def uses_workflow(self) -> bool:
        """Whether the site saves through the editorial workflow (publish_mode: editorial_workflow)."""
        uses = getattr(self.workspace, "uses_workflow", None)
        if isinstance(uses, bool):
            return uses
        return getattr(self.workspace.site, "publish_mode", None) == "editorial_workflow"

    def show_content(self) -> None:
        """Show collections, entries and the editor."""
        self.pages.setCurrentWidget(self.splitter)

    def show_workflow(self) -> None:
        """Show the workflow board and refresh it."""
        if not self.uses_workflow:
            return
        self.pages.setCurrentWidget(self.workflow_board)
        self.refresh_workflow()

    def refresh_workflow(self) -> None:
        """Load the unpublished entries into the board."""
        run_in_background(
            self.runner,
            lambda: list(self.workspace.list_unpublished()),
            self._on_unpublished_loaded,
            lambda failure: self._on_task_failed(failure, "Loading unpublished entries failed"),
        )

    def _on_unpublished_loaded(self, entries: list[Any]) -> None:
        labels = {c.name: c.label for c in self.collections()}
        statuses = {}
        for item in entries:
            try:
                statuses[self.workspace.entry_path(item.collection, item.slug)] = item.status
            except EditorError:
                continue  # an unpublished entry of a collection the config no longer has
        for path in set(self._workflow_status) | set(statuses):
            if not self._is_current_dirty(path):
                self.entry_list.model.set_status(path, statuses.get(path, ""))
        self._workflow_status = statuses
        self.workflow_board.set_cards(
            WorkflowCard(e.collection, e.slug, getattr(e, "title", "") or e.slug, e.status,
                         labels.get(e.collection, e.collection), (getattr(e, "updated_at", "") or "")[:10])
            for e in entries
        )
        emit(self.workflow_loaded)
        # The cards' deploy previews, fetched in the background (bounded by the workspace), only when the board
        # is on screen: a site that opens on its entries costs the host nothing for them.
        if entries and self.pages.currentWidget() is self.workflow_board:
            run_in_background(
                self.runner, lambda: self.workspace.deploy_previews(entries), self._on_board_previews_loaded,
                lambda failure: self.status_label.setText(f"Deploy previews could not be checked: {failure}"),
            )

    def _on_board_previews_loaded(self, previews: dict[str, Any]) -> None:
        self.workflow_board.set_previews(
            {key: (preview.state, preview.url) if preview is not None else None for key, preview in previews.items()})
        emit(self.workflow_previews_loaded)

    def _run_workflow(self, work: Callable[[], Any], done: Callable[[Any], None], what: str) -> None:
        self._show_progress(0, 0, f"{what}…")
        run_in_background(
            self.runner, work, lambda result: (self._hide_progress(f"{what}: done"), done(result)),
            lambda failure: self._on_task_failed(failure, f"{what} failed"),
        )

    def _on_workflow_status_change_requested(self, collection: str, slug: str, status: str) -> None:
        self._run_workflow(
            lambda: self.workspace.set_status(collection, slug, status),
            lambda _r: self._after_status_changed(collection, slug, status),
            f"Moving {slug} to {STATUS_TITLES[status]}",
        )

    def _after_status_changed(self, collection: str, slug: str, status: str) -> None:
        self.workflow_board.move_entry(f"{collection}/{slug}", status)
        if self._is_open(collection, slug):
            self.workflow_bar.show_status(status)
        emit(self.workflow_changed)

    def _on_workflow_publish_requested(self, collection: str, slug: str) -> None:
        if not self.prompts.confirm("Publish", f"Publish {slug}? Its changes go live on the site's branch."):
            return
        self._run_workflow(
            lambda: self.workspace.publish(collection, slug),
            lambda _r: self._after_unpublished_removed(collection, slug, "Published"),
            f"Publishing {slug}",
        )

    def _on_workflow_delete_requested(self, collection: str, slug: str) -> None:
        text = f"Delete the unpublished changes of {slug}? The published version, if any, stays."
        if not self.prompts.confirm("Delete unpublished changes", text):
            return
        self._run_workflow(
            lambda: self.workspace.delete_unpublished(collection, slug),
            lambda _r: self._after_unpublished_removed(collection, slug, "Deleted changes"),
            f"Deleting the changes of {slug}",
        )

    def _after_unpublished_removed(self, collection: str, slug: str, what: str) -> None:
        self.workflow_board.remove_entry(f"{collection}/{slug}")
        if self._is_open(collection, slug):
            self.workflow_bar.show_status(None)
        self.status_label.setText(f"{what}: {slug}")
        emit(self.workflow_changed)
        if collection in self._loaded:
            self._loaded.discard(collection)
            self._load_collection(collection)

    def _on_workflow_board_entry_activated(self, collection: str, slug: str) -> None:
        self.show_content()
        self.collection_tree.select_collection(collection)
        self.open_entry(collection, self.workspace.entry_path(collection, slug))

    def _is_open(self, collection: str, slug: str) -> bool:
        entry = self.current_entry
        return entry is not None and entry.collection == collection and getattr(entry, "slug", None) == slug

    def _show_entry_workflow(self, entry: Any) -> None:
        if not self.uses_workflow:
            self.workflow_bar.setVisible(False)
            self.preview_bar.watch(None)
            return
        status = getattr(entry, "status", None)
        self.workflow_bar.show_status(status)
        # An unpublished entry's deploy preview, asked again on each opening and after each save.
        self.preview_bar.watch((lambda: self.workspace.deploy_preview(entry)) if status else None)

    def _on_workflow_bar_status_chosen(self, position: int) -> None:
        entry = self.current_entry
        if entry is not None and getattr(entry, "status", None):
            self._on_workflow_status_change_requested(entry.collection, entry.slug, WORKFLOW_STATUSES[position])

    def _on_workflow_bar_publish_clicked(self) -> None:
        if self.current_entry is not None:
            self._on_workflow_publish_requested(self.current_entry.collection, self.current_entry.slug)

    def _on_workflow_bar_delete_clicked(self) -> None:
        if self.current_entry is not None:
            self._on_workflow_delete_requested(self.current_entry.collection, self.current_entry.slug)

    # --- media -----------------------------------------------------------------------------------

    def show_media_library(self) -> MediaLibraryDialog:
        """Open the media library; an inserted file goes into the editor when it can take one."""
        dialog = MediaLibraryDialog(self.workspace, self.runner, self.prompts, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # each opening is a new dialog; none piles up
        insert = getattr(self.editor, "insert_media", None)
        if insert is not None:
            # Entries store the public path (public_folder), not the repository path.
            public = getattr(self.workspace, "public_path", lambda path: path)
            dialog.inserted.connect(lambda path: insert(public(path)))
        dialog.open()
        dialog.refresh()
        return dialog

    # --- guard, close ----------------------------------------------------------------------------

    def confirm_leave(self, then: Callable[[], None] | None = None) -> bool:
        """The unsaved-changes guard: True when it is fine to leave the open entry now.

        When the user chooses Save, the save runs in the background and `then` runs once it succeeded.
        """
        if not self._dirty or self.current_entry is None:
            return True
        answer = self.prompts.save_discard_cancel(self.current_entry.path)
        if answer == "save":
            self._after_save = then
            self.save_entry()
            return False
        if answer == "discard":
            self.workspace.discard_draft(self.current_entry)
            self._set_dirty(False)
            return True
        return False

    def request_open_another(self) -> None:
        """Ask for another site once the open entry is safe (saved, or its changes discarded)."""
        if self.confirm_leave(then=self.request_open_another):
            emit(self.open_another_requested)

    def reset_sample_site(self) -> None:
        """After confirmation, put the sandbox's sample site back and show it again."""
        if not getattr(self.workspace, "can_reset", False) or not self.confirm_leave(then=self.reset_sample_site):
            return
        if not self.prompts.confirm(
            "Reset the sample site",
            "Put the sample site back as it was at the first start? Every edit and unpublished entry made in the "
            "sandbox is lost.",
        ):
            return
        self.close_entry()
        self._show_progress(0, 0, "Putting the sample site back…")
        run_in_background(self.runner, self.workspace.reset_site, lambda _none: self._on_site_reset(),
                          lambda failure: self._on_task_failed(failure, "Resetting the sample site failed"))

    def _on_site_reset(self) -> None:
        self._workflow_status = {}
        self._hide_progress("The sample site is back")
        self.load_site()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if not self.confirm_leave(then=self.close):
            event.ignore()
            return
        self._save_layout()
        event.accept()

    def discard_and_close(self) -> None:
        """Close without asking (self-test); the drafts journal keeps anything typed."""
        self._dirty = False
        self.close()

    # --- feedback --------------------------------------------------------------------------------

    def _show_progress(self, done: int, total: int, text: str) -> None:
        self.progress_bar.setVisible(True)
        self.progress_bar.setRange(0, total)
        self.progress_bar.setValue(done)
        self.status_label.setText(text)

    def _hide_progress(self, text: str) -> None:
        if self.runner.running <= 1:
            self.progress_bar.setVisible(False)
        if text:
            self.status_label.setText(text)

    def _on_task_failed(self, failure: TaskFailure, context: str, collection: str | None = None) -> None:
        if collection is not None:
            self._loading.discard(collection)
        self._hide_progress(context)  # the status bar must not go on saying "Opening …"
        if isinstance(failure.error, AuthError) and failure.error.expired and self.expiry_banner is not None:
            # Not an error to read in a popup: the way on is the banner's Log in again.
            self.expiry_banner.show_message(f"{context}: your login has expired. Log in again to continue.", expired=True)
            return
        self.notifications.notify_error(failure, context)

    def _current_collection_or_none(self) -> Any:
        if self.current_entry is None:
            return None
        try:
            return self.collection(self.current_entry.collection)
        except KeyError:
            return None

    def _update_actions(self) -> None:
        has_entry = self.current_entry is not None
        for act in (self.delete_action, self.duplicate_action, self.browser_action, self.close_action):
            act.setEnabled(has_entry)
        collection = self._current_collection_or_none()
        can_delete = collection is None or getattr(collection, "delete", True) is not False
        self.delete_action.setEnabled(has_entry and can_delete and not getattr(self.current_entry, "is_new", False))
        self.save_action.setEnabled(has_entry and self._dirty)
        self.discard_action.setEnabled(has_entry and self._dirty)
        self.new_action.setEnabled(self.current_collection is not None)

    # --- self-test hooks -------------------------------------------------------------------------

    def open_first_entry_for_self_test(self) -> str:
        """Open the first entry of the first folder collection and wait for it."""
        for collection in self.collections():
            entries = list(self.workspace.entries(collection.name)) if collection.name in self._loaded else []
            if entries:
                self.collection_tree.select_collection(collection.name)
                self.open_entry(collection.name, entries[0].path)
                app = QApplication.instance()
                deadline = time.monotonic() + 30
                while self.current_entry is None and time.monotonic() < deadline:
                    app.processEvents()
                    time.sleep(0.002)
                if self.current_entry is None:
                    raise TimeoutError(f"{entries[0].path} did not open")
                return self.current_entry.path
        raise RuntimeError("the site has no entries to open")

    def render_preview_for_self_test(self) -> str:
        """Render the open entry's preview and return a short description of it."""
        render = getattr(self.editor, "render_preview", None)
        if render is None:
            raise RuntimeError("the editor has no preview")
        html = render()
        if not html:
            raise RuntimeError("the preview is empty")
        return f"{len(html)} characters of HTML"


class _EntryWorkflowBar(QWidget):
    """Above the editor under editorial workflow: the entry's status, its deploy preview, Publish, Delete."""

    def __init__(self, preview_bar: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status_box = QComboBox()
        self.status_box.setAccessibleName("Workflow status")
        for status in WORKFLOW_STATUSES:
            self.status_box.addItem(STATUS_TITLES[status])
        self.publish_button = QPushButton("Publish")
        self.delete_button = QPushButton("Delete unpublished changes")
        self.published_label = QLabel("Published — saving creates a draft for review.")
        self.status_title = QLabel("&Status:")
        self.status_title.setBuddy(self.status_box)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.status_title)
        layout.addWidget(self.status_box)
        layout.addWidget(self.published_label)
        layout.addSpacing(8)
        layout.addWidget(preview_bar)
        layout.addStretch(1)
        layout.addWidget(self.delete_button)
        layout.addWidget(self.publish_button)

    def show_status(self, status: str | None) -> None:
        """Show an unpublished entry's status, or that the entry has no unpublished changes."""
        self.setVisible(True)
        unpublished = status in WORKFLOW_STATUSES
        for widget in (self.status_title, self.status_box, self.publish_button, self.delete_button):
            widget.setVisible(unpublished)
        self.published_label.setVisible(not unpublished)
        if unpublished:
            self.status_box.setCurrentIndex(WORKFLOW_STATUSES.index(status))
            self.publish_button.setEnabled(status == WORKFLOW_STATUSES[-1])


def _sortable_names(collection: Any) -> list[str]:
    """The list's columns after the title: the collection's sortable_fields (names, or {field, default_sort}
    mappings in Decap 3), title excepted."""
    names = [_option(f, "field", f) if not isinstance(f, str) else f
             for f in getattr(collection, "sortable_fields", ()) or ()]
    return [name for name in names if name not in ("title",)]


def _column_of(names: list[str], name: str) -> int | None:
    """The list column (of its headers: the title is 0) showing sortable field `name`, if shown."""
    return names.index(name) + 1 if name in names else None


def _collection_item(collection: Any) -> CollectionItem:
    files = tuple((f.name, f.label or f.name) for f in getattr(collection, "files", None) or ())
    kind = "files" if files else ("nested" if getattr(collection, "nested", None) else "folder")
    return CollectionItem(collection.name, collection.label or collection.name, kind, files,
                          getattr(collection, "description", "") or "")


def _folders_of(collection: Any, entries: list[Any]) -> list[str]:
    base = collection.folder.rstrip("/") + "/"
    folders = set()
    for entry in entries:
        relative = entry.path[len(base):] if entry.path.startswith(base) else entry.path
        parent = relative.rsplit("/", 1)[0] if "/" in relative else ""
        if parent:
            folders.add(parent)
    return sorted(folders)


def _when_text(when: object) -> str:
    """A draft's time as a person reads it (local time, minutes)."""
    if isinstance(when, datetime.datetime):
        return when.astimezone().strftime("%Y-%m-%d %H:%M")
    return str(when or "")


def _option(item: Any, name: str, default: Any = None) -> Any:
    """An option of a config item, whether the loader gives objects or plain mappings."""
    if isinstance(item, dict):
        return item.get(name, default)
    return getattr(item, name, default)


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


def _default_editor_factory(workspace: Any, parent: QWidget) -> QWidget:
    from editor_app.ui.editor_pane import EditorPane

    return EditorPane(workspace, parent)
