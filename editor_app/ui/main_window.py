"""MainWindow: collection tree | entry list | editor, with the actions, menus and status bar around them.

The window wires its parts and keeps the open entry's life: opening it (with a journaled draft to restore),
the unsaved-changes guard, new, duplicate, delete, discard, close. Its parts: `CollectionBrowser` (the tree
and the list), `WorkflowController` (the board, the entry's workflow bar, deploy previews), `EntrySaver`
(saving, and what blocks a save), `TypingJournal` (journaling while typing), `StatusFeedback` (status line,
progress bar, failed work).

The window talks to the workspace only through the runner (never on the GUI thread for I/O), and only through
what `contracts.WorkspaceView` declares. The editor widget comes from `editor_factory(workspace, parent)`, a
`contracts.EntryEditor`.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QSplitter,
    QStackedWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from editor_app.config.site_config import Collection
from editor_app.ui import theme
from editor_app.ui.collection_browser import CollectionBrowser
from editor_app.ui.contracts import EditorFactory, EntryEditor, UserPrompts, WorkspaceView
from editor_app.ui.deploy_preview_bar import open_in_desktop_browser
from editor_app.ui.draft_dialog import DraftChoice
from editor_app.ui.entry_saver import EntrySaver, Relogin
from editor_app.ui.expiry_banner import ExpiryBanner
from editor_app.ui.help_dialogs import AboutDialog, ShortcutsDialog
from editor_app.ui.lock_dialog import LockDialog
from editor_app.ui.media_library import MediaLibraryDialog
from editor_app.ui.notifications import Notification, NotificationArea, Prompts
from editor_app.ui.signals import emit
from editor_app.ui.start_dialog import HOST_NAMES
from editor_app.ui.status_feedback import StatusFeedback
from editor_app.ui.tasks import TaskFailure, TaskRunner, run_in_background
from editor_app.ui.typing_journal import TypingJournal
from editor_app.ui.workflow_controller import WorkflowController
from editor_app.workspace.workspace import OpenEntry, PendingDraft

GEOMETRY_KEY = "main_window/geometry"
STATE_KEY = "main_window/state"
SPLITTER_KEY = "main_window/splitter"
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
        workspace: WorkspaceView,
        settings: QSettings,
        runner: TaskRunner,
        editor_factory: EditorFactory | None = None,
        prompts: UserPrompts | None = None,
        parent: QWidget | None = None,
        *,
        url_opener: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.read_only_reason = workspace.read_only_reason  # another instance holds the site: change nothing
        self._offered_new_drafts = False  # never-saved new entries from an earlier session are offered once
        self._opening: tuple[str, str] | None = None  # the entry being read for opening (collection, key)
        self.settings = settings
        self.runner = runner
        self._editor_factory = editor_factory or self._make_editor_pane
        self.current_entry: OpenEntry | None = None
        self._dirty = False
        self._after_save: Callable[[], object] | None = None
        self.prompts: UserPrompts = prompts or Prompts(self)
        self.setWindowTitle(f"{self._site_title()} — editor-app")
        self.setAccessibleName("Main window")

        self.notifications = NotificationArea()
        self.feedback = StatusFeedback(runner, self.notifications)
        self.status_label = self.feedback.status_label
        self.progress_bar = self.feedback.progress_bar
        self.browser = CollectionBrowser(workspace, runner, self.feedback, self._is_current_dirty, self)
        self.collection_tree = self.browser.tree
        self.entry_list = self.browser.entry_list
        self.meta_loader = self.browser.meta_loader
        self.saver = EntrySaver(workspace, runner, self.feedback, self._open_path, self)
        self.editor: EntryEditor = self._editor_factory(workspace, self)
        self.empty_label = QLabel("Choose an entry on the left, or create one with File → New entry (Ctrl+N).")
        self.empty_label.setObjectName("empty-state")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.open_url = url_opener or open_in_desktop_browser  # deploy previews; tests inject a recorder
        self.workflow = WorkflowController(
            workspace, runner, self.prompts, self.feedback, self.browser, self.open_url,
            lambda: self.current_entry, lambda: self.pages.currentWidget() is self.workflow_board, self,
        )
        self.preview_bar = self.workflow.preview_bar
        self.workflow_bar = self.workflow.bar
        self.workflow_board = self.workflow.board
        editor_page = QWidget()
        editor_layout = QVBoxLayout(editor_page)
        editor_layout.setContentsMargins(0, 0, 0, 0)
        editor_layout.addWidget(self.workflow_bar)
        editor_layout.addWidget(self.editor, 1)
        self.editor_page = editor_page
        self.editor_stack = QStackedWidget()
        self.editor_stack.addWidget(self.empty_label)
        self.editor_stack.addWidget(editor_page)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("main-splitter")
        self.splitter.addWidget(self.collection_tree)
        self.splitter.addWidget(self.entry_list)
        self.splitter.addWidget(self.editor_stack)
        # The editor takes what the window gains; the tree and the list keep a share of the width (see
        # pane_sizes) until the user drags a handle. The tree and the list may be collapsed, the editor not.
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setStretchFactor(2, 1)
        self.splitter.setCollapsible(2, False)
        self.collection_tree.setMinimumWidth(120)
        self.entry_list.setMinimumWidth(200)
        self.editor_stack.setMinimumWidth(360)
        self._panes_moved = False
        self.splitter.splitterMoved.connect(self._on_splitter_moved)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.splitter)
        self.pages.addWidget(self.workflow_board)
        layout.addWidget(self.notifications)
        layout.addWidget(self.pages, 1)
        self._central_layout = layout
        self.setCentralWidget(central)

        self.account_label = QLabel(self._account_text())
        self.account_label.setAccessibleName("Site and account")
        # How the site's content travels: Git's own protocol (few requests, no API quota) or the host's API.
        self.route_label = QLabel()
        self.route_label.setAccessibleName("Site read through")
        self._show_read_route()
        # signoff_commits: every commit carries a Signed-off-by trailer, and the window says for whom
        self.signoff_label = QLabel(f"Signed off as {self.workspace.signoff_identity}")
        self.signoff_label.setAccessibleName("Commits are signed off as")
        self.signoff_label.setToolTip("This site's config sets signoff_commits: each save adds a "
                                      "'Signed-off-by' line with this name to its commit message.")
        self.signoff_label.setVisible(bool(self.workspace.signoff_identity))
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.progress_bar)
        status = self.editor.status_widget()  # the entry's word count and reading time
        if status is not None:
            self.statusBar().addPermanentWidget(status)
        self.editor.notice.connect(self.notifications.notify)
        self.statusBar().addPermanentWidget(self.signoff_label)
        self.statusBar().addPermanentWidget(self.route_label)
        self.statusBar().addPermanentWidget(self.account_label)

        self.journal = TypingJournal(workspace, self.notifications, self.editor, self._unsaved_entry, self)
        self._create_actions()
        self._create_menus()
        self._connect()
        self._restore_layout()
        # Another instance holds the site: show it, change nothing (the workspace refuses writes too).
        if self.read_only_reason:
            self.editor.setEnabled(False)
            self.notifications.notify(f"Read-only: {self.read_only_reason}", "warning")
        self._update_actions()

    # --- set-up ----------------------------------------------------------------------------------

    def _make_editor_pane(self, workspace: WorkspaceView, parent: QWidget) -> EntryEditor:
        from editor_app.ui.editor_pane import EditorPane

        # the window's runner keeps the form's media work off the GUI thread
        return EditorPane(workspace, parent, runner=self.runner)

    def _create_actions(self) -> None:
        def action(text: str, shortcut: QKeySequence | str | None, handler: Callable[[], object], tip: str) -> QAction:
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
        self.find_action = action("&Find", "Ctrl+F", self.focus_search,
                                  "Find in the entry being edited (Ctrl+H replaces); elsewhere, search the entries")
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
        self.reset_action.setVisible(self.workspace.can_reset)
        self.panes_action = action("Collections and &entries", "Ctrl+Shift+L", self._on_panes_action_triggered,
                                   "Show or hide the collection tree and the entry list: the editor gets the room")
        self.panes_action.setCheckable(True)
        self.panes_action.setChecked(True)
        # Undo/Redo act on the text field that has the focus (its own undo stack). The keys reach the field
        # first (it takes Ctrl+Z itself); the menu items are for the mouse and say what is possible.
        keys = QKeySequence.StandardKey
        self.undo_action = action("&Undo", QKeySequence(keys.Undo), lambda: self._undo_redo(undo=True),
                                  "Undo the last change in the focused text field")
        self.redo_action = action("&Redo", QKeySequence(keys.Redo), lambda: self._undo_redo(undo=False),
                                  "Redo the change just undone in the focused text field")
        self.about_action = action("&About editor-app", None, self.show_about, "Version, licence and documentation")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.shortcuts_action = action("&Keyboard shortcuts", "F1", self.show_shortcuts, "Every keyboard shortcut")
        for act, name in ((self.new_action, "file-plus"), (self.save_action, "save"), (self.duplicate_action, "copy"),
                          (self.discard_action, "undo-2"), (self.delete_action, "trash-2"),
                          (self.browser_action, "external-link"), (self.content_view_action, "files"),
                          (self.workflow_view_action, "square-kanban"), (self.media_action, "image"),
                          (self.reload_action, "refresh-cw"), (self.find_action, "search"),
                          (self.open_another_action, "folder-open")):
            act.setIcon(theme.icon(name))

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
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        for act in (self.find_action, self.duplicate_action, self.discard_action, self.delete_action):
            edit_menu.addAction(act)
        edit_menu.aboutToShow.connect(self._update_undo_actions)
        self.edit_menu = edit_menu
        view_menu = self.menuBar().addMenu("&View")
        view_menu.addAction(self.content_view_action)
        view_menu.addAction(self.workflow_view_action)
        view_menu.addAction(self.media_action)
        view_menu.addAction(self.panes_action)
        view_menu.addSeparator()
        view_menu.addAction(self.reload_action)
        view_menu.addAction(self.browser_action)
        self.view_menu = view_menu
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.about_action)
        self.help_menu = help_menu
        toolbar = self.addToolBar("Entry")
        toolbar.setObjectName("entry-toolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.setIconSize(QSize(16, 16))
        for act in (self.new_action, self.save_action, self.duplicate_action, self.discard_action,
                    self.delete_action, self.browser_action):
            toolbar.addAction(act)
        toolbar.addSeparator()
        for act in (self.content_view_action, self.workflow_view_action, self.media_action):
            toolbar.addAction(act)
        self.toolbar = toolbar

    def _connect(self) -> None:
        self.browser.entry_activated.connect(self._on_browser_entry_activated)
        self.browser.collection_chosen.connect(self._on_browser_collection_chosen)
        self.browser.site_loaded.connect(self.site_loaded)
        self.browser.site_loaded.connect(self._show_read_route)  # a load may have given Git up for the API
        self.browser.site_loaded.connect(self._offer_unsaved_new_entries)
        self.workflow.entry_activated.connect(self._on_workflow_entry_activated)
        self.workflow.unpublished_removed.connect(self._on_workflow_unpublished_removed)
        self.workflow.loaded.connect(self.workflow_loaded)
        self.workflow.changed.connect(self.workflow_changed)
        self.workflow.previews_loaded.connect(self.workflow_previews_loaded)
        self.saver.saved.connect(self._on_saver_saved)
        self.saver.save_failed.connect(self._on_saver_save_failed)
        self.saver.retry_requested.connect(self.save_entry)
        self.saver.mine_kept.connect(self._on_saver_mine_kept)
        self.saver.theirs_taken.connect(self._on_saver_theirs_taken)
        self.journal.journaled.connect(self._on_journal_journaled)
        self.editor.save_requested.connect(self.save_entry)
        self.editor.changed.connect(self._on_editor_changed)

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
            self._panes_moved = self.splitter.restoreState(sizes)  # the user's own split, kept
        self.fit_panes()

    def _save_layout(self) -> None:
        self.settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        self.settings.setValue(STATE_KEY, self.saveState())
        self.settings.setValue(SPLITTER_KEY, self.splitter.saveState())
        self.settings.sync()

    # --- panes -----------------------------------------------------------------------------------

    def fit_panes(self) -> None:
        """Share the window's width: the tree and the list a bounded part, the editor the rest (`pane_sizes`)."""
        if self._panes_moved:
            return
        # The window's own width: during its resize event the splitter still has its old width, and sizes
        # computed from that would leave all the new room to the editor (a 1200 px window got a 120 px tree).
        tree, entries, editor = pane_sizes(self.width())
        if not self.collection_tree.isVisible() and not self.entry_list.isVisible() and self.isVisible():
            tree, entries, editor = 0, 0, tree + entries + editor
        self.splitter.setSizes([tree, entries, editor])

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_panes()

    def _on_splitter_moved(self, _position: int, _index: int) -> None:
        self._panes_moved = True
        self.panes_action.setChecked(any(self.splitter.sizes()[:2]))

    def _on_panes_action_triggered(self) -> None:
        """Collapse the tree and the list (the editor gets the whole width), or bring them back."""
        shown = self.panes_action.isChecked()
        self.collection_tree.setVisible(shown)
        self.entry_list.setVisible(shown)
        if shown and not any(self.splitter.sizes()[:2]):
            self._panes_moved = False  # they were dragged shut: bring them back at their share
        self.fit_panes()

    # --- site and collections --------------------------------------------------------------------

    def _site_title(self) -> str:
        read_only = " (read-only)" if self.workspace.read_only_reason else ""
        site = self.workspace.site
        url = site.display_url or site.site_url
        return (urlsplit(url).hostname or url if url else "Site") + read_only

    def _show_read_route(self) -> None:
        over_git = self.workspace.read_route == "git"
        self.route_label.setText("Git" if over_git else "API")
        self.route_label.setToolTip(
            "The site's content is read over Git (a few requests for the whole site; saves use the host's API)"
            if over_git else "The site's content is read through the host's API")
        # The sample site and a working copy are read from this computer: there is no route to name.
        self.route_label.setVisible(self.workspace.location.backend not in ("test-repo", "local"))

    def _account_text(self) -> str:
        """Who edits where: "ed@example.org · Git Gateway (GitHub)", "octo · GitHub octo/site", "Sandbox"."""
        location = self.workspace.location
        if location.backend == "test-repo":
            return "Sandbox (sample site)"
        where = location.host_label or HOST_NAMES.get(location.backend, location.backend)
        return " · ".join(part for part in (location.user, f"{where} {location.place}".strip()) if part)

    def collections(self) -> list[Collection]:
        """The site's collections that are not hidden."""
        return self.browser.collections()

    def collection(self, name: str) -> Collection:
        """One collection by name."""
        return self.browser.collection(name)

    @property
    def current_collection(self) -> str | None:
        """The collection the entry list shows (new entries go there)."""
        return self.browser.current_collection

    @property
    def _loading(self) -> set[str]:
        """The collections still loading."""
        return self.browser.loading

    def load_site(self) -> None:
        """Show the collections and start loading the first one."""
        self.browser.show_site()
        if self.uses_workflow:
            self.refresh_workflow()

    def wait_until_loaded(self, timeout: float = 30.0) -> None:
        """Process events until every collection has loaded (self-test, benchmarks)."""
        self.browser.wait_until_loaded(timeout)

    def _open_path(self) -> str | None:
        return self.current_entry.path if self.current_entry is not None else None

    def _unsaved_entry(self) -> OpenEntry | None:
        return self.current_entry if self._dirty else None

    def _is_current_dirty(self, path: str) -> bool:
        return self._dirty and self.current_entry is not None and self.current_entry.path == path

    def _on_browser_collection_chosen(self, _name: str) -> None:
        self._update_actions()

    def _on_browser_entry_activated(self, collection: str, key: str) -> None:
        self.open_entry(collection, key)

    # --- entries ---------------------------------------------------------------------------------

    def open_entry(self, collection: str, key: str) -> None:
        """Open an entry (after the unsaved-changes guard)."""
        if self.current_entry is not None and self.current_entry.path == key:
            return
        if self._opening == (collection, key):
            return  # already on its way (a click, then the double-click's second open)
        if not self.confirm_leave(then=lambda: self.open_entry(collection, key)):
            if self.current_entry is not None:
                self.entry_list.select_key(self.current_entry.path)
            return
        self._opening = (collection, key)
        self.feedback.show_progress(0, 0, f"Opening {key}…")
        run_in_background(
            self.runner,
            lambda: self.workspace.open_entry(collection, key),
            self._on_entry_loaded,
            lambda failure: self._on_entry_failed_to_open(failure, key),
        )

    def _on_entry_failed_to_open(self, failure: TaskFailure, key: str) -> None:
        self._opening = None
        self.feedback.report_failure(failure, f"Opening {key} failed")

    def _on_entry_loaded(self, entry: OpenEntry) -> None:
        self._opening = None
        if self._dirty and self.current_entry is not None and self.current_entry.path == entry.path:
            return  # the entry is open and being edited: a late second read must not replace what was typed
        self.feedback.hide_progress("")
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

    def _offer_unsaved_new_entries(self) -> None:
        """New entries never saved before a crash have no row to open them from: offer them back once."""
        if self._offered_new_drafts or self.read_only_reason:
            return
        self._offered_new_drafts = True
        run_in_background(self.runner, self.workspace.pending_drafts, self._on_pending_drafts_read,
                          self._on_pending_drafts_failed)

    def _on_pending_drafts_failed(self, failure: TaskFailure) -> None:
        self.notifications.notify_error(failure, "Reading the drafts journal failed")

    def _on_pending_drafts_read(self, drafts: list[PendingDraft]) -> None:
        for pending in (d for d in drafts if d.entry.is_new):
            entry = pending.entry
            collection = self.collection(entry.collection)
            kind = (collection.label_singular or collection.label or collection.name).lower()
            notice = self.notifications.notify(
                f"A new {kind} you had not saved, “{self.entry_title(entry)}”, was kept in the drafts journal "
                f"({_when_text(pending.when)}).", "warning")
            open_button = notice.add_button("Open it")
            discard_button = notice.add_button("Discard")
            open_button.clicked.connect(lambda _=False, e=entry, n=notice: self._on_unsaved_new_entry_opened(e, n))
            discard_button.clicked.connect(
                lambda _=False, e=entry, n=notice: self._on_unsaved_new_entry_discarded(e, n))

    def _on_unsaved_new_entry_opened(self, entry: OpenEntry, notice: Notification) -> None:
        if self.confirm_leave():
            notice.dismiss()
            self.collection_tree.select_collection(entry.collection)  # new entries belong to the list shown
            self._show_entry(entry, dirty=True)

    def _on_unsaved_new_entry_discarded(self, entry: OpenEntry, notice: Notification) -> None:
        self.workspace.discard_draft(entry)
        notice.dismiss()

    def _show_entry(self, entry: OpenEntry, *, dirty: bool = False) -> None:
        self.notifications.dismiss_key(INVALID_ENTRY_NOTICE)  # it spoke of the entry shown before
        self.current_entry = entry
        self.editor.set_entry(entry)
        self.editor_stack.setCurrentWidget(self.editor_page)
        self._set_dirty(dirty)
        self.entry_list.select_key(entry.path)
        self.workflow.show_entry(entry)
        emit(self.entry_opened, entry.path)
        self.feedback.say(entry.path)

    def new_entry(self) -> None:
        """Create an entry in the current collection; the status bar shows the path it will create."""
        if self.current_collection is None or not self.confirm_leave():
            return
        collection = self.collection(self.current_collection)
        if collection.files or not collection.create:
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
        self.journal.typed()
        self.feedback.say(self.current_entry.path)

    def _on_journal_journaled(self, entry: OpenEntry) -> None:
        if entry.is_new:
            # The file name follows the fields (slug template), so say again where it will go.
            self._show_new_entry_path(self.workspace.new_entry(entry.collection, data=entry.data).path)

    def _show_new_entry_path(self, path: str) -> None:
        if path:
            self.feedback.say(f"New entry — will be saved as {path}")
        else:
            self.feedback.say("New entry — its file name comes from the fields once they are filled in")

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

    # --- saving ----------------------------------------------------------------------------------

    def save_entry(self) -> None:
        """Save the open entry as one commit (message from commit_messages)."""
        if self.current_entry is None:
            return
        problems = self.editor.validate()
        if problems:
            count = len(problems)
            self.notifications.notify(
                f"Not saved: {count} field{'s' if count != 1 else ''} need{'s' if count == 1 else ''} attention "
                "(listed above the form).", "warning", key=INVALID_ENTRY_NOTICE,
            )
            return
        self.notifications.dismiss_key(INVALID_ENTRY_NOTICE)
        entry = self.editor.entry()
        self.journal.stop()
        self.workspace.journal_draft(entry)
        self.save_action.setEnabled(False)
        self.saver.save(entry)

    def _on_saver_save_failed(self) -> None:
        self._after_save = None  # whatever waited for this save stays undone: the entry is still open
        self._update_actions()

    def _on_saver_mine_kept(self, resolved: OpenEntry) -> None:
        self.editor.set_entry(resolved)
        self.current_entry = resolved
        self.save_entry()

    def _on_saver_theirs_taken(self, theirs: OpenEntry | None) -> None:
        self._set_dirty(False)
        if theirs is None:  # they deleted it
            self.current_entry = None
            self.close_entry()
        else:
            self._show_entry(theirs)

    @property
    def lock_dialog(self) -> LockDialog | None:
        """The lock dialog, while a lock file blocks a save."""
        return self.saver.lock_dialog

    def _on_saver_saved(self, entry: OpenEntry) -> None:
        self.current_entry = entry
        self.editor.set_entry(entry)
        self._set_dirty(False)
        self.workflow.note_saved(entry)
        self.browser.show_saved(entry)
        self.workflow.show_entry(entry)
        notice = entry.save_notice
        self.feedback.hide_progress(f"Saved {entry.path}" + (f" ({notice})" if notice else ""))
        if notice:
            self.notifications.notify(f"{entry.path}: {notice}.", "info")
        emit(self.entry_saved, entry.path)
        then, self._after_save = self._after_save, None
        if then is not None:
            then()

    # --- delete, duplicate, discard, close -------------------------------------------------------

    def delete_entry(self) -> None:
        """Delete the open entry after confirming; the question and the action fit what the entry is.

        An entry that exists only as unpublished changes has those changes deleted; a published entry is
        removed from the site by a commit. (A new entry has nothing to delete: Discard changes drops it.)
        """
        entry = self.current_entry
        if entry is None or entry.is_new:
            return
        name = self.entry_title(entry)
        if entry.status and not self.browser.is_published(entry):
            self.workflow.delete_unpublished(entry.collection, entry.slug)
            return
        text = f"Delete “{name}”? This makes a commit that removes it from the site."
        if entry.status:
            text += " Its unpublished changes stay on the workflow board."
        if not self.prompts.confirm("Delete entry", text, "Delete", destructive=True):
            return
        run_in_background(
            self.runner,
            lambda: self.workspace.delete_entry(entry),
            lambda _result: self._on_entry_deleted(entry),
            lambda failure: self.feedback.report_failure(failure, f"Deleting “{name}” failed"),
        )

    def entry_title(self, entry: OpenEntry) -> str:
        """How dialogs name an entry: its title (the collection's summary), not its file path."""
        return self.browser.entry_title(entry)

    def _on_entry_deleted(self, entry: OpenEntry) -> None:
        self.entry_list.model.remove_row(entry.path)
        self._set_dirty(False)
        self.close_entry()
        self.feedback.say(f"Deleted “{self.entry_title(entry)}”")

    def duplicate_entry(self) -> None:
        """Open a copy of the open entry as a new, unsaved entry."""
        if self.current_entry is None or not self.confirm_leave():
            return
        copy = self.workspace.duplicate_entry(self.editor.entry())
        self._show_entry(copy, dirty=True)
        self.feedback.say(f"Copy — will be saved as {copy.path}")

    def discard_changes(self) -> None:
        """Forget unsaved changes of the open entry and reload it."""
        entry = self.current_entry
        if entry is None or not self._dirty:
            return
        if not self.prompts.confirm("Discard changes", f"Discard your unsaved changes to “{self.entry_title(entry)}”?",
                                    "Discard changes", destructive=True):
            return
        self.workspace.discard_draft(entry)
        self._set_dirty(False)
        self.notifications.dismiss_key(INVALID_ENTRY_NOTICE)
        self.current_entry = None
        if entry.is_new:
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
            self.browser.reload(self.current_collection)

    def focus_search(self) -> None:
        """Ctrl+F: find in the editor when the focus is in it, else put the cursor in the entries' search box."""
        focus = QApplication.focusWidget()
        if focus is not None and self.editor.isAncestorOf(focus) and self.editor.show_find():
            return
        self.entry_list.search_box.setFocus()
        self.entry_list.search_box.selectAll()

    # --- login expiry (sites behind a Git-host login) --------------------------------------------

    def attach_login(self, banner: ExpiryBanner, relogin: Relogin) -> None:
        """Show the expiry `banner` above the content; `relogin(done)` logs in again, then calls done(ok)."""
        self.feedback.expiry_banner = banner
        self.saver.relogin = relogin
        self._central_layout.insertWidget(0, banner)
        banner.relogin_requested.connect(self.log_in_again)

    @property
    def expiry_banner(self) -> ExpiryBanner | None:
        """The login-expiry banner (sites behind a Git-host login, once attach_login ran)."""
        return self.feedback.expiry_banner

    def log_in_again(self) -> None:
        """Open the login again (the banner's button); a save paused by an expired login resumes after it."""
        self.saver.log_in_again()

    # --- editorial workflow ----------------------------------------------------------------------

    @property
    def uses_workflow(self) -> bool:
        """Whether the site saves through the editorial workflow (publish_mode: editorial_workflow)."""
        return self.workspace.uses_workflow

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
        self.workflow.refresh()

    def _on_workflow_entry_activated(self, collection: str, slug: str) -> None:
        self.show_content()
        self.collection_tree.select_collection(collection)
        self.open_entry(collection, self.workspace.entry_path(collection, slug))

    def _on_workflow_unpublished_removed(self, collection: str, slug: str) -> None:
        entry = self.current_entry
        if entry is None or entry.collection != collection or entry.slug != slug:
            return
        self._set_dirty(False)
        if self.browser.is_published(entry):
            self.current_entry = None
            self.open_entry(collection, entry.path)  # the published version, as it now is
        else:
            self.close_entry()  # it existed only as unpublished changes: there is nothing left to show

    # --- media -----------------------------------------------------------------------------------

    def show_media_library(self) -> MediaLibraryDialog:
        """Open the media library; an inserted file goes into the editor when it can take one."""
        dialog = MediaLibraryDialog(self.workspace, self.runner, self.prompts, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # each opening is a new dialog; none piles up
        # Entries store the public path (public_folder), not the repository path.
        dialog.inserted.connect(lambda path: self.editor.insert_media(self.workspace.public_path(path)))
        dialog.open()
        dialog.refresh()
        return dialog

    # --- edit and help ---------------------------------------------------------------------------

    def _text_field(self) -> QLineEdit | QPlainTextEdit | QTextEdit | None:
        """The text field with the window's focus (kept while a menu is open)."""
        widget = self.focusWidget()
        return widget if isinstance(widget, (QLineEdit, QPlainTextEdit, QTextEdit)) else None

    def _update_undo_actions(self) -> None:
        field = self._text_field()
        if isinstance(field, QLineEdit):
            can_undo, can_redo = field.isUndoAvailable(), field.isRedoAvailable()
        elif field is not None:
            can_undo, can_redo = field.document().isUndoAvailable(), field.document().isRedoAvailable()
        else:
            can_undo = can_redo = False
        editable = field is not None and not field.isReadOnly()
        self.undo_action.setEnabled(editable and can_undo)
        self.redo_action.setEnabled(editable and can_redo)

    def _undo_redo(self, *, undo: bool) -> None:
        field = self._text_field()
        if field is None or field.isReadOnly():
            return
        if undo:
            field.undo()
        else:
            field.redo()

    def show_about(self) -> AboutDialog:
        """Version, licence and links to the documentation."""
        dialog = AboutDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_shortcuts(self) -> ShortcutsDialog:
        """Every keyboard shortcut, read from the window's actions."""
        dialog = ShortcutsDialog([a for a in self.findChildren(QAction) if a.isVisible()], self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # --- guard, close ----------------------------------------------------------------------------

    def confirm_leave(self, then: Callable[[], object] | None = None) -> bool:
        """The unsaved-changes guard: True when it is fine to leave the open entry now.

        When the user chooses Save, the save runs in the background and `then` runs once it succeeded.
        """
        if not self._dirty or self.current_entry is None:
            return True
        answer = self.prompts.save_discard_cancel(self.entry_title(self.current_entry))
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
        if not self.workspace.can_reset or not self.confirm_leave(then=self.reset_sample_site):
            return
        if not self.prompts.confirm(
            "Reset the sample site",
            "Put the sample site back as it was at the first start? Every edit and unpublished entry made in the "
            "sandbox is lost.", "Reset", destructive=True,
        ):
            return
        self.close_entry()
        self.feedback.show_progress(0, 0, "Putting the sample site back…")
        run_in_background(self.runner, self.workspace.reset_site, lambda _none: self._on_site_reset(),
                          lambda failure: self.feedback.report_failure(failure, "Resetting the sample site failed"))

    def _on_site_reset(self) -> None:
        self.browser.forget_workflow_statuses()
        self.feedback.hide_progress("The sample site is back")
        self.load_site()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.confirm_leave(then=self.close):
            event.ignore()
            return
        self._save_layout()
        event.accept()

    def discard_and_close(self) -> None:
        """Close without asking (self-test); the drafts journal keeps anything typed."""
        self._dirty = False
        self.close()

    # --- actions ---------------------------------------------------------------------------------

    def _current_collection_or_none(self) -> Collection | None:
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
        can_delete = collection is None or collection.delete
        is_new = self.current_entry is not None and self.current_entry.is_new
        self.delete_action.setEnabled(has_entry and can_delete and not is_new)
        self.save_action.setEnabled(has_entry and self._dirty)
        self.discard_action.setEnabled(has_entry and self._dirty)
        self.new_action.setEnabled(self.current_collection is not None)
        if self.read_only_reason:
            for act in (self.save_action, self.new_action, self.delete_action, self.duplicate_action):
                act.setEnabled(False)

    # --- self-test hooks -------------------------------------------------------------------------

    def open_first_entry_for_self_test(self) -> str:
        """Open the first entry of the first folder collection and wait for it."""
        for collection in self.collections():
            entries = list(self.workspace.entries(collection.name)) if collection.name in self.browser.loaded else []
            if entries:
                self.collection_tree.select_collection(collection.name)
                self.open_entry(collection.name, entries[0].path)
                deadline = time.monotonic() + 30
                while self.current_entry is None and time.monotonic() < deadline:
                    QApplication.processEvents()
                    time.sleep(0.002)
                if self.current_entry is None:
                    raise TimeoutError(f"{entries[0].path} did not open")
                return self.current_entry.path
        raise RuntimeError("the site has no entries to open")

    def render_preview_for_self_test(self) -> str:
        """Render the open entry's preview and return a short description of it."""
        html = self.editor.render_preview()
        if not html:
            raise RuntimeError("the preview is empty")
        return f"{len(html)} characters of HTML"


def pane_sizes(width: int) -> tuple[int, int, int]:
    """Widths of the tree, the list and the editor in a window `width` wide: the editor gets the room.

    The tree about an eighth (120 to 220 px), the list about a quarter (200 to 420 px), the editor the rest.
    """
    tree = min(220, max(120, width // 8))
    entries = min(420, max(200, width // 4))
    return tree, entries, max(360, width - tree - entries)


def _when_text(when: object) -> str:
    """A draft's time as a person reads it (local time, minutes)."""
    if isinstance(when, datetime.datetime):
        return when.astimezone().strftime("%Y-%m-%d %H:%M")
    return str(when or "")
