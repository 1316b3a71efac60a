"""The state the workspace's services share: the open site, its backend and user, the branch head, the index.

One `SiteState` per open site. Its `mutex` guards what worker threads change (`user`, `branch`, the head and
the index); the services read and write those only under it.
"""

from __future__ import annotations

import datetime as _dt
import threading
import time
from collections.abc import Callable

from editor_app.backends.base import Backend, BackendSettings, User
from editor_app.config.site_config import Collection, SiteConfig
from editor_app.errors import NotFoundError
from editor_app.workspace.cache import ContentCache
from editor_app.workspace.journal import DraftsJournal
from editor_app.workspace.model import IndexedEntry, ReadOnlyError
from editor_app.workspace.site_lock import SiteLock

READ_BATCH = 100  # blobs per read_files call: big enough to use the host's batching, small enough to report progress
HEAD_TTL = 5.0  # seconds a fetched head is trusted when several collections load one after the other


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


class SiteState:
    """One open site's shared state: site, backend, cache, journal, user, branch, head and in-memory index."""

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
        self.head_id: str | None = None
        self.head_at = float("-inf")
        self.mutex = threading.RLock()
        self.index: dict[str, dict[str, IndexedEntry]] = {}  # collection -> path -> entry
        self.draft_paths: set[str] | None = None  # paths with a journaled draft; None: read the journal again

    @property
    def read_only_reason(self) -> str:
        """Why this instance may not write to the site ("" when it may): another instance holds its lock."""
        if self.lock is None or self.lock.held:
            return ""
        holder = self.lock.held_by.describe() if self.lock.held_by is not None else "another process"
        return (f"{self.site.source_file}: this site is open in another editor-app ({holder}); it is shown "
                "read-only here so that neither overwrites the other's work. Close it there to edit here.")

    def check_writable(self) -> None:
        """ReadOnlyError when another instance holds the site."""
        reason = self.read_only_reason
        if reason:
            raise ReadOnlyError(reason)

    @property
    def uses_workflow(self) -> bool:
        """Whether saves go through the editorial workflow."""
        return self.site.publish_mode == "editorial_workflow" and self.backend.supports_workflow

    def collection(self, name: str) -> Collection:
        """The collection called `name`; NotFoundError when the config has none."""
        found = self.site.collection_named(name)
        if found is None:
            raise NotFoundError(f"{self.site.source_file}: no collection named '{name}'")
        return found

    def head(self, *, refresh: bool = False) -> str:
        """The site branch's head; fetched again when older than `head_ttl` seconds or when `refresh`."""
        with self.mutex:
            if not self.branch:
                self.branch = self.backend.default_branch()
            known = self.head_id
            if known is not None and self.clock() - self.head_at < self.head_ttl and not refresh:
                return known
        head = self.backend.head(self.branch)
        with self.mutex:
            self.head_id, self.head_at = head, self.clock()
        return head

    def moved_to(self, head: str) -> None:
        """Note the branch's new head after a commit made here (trusted for `head_ttl` seconds)."""
        with self.mutex:
            self.head_id, self.head_at = head, self.clock()

    def forget_head(self) -> None:
        """Drop the index and the known head (the site's content was put back as it first was)."""
        with self.mutex:
            self.index.clear()
            self.head_id, self.head_at = None, float("-inf")

    def entries(self, name: str) -> list[IndexedEntry]:
        """The loaded index of collection `name` (empty before `load_collection`)."""
        with self.mutex:
            return list(self.index.get(name, {}).values())

    def indexed(self, name: str, path: str) -> IndexedEntry | None:
        """The indexed entry at `path` in collection `name`, if loaded."""
        with self.mutex:
            return self.index.get(name, {}).get(path)

    def now(self) -> _dt.datetime:
        """The clock's time, in UTC."""
        return _dt.datetime.fromtimestamp(self.clock(), tz=_dt.UTC)
