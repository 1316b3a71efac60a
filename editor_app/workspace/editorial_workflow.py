"""The editorial workflow: unpublished entries with their titles, status changes, publishing, deploy previews."""

from __future__ import annotations

from collections.abc import Sequence

from editor_app.backends.base import WORKFLOW_STATUSES, CommitResult, DeployPreview, RepoFile, UnpublishedEntry
from editor_app.config.site_config import Collection
from editor_app.errors import ContentError, EditorError
from editor_app.workspace import content_bridge as content
from editor_app.workspace import i18n as i18n_mod
from editor_app.workspace import previews
from editor_app.workspace.entry_paths import is_default_locale_file, slug_from_path
from editor_app.workspace.model import OpenEntry, WorkflowItem
from editor_app.workspace.site_state import SiteState


class EditorialWorkflow:
    """Unpublished entries as the workflow board shows them, and what the board does with them."""

    def __init__(self, state: SiteState) -> None:
        self.state = state

    def list_unpublished(self) -> list[WorkflowItem]:
        """Unpublished entries of this site's collections, with their titles."""
        items = []
        for entry in self.state.backend.list_unpublished():
            collection = self.state.site.collection_named(entry.collection)
            if collection is None:
                continue
            items.append(WorkflowItem(
                entry.collection, entry.slug, entry.status, self._workflow_title(collection, entry),
                entry.updated_at, entry.author, entry,
            ))
        return items

    def _workflow_title(self, collection: Collection, entry: UnpublishedEntry) -> str:
        """The entry's summary from its unpublished version (blob cache first, else one read on its branch)."""
        file_config = collection.file_named(entry.slug) if collection.is_files else None
        if file_config is not None:
            return file_config.label
        own = [d for d in entry.diffs if slug_from_path(collection, d.path) == entry.slug]
        # a translated entry's title comes from its default-locale file when that changed too
        own.sort(key=lambda d: not is_default_locale_file(collection, d.path))
        diff = own[0] if own else None
        if diff is None:
            return entry.slug
        data_bytes = self.state.cache.get_blob(diff.id) if diff.id else None
        if data_bytes is None:
            try:
                read = self.state.backend.read_files([RepoFile(diff.path, diff.id)], branch=entry.branch)
                data_bytes = read.get(diff.path)
            except EditorError:
                data_bytes = None  # the board still shows the entry, by its slug
            if data_bytes is None:
                return entry.slug
            self.state.cache.put_blob(diff.id, data_bytes)
        data, error = content.parse_fast(data_bytes, collection, None, diff.path)
        i18n = i18n_mod.entry_i18n(collection)
        if error is None and i18n is not None and i18n.structure == "single_file":
            data = i18n_mod.split_single_file(data, i18n)[0]
        return entry.slug if error else content.summary(collection, data, entry.slug, diff.path)

    def set_status(self, collection: str, slug: str, status: str) -> None:
        """Move an unpublished entry to `status` (draft, pending_review, pending_publish)."""
        self.state.check_writable()
        if status not in WORKFLOW_STATUSES:
            raise ContentError(f"unknown workflow status '{status}' (expected one of {', '.join(WORKFLOW_STATUSES)})")
        self.state.backend.set_status(collection, slug, status)

    def publish(self, collection: str, slug: str) -> CommitResult:
        """Merge an unpublished entry into the site's branch."""
        self.state.check_writable()
        result = self.state.backend.publish(collection, slug)
        self.state.moved_to(result.commit)
        return result

    def delete_unpublished(self, collection: str, slug: str) -> None:
        """Drop an unpublished entry's changes; the published version, if any, stays."""
        self.state.check_writable()
        self.state.backend.delete_unpublished(collection, slug)

    def deploy_preview(self, entry: OpenEntry) -> DeployPreview | None:
        """An unpublished entry's deploy preview (Decap's "View preview"); None for a published or new entry.

        One host call (the entry branch's statuses); run it off the GUI thread.
        """
        if not self.state.uses_workflow or not entry.status or entry.is_new or not self.state.site.show_preview_links:
            return None
        collection = self.state.collection(entry.collection)
        return previews.entry_preview(
            self.state.backend, entry.collection, entry.slug,
            lambda base: content.page_url(base, collection, entry.data, entry.slug, entry.path),
        )

    def deploy_previews(self, items: Sequence[WorkflowItem]) -> dict[str, DeployPreview | None]:
        """Deploy previews of workflow cards by content key (`collection/slug`), bounded in count and concurrency."""
        if not self.state.site.show_preview_links:
            return {}
        found = previews.board_previews(self.state.backend, [(item.collection, item.slug) for item in items])
        return {f"{collection}/{slug}": preview for (collection, slug), preview in found.items()}
