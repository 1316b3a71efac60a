"""WorkflowController: the editorial workflow in the main window.

It keeps the workflow board (unpublished entries by status, their deploy previews), the open entry's workflow
bar and deploy preview, and carries out status moves, publishing and deleting unpublished changes, each in the
background after the user confirmed it. What becomes of the open entry afterwards is the window's business:
the controller says `unpublished_removed`, and `entry_activated` when a card is opened.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from editor_app.backends.base import DeployPreview
from editor_app.errors import EditorError
from editor_app.ui.collection_browser import CollectionBrowser
from editor_app.ui.contracts import UserPrompts, WorkspaceView
from editor_app.ui.deploy_preview_bar import DeployPreviewBar
from editor_app.ui.entry_workflow_bar import EntryWorkflowBar
from editor_app.ui.signals import emit
from editor_app.ui.status_feedback import StatusFeedback
from editor_app.ui.tasks import TaskRunner, run_in_background
from editor_app.ui.workflow_board import STATUS_TITLES, WorkflowBoard, WorkflowCard
from editor_app.workspace.workspace import OpenEntry, WorkflowItem

T = TypeVar("T")


class WorkflowController(QObject):
    """The board, the entry's workflow bar, and the workflow's moves for one site."""

    loaded = Signal()  # the board shows the unpublished entries
    changed = Signal()  # an entry moved, was published or had its unpublished changes deleted
    previews_loaded = Signal()  # the board's cards show their deploy previews
    entry_activated = Signal(str, str)  # collection, slug: the user opened a card
    unpublished_removed = Signal(str, str)  # collection, slug: published, or its unpublished changes deleted

    def __init__(
        self,
        workspace: WorkspaceView,
        runner: TaskRunner,
        prompts: UserPrompts,
        feedback: StatusFeedback,
        browser: CollectionBrowser,
        open_url: Callable[[str], None],
        current_entry: Callable[[], OpenEntry | None],
        board_on_screen: Callable[[], bool],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.runner = runner
        self.prompts = prompts
        self.feedback = feedback
        self.browser = browser
        self._current_entry = current_entry
        self._board_on_screen = board_on_screen
        self.board = WorkflowBoard()
        self.preview_bar = DeployPreviewBar(runner, open_url)
        self.bar = EntryWorkflowBar(self.preview_bar)
        self.bar.setVisible(False)
        self.board.status_change_requested.connect(self.move_entry)
        self.board.publish_requested.connect(self.publish)
        self.board.delete_requested.connect(self.delete_unpublished)
        self.board.entry_activated.connect(lambda collection, slug: emit(self.entry_activated, collection, slug))
        self.board.preview_open_requested.connect(open_url)
        self.bar.status_chosen.connect(self._on_bar_status_chosen)
        self.bar.publish_requested.connect(self._on_bar_publish_requested)
        self.bar.delete_requested.connect(self._on_bar_delete_requested)

    @property
    def uses_workflow(self) -> bool:
        """Whether the site saves through the editorial workflow (publish_mode: editorial_workflow)."""
        return self.workspace.uses_workflow

    # --- the board -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Load the unpublished entries into the board."""
        run_in_background(
            self.runner,
            lambda: list(self.workspace.list_unpublished()),
            self._on_unpublished_loaded,
            lambda failure: self.feedback.report_failure(failure, "Loading unpublished entries failed"),
        )

    def _on_unpublished_loaded(self, entries: list[WorkflowItem]) -> None:
        labels = {c.name: c.label for c in self.browser.collections()}
        statuses = {}
        for item in entries:
            try:
                statuses[self.workspace.entry_path(item.collection, item.slug)] = item.status
            except EditorError:
                continue  # an unpublished entry of a collection the config no longer has
        self.browser.set_workflow_statuses(statuses)
        self.board.set_cards(
            WorkflowCard(e.collection, e.slug, e.title or e.slug, e.status, labels.get(e.collection, e.collection),
                         e.updated_at[:10])
            for e in entries
        )
        emit(self.loaded)
        # The cards' deploy previews, fetched in the background (bounded by the workspace), only when the board
        # is on screen: a site that opens on its entries costs the host nothing for them.
        if entries and self._board_on_screen():
            run_in_background(
                self.runner, lambda: self.workspace.deploy_previews(entries), self._on_board_previews_loaded,
                lambda failure: self.feedback.say(f"Deploy previews could not be checked: {failure}"),
            )

    def _on_board_previews_loaded(self, previews: dict[str, DeployPreview | None]) -> None:
        self.board.set_previews(
            {key: (preview.state, preview.url) if preview is not None else None for key, preview in previews.items()})
        emit(self.previews_loaded)

    # --- the open entry's bar --------------------------------------------------------------------

    def show_entry(self, entry: OpenEntry) -> None:
        """Show the open entry's status and deploy preview in the bar (nothing without the workflow)."""
        if not self.uses_workflow:
            self.bar.setVisible(False)
            self.preview_bar.watch(None)
            return
        self.bar.show_status(entry.status, is_new=entry.is_new)
        # An unpublished entry's deploy preview, asked again on each opening and after each save.
        self.preview_bar.watch((lambda: self.workspace.deploy_preview(entry)) if entry.status else None)

    def note_saved(self, entry: OpenEntry) -> None:
        """A saved entry's status, for its row: the list shows the draft now, not at the next refresh."""
        if self.uses_workflow and entry.status:
            self.browser.set_workflow_status(entry.path, entry.status)

    def _on_bar_status_chosen(self, status: str) -> None:
        entry = self._current_entry()
        if entry is not None and entry.status:
            self.move_entry(entry.collection, entry.slug, status)

    def _on_bar_publish_requested(self) -> None:
        entry = self._current_entry()
        if entry is not None:
            self.publish(entry.collection, entry.slug)

    def _on_bar_delete_requested(self) -> None:
        entry = self._current_entry()
        if entry is not None:
            self.delete_unpublished(entry.collection, entry.slug)

    # --- moves -----------------------------------------------------------------------------------

    def _run(self, work: Callable[[], T], done: Callable[[T], None], what: str) -> None:
        self.feedback.show_progress(0, 0, f"{what}…")

        def succeeded(result: T) -> None:
            self.feedback.hide_progress(f"{what}: done")
            done(result)

        run_in_background(self.runner, work, succeeded,
                          lambda failure: self.feedback.report_failure(failure, f"{what} failed"))

    def move_entry(self, collection: str, slug: str, status: str) -> None:
        """Move an unpublished entry to another status."""
        self._run(
            lambda: self.workspace.set_status(collection, slug, status),
            lambda _r: self._after_status_changed(collection, slug, status),
            f"Moving {slug} to {STATUS_TITLES[status]}",
        )

    def _after_status_changed(self, collection: str, slug: str, status: str) -> None:
        self.board.move_entry(f"{collection}/{slug}", status)
        if self._is_open(collection, slug):
            self.bar.show_status(status)
        emit(self.changed)

    def publish(self, collection: str, slug: str) -> None:
        """After confirming, publish an unpublished entry."""
        name = self._title(collection, slug)
        if not self.prompts.confirm("Publish", f"Publish “{name}”? Its changes go live on the site.", "Publish"):
            return
        self._run(
            lambda: self.workspace.publish(collection, slug),
            lambda _r: self._after_unpublished_removed(collection, slug, "Published"),
            f"Publishing “{name}”",
        )

    def delete_unpublished(self, collection: str, slug: str) -> None:
        """After confirming, delete an entry's unpublished changes (all of it, if it was never published)."""
        name = self._title(collection, slug)
        entry = self._current_entry() if self._is_open(collection, slug) else None
        if entry is not None and not self.browser.is_published(entry):
            text = f"Delete “{name}”? It was never published, so deleting its unpublished changes deletes it."
        else:
            text = f"Delete the unpublished changes of “{name}”? The published version stays as it is."
        if not self.prompts.confirm("Delete unpublished changes", text, "Delete changes", destructive=True):
            return
        self._run(
            lambda: self.workspace.delete_unpublished(collection, slug),
            lambda _r: self._after_unpublished_removed(collection, slug, "Deleted the changes of"),
            f"Deleting the changes of “{name}”",
        )

    def _title(self, collection: str, slug: str) -> str:
        """An unpublished entry's title: the open entry's, else its card's, else its slug."""
        entry = self._current_entry()
        if entry is not None and self._is_open(collection, slug):
            return self.browser.entry_title(entry)
        card = self.board.card(f"{collection}/{slug}")
        return card.title if card is not None and card.title else slug

    def _after_unpublished_removed(self, collection: str, slug: str, what: str) -> None:
        name = self._title(collection, slug)
        self.board.remove_entry(f"{collection}/{slug}")
        try:
            self.browser.clear_workflow_status(self.workspace.entry_path(collection, slug))
        except EditorError:
            pass  # a collection the config no longer has: no row shows it
        emit(self.unpublished_removed, collection, slug)  # the window shows what is left of the open entry
        self.feedback.say(f"{what} “{name}”")
        emit(self.changed)
        self.browser.reload_if_loaded(collection)

    def _is_open(self, collection: str, slug: str) -> bool:
        entry = self._current_entry()
        return entry is not None and entry.collection == collection and entry.slug == slug
