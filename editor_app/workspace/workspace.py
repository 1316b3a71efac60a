"""Workspace: one open site's use cases, Qt-free — list, search, open, create, save, delete, publish, drafts.

The UI drives a `Workspace` from worker threads; the workspace drives a `Backend` (bytes, paths, blob ids),
the content layer (formats, slugs, summaries, commit messages), the `ContentCache` and the `DraftsJournal`.

Speed: listings are cached by branch head and blobs by id, so loading an unchanged collection again costs
one request (the head). No data loss: edits go to the journal (`journal_draft`) and leave it only after the
commit containing them succeeded; every save carries the blob id it started from, and a file that moved on
raises `ConflictError` (with their content) instead of being overwritten.
"""

from __future__ import annotations

import copy
import datetime as _dt
import itertools
import posixpath
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, runtime_checkable

from editor_app.backends.base import (
    NEW_FILE,
    WORKFLOW_STATUSES,
    Backend,
    BackendSettings,
    CommitResult,
    DeployPreview,
    FileChange,
    FileMeta,
    Listing,
    RepoFile,
    SkippedFile,
    UnpublishedEntry,
    User,
)
from editor_app.backends.workflow import git_blob_id
from editor_app.config.site_config import Collection, CollectionFile, SiteConfig
from editor_app.content.image_optimizer import ImageTransformations, optimize_image, transformations_from_config
from editor_app.content.spelling import parse_word_list
from editor_app.errors import AuthError, ConflictError, ContentError, EditorError, NetworkError, NotFoundError
from editor_app.paths import clean_file_name
from editor_app.workspace import content_bridge as content
from editor_app.workspace import i18n as i18n_mod
from editor_app.workspace import previews, views
from editor_app.workspace.cache import ContentCache, ListingKey
from editor_app.workspace.journal import Draft, DraftKey, DraftsJournal
from editor_app.workspace.site_lock import SiteLock

Progress = Callable[..., None]  # progress(done, total[, text])

ANSWER_LOST_NOTICE = "saved; the host's answer was lost, but the commit is there"
META_BATCH = 100  # paths per files_meta call (the adapter splits them into what one request of its host answers)
READ_BATCH = 100  # blobs per read_files call: big enough to use the host's batching, small enough to report progress
HEAD_TTL = 5.0  # seconds a fetched head is trusted when several collections load one after the other


@runtime_checkable
class _Resettable(Protocol):
    """A backend whose content can be put back as it first was (the sandbox's)."""

    def reset(self) -> None: ...


class ReadOnlyError(EditorError):
    """The site is open read-only here (another instance holds it): nothing may be written."""


class RawTextError(ContentError, ValueError):
    """Text typed in the raw source editor does not parse (a ValueError too, for callers that expect one)."""


@dataclass(frozen=True)
class IndexedEntry:
    """One entry of a collection's in-memory index: where it is, its blob id and its parsed fields.

    `file` is the file's name in a files collection (None in folder collections); `parse_error` says why
    `data` is empty when the file could not be parsed. `search_text` is every value, lowercased.
    `skipped` says why the backend did not read the file (e.g. a link leading outside the repository).
    """

    collection: str
    slug: str
    path: str
    id: str
    data: dict[str, Any]
    parse_error: str | None = None
    file: str | None = None
    search_text: str = field(default="", repr=False, compare=False)
    translations: tuple[tuple[str, str, str], ...] = ()  # (locale, path, blob id) of the other locales' files
    skipped: str = ""

    @property
    def key(self) -> str:
        """The key the entry list uses for this entry (its path)."""
        return self.path


@dataclass(frozen=True)
class OpenEntry:
    """An entry open in the editor: its fields and what the edit started from.

    `raw` is the file's text as read (the round-trip base: unchanged fields keep their bytes), `data` the
    fields as edited. `base_id` is the blob id read ("" for a new entry), `base_head` the branch head then,
    `branch` the branch read from (an unpublished entry's `cms/...` branch, or the site's branch).
    `draft_name` names the entry in the drafts journal (the slug, the file name, or `new/<n>` for a new one).
    `status` is the workflow status when the entry is unpublished.
    """

    collection: str
    slug: str
    path: str
    data: dict[str, Any]
    raw: str = ""
    base_id: str = NEW_FILE
    base_head: str | None = None
    branch: str | None = None
    parse_error: str | None = None
    is_new: bool = False
    file: str | None = None
    status: str | None = None
    draft_name: str = ""
    commit: str | None = None  # the commit of the last save made through this workspace
    save_notice: str = ""  # what the user should know about the last save (e.g. its answer was lost)
    pristine: bool = True  # `raw` is exactly the content of `base_id` (False after resolving a conflict)
    parsed: Any = field(default=None, compare=False, repr=False)  # the content layer's round-trip handle of `raw`
    # i18n: the other locales' fields as edited (`data` is the default locale's), and, when each locale has a
    # file of its own, those files as read (the base each locale's save starts from)
    locale_data: dict[str, dict[str, Any]] = field(default_factory=dict)
    locale_files: tuple[i18n_mod.LocaleFile, ...] = field(default=(), compare=False, repr=False)
    skipped: str = ""  # never set on an open entry (a skipped file cannot be opened); lists read it like IndexedEntry's

    @property
    def key(self) -> str:
        """The key the entry list uses for this entry (its path)."""
        return self.path

    def with_data(self, data: dict[str, Any], locale_data: dict[str, dict[str, Any]] | None = None) -> OpenEntry:
        """A copy with the fields replaced (what the editor returns as the user types), and the other locales'."""
        if locale_data is None:
            return replace(self, data=data)
        return replace(self, data=data, locale_data=dict(locale_data))

    def locale_file(self, locale: str) -> i18n_mod.LocaleFile | None:
        """The file of `locale` as read, if the entry has files per locale."""
        return next((f for f in self.locale_files if f.locale == locale), None)


@dataclass(frozen=True)
class PendingDraft:
    """A journaled draft offered back: the entry as it was being edited, and when it was written."""

    entry: OpenEntry
    draft: Draft

    @property
    def when(self) -> _dt.datetime:
        """When the draft was last written (UTC)."""
        return self.draft.when


@dataclass(frozen=True)
class WorkflowItem:
    """An unpublished entry as the workflow board shows it."""

    collection: str
    slug: str
    status: str
    title: str
    updated_at: str
    author: str
    entry: UnpublishedEntry


@dataclass(frozen=True)
class MediaItem:
    """A media file: its repository path, public path (what an entry stores), size and blob id."""

    path: str
    public_path: str
    size: int | None
    id: str
    notices: tuple[str, ...] = ()  # what optimisation on upload did (bytes saved, GPS removed)
    bytes_saved: int = 0


@dataclass(frozen=True)
class SiteLocation:
    """Where the open site lives and who edits it, as the window's status bar names them.

    `backend` is the adapter's registry name, `host_label` the adapter's own name for its host when it has one
    (Git Gateway says which host it fronts), `place` the repository or working copy, `user` the login.
    """

    backend: str
    host_label: str | None = None
    place: str = ""
    user: str = ""


def backend_settings_from_config(site: SiteConfig, *, local_path: str | None = None) -> BackendSettings:
    """The backend's settings from the config's `backend:` section (backends never import config)."""
    b = site.backend
    named = {
        "name", "repo", "branch", "api_root", "base_url", "auth_endpoint", "site_domain", "squash_merges",
        "cms_label_prefix", "preview_context", "use_graphql", "open_authoring", "identity_url", "gateway_url",
        "proxy_url", "commit_messages",
    }
    options = {k: v for k, v in (b.raw or {}).items() if k not in named}
    return BackendSettings(
        name=b.name,
        repo=b.repo or "",
        branch=b.branch,
        api_root=b.api_root,
        base_url=b.base_url,
        auth_endpoint=b.auth_endpoint,
        site_domain=b.site_domain,
        squash_merges=bool(b.squash_merges),
        cms_label_prefix=b.cms_label_prefix,
        preview_context=b.preview_context,
        use_graphql=bool(b.use_graphql),
        open_authoring=bool(b.open_authoring),
        identity_url=b.identity_url,
        gateway_url=b.gateway_url,
        site_url=site.site_url,
        proxy_url=b.proxy_url,
        local_path=local_path,
        options=options,
    )


