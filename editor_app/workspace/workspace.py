"""Workspace: one open site's use cases, Qt-free — list, search, open, create, save, delete, publish, drafts.

The UI drives a `Workspace` from worker threads. It is a thin facade: each use case belongs to one service,
and the services share one `SiteState` (the site, backend, user, branch head, index and their lock):

- `CollectionIndex`: listing, caching, parsing and indexing collections; search, list titles, sort defaults;
- `EntryStore`: open, new, duplicate, save and delete entries; save conflicts;
- `Translations`: an entry's text and its other locales' files;
- `Drafts`: the drafts journal (written while typing on a thread of its own), drafts offered back;
- `MediaFiles`: media folders, files, uploads (images optimised), usages; the site's word list;
- `EditorialWorkflow`: unpublished entries, status, publishing, deploy previews;
- `EntryMetadata`: entries' last author and date.

Speed: listings are cached by branch head and blobs by id, so loading an unchanged collection again costs
one request (the head). No data loss: edits go to the journal (`journal_draft`) and leave it only after the
commit containing them succeeded; every save carries the blob id it started from, and a file that moved on
raises `ConflictError` (with their content) instead of being overwritten.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from editor_app.backends.base import Backend, CommitResult, DeployPreview, FileChange, FileMeta, User
from editor_app.config.site_config import Collection, SiteConfig
from editor_app.errors import AuthError, ConflictError, EditorError
from editor_app.workspace import content_bridge as content
from editor_app.workspace.cache import ContentCache
from editor_app.workspace.collection_index import CollectionIndex
from editor_app.workspace.drafts import Drafts
from editor_app.workspace.editorial_workflow import EditorialWorkflow
from editor_app.workspace.entry_metadata import META_BATCH, EntryMetadata
from editor_app.workspace.entry_store import ANSWER_LOST_NOTICE, EntryStore
from editor_app.workspace.journal import Draft, DraftsJournal
from editor_app.workspace.media_files import MediaFiles
from editor_app.workspace.model import (
    IndexedEntry,
    MediaItem,
    OpenEntry,
    PendingDraft,
    Progress,
    RawTextError,
    ReadOnlyError,
    SiteLocation,
    WorkflowItem,
)
from editor_app.workspace.site_lock import SiteLock
from editor_app.workspace.site_state import (
    HEAD_TTL,
    READ_BATCH,
    SiteState,
    backend_identity,
    backend_settings_from_config,
)
from editor_app.workspace.translations import Translations

__all__ = [
    "ANSWER_LOST_NOTICE",
    "HEAD_TTL",
    "META_BATCH",
    "READ_BATCH",
    "IndexedEntry",
    "MediaItem",
    "OpenEntry",
    "PendingDraft",
    "Progress",
    "RawTextError",
    "ReadOnlyError",
    "SiteLocation",
    "WorkflowItem",
    "Workspace",
    "backend_identity",
    "backend_settings_from_config",
]


@runtime_checkable
class _Resettable(Protocol):
    """A backend whose content can be put back as it first was (the sandbox's)."""

    def reset(self) -> None: ...


class Workspace:
    """One site opened with one backend: the app's use cases, callable from worker threads."""

    def __init__(
        self,
        backend: Backend,
        site: SiteConfig,
        cache: ContentCache,
        journal: DraftsJournal,
        *,
        clock: Callable[[], float] = time.time,
        read_batch: int | None = None,
        head_ttl: float = HEAD_TTL,
        lock: SiteLock | None = None,
    ) -> None:
        self.state = SiteState(
            backend, site, cache, journal, clock=clock, read_batch=read_batch, head_ttl=head_ttl, lock=lock
        )
        self.index = CollectionIndex(self.state)
        self.translations = Translations(self.state)
        self.drafts = Drafts(self.state, self.translations)
        self.entry_store = EntryStore(self.state, self.index, self.translations, self.drafts)
        self.media = MediaFiles(self.state)
        self.workflow = EditorialWorkflow(self.state)
        self.metadata = EntryMetadata(self.state)

    # --- the shared state, as attributes ------------------------------------------------------------

    @property
    def backend(self) -> Backend:
        """The site's backend (replaced when the host session logs in again)."""
        return self.state.backend

    @backend.setter
    def backend(self, backend: Backend) -> None:
        self.state.backend = backend

    @property
    def site(self) -> SiteConfig:
        """The site's configuration."""
        return self.state.site

    @property
    def cache(self) -> ContentCache:
        """Listings, blobs and file metadata kept between runs."""
        return self.state.cache

    @property
    def journal(self) -> DraftsJournal:
        """The drafts journal."""
        return self.state.journal

    @journal.setter
    def journal(self, journal: DraftsJournal) -> None:
        self.state.journal = journal

    @property
    def lock(self) -> SiteLock | None:
        """This instance's hold on the site; held by another instance: read-only."""
        return self.state.lock

    @property
    def clock(self) -> Callable[[], float]:
        """The clock (seconds since the epoch)."""
        return self.state.clock

    @property
    def read_batch(self) -> int:
        """Files per read_files call."""
        return self.state.read_batch

    @property
    def head_ttl(self) -> float:
        """Seconds a fetched head is trusted."""
        return self.state.head_ttl

    @property
    def identity(self) -> str:
        """A name for the repository, unique enough to key caches and drafts."""
        return self.state.identity

    @property
    def user(self) -> User | None:
        """Who is logged in (once `open` has checked the login)."""
        return self.state.user

    @user.setter
    def user(self, user: User | None) -> None:
        self.state.user = user

    @property
    def branch(self) -> str:
        """The site's branch ("" until resolved)."""
        return self.state.branch

    @branch.setter
    def branch(self, branch: str) -> None:
        self.state.branch = branch

    @property
    def _lock(self) -> threading.RLock:
        return self.state.mutex

    @property
    def journal_error(self) -> Exception | None:
        """Why the last background draft write failed (None: it worked)."""
        return self.drafts.journal_error

    # --- site ------------------------------------------------------------------------------------

    @property
    def read_only_reason(self) -> str:
        """Why this instance may not write to the site ("" when it may): another instance holds its lock."""
        return self.state.read_only_reason

    @property
    def read_route(self) -> str:
        """How the adapter reads the site: "git" or "api" (it may give Git up while the site is open)."""
        return self.backend.read_route

    def close(self) -> None:
        """Write the drafts still queued, then give the site up for another instance."""
        self.drafts.close()
        if self.lock is not None:
            self.lock.release()

    @property
    def uses_workflow(self) -> bool:
        """Whether saves go through the editorial workflow."""
        return self.state.uses_workflow

    @property
    def collections(self) -> list[Collection]:
        """The site's collections, in config order."""
        return list(self.site.collections)

    def collection(self, name: str) -> Collection:
        """The collection called `name`; NotFoundError when the config has none."""
        return self.state.collection(name)

    def open(self) -> User:
        """Validate the login (who am I, may I write), resolve the site's branch and read its head.

        One `Backend.open_site` call, given the user the last full check of the same login (`login_key`)
        returned: hosts whose branch request confirms the token answer with the head alone, so reopening an
        unchanged site costs one request there, whatever the number of collections (they reuse that head for
        `head_ttl` seconds). A new token, or none remembered, is checked in full and remembered; a refused one
        is forgotten.
        """
        key = self.backend.login_key()
        remembered = self.cache.get_user(key) if key else None
        try:
            opened = self.backend.open_site(remembered)
        except AuthError:
            if key:
                self.cache.forget_user(key)
            raise
        if key and opened.user_checked:
            self.cache.put_user(key, opened.user)
        with self._lock:
            self.user = opened.user
            self.branch = opened.branch
            self.state.moved_to(opened.head)  # the collections loaded next reuse this head for head_ttl seconds
        return opened.user

    @property
    def location(self) -> SiteLocation:
        """Where the site lives and who edits it (the user once `open` has checked the login)."""
        settings = self.backend.settings
        user = self.user.login or self.user.name if self.user is not None else ""
        return SiteLocation(
            backend=self.backend.name,
            host_label=self.backend.host_label,
            place=settings.repo or settings.local_path or "",
            user=user,
        )

    @property
    def signoff_identity(self) -> str:
        """"Name <email>" that commits are signed off as (`signoff_commits`), or "" when they are not."""
        author = content.signoff_author(self.site, self.user)
        if author is None:
            return ""
        name, email = author
        return f"{name} <{email}>" if email else name  # the account shows no e-mail: the name alone

    @property
    def can_reset(self) -> bool:
        """True for the sandbox, whose sample site can be put back."""
        return self.backend.name == "test-repo" and isinstance(self.backend, _Resettable)

    def reset_site(self) -> None:
        """Put the sandbox's sample site back (every edit and unpublished entry there is dropped)."""
        self.state.check_writable()
        backend = self.backend
        if backend.name != "test-repo" or not isinstance(backend, _Resettable):
            raise EditorError(f"{self.site.source_file}: only the sandbox can be reset")
        backend.reset()
        self.state.forget_head()
        self.head(refresh=True)

    def head(self, *, refresh: bool = False) -> str:
        """The site branch's head; fetched again when older than `head_ttl` seconds or when `refresh`."""
        return self.state.head(refresh=refresh)

    # --- listing and the index -------------------------------------------------------------------

    def load_collection(self, name: str, progress: Progress | None = None) -> list[IndexedEntry]:
        """List, fetch (only blobs not cached), parse and index a collection; reports progress(done, total, text)."""
        return self.index.load_collection(name, progress)

    def entries(self, name: str) -> list[IndexedEntry]:
        """The loaded index of collection `name` (empty before `load_collection`)."""
        return self.state.entries(name)

    def indexed(self, name: str, path: str) -> IndexedEntry | None:
        """The indexed entry at `path` in collection `name`, if loaded."""
        return self.state.indexed(name, path)

    def default_sort(self, name: str) -> tuple[str, bool] | None:
        """The `sortable_fields` item with a `default_sort`, as (field, descending), if any."""
        return self.index.default_sort(name)

    def search(self, name: str, text: str) -> list[str]:
        """Paths of the collection's entries containing every word of `text` in any field."""
        return self.index.search(name, text)

    def summary(self, entry: IndexedEntry | OpenEntry) -> str:
        """The entry's title in lists: the collection's `summary` template, else its identifier field or slug."""
        return self.index.summary(entry)

    def entry_url(self, entry: OpenEntry | IndexedEntry) -> str | None:
        """The entry's page on the live site (`site_url` + `preview_path`), or None without a site_url."""
        return self.index.entry_url(entry)

    # --- entries ---------------------------------------------------------------------------------

    def entry_path(self, collection_name: str, slug: str) -> str:
        """The repository path of entry `slug` (a loaded entry's path, else where a new one would go)."""
        return self.entry_store.entry_path(collection_name, slug)

    def open_entry(self, collection_name: str, key: str) -> OpenEntry:
        """Read an entry (by path, slug, or file name) for editing, from its unpublished branch if it has one."""
        return self.entry_store.open_entry(collection_name, key)

    def new_entry(self, collection_name: str, data: dict[str, Any] | None = None) -> OpenEntry:
        """A new, unsaved entry with the fields' defaults (merged with `data`)."""
        return self.entry_store.new_entry(collection_name, data)

    def duplicate_entry(self, entry: OpenEntry) -> OpenEntry:
        """A new, unsaved copy of `entry`: same fields (every locale's), its own unique slug (`-1`, `-2`…)."""
        return self.entry_store.duplicate_entry(entry)

    def save_entry(self, entry: OpenEntry, *, force_base: str | None = None) -> OpenEntry:
        """Save `entry` as one commit (or one workflow save) and return it as now saved."""
        return self.entry_store.save_entry(entry, force_base=force_base)

    def delete_entry(self, entry: OpenEntry | IndexedEntry) -> CommitResult | None:
        """Delete the entry's file in one commit (None for a never-saved entry: only its draft goes)."""
        return self.entry_store.delete_entry(entry)

    def conflict_text(self, entry: OpenEntry, path: str | None) -> str:
        """The text my save would write at `path` (the file a ConflictError names): a translation's or the entry's."""
        return self.entry_store.conflict_text(entry, path)

    def take_theirs(self, entry: OpenEntry, error: ConflictError) -> OpenEntry | None:
        """Drop my edit in favour of the other side's version (None when they deleted the file)."""
        return self.entry_store.take_theirs(entry, error)

    def resolve_conflict(self, entry: OpenEntry, mine: str, error: ConflictError) -> OpenEntry:
        """An entry holding `mine` (the text chosen in the conflict dialog) based on their version."""
        return self.entry_store.resolve_conflict(entry, mine, error)

    # --- translations and the entry's text ---------------------------------------------------------

    def entry_locales(self, entry: OpenEntry | IndexedEntry) -> tuple[list[str], str] | None:
        """(locales, default locale) of an entry of a translated collection; None when it has no translations."""
        return self.translations.entry_locales(entry)

    def raw_text(self, entry: OpenEntry) -> str:
        """The file text saving `entry` would write (unchanged fields keep their original bytes)."""
        return self.translations.raw_text(entry)

    def translation_changes(self, entry: OpenEntry, default_path: str) -> list[FileChange]:
        """The other locales' files that saving `entry` (whose default-locale file is `default_path`) writes."""
        return self.translations.translation_changes(entry, default_path)

    def parse_raw_text(self, entry: OpenEntry, text: str) -> OpenEntry:
        """`entry` with its fields read from `text` (the raw source editor); RawTextError when it does not parse."""
        return self.translations.parse_raw_text(entry, text)

    # --- drafts ----------------------------------------------------------------------------------

    def journal_draft(self, entry: OpenEntry) -> Draft:
        """Write `entry`'s current text to the drafts journal (atomic), after any write still queued."""
        return self.drafts.journal_draft(entry)

    def journal_draft_soon(self, entry: OpenEntry) -> None:
        """`journal_draft` on the journal's own thread (the GUI, while typing, waits for nothing)."""
        self.drafts.journal_draft_soon(entry)

    def _drain_journal(self) -> None:
        """Wait until the drafts queued by `journal_draft_soon` are written."""
        self.drafts.drain_journal()

    def draft_for(self, entry: OpenEntry) -> PendingDraft | None:
        """The journaled draft of `entry`, if one differs from it, as an entry to restore."""
        return self.drafts.draft_for(entry)

    def pending_drafts(self) -> list[PendingDraft]:
        """Every draft of this site left in the journal (after a crash or a failed save), oldest first."""
        return self.drafts.pending_drafts()

    def has_draft(self, path: str) -> bool:
        """Whether a journaled draft exists for the entry at `path` (cheap: called for every listed row)."""
        return self.drafts.has_draft(path)

    def discard_draft(self, entry: OpenEntry) -> None:
        """Throw away `entry`'s journaled draft (the editor chose to)."""
        self.drafts.discard_draft(entry)

    # --- media -----------------------------------------------------------------------------------

    def media_folders(self) -> list[str]:
        """The site's media folder, then the collections' own media folders (repository paths, resolved once)."""
        return self.media.media_folders()

    def public_path(self, repo_path: str) -> str:
        """What an entry stores for the media file at `repo_path` (its media folder's public_folder + name)."""
        return self.media.public_path(repo_path)

    def list_media(self, folder: str | None = None) -> list[MediaItem]:
        """Media files under `folder` (default: the site's media folder)."""
        return self.media.list_media(folder)

    def read_media(self, path: str) -> bytes:
        """A media file's bytes (through the cache)."""
        return self.media.read_media(path)

    def upload_media(self, folder: str | None, files: Sequence[tuple[str, bytes]]) -> list[MediaItem]:
        """Upload binary files into `folder` (default: the media folder) in one commit; returns them."""
        return self.media.upload_media(folder, files)

    def add_site_word(self, path: str, word: str) -> list[str]:
        """Add `word` to the site's shared word list at `path` (config `spelling_words`); the words as saved."""
        return self.media.add_site_word(path, word)

    def delete_media(self, path: str) -> CommitResult:
        """Delete one media file in one commit."""
        return self.media.delete_media(path)

    def media_usages(self, path: str) -> list[str]:
        """Paths of loaded entries that mention the media file (by public path or repository path)."""
        return self.media.media_usages(path)

    # --- last author/date ------------------------------------------------------------------------

    @property
    def meta_batch(self) -> int:
        """How many entries' last author/date one host request answers (1: one request per entry)."""
        return self.metadata.meta_batch

    def entries_meta(self, collection_name: str, paths: Sequence[str]) -> dict[str, FileMeta]:
        """Last author/date of these entries' files (Decap's `commit_author`/`commit_date`), keyed by path."""
        return self.metadata.entries_meta(collection_name, paths)

    # --- editorial workflow ----------------------------------------------------------------------

    def list_unpublished(self) -> list[WorkflowItem]:
        """Unpublished entries of this site's collections, with their titles."""
        return self.workflow.list_unpublished()

    def set_status(self, collection: str, slug: str, status: str) -> None:
        """Move an unpublished entry to `status` (draft, pending_review, pending_publish)."""
        self.workflow.set_status(collection, slug, status)

    def publish(self, collection: str, slug: str) -> CommitResult:
        """Merge an unpublished entry into the site's branch."""
        return self.workflow.publish(collection, slug)

    def delete_unpublished(self, collection: str, slug: str) -> None:
        """Drop an unpublished entry's changes; the published version, if any, stays."""
        self.workflow.delete_unpublished(collection, slug)

    def deploy_preview(self, entry: OpenEntry) -> DeployPreview | None:
        """An unpublished entry's deploy preview (Decap's "View preview"); None for a published or new entry."""
        return self.workflow.deploy_preview(entry)

    def deploy_previews(self, items: Sequence[WorkflowItem]) -> dict[str, DeployPreview | None]:
        """Deploy previews of workflow cards by content key (`collection/slug`)."""
        return self.workflow.deploy_previews(items)