def backend_identity(settings: BackendSettings) -> str:
    """A name for the repository behind `settings`, unique enough to key caches and drafts."""
    where = settings.repo or settings.local_path or settings.proxy_url or settings.gateway_url or ""
    return f"{settings.name}:{settings.api_root or ''}:{where}"


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
        self.backend = backend
        self.lock = lock  # this instance's hold on the site; held by another instance: read-only
        self.site = site
        self.cache = cache
        self.journal = journal
        self.clock = clock
        # Files per read_files call: the adapter's hint (what its host batches well) unless told otherwise.
        self.read_batch = max(1, read_batch or int(getattr(backend, "read_batch_hint", READ_BATCH)))
        self.head_ttl = head_ttl
        self.identity = backend_identity(backend.settings)
        self.user: User | None = None
        self.branch: str = ""
        self._head: str | None = None
        self._head_at = float("-inf")
        self._lock = threading.RLock()
        self._index: dict[str, dict[str, IndexedEntry]] = {}  # collection -> path -> entry
        self._new_numbers = itertools.count(1)
        self._draft_paths: set[str] | None = None  # paths with a journaled draft; None: read the journal again
        self._transformations: ImageTransformations | None = None  # read from the site on the first upload
        # Drafts are written in order on one thread of their own (journal_draft_soon); the latest edit wins.
        self._journal_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drafts-journal")
        self._journal_next: OpenEntry | None = None
        self._closed = False
        self.journal_error: Exception | None = None  # why the last background draft write failed (None: it worked)
        self._metas: dict[tuple[str, str], FileMeta] = {}  # (blob id, path) -> last author/date, this session

    # --- site ------------------------------------------------------------------------------------

    @property
    def read_only_reason(self) -> str:
        """Why this instance may not write to the site ("" when it may): another instance holds its lock."""
        if self.lock is None or self.lock.held:
            return ""
        holder = self.lock.held_by.describe() if self.lock.held_by is not None else "another process"
        return (f"{self.site.source_file}: this site is open in another editor-app ({holder}); it is shown "
                "read-only here so that neither overwrites the other's work. Close it there to edit here.")

    def _check_writable(self) -> None:
        reason = self.read_only_reason
        if reason:
            raise ReadOnlyError(reason)

    def close(self) -> None:
        """Write the drafts still queued, then give the site up for another instance."""
        self._drain_journal()
        self._closed = True
        self._journal_thread.shutdown(wait=True)
        if self.lock is not None:
            self.lock.release()

    @property
    def uses_workflow(self) -> bool:
        """Whether saves go through the editorial workflow."""
        return self.site.publish_mode == "editorial_workflow" and self.backend.supports_workflow

    @property
    def collections(self) -> list[Collection]:
        """The site's collections, in config order."""
        return list(self.site.collections)

    def collection(self, name: str) -> Collection:
        """The collection called `name`; NotFoundError when the config has none."""
        found = self.site.collection_named(name)
        if found is None:
            raise NotFoundError(f"{self.site.source_file}: no collection named '{name}'")
        return found

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
            self._head, self._head_at = opened.head, self.clock()
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
        return f"{author[0]} <{author[1]}>" if author is not None else ""

    @property
    def can_reset(self) -> bool:
        """True for the sandbox, whose sample site can be put back."""
        return self.backend.name == "test-repo" and isinstance(self.backend, _Resettable)

    def reset_site(self) -> None:
        """Put the sandbox's sample site back (every edit and unpublished entry there is dropped)."""
        self._check_writable()
        backend = self.backend
        if backend.name != "test-repo" or not isinstance(backend, _Resettable):
            raise EditorError(f"{self.site.source_file}: only the sandbox can be reset")
        backend.reset()
        with self._lock:
            self._index.clear()
            self._head, self._head_at = None, float("-inf")
        self.head(refresh=True)

    def head(self, *, refresh: bool = False) -> str:
        """The site branch's head; fetched again when older than `head_ttl` seconds or when `refresh`."""
        with self._lock:
            if not self.branch:
                self.branch = self.backend.default_branch()
            known = self._head
            if known is not None and self.clock() - self._head_at < self.head_ttl and not refresh:
                return known
        head = self.backend.head(self.branch)
        with self._lock:
            self._head, self._head_at = head, self.clock()
        return head

    def _moved_to(self, head: str) -> None:
        with self._lock:
            self._head, self._head_at = head, self.clock()

    # --- listing and the index -------------------------------------------------------------------

    def load_collection(self, name: str, progress: Progress | None = None) -> list[IndexedEntry]:
        """List, fetch (only blobs not cached), parse and index a collection; reports progress(done, total, text).

        An unchanged collection costs at most one request: the head (none when it was read less than
        `head_ttl` seconds ago), whose listing and blobs are all in the cache.
        """
        collection = self.collection(name)
        head = self.head()
        skipped: tuple[SkippedFile, ...] = ()
        if collection.is_files:
            files = self._files_collection_listing(collection, head)
        else:
            listing = self._listing(
                collection.folder or "", collection.entry_extension, _listing_depth(collection), head
            )
            files = [(f, None) for f in listing.files]
            skipped = listing.skipped
        contents = self._contents([f for f, _ in files], progress, f"Loading {collection.label}")
        translations = _translations_by_entry(collection, [f for f, config in files if config is None])
        entries: dict[str, IndexedEntry] = {}
        for repo_file, file_config in files:
            if file_config is None and not _is_default_locale_file(collection, repo_file.path):
                continue  # translations are files of the same entry, not entries of their own
            data, error = content.parse_fast(contents.get(repo_file.id, b""), collection, file_config, repo_file.path)
            everything = data
            i18n = i18n_mod.entry_i18n(collection, file_config)
            if error is None and i18n is not None and i18n.structure == "single_file":
                data = i18n_mod.split_single_file(data, i18n)[0]  # lists show the default locale
            if error is None and not content.matches_collection_filter(collection, data):
                continue
            slug = file_config.name if file_config is not None else _slug_from_path(collection, repo_file.path)
            siblings = translations.get(_locale_split(collection, repo_file.path)[1], ())
            if siblings:  # search finds an entry by its translations too
                everything = {"": data, **{
                    locale: content.parse_fast(contents.get(blob_id, b""), collection, None, path)[0]
                    for locale, path, blob_id in siblings
                }}
            entry = IndexedEntry(
                collection=name,
                slug=slug,
                path=repo_file.path,
                id=repo_file.id,
                data=data,
                parse_error=error,
                file=file_config.name if file_config is not None else None,
                search_text=views.search_text_of(everything, slug, repo_file.path),
                translations=siblings,
            )
            entries[entry.path] = entry
        for left_out in skipped:  # listed with the reason, so the user sees why the entry is not there
            slug = posixpath.splitext(posixpath.basename(left_out.path))[0]
            entries[left_out.path] = IndexedEntry(
                collection=name, slug=slug, path=left_out.path, id="", data={}, parse_error=left_out.reason,
                search_text=views.search_text_of({}, slug, left_out.path), skipped=left_out.reason,
            )
        with self._lock:
            self._index[name] = entries
            self._draft_paths = None  # the index can now tell drafts already saved from the others
        return list(entries.values())

    def _listing(self, folder: str, extension: str | None, depth: int | None, head: str) -> Listing:
        key = ListingKey(self.identity, self.branch, folder, extension, depth)
        reusable = getattr(self.backend, "listings_follow_head", True)
        cached = self.cache.get_listing(key, head) if reusable else None
        if cached is not None:
            return cached
        listing = self.backend.list_files(folder, extension=extension, depth=depth, branch=self.branch)
        self.cache.put_listing(key, listing)
        return listing

    def _files_collection_listing(
        self, collection: Collection, head: str
    ) -> list[tuple[RepoFile, CollectionFile | None]]:
        folders = sorted({posixpath.dirname(f.file) for f in collection.files})
        found: dict[str, RepoFile] = {}
        for folder in folders:
            for repo_file in self._listing(folder, None, 1, head).files:
                found[repo_file.path] = repo_file
        return [(found[f.file], f) for f in collection.files if f.file in found]

    def _contents(self, files: Sequence[RepoFile], progress: Progress | None, text: str) -> dict[str, bytes]:
        """Blob id -> bytes for `files`: from the cache, the rest from the backend in batches."""
        total = len(files)
        found = self.cache.get_blobs(f.id for f in files)
        missing = [f for f in files if f.id not in found]
        done = total - len(missing)
        _report(progress, done, total, text)
        for start in range(0, len(missing), self.read_batch):
            batch = missing[start : start + self.read_batch]
            read = self.backend.read_files(batch, branch=self.branch)
            fetched = [(f.id, read[f.path]) for f in batch if f.path in read]
            found.update(fetched)
            self.cache.put_blobs(fetched)
            done += len(batch)
            _report(progress, done, total, text)
        return found

    def entries(self, name: str) -> list[IndexedEntry]:
        """The loaded index of collection `name` (empty before `load_collection`)."""
        with self._lock:
            return list(self._index.get(name, {}).values())

    def indexed(self, name: str, path: str) -> IndexedEntry | None:
        """The indexed entry at `path` in collection `name`, if loaded."""
        with self._lock:
            return self._index.get(name, {}).get(path)

    def sorted_entries(self, name: str, field_name: str, *, descending: bool = False) -> list[IndexedEntry]:
        """The collection's entries ordered by `field_name` (missing values last)."""
        return views.sort_entries(self.entries(name), field_name, descending=descending)

    def default_sort(self, name: str) -> tuple[str, bool] | None:
        """The `sortable_fields` item with a `default_sort`, as (field, descending), if any."""
        for item in self.collection(name).sortable_fields:
            if item.default_sort:
                return item.field, item.default_sort == "desc"
        return None

    def filtered_entries(self, name: str, filters: Sequence[Any]) -> list[IndexedEntry]:
        """Entries matching all `filters` (the collection's `view_filters` items)."""
        return views.filter_entries(self.entries(name), filters)

    def grouped_entries(self, name: str, group: Any) -> dict[str, list[IndexedEntry]]:
        """Entries grouped by a `view_groups` item (first regex match of its pattern in the field)."""
        return views.group_entries(self.entries(name), group.field, group.pattern)

    def search(self, name: str, text: str) -> list[str]:
        """Paths of the collection's entries containing every word of `text` in any field."""
        return [e.path for e in views.search_entries(self.entries(name), text)]

    def summary(self, entry: IndexedEntry | OpenEntry) -> str:
        """The entry's title in lists: the collection's `summary` template, else its identifier field or slug."""
        collection = self.collection(entry.collection)
        if entry.file is not None:
            file_config = collection.file_named(entry.file)
            return file_config.label if file_config is not None else entry.file
        return content.summary(collection, entry.data, entry.slug, entry.path)

    # --- opening ---------------------------------------------------------------------------------

    def entry_path(self, collection_name: str, slug: str) -> str:
        """The repository path of entry `slug` (a loaded entry's path, else where a new one would go)."""
        collection = self.collection(collection_name)
        if collection.is_files:
            file_config = collection.file_named(slug)
            if file_config is None:
                raise NotFoundError(f"{self.site.source_file}: collection '{collection_name}' has no file '{slug}'")
            return file_config.file
        for entry in self.entries(collection_name):
            if entry.slug == slug:
                return entry.path
        return _entry_path(self.site, collection, slug, {}, self._now())

    def open_entry(self, collection_name: str, key: str) -> OpenEntry:
        """Read an entry (by path, slug, or file name) for editing, from its unpublished branch if it has one."""
        collection = self.collection(collection_name)
        file_config = None
        if collection.is_files:
            file_config = collection.file_named(key) or next((f for f in collection.files if f.file == key), None)
            if file_config is None:
                raise NotFoundError(f"{self.site.source_file}: collection '{collection_name}' has no file '{key}'")
            path, slug = file_config.file, file_config.name
        else:
            indexed = self.indexed(collection_name, key)
            if indexed is not None:
                path, slug = indexed.path, indexed.slug
            elif "/" in key and key.startswith((collection.folder or "") + "/"):
                path, slug = key, _slug_from_path(collection, key)
            else:
                path, slug = self.entry_path(collection_name, key), key
        branch, status = self.branch or self.backend.default_branch(), None
        if self.uses_workflow:  # files collections go through the workflow too (slug = file name)
            try:
                unpublished = self.backend.read_unpublished(collection_name, slug)
            except NotFoundError:
                unpublished = None
            own_paths = {path} | set(self._sibling_paths(collection, file_config, path).values())
            if unpublished is not None and any(d.path in own_paths for d in unpublished.diffs):
                branch, status = unpublished.branch, unpublished.status
        head = self.backend.head(branch)
        cached_id = None
        indexed = self.indexed(collection_name, path)
        if indexed is not None and branch == self.branch and head == self._head:
            cached_id = indexed.id
        data_bytes = self.cache.get_blob(cached_id) if cached_id else None
        if data_bytes is None or cached_id is None:
            data_bytes, blob_id = self.backend.read_file(path, branch=branch)
            self.cache.put_blob(blob_id, data_bytes)
        else:
            blob_id = cached_id
        raw = _decode(data_bytes, path)
        parsed, error = content.parse_roundtrip(raw, collection, file_config, path)
        data = copy.deepcopy(parsed.data)
        locale_data: dict[str, dict[str, Any]] = {}
        i18n = i18n_mod.entry_i18n(collection, file_config)
        if i18n is not None and i18n.structure == "single_file" and error is None:
            data, locale_data = i18n_mod.split_single_file(data, i18n)
        # the index's ids hold for this head, unless the backend's files can change under an unchanged head
        fresh = branch == self.branch and head == self._head and getattr(self.backend, "listings_follow_head", True)
        locale_files = self._read_translations(collection, file_config, path, branch, fresh)
        for locale_file in locale_files:
            if locale_file.base_id != NEW_FILE and locale_file.parse_error is None:
                locale_data[locale_file.locale] = copy.deepcopy(locale_file.parsed.data)
        return OpenEntry(
            collection=collection_name,
            slug=slug,
            path=path,
            data=data,
            raw=raw,
            parsed=parsed,
            base_id=blob_id,
            base_head=head,
            branch=branch,
            parse_error=error,
            file=file_config.name if file_config is not None else None,
            status=status,
            draft_name=slug,
            locale_data=locale_data,
            locale_files=locale_files,
        )

    def entry_locales(self, entry: OpenEntry | IndexedEntry) -> tuple[list[str], str] | None:
        """(locales, default locale) of an entry of a translated collection; None when it has no translations."""
        collection = self.collection(entry.collection)
        file_config = collection.file_named(entry.file) if entry.file else None
        i18n = i18n_mod.entry_i18n(collection, file_config)
        return (list(i18n.locales), i18n.default_locale) if i18n is not None else None

    def _sibling_paths(self, collection: Collection, file_config: CollectionFile | None, path: str) -> dict[str, str]:
        i18n = i18n_mod.file_structure(collection) if file_config is None else None
        return i18n_mod.sibling_paths(collection, i18n, path) if i18n is not None else {}

    def _read_translations(
        self, collection: Collection, file_config: CollectionFile | None, path: str, branch: str, fresh: bool
    ) -> tuple[i18n_mod.LocaleFile, ...]:
        """The other locales' files of the entry at `path` (from the cache when the index knows their ids)."""
        siblings = self._sibling_paths(collection, file_config, path)
        if not siblings:
            return ()
        indexed = self.indexed(collection.name, path)
        known = {p: blob_id for _locale, p, blob_id in (indexed.translations if indexed is not None else ())}
        found: list[i18n_mod.LocaleFile] = []
        for locale, locale_path in siblings.items():
            cached_id = known.get(locale_path) if fresh else None
            if fresh and indexed is not None and cached_id is None:
                # the listing at this head has no such file: the locale is not translated yet
                found.append(i18n_mod.LocaleFile(locale, locale_path, "", NEW_FILE))
                continue
            data_bytes = self.cache.get_blob(cached_id) if cached_id else None
            blob_id = cached_id or ""
            if data_bytes is None:
                try:
                    data_bytes, blob_id = self.backend.read_file(locale_path, branch=branch)
                except NotFoundError:
                    found.append(i18n_mod.LocaleFile(locale, locale_path, "", NEW_FILE))
                    continue
                self.cache.put_blob(blob_id, data_bytes)
            raw = _decode(data_bytes, locale_path)
            parsed, error = content.parse_roundtrip(raw, collection, file_config, locale_path)
            found.append(i18n_mod.LocaleFile(locale, locale_path, raw, blob_id, parsed, error))
        return tuple(found)

    def raw_text(self, entry: OpenEntry) -> str:
        """The file text saving `entry` would write (unchanged fields keep their original bytes)."""
        collection = self.collection(entry.collection)
        file_config = collection.file_named(entry.file) if entry.file else None
        parsed = entry.parsed
        if parsed is None and not (entry.is_new and not entry.raw):
            parsed, _error = content.parse_roundtrip(entry.raw, collection, file_config, entry.path)
        i18n = i18n_mod.entry_i18n(collection, file_config)
        if i18n is not None and i18n.structure == "single_file" and not (parsed is not None and parsed.is_raw):
            had = i18n_mod.split_single_file(parsed.data, i18n)[1] if parsed is not None else {}
            fields = content.fields_of(collection, file_config)
            others = {}
            for locale in i18n_mod.other_locales(i18n):
                data = i18n_mod.translation_data(fields, entry.data, entry.locale_data.get(locale, {}),
                                                 had_file=locale in had)
                if locale in had or entry.is_new or i18n_mod.has_translated_content(fields, data):
                    others[locale] = data
            joined = i18n_mod.join_single_file(entry.data, others, i18n)
            return content.dump_roundtrip(parsed, joined, collection, file_config, entry.path,
                                          field_order=list(i18n.locales))
        return content.dump_roundtrip(parsed, entry.data, collection, file_config, entry.path)

    def translation_changes(self, entry: OpenEntry, default_path: str) -> list[FileChange]:
        """The other locales' files that saving `entry` (whose default-locale file is `default_path`) writes.

        A locale file is written when its text changed; a locale without a file only for a new entry or when
        something was translated. Each change carries the blob id its locale was read at.
        """
        collection = self.collection(entry.collection)
        file_config = collection.file_named(entry.file) if entry.file else None
        siblings = self._sibling_paths(collection, file_config, default_path)
        fields = content.fields_of(collection, file_config)
        changes = []
        for locale, path in siblings.items():
            base = entry.locale_file(locale)
            had_file = base is not None and base.base_id != NEW_FILE and base.path == path
            if had_file and base is not None and base.parse_error is not None and base.pristine:
                # a translation that does not parse is never rewritten from fields it could not give
                if i18n_mod.has_translated_content(fields, entry.locale_data.get(locale, {})):
                    raise ContentError(f"the {locale} translation does not parse ({base.parse_error}); "
                                       "fix that file before saving a translation into it", path=path)
                continue
            data = i18n_mod.translation_data(fields, entry.data, entry.locale_data.get(locale, {}), had_file=had_file)
            if not had_file and not entry.is_new and not i18n_mod.has_translated_content(fields, data):
                continue
            parsed = base.parsed if had_file and base is not None else None
            text = content.dump_roundtrip(parsed, data, collection, file_config, path)
            if had_file and base is not None and base.pristine and text == base.raw:
                continue
            expected = base.base_id if had_file and base is not None else NEW_FILE
            changes.append(FileChange(path=path, data=text.encode("utf-8"), expected_id=expected))
        return changes

    def parse_raw_text(self, entry: OpenEntry, text: str) -> OpenEntry:
        """`entry` with its fields read from `text` (the raw source editor); RawTextError when it does not parse."""
        collection = self.collection(entry.collection)
        try:
            data = content.parse_strict(text, collection, entry.path)
        except ContentError as error:
            raise RawTextError(error.detail, path=error.path or entry.path, line=error.line) from None
        i18n = i18n_mod.entry_i18n(collection, collection.file_named(entry.file) if entry.file else None)
        if i18n is not None and i18n.structure == "single_file":
            default, others = i18n_mod.split_single_file(data, i18n)
            return replace(entry, data=default, locale_data=others)
        return replace(entry, data=data)

    # --- creating --------------------------------------------------------------------------------

    def new_entry(self, collection_name: str, data: dict[str, Any] | None = None) -> OpenEntry:
        """A new, unsaved entry with the fields' defaults (merged with `data`).

        Its slug and path are what saving would use now ("" while the identifier field is still empty);
        they are settled again at save, from the fields as they are then.
        """
        collection = self.collection(collection_name)
        if collection.is_files:
            raise ContentError(f"collection '{collection_name}' is a files collection: it has no new entries")
        values = content.default_data(collection.fields)
        values.update(data or {})
        slug, path = self._tentative_location(collection, values)
        i18n = i18n_mod.entry_i18n(collection)
        locale_data = {}
        if i18n is not None:
            for locale in i18n_mod.other_locales(i18n):
                locale_data[locale] = i18n_mod.new_translation(collection.fields, values)
        return OpenEntry(
            collection=collection_name,
            slug=slug,
            path=path,
            data=values,
            is_new=True,
            branch=self.branch or None,
            draft_name=f"new/{int(self.clock() * 1000)}-{next(self._new_numbers)}",
            locale_data=locale_data,
        )

    def duplicate_entry(self, entry: OpenEntry) -> OpenEntry:
        """A new, unsaved copy of `entry`: same fields (every locale's), its own unique slug (`-1`, `-2`…)."""
        duplicate = self.new_entry(entry.collection, copy.deepcopy(entry.data))
        if not entry.locale_data:
            return duplicate
        return replace(duplicate, locale_data={**duplicate.locale_data, **copy.deepcopy(entry.locale_data)})

    def _tentative_location(self, collection: Collection, data: dict[str, Any]) -> tuple[str, str]:
        try:
            return self._new_location(collection, data, lookup=False)
        except ContentError:
            return "", ""  # no identifier typed yet: the file name is not known

    def _new_location(self, collection: Collection, data: dict[str, Any], *, lookup: bool = True) -> tuple[str, str]:
        """(slug, path) for a new entry: the slug template, made unique against every known entry's path.

        Decap's `generateUniqueSlug`: `slug`, `slug-1`, `slug-2`… (the config's sanitize_replacement).
        With `lookup` False only the loaded index is consulted (no request: the UI calls this on its thread).
        """
        now = self._now()
        taken = self._known_paths(collection, lookup=lookup)
        base = content.slug_for(self.site, collection, data, now)
        candidate, n = base, 0
        while _entry_path(self.site, collection, candidate, data, now) in taken:
            n += 1
            candidate = f"{base}{self.site.slug.sanitize_replacement or '-'}{n}"
        return candidate, _entry_path(self.site, collection, candidate, data, now)

    def _known_paths(self, collection: Collection, *, lookup: bool = True) -> set[str]:
        """Paths of the collection's entries (published, and unpublished under the editorial workflow).

        The published ones come from the index and from the listing at the current head (the index may be stale).
        """
        with self._lock:
            index = self._index.get(collection.name)
            paths = set(index) if index is not None else set()
        if not lookup:
            return paths
        # The index may be stale: the listing at the current head (cached by head) is the truth.
        head = self.head(refresh=True)
        listing = self._listing(collection.folder or "", collection.entry_extension, _listing_depth(collection), head)
        paths |= {f.path for f in listing.files}
        if self.uses_workflow:
            for entry in self.backend.list_unpublished():
                if entry.collection == collection.name:
                    paths |= {d.path for d in entry.diffs}
        return paths

    def _now(self) -> _dt.datetime:
        return _dt.datetime.fromtimestamp(self.clock(), tz=_dt.UTC)

    # --- saving ----------------------------------------------------------------------------------

    def save_entry(self, entry: OpenEntry, *, force_base: str | None = None) -> OpenEntry:
        """Save `entry` as one commit (or one workflow save) and return it as now saved.

        Every changed file of the entry goes into that one commit: the default locale's and, on i18n sites
        with a file per locale, each changed translation. Each change carries the blob id its edit started
        from (`force_base` replaces the default file's: "keep mine over the version with this id"). Raises
        ConflictError with their content when a file moved on; the journaled draft is removed only after
        the commit succeeded.
        """
        self._check_writable()
        collection = self.collection(entry.collection)
        file_config = collection.file_named(entry.file) if entry.file else None
        if entry.is_new:
            slug, path = self._new_location(collection, entry.data)
            text = self.raw_text(replace(entry, path=path))
            expected = NEW_FILE if force_base is None else force_base
        else:
            slug, path = entry.slug, entry.path
            text = self.raw_text(entry)
            expected = entry.base_id if force_base is None else force_base
        data_bytes = text.encode("utf-8")
        notice = ""
        changes = []
        if entry.is_new or force_base is not None or not entry.pristine or text != entry.raw:
            changes.append(FileChange(path=path, data=data_bytes, expected_id=expected))
        changes += self.translation_changes(entry, path)
        # A file whose base already holds exactly these bytes needs no change (e.g. "keep mine" over a version
        # that is mine already): a commit of nothing but such changes would be an empty one.
        changes = [c for c in changes if not (c.data is not None and not c.delete and not c.previous_path
                                               and c.expected_id and c.expected_id == git_blob_id(c.data))]
        if not changes:
            self._forget_draft(entry)
            return entry  # unchanged: nothing to commit, every file stays byte-identical
        action = "create" if entry.is_new else "update"
        message = content.commit_message(self.site, action, collection, slug, path, self.user)
        if self.uses_workflow:
            try:
                result = self.backend.save_unpublished(entry.collection, slug, changes, message)
            except (ConflictError, NetworkError) as error:
                landed = self._unpublished_landed(entry.collection, slug, changes)
                if landed is None:
                    if isinstance(error, ConflictError):
                        read_from = entry.branch or self.branch or self.backend.default_branch()
                        raise self._explained_conflict(error, changes, read_from) from error
                    raise
                result, notice = landed, ANSWER_LOST_NOTICE
            status = entry.status or WORKFLOW_STATUSES[0]
            branch = result.branch
        else:
            site_branch = self.branch or self.backend.default_branch()
            try:
                result = self.backend.commit(changes, message, branch=site_branch,
                                             expected_head=entry.base_head if force_base is None else None)
            except (ConflictError, NetworkError) as error:
                # The commit may have landed and only its answer been lost (5xx, reset, timeout on the way
                # back), or an earlier such save may be what the branch now holds: then it is saved.
                landed = self._commit_landed(changes, site_branch)
                if landed is None:
                    if isinstance(error, ConflictError):
                        raise self._explained_conflict(error, changes, site_branch) from error
                    raise
                result, notice = landed, ANSWER_LOST_NOTICE
            status = None
            branch = result.branch
            self._moved_to(result.commit)
        for change in changes:
            if result.ids.get(change.path):
                self.cache.put_blob(result.ids[change.path], change.data or b"")
        wrote_default = bool(changes) and changes[0].path == path
        blob_id = result.ids.get(path, "") if wrote_default else entry.base_id
        self._forget_draft(entry)
        parsed, parse_error = content.parse_roundtrip(text, collection, file_config, path)
        data = copy.deepcopy(parsed.data)
        locale_data: dict[str, dict[str, Any]] = {}
        i18n = i18n_mod.entry_i18n(collection, file_config)
        if i18n is not None and i18n.structure == "single_file" and parse_error is None:
            data, locale_data = i18n_mod.split_single_file(data, i18n)
        locale_files = self._saved_translations(entry, collection, file_config, path, changes, result.ids)
        for locale_file in locale_files:
            if locale_file.base_id != NEW_FILE and locale_file.parse_error is None:
                locale_data[locale_file.locale] = copy.deepcopy(locale_file.parsed.data)
        saved = replace(
            entry, slug=slug, path=path, raw=text, base_id=blob_id, base_head=result.commit, branch=branch,
            is_new=False, status=status, draft_name=slug if file_config is None else entry.draft_name,
            commit=result.commit, parse_error=parse_error, pristine=True, parsed=parsed,
            data=data, locale_data=locale_data, locale_files=locale_files, save_notice=notice,
        )
        if branch == self.branch:
            self._index_saved(saved, blob_id)
        return saved

    def _commit_landed(self, changes: Sequence[FileChange], branch: str) -> CommitResult | None:
        """The save as the host holds it, when `branch` already has exactly what `changes` write; else None.

        Reads every changed file once (a failed save is rare; being sure is worth the requests). Written files
        must hold the bytes being saved, deleted and moved-away ones must be gone.
        """
        ids: dict[str, str] = {}
        try:
            head = self.backend.head(branch)
            for change in changes:
                gone = [change.path] if change.delete else [change.previous_path] if change.previous_path else []
                for path in gone:
                    try:
                        self.backend.read_file(path, branch=branch)
                    except NotFoundError:
                        continue
                    return None
                if change.delete:
                    continue
                try:
                    data, blob_id = self.backend.read_file(change.path, branch=branch)
                except NotFoundError:
                    return None
                if change.data is not None and data != change.data:
                    return None
                ids[change.path] = blob_id
        except EditorError:
            return None  # the host cannot tell now: the save's own error stands
        return CommitResult(commit=head, branch=branch, ids=ids)

    def _unpublished_landed(self, collection: str, slug: str, changes: Sequence[FileChange]) -> CommitResult | None:
        """The workflow save as the host holds it, when the entry is unpublished (its pull request exists) and its
        branch already has exactly what `changes` write; else None."""
        try:
            unpublished = self.backend.read_unpublished(collection, slug)
        except EditorError:
            return None
        return self._commit_landed(changes, unpublished.branch)

    def _explained_conflict(self, error: ConflictError, changes: Sequence[FileChange], branch: str) -> ConflictError:
        """`error` with what the branch holds now at the file in conflict: their version, or that it is gone.

        Hosts often refuse a branch update without saying which file moved; the dialog must not then claim
        the file was deleted. Their version is read, and when it is still what the edit started from, the
        message says the host refused the update although the file itself did not change.
        """
        if error.theirs is not None or not changes:
            return error
        path = error.path or changes[0].path
        change = next((c for c in changes if c.path == path), changes[0])
        try:
            head = error.head or self.backend.head(branch)
            theirs, theirs_id = self.backend.read_file(path, branch=branch)
        except NotFoundError:
            if change.expected_id == NEW_FILE:
                return ConflictError(f"{error} (the site refused the save; {path} does not exist there)",
                                     path=path, head=error.head)
            return ConflictError(f"{path} was deleted on the site ({error})", path=path, head=error.head,
                                 deleted=True)
        except EditorError:
            return error
        if change.expected_id is not None and theirs_id == change.expected_id:
            message = (f"the site refused to update branch '{branch}' ({error}); {path} itself is unchanged "
                       "there, but the branch moved on")
        elif change.expected_id == NEW_FILE:
            message = f"{path} already exists on the site ({error})"
        else:
            message = f"{path} was changed on the site ({error})"
        return ConflictError(message, path=path, theirs=theirs, theirs_id=theirs_id, head=head)

    def _saved_translations(
        self, entry: OpenEntry, collection: Collection, file_config: CollectionFile | None, path: str,
        changes: list[FileChange], ids: dict[str, str],
    ) -> tuple[i18n_mod.LocaleFile, ...]:
        """The entry's locale files after a save: the written ones as written, the others as they were."""
        written = {c.path: c for c in changes}
        files = []
        for locale, locale_path in self._sibling_paths(collection, file_config, path).items():
            change = written.get(locale_path)
            if change is None:
                before = entry.locale_file(locale)
                same = before is not None and before.path == locale_path
                files.append(before if same else i18n_mod.LocaleFile(locale, locale_path, "", NEW_FILE))
                continue
            raw = (change.data or b"").decode("utf-8")
            parsed, error = content.parse_roundtrip(raw, collection, file_config, locale_path)
            files.append(i18n_mod.LocaleFile(locale, locale_path, raw, ids.get(locale_path, ""), parsed, error))
        return tuple(f for f in files if f is not None)

    def conflict_text(self, entry: OpenEntry, path: str | None) -> str:
        """The text my save would write at `path` (the file a ConflictError names): a translation's or the entry's."""
        if path and path != entry.path:
            for change in self.translation_changes(entry, entry.path):
                if change.path == path:
                    return (change.data or b"").decode("utf-8")
            base = next((f for f in entry.locale_files if f.path == path), None)
            if base is not None:
                return base.raw
        return self.raw_text(entry)

    def take_theirs(self, entry: OpenEntry, error: ConflictError) -> OpenEntry | None:
        """Drop my edit in favour of the other side's version (None when they deleted the file).

        When the conflict is over one of the entry's translations, the whole entry is read again as it is now.
        """
        self.discard_draft(entry)
        if error.path and error.path != entry.path and any(f.path == error.path for f in entry.locale_files):
            return self.open_entry(entry.collection, entry.path)
        if error.theirs is None or error.theirs_id is None:
            return None
        raw = _decode(error.theirs, entry.path)
        collection = self.collection(entry.collection)
        file_config = collection.file_named(entry.file) if entry.file else None
        parsed, parse_error = content.parse_roundtrip(raw, collection, file_config, entry.path)
        data, locale_data = self._split_locales(collection, file_config, parsed.data, parse_error, entry.locale_data)
        return replace(entry, raw=raw, data=data, locale_data=locale_data, base_id=error.theirs_id,
                       base_head=error.head, parse_error=parse_error, is_new=False, pristine=True, parsed=parsed)

    def resolve_conflict(self, entry: OpenEntry, mine: str, error: ConflictError) -> OpenEntry:
        """An entry holding `mine` (the text chosen in the conflict dialog) based on their version.

        Saving it replaces their version explicitly — only theirs, not a version made after it. The file is
        the entry's own, or one of its translations (then only that locale takes `mine`).
        """
        collection = self.collection(entry.collection)
        file_config = collection.file_named(entry.file) if entry.file else None
        locale_file = next((f for f in entry.locale_files if error.path and f.path == error.path), None)
        if locale_file is not None:
            parsed, parse_error = content.parse_roundtrip(mine, collection, file_config, locale_file.path)
            chosen = replace(locale_file, raw=mine, parsed=parsed, parse_error=parse_error,
                             base_id=error.theirs_id or NEW_FILE, pristine=_is_theirs(mine, error))
            files = tuple(chosen if f is locale_file else f for f in entry.locale_files)
            locale_data = {**entry.locale_data, locale_file.locale: copy.deepcopy(parsed.data)}
            return replace(entry, locale_files=files, locale_data=locale_data, base_head=error.head)
        parsed, parse_error = content.parse_roundtrip(mine, collection, file_config, entry.path)
        data, locale_data = self._split_locales(collection, file_config, parsed.data, parse_error, entry.locale_data)
        # Mine is written exactly as chosen; the base is their version, so only that version is replaced.
        return replace(
            entry, data=data, locale_data=locale_data, parse_error=parse_error, raw=mine, parsed=parsed,
            pristine=_is_theirs(mine, error), base_id=error.theirs_id or NEW_FILE, base_head=error.head,
            is_new=False, slug=entry.slug, path=error.path or entry.path,
        )

    @staticmethod
    def _split_locales(
        collection: Collection, file_config: CollectionFile | None, data: dict[str, Any], parse_error: str | None,
        locale_data: dict[str, dict[str, Any]],
    ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """(default data, other locales) of a whole file's data: split when all locales share one file."""
        i18n = i18n_mod.entry_i18n(collection, file_config)
        if i18n is not None and i18n.structure == "single_file" and parse_error is None:
            return i18n_mod.split_single_file(data, i18n)
        return copy.deepcopy(data), dict(locale_data)

    def delete_entry(self, entry: OpenEntry | IndexedEntry) -> CommitResult | None:
        """Delete the entry's file in one commit (None for a never-saved entry: only its draft goes)."""
        self._check_writable()
        if isinstance(entry, OpenEntry) and entry.is_new:
            self.discard_draft(entry)
            return None
        collection = self.collection(entry.collection)
        if collection.is_files or not collection.delete:
            raise ContentError(f"collection '{collection.name}' does not allow deleting entries", path=entry.path)
        expected = entry.base_id if isinstance(entry, OpenEntry) else entry.id
        if isinstance(entry, OpenEntry) and entry.branch and self.branch and entry.branch != self.branch:
            # Opened from its unpublished branch: Delete removes the published file, checked by its own id.
            try:
                _data, expected = self.backend.read_file(entry.path, branch=self.branch)
            except NotFoundError:
                raise ContentError(
                    "this entry is not published yet: delete its unpublished changes instead", path=entry.path
                ) from None
        message = content.commit_message(self.site, "delete", collection, entry.slug, entry.path, self.user)
        changes = [FileChange(path=entry.path, delete=True, expected_id=expected)]
        changes += [FileChange(path=p, delete=True, expected_id=i) for p, i in self._published_translations(entry)]
        result = self.backend.commit(changes, message, branch=self.branch or None)
        self._moved_to(result.commit)
        with self._lock:
            self._index.get(entry.collection, {}).pop(entry.path, None)
        if isinstance(entry, OpenEntry):
            self._forget_draft(entry)
        return result

    def _published_translations(self, entry: OpenEntry | IndexedEntry) -> list[tuple[str, str]]:
        """(path, blob id) of the entry's other locale files on the site's branch (deleted with the entry)."""
        if isinstance(entry, IndexedEntry):
            return [(path, blob_id) for _locale, path, blob_id in entry.translations]
        if not entry.branch or not self.branch or entry.branch == self.branch:
            return [(f.path, f.base_id) for f in entry.locale_files if f.base_id != NEW_FILE]
        collection = self.collection(entry.collection)
        found = []
        for path in self._sibling_paths(collection, None, entry.path).values():
            try:
                _data, blob_id = self.backend.read_file(path, branch=self.branch)
            except NotFoundError:
                continue
            found.append((path, blob_id))
        return found

    def _index_saved(self, entry: OpenEntry, blob_id: str) -> None:
        translations = tuple((f.locale, f.path, f.base_id) for f in entry.locale_files if f.base_id != NEW_FILE)
        everything = {"": entry.data, **entry.locale_data}
        with self._lock:
            index = self._index.get(entry.collection)
            if index is None:
                return
            index[entry.path] = IndexedEntry(
                collection=entry.collection, slug=entry.slug, path=entry.path, id=blob_id, data=dict(entry.data),
                file=entry.file, search_text=views.search_text_of(everything, entry.slug, entry.path),
                translations=translations,
            )

    # --- drafts ----------------------------------------------------------------------------------

    def _draft_key(self, entry: OpenEntry) -> DraftKey:
        return DraftKey(self.identity + "@" + (self.branch or ""), entry.collection, entry.draft_name or entry.path)

    def journal_draft(self, entry: OpenEntry) -> Draft:
        """Write `entry`'s current text to the drafts journal (atomic), after any write still queued."""
        self._drain_journal()
        return self._write_draft(entry)

    def journal_draft_soon(self, entry: OpenEntry) -> None:
        """`journal_draft` on the journal's own thread: the caller (the GUI, while typing) waits neither for
        writing the text (a YAML round trip) nor for the disk. Writes keep their order and only the latest
        queued edit is written; a failure is kept in `journal_error` until a later write succeeds."""
        if self._closed:  # a late timer after close: write it here rather than drop it
            self._write_draft(entry)
            return
        with self._lock:
            idle = self._journal_next is None
            self._journal_next = entry
        if idle:
            self._journal_thread.submit(self._write_latest_draft)

    def _write_latest_draft(self) -> None:
        with self._lock:
            entry, self._journal_next = self._journal_next, None
        if entry is None:
            return
        try:
            self._write_draft(entry)
        except (EditorError, OSError) as error:
            self.journal_error = error
        else:
            self.journal_error = None

    def _drain_journal(self) -> None:
        """Wait until the drafts queued by `journal_draft_soon` are written."""
        if not self._closed:
            self._journal_thread.submit(_nothing).result()

    def _write_draft(self, entry: OpenEntry) -> Draft:
        try:
            raw = self.raw_text(entry)
        except EditorError:
            raw = None  # the fields cannot be written as text yet; the form data alone is kept
        draft = Draft(
            key=self._draft_key(entry),
            path=entry.path,
            raw=raw,
            data=entry.data,
            base_id=entry.base_id,
            base_head=entry.base_head,
            saved_at=self.clock(),
            is_new=entry.is_new,
            extra={"slug": entry.slug, "file": entry.file, "branch": entry.branch, "status": entry.status,
                   "base_raw": entry.raw,
                   "pristine": entry.pristine,
                   # i18n: the other locales as edited, and the files they started from (their save bases)
                   "locale_data": entry.locale_data,
                   "locale_files": [[f.locale, f.path, f.raw, f.base_id] for f in entry.locale_files]},
        )
        if not self.read_only_reason:  # the drafts are the other instance's to keep while it holds the site
            self.journal.write(draft.key, draft)
        with self._lock:
            self._draft_paths = None
        return draft

    def draft_for(self, entry: OpenEntry) -> PendingDraft | None:
        """The journaled draft of `entry`, if one differs from it, as an entry to restore."""
        draft = self.journal.read(self._draft_key(entry))
        if draft is None:
            return None
        restored = self._entry_from_draft(draft)
        same = restored.data == entry.data and restored.locale_data == entry.locale_data
        if same and restored.base_id == entry.base_id:
            return None
        if same or (draft.raw is not None and draft.raw == entry.raw and restored.locale_data == entry.locale_data):
            # The file already holds what the draft holds (e.g. a crash between the commit and the draft's
            # removal): restoring would only offer a false conflict. Compared by text, not by base id.
            self._forget_draft(entry)
            return None
        return PendingDraft(entry=restored, draft=draft)

    def pending_drafts(self) -> list[PendingDraft]:
        """Every draft of this site left in the journal (after a crash or a failed save), oldest first."""
        site = self.identity + "@" + (self.branch or "")
        result = []
        for draft in self.journal.pending(site):
            if self.site.collection_named(draft.key.collection) is None:
                continue
            if self._draft_is_saved(draft):
                if not self.read_only_reason:
                    self.journal.discard(draft.key)
                continue
            result.append(PendingDraft(entry=self._entry_from_draft(draft), draft=draft))
        return result

    def _draft_is_saved(self, draft: Draft) -> bool:
        """Whether the loaded index says the draft's file already holds exactly the draft's text (no request).

        A crash between a commit and the removal of its draft leaves such a draft; a new entry's one too
        (its file now exists with the draft's text): offering it back would make a false conflict or a copy.
        """
        if draft.raw is None or (draft.extra or {}).get("locale_data"):
            return False
        indexed = self.indexed(draft.key.collection, draft.path)
        if indexed is None:
            return False
        data = self.cache.get_blob(indexed.id)
        return data is not None and data == draft.raw.encode("utf-8")

    def has_draft(self, path: str) -> bool:
        """Whether a journaled draft exists for the entry at `path` (cheap: called for every listed row)."""
        with self._lock:
            if self._draft_paths is None:
                site = self.identity + "@" + (self.branch or "")
                self._draft_paths = {d.path for d in self.journal.pending(site) if not self._draft_is_saved(d)}
            return path in self._draft_paths

    def discard_draft(self, entry: OpenEntry) -> None:
        """Throw away `entry`'s journaled draft (the editor chose to)."""
        self._forget_draft(entry)

    def _forget_draft(self, entry: OpenEntry) -> None:
        self._drain_journal()  # a draft write still queued must not bring the draft back afterwards
        if self.read_only_reason:
            return
        self.journal.discard(self._draft_key(entry))
        with self._lock:
            self._draft_paths = None

    def _entry_from_draft(self, draft: Draft) -> OpenEntry:
        extra = draft.extra or {}
        data = draft.data
        collection = self.collection(draft.key.collection)
        file_name = extra.get("file")
        file_config = collection.file_named(file_name) if file_name else None
        locale_data = dict(extra.get("locale_data") or {})
        if draft.raw is not None:
            parsed, _error = content.parse_roundtrip(draft.raw, collection, file_config, draft.path)
            data = parsed.data
            i18n = i18n_mod.entry_i18n(collection, file_config)
            if i18n is not None and i18n.structure == "single_file" and _error is None:
                data, locale_data = i18n_mod.split_single_file(data, i18n)
        locale_files = []
        for locale, path, raw, base_id in extra.get("locale_files") or []:
            parsed_locale = content.parse_roundtrip(raw, collection, file_config, path) if base_id else (None, None)
            locale_files.append(i18n_mod.LocaleFile(locale, path, raw, base_id, *parsed_locale))
        return OpenEntry(
            collection=draft.key.collection,
            slug=extra.get("slug") or draft.key.entry,
            path=draft.path,
            data=dict(data or {}),
            raw=extra.get("base_raw") or "",
            pristine=bool(extra.get("pristine", True)),
            base_id=draft.base_id if draft.base_id is not None else NEW_FILE,
            base_head=draft.base_head,
            branch=extra.get("branch"),
            is_new=draft.is_new,
            file=file_name,
            status=extra.get("status"),
            draft_name=draft.key.entry,
            locale_data=locale_data,
            locale_files=tuple(locale_files),
        )

    # --- media -----------------------------------------------------------------------------------

    def media_folders(self) -> list[str]:
        """The site's media folder, then the collections' own media folders (repository paths, resolved once)."""
        return [folder for folder, _ in content.media_folders(self.site)]

    def public_path(self, repo_path: str) -> str:
        """What an entry stores for the media file at `repo_path` (its media folder's public_folder + name)."""
        return content.public_path(self.site, repo_path)

    def list_media(self, folder: str | None = None) -> list[MediaItem]:
        """Media files under `folder` (default: the site's media folder)."""
        target = (folder if folder is not None else self.site.media_folder).strip("/")
        listing = self.backend.list_files(target, branch=self.branch or None)
        return [MediaItem(f.path, self.public_path(f.path), f.size, f.id) for f in listing.files]

    def read_media(self, path: str) -> bytes:
        """A media file's bytes (through the cache)."""
        data, blob_id = self.backend.read_file(path, branch=self.branch or None)
        self.cache.put_blob(blob_id, data)
        return data

    def upload_media(self, folder: str | None, files: Sequence[tuple[str, bytes]]) -> list[MediaItem]:
        """Upload binary files into `folder` (default: the media folder) in one commit; returns them.

        A name already taken gets a `-1`, `-2`… suffix: nothing existing is overwritten. Images are
        optimised as the site's `media_libraries.default.config.transformations` ask, GPS data removed.
        """
        self._check_writable()
        target = (folder if folder is not None else self.site.media_folder).strip("/")
        if self._transformations is None:
            self._transformations = transformations_from_config(self.site.raw or {}, self.site.source_file)
        optimized = [optimize_image(name, bytes(data), self._transformations) for name, data in files]
        existing = {f.path for f in self.backend.list_files(target, depth=1, branch=self.branch or None).files}
        changes, items = [], []
        for image in optimized:
            path = _free_name(target, clean_file_name(image.name), existing)
            existing.add(path)
            changes.append(FileChange(path=path, data=image.data, expected_id=NEW_FILE))
        if not changes:
            return []
        paths = ", ".join(c.path for c in changes)
        message = content.media_commit_message(self.site, "uploadMedia", paths, self.user)
        result = self.backend.commit(changes, message, branch=self.branch or None)
        self._moved_to(result.commit)
        for change, image in zip(changes, optimized, strict=True):
            blob_id = result.ids.get(change.path, "")
            self.cache.put_blob(blob_id, change.data or b"")
            items.append(MediaItem(change.path, self.public_path(change.path), len(change.data or b""), blob_id,
                                   image.notices, image.bytes_saved))
        return items

    def add_site_word(self, path: str, word: str) -> list[str]:
        """Add `word` to the site's shared word list at `path` (config `spelling_words`) in one commit,
        creating the file when missing; the words as saved. Someone else's change meanwhile is a conflict."""
        path = path.strip().lstrip("/")
        try:
            data, blob_id = self.backend.read_file(path, branch=self.branch or None)
        except NotFoundError:
            data, blob_id = b"", NEW_FILE
        text = data.decode("utf-8")
        words = parse_word_list(text)
        if word in words:
            return words
        text += ("" if not text or text.endswith("\n") else "\n") + word + "\n"
        change = FileChange(path=path, data=text.encode("utf-8"), expected_id=blob_id)
        result = self.backend.commit([change], f"Add “{word}” to the site's word list", branch=self.branch or None)
        self._moved_to(result.commit)
        return parse_word_list(text)

    def delete_media(self, path: str) -> CommitResult:
        """Delete one media file in one commit."""
        self._check_writable()
        message = content.media_commit_message(self.site, "deleteMedia", path, self.user)
        result = self.backend.commit([FileChange(path=path, delete=True)], message, branch=self.branch or None)
        self._moved_to(result.commit)
        return result

    def media_usages(self, path: str) -> list[str]:
        """Paths of loaded entries that mention the media file (by public path or repository path)."""
        needles = {self.public_path(path).lower(), path.lower()}
        with self._lock:
            loaded = [e for index in self._index.values() for e in index.values()]
        return [e.path for e in loaded if any(n in e.search_text for n in needles)]

    def entry_url(self, entry: OpenEntry | IndexedEntry) -> str | None:
        """The entry's page on the live site (`site_url` + `preview_path`), or None without a site_url."""
        if not self.site.site_url or not self.site.show_preview_links:
            return None
        collection = self.collection(entry.collection)
        return content.preview_url(self.site, collection, entry.data, entry.slug, entry.path)

    # --- last author/date ("Commit author", "Commit date", sort by updated) ---------------------------

    @property
    def meta_batch(self) -> int:
        """How many entries' last author/date one host request answers (1: one request per entry)."""
        return self.backend.file_meta_batch() if self.backend.is_git else 0

    def entries_meta(self, collection_name: str, paths: Sequence[str]) -> dict[str, FileMeta]:
        """Last author/date of these entries' files (Decap's `commit_author`/`commit_date`), keyed by path.

        Known ones come from memory or the cache (keyed by blob id: an unchanged file costs nothing, also
        after a restart); the rest are asked of the host in batches. Ask only for what is needed (the rows on
        screen; every row only to sort by it). Run it off the GUI thread.
        """
        if not self.backend.is_git:
            return {}
        found: dict[str, FileMeta] = {}
        missing: list[tuple[str, str]] = []  # (path, blob id)
        for path in dict.fromkeys(paths):
            indexed = self.indexed(collection_name, path)
            blob_id = indexed.id if indexed is not None else ""
            meta = self._metas.get((blob_id, path)) if blob_id else None
            if meta is None:
                meta = self.cache.get_meta(blob_id, path)
                if meta is not None:
                    self._metas[(blob_id, path)] = meta
            if meta is not None:
                found[path] = meta
            else:
                missing.append((path, blob_id))
        batch = max(1, self.backend.file_meta_batch())
        step = batch * max(1, -(-META_BATCH // batch))  # whole host requests per call (GitLab: 13 x 8 paths)
        for start in range(0, len(missing), step):
            chunk = dict(missing[start : start + step])
            answered = self.backend.files_meta(list(chunk), branch=self.branch or None)
            fresh = [(chunk[path], path, meta) for path, meta in answered.items() if path in chunk]
            self.cache.put_metas(fresh)
            for blob_id, path, meta in fresh:
                if blob_id:
                    self._metas[(blob_id, path)] = meta
                found[path] = meta
        return found

    def deploy_preview(self, entry: OpenEntry) -> DeployPreview | None:
        """An unpublished entry's deploy preview (Decap's "View preview"); None for a published or new entry.

        One host call (the entry branch's statuses); run it off the GUI thread.
        """
        if not self.uses_workflow or not entry.status or entry.is_new or not self.site.show_preview_links:
            return None
        collection = self.collection(entry.collection)
        return previews.entry_preview(
            self.backend, entry.collection, entry.slug,
            lambda base: content.page_url(base, collection, entry.data, entry.slug, entry.path),
        )

    def deploy_previews(self, items: Sequence[WorkflowItem]) -> dict[str, DeployPreview | None]:
        """Deploy previews of workflow cards by content key (`collection/slug`), bounded in count and concurrency."""
        if not self.site.show_preview_links:
            return {}
        found = previews.board_previews(self.backend, [(item.collection, item.slug) for item in items])
        return {f"{collection}/{slug}": preview for (collection, slug), preview in found.items()}

    # --- editorial workflow ----------------------------------------------------------------------

    def list_unpublished(self) -> list[WorkflowItem]:
        """Unpublished entries of this site's collections, with their titles."""
        items = []
        for entry in self.backend.list_unpublished():
            collection = self.site.collection_named(entry.collection)
            if collection is None:
                continue
            items.append(WorkflowItem(
                entry.collection, entry.slug, entry.status, self._workflow_title(collection, entry),
                entry.updated_at, entry.author, entry,
            ))
        return items

    def unpublished_by_status(self) -> dict[str, list[WorkflowItem]]:
        """Unpublished entries grouped by status, in board order (every status present, maybe empty)."""
        groups: dict[str, list[WorkflowItem]] = {status: [] for status in WORKFLOW_STATUSES}
        for item in self.list_unpublished():
            groups.setdefault(item.status, []).append(item)
        return groups

    def _workflow_title(self, collection: Collection, entry: UnpublishedEntry) -> str:
        """The entry's summary from its unpublished version (blob cache first, else one read on its branch)."""
        file_config = collection.file_named(entry.slug) if collection.is_files else None
        if file_config is not None:
            return file_config.label
        own = [d for d in entry.diffs if _slug_from_path(collection, d.path) == entry.slug]
        # a translated entry's title comes from its default-locale file when that changed too
        own.sort(key=lambda d: not _is_default_locale_file(collection, d.path))
        diff = own[0] if own else None
        if diff is None:
            return entry.slug
        data_bytes = self.cache.get_blob(diff.id) if diff.id else None
        if data_bytes is None:
            try:
                data_bytes = self.backend.read_files([RepoFile(diff.path, diff.id)], branch=entry.branch).get(diff.path)
            except EditorError:
                data_bytes = None  # the board still shows the entry, by its slug
            if data_bytes is None:
                return entry.slug
            self.cache.put_blob(diff.id, data_bytes)
        data, error = content.parse_fast(data_bytes, collection, None, diff.path)
        i18n = i18n_mod.entry_i18n(collection)
        if error is None and i18n is not None and i18n.structure == "single_file":
            data = i18n_mod.split_single_file(data, i18n)[0]
        return entry.slug if error else content.summary(collection, data, entry.slug, diff.path)

    def set_status(self, collection: str, slug: str, status: str) -> None:
        """Move an unpublished entry to `status` (draft, pending_review, pending_publish)."""
        self._check_writable()
        if status not in WORKFLOW_STATUSES:
            raise ContentError(f"unknown workflow status '{status}' (expected one of {', '.join(WORKFLOW_STATUSES)})")
        self.backend.set_status(collection, slug, status)

    def publish(self, collection: str, slug: str) -> CommitResult:
        """Merge an unpublished entry into the site's branch."""
        self._check_writable()
        result = self.backend.publish(collection, slug)
        self._moved_to(result.commit)
        return result

    def delete_unpublished(self, collection: str, slug: str) -> None:
        """Drop an unpublished entry's changes; the published version, if any, stays."""
        self._check_writable()
        self.backend.delete_unpublished(collection, slug)


# --- helpers --------------------------------------------------------------------------------------


def _report(progress: Progress | None, done: int, total: int, text: str) -> None:
    if progress is None:
        return
    try:
        progress(done, total, text)
    except TypeError:
        progress(done, total)


def _depth(collection: Collection) -> int:
    """Decap's listing depth: `nested.depth`, else the number of segments of the `path` template (1)."""
    if collection.nested is not None:
        return max(1, int(collection.nested.depth))
    if collection.path:
        return max(1, collection.path.strip("/").count("/") + 1)
    return 1


def _translations_by_entry(
    collection: Collection, files: Sequence[RepoFile]
) -> dict[str, tuple[tuple[str, str, str], ...]]:
    """Locale-free path -> (locale, path, id) of the non-default locales' files listed for it."""
    i18n = i18n_mod.file_structure(collection)
    if i18n is None:
        return {}
    found: dict[str, list[tuple[str, str, str]]] = {}
    for repo_file in files:
        locale, plain = i18n_mod.split_path(collection, i18n, repo_file.path)
        if locale is not None and locale != i18n.default_locale:
            found.setdefault(plain, []).append((locale, repo_file.path, repo_file.id))
    return {plain: tuple(items) for plain, items in found.items()}


def _listing_depth(collection: Collection) -> int:
    """The listing depth, one level deeper when each locale has its own folder."""
    i18n = i18n_mod.file_structure(collection)
    extra = 1 if i18n is not None and i18n.structure == "multiple_folders" else 0
    return _depth(collection) + extra


def _locale_split(collection: Collection, path: str) -> tuple[str | None, str]:
    """(locale, path without it) of a file in a collection with per-locale files; (None, path) otherwise."""
    return i18n_mod.split_path(collection, i18n_mod.file_structure(collection), path)


def _is_default_locale_file(collection: Collection, path: str) -> bool:
    i18n = i18n_mod.file_structure(collection)
    return i18n is None or _locale_split(collection, path)[0] == i18n.default_locale


def _slug_from_path(collection: Collection, path: str) -> str:
    return content.slug_from_path(collection, _locale_split(collection, path)[1])


def _entry_path(site: SiteConfig, collection: Collection, slug: str, data: dict[str, Any], now: _dt.datetime) -> str:
    """Where an entry's (default-locale) file goes: the content layer's path, plus the locale folder or suffix."""
    path = content.entry_path(site, collection, slug, data, now)
    i18n = i18n_mod.file_structure(collection)
    if i18n is None:
        return path
    return i18n_mod.locale_path(collection, i18n, path, i18n.default_locale)


def _nothing() -> None:
    return None


def _is_theirs(mine: str, error: ConflictError) -> bool:
    """Whether the text chosen in a conflict is exactly their version (then saving it changes nothing)."""
    return error.theirs is not None and error.theirs_id is not None and error.theirs == mine.encode("utf-8")


def _decode(data: bytes, path: str) -> str:
    try:
        return data.decode("utf-8-sig") if data.startswith(b"\xef\xbb\xbf") else data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ContentError(f"not UTF-8 text (byte {error.start})", path=path) from None


def _free_name(folder: str, name: str, existing: set[str]) -> str:
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    candidate, n = name, 0
    while (f"{folder}/{candidate}" if folder else candidate) in existing:
        n += 1
        candidate = f"{stem}-{n}.{ext}" if ext else f"{stem}-{n}"
    return f"{folder}/{candidate}" if folder else candidate
