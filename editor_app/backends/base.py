"""The one interface every Git host adapter implements.

Only repository paths, raw bytes, blob ids, commit ids and the plain dataclasses below cross it;
parsing front matter is `content`'s job, never a backend's. Calls are synchronous and thread-safe:
the UI runs them on worker threads. Adapters raise only the errors of `editor_app.errors`.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Self

import httpx

from editor_app.errors import NotFoundError

# Editorial workflow statuses, in board order (Decap's `publishModes.ts`).
STATUS_DRAFT = "draft"
STATUS_PENDING_REVIEW = "pending_review"
STATUS_PENDING_PUBLISH = "pending_publish"
WORKFLOW_STATUSES = (STATUS_DRAFT, STATUS_PENDING_REVIEW, STATUS_PENDING_PUBLISH)

# A FileChange whose expected_id is NEW_FILE must not exist yet on the branch.
NEW_FILE = ""


@dataclass(frozen=True)
class BackendSettings:
    """What an adapter needs from the site config's `backend` section (plus app-side choices).

    Built by the workspace from the loaded config, so backends never import `content` or `config`.
    `branch` is None when the config sets none: the adapter then asks the host for its default branch.
    """

    name: str
    repo: str = ""
    branch: str | None = None
    api_root: str | None = None
    base_url: str | None = None
    auth_endpoint: str | None = None
    site_domain: str | None = None
    squash_merges: bool = False
    cms_label_prefix: str | None = None
    preview_context: str | None = None
    use_graphql: bool = False
    open_authoring: bool = False
    identity_url: str | None = None
    gateway_url: str | None = None
    site_url: str | None = None  # the site's address (config's top-level `site_url`): Git Gateway's default home
    proxy_url: str | None = None
    local_path: str | None = None  # `local`: the site's working copy
    options: dict[str, Any] = field(default_factory=dict)  # anything else of `backend.*`, host-specific

    @property
    def label_prefix(self) -> str:
        """`cms_label_prefix`, or Decap's `decap-cms/` when empty or unset."""
        return self.cms_label_prefix or "decap-cms/"


@dataclass(frozen=True)
class Credentials:
    """A token and what is known of its life. Never logged, never written to plain files."""

    token: str = field(repr=False)  # kept out of repr: tracebacks and logs print reprs
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: float | None = None  # seconds since the epoch
    token_type: str = "bearer"


# The app's token renewal: stale credentials in, renewed ones out (AuthError(expired) when it cannot).
Refresh = Callable[[Credentials], Credentials]
# Told (resume time, reason) while a host makes the adapter wait (rate limits); called on a worker thread.
OnWait = Callable[[float, str], None]
# What `connect` sends requests through instead of the network (tests, loopback fakes).
Transport = httpx.BaseTransport


@dataclass(frozen=True)
class User:
    """Who is logged in, and whether they may push to the repository."""

    login: str
    name: str = ""
    email: str = ""
    avatar_url: str = ""
    can_write: bool = True
    scopes: tuple[str, ...] = ()  # what the token may do, when the host says (GitHub, GitLab)


@dataclass(frozen=True)
class OpenedSite:
    """What opening a site learns: who is logged in, the site's branch and its head.

    `user_checked` is False when `user` is the one remembered from an earlier full check of the same login
    (the host then only confirmed the token while answering with the head); only checked users are remembered.
    """

    user: User
    branch: str
    head: str
    user_checked: bool = True


@dataclass(frozen=True)
class RepoFile:
    """A file in a listing: its path, blob id (git SHA-1 where the host has one) and size in bytes."""

    path: str
    id: str
    size: int | None = None


@dataclass(frozen=True)
class SkippedFile:
    """A file or folder a listing leaves out on purpose, and why (e.g. a link leading out of the repository)."""

    path: str
    reason: str


@dataclass(frozen=True)
class Listing:
    """The files under a folder on a branch, and the branch head they were listed at.

    `skipped` names what was left out on purpose (the list shows it, with the reason, instead of hiding it).
    """

    head: str
    files: tuple[RepoFile, ...]
    skipped: tuple[SkippedFile, ...] = ()


@dataclass(frozen=True)
class FileMeta:
    """Last author and date (ISO 8601) of a file; fetched lazily, for the rows on screen (`Backend.files_meta`)."""

    author: str
    updated_on: str


@dataclass(frozen=True)
class FileChange:
    """One change in an atomic commit.

    - write: `data` at `path` (create or update);
    - delete: `delete=True`;
    - move: `previous_path` set, `data` the new content (or None to keep it as it was).
    `expected_id` is the blob id the edit started from: NEW_FILE means "must not exist yet",
    None means "do not check". A mismatch raises ConflictError with the other side's content.
    """

    path: str
    data: bytes | None = None
    delete: bool = False
    previous_path: str | None = None
    expected_id: str | None = None


@dataclass(frozen=True)
class CommitResult:
    """A commit made on `branch`: its id, and the new blob id of every written path."""

    commit: str
    branch: str
    ids: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Diff:
    """A file changed on an unpublished entry's branch compared with the published branch."""

    path: str
    id: str
    new_file: bool


@dataclass(frozen=True)
class UnpublishedEntry:
    """An entry under editorial workflow: its branch, status and changed files."""

    collection: str
    slug: str
    status: str
    branch: str
    head: str
    diffs: tuple[Diff, ...]
    updated_at: str = ""
    author: str = ""
    pr_number: int | None = None

    @property
    def content_key(self) -> str:
        """Decap's `<collection>/<slug>`."""
        return f"{self.collection}/{self.slug}"


# A deploy preview's state, as the editor shows it.
PREVIEW_BUILDING = "building"
PREVIEW_READY = "ready"
PREVIEW_FAILED = "failed"


@dataclass(frozen=True)
class DeployPreview:
    """A deploy preview taken from a commit status or check: its URL, state and the status's name (`context`).

    `url` is "" while a build reports no address yet.
    """

    url: str
    state: str = PREVIEW_READY
    context: str = ""

    @property
    def ready(self) -> bool:
        """Whether the deploy succeeded (Decap's `status === 'SUCCESS'`)."""
        return self.state == PREVIEW_READY


def choose_preview_status(
    items: Iterable[Mapping[str, Any]], wanted: str | None, name: Callable[[Mapping[str, Any]], str]
) -> Mapping[str, Any] | None:
    """Decap's `getPreviewStatus`: the item named exactly `wanted` when set, else the first whose name has "deploy"."""
    for item in items:
        label = name(item)
        if (label == wanted) if wanted else ("deploy" in label.lower()):
            return item
    return None


class Backend(abc.ABC):
    """A Git host adapter. One instance talks to one repository as one user."""

    name: ClassVar[str]
    # False for hosts whose files carry no git history (Decap's `isGitBackend`).
    is_git: ClassVar[bool] = True
    supports_workflow: ClassVar[bool] = True
    # False when a listing can change while the branch head stays (a working tree edited on disk):
    # the workspace then never reuses a listing cached by head.
    listings_follow_head: ClassVar[bool] = True
    # Files per read_files call that make good use of the host's batching (callers may split bigger lists).
    read_batch_hint: ClassVar[int] = 100
    # The adapter's own name for its host when the host's display name is not enough ("Git Gateway (GitHub)").
    host_label: str | None = None

    settings: BackendSettings

    @classmethod
    @abc.abstractmethod
    def connect(
        cls,
        settings: BackendSettings,
        credentials: Credentials | None = None,
        *,
        transport: Transport | None = None,
        refresh: Refresh | None = None,
        on_wait: OnWait | None = None,
        read_cache: Path | None = None,
    ) -> Self:
        """An adapter for the site in `settings`, logged in with `credentials`, with its own HTTP client.

        `transport` replaces the network (tests, loopback fakes); `refresh` renews a lapsed token (hosts whose
        tokens can be renewed); `on_wait` is told when the host makes the adapter wait. Hosts that need no
        login (sandbox, working copy, decap-server) take no credentials; the others raise AuthError without.
        `read_cache`: a folder where adapters that can read the site over Git keep one object store per site
        (the app's cache dir); without it, and on adapters that cannot, the site is read through the API.
        Adapters may add keyword-only options of their own (retry policy, clocks for tests), never required ones.
        """

    # --- who am I, what is there -----------------------------------------------------------------

    @abc.abstractmethod
    def current_user(self) -> User:
        """Validate the login and push permission; AuthError when invalid or read-only."""

    def check_token(self) -> User:
        """Validate a token the user just pasted: `current_user()`, plus what only a new token needs checking
        (its scopes where the host tells them). AuthError saying exactly what is missing."""
        return self.current_user()

    def login_key(self) -> str | None:
        """A hash naming this login (the host, the repository and the token, never the token itself): the user of
        the last full check made with it may be remembered under it. None: nothing is remembered, every
        `open_site` checks in full (hosts without a login, hosts whose combined answer names the user anyway)."""
        return None

    def open_site(self, remembered: User | None = None) -> OpenedSite:
        """Who am I (login and push permission), the site's branch and its head, in as few requests as the host
        allows: `current_user()`, `default_branch()` and `head()`, unless the adapter knows a shorter way.

        `remembered`: the user a full check returned for the same `login_key()`. Adapters whose branch request
        itself confirms the token answer with it and the head in one request (`user_checked` False); a refused
        token is still AuthError. Without it (first open, new token) the check is full, as here.
        """
        user = self.current_user()
        branch = self.default_branch()
        return OpenedSite(user=user, branch=branch, head=self.head(branch))

    def _open_by_head(self, remembered: User | None, branch: str | None) -> OpenedSite:
        """`open_site` for hosts whose branch request needs a valid token (401/403 is AuthError): with a
        remembered user and a known branch, one request; else the full check."""
        if remembered is None or branch is None:
            return Backend.open_site(self)
        try:
            head = self.head(branch)
        except NotFoundError:
            # The branch is gone, or the repository is no longer visible to this login: the full check says
            # which, in the words it always used.
            return Backend.open_site(self)
        return OpenedSite(user=remembered, branch=branch, head=head, user_checked=False)

    @abc.abstractmethod
    def default_branch(self) -> str:
        """The branch the site publishes from: `settings.branch`, else the host's default branch."""

    @abc.abstractmethod
    def head(self, branch: str | None = None) -> str:
        """The commit id at the head of `branch` (default: the site's branch)."""

    # --- reading ---------------------------------------------------------------------------------

    @abc.abstractmethod
    def list_files(
        self, folder: str, *, extension: str | None = None, depth: int | None = None, branch: str | None = None
    ) -> Listing:
        """Files under `folder` (no trailing slash; "" is the root), in as few requests as the host allows.

        `extension` (without dot) filters by name ending; `depth` 1 means direct children only, None any depth.
        A folder that does not exist lists as empty.
        """

    @abc.abstractmethod
    def read_files(self, files: Sequence[RepoFile], *, branch: str | None = None) -> dict[str, bytes]:
        """Contents of many files at once, keyed by path (batched where the host allows)."""

    @abc.abstractmethod
    def read_file(self, path: str, *, branch: str | None = None) -> tuple[bytes, str]:
        """One file's content and blob id; NotFoundError when absent."""

    @abc.abstractmethod
    def file_meta(self, path: str, *, branch: str | None = None) -> FileMeta | None:
        """Last author/date of `path`; None where the host keeps no history."""

    def files_meta(self, paths: Sequence[str], *, branch: str | None = None) -> dict[str, FileMeta]:
        """Last author/date of many files, keyed by path (a path without history is left out).

        This default asks `file_meta` once per path, so callers keep `paths` to what is on screen; adapters
        whose host answers many paths in one request override it and say so in `file_meta_batch`.
        """
        found: dict[str, FileMeta] = {}
        for path in paths:
            meta = self.file_meta(path, branch=branch)
            if meta is not None:
                found[path] = meta
        return found

    def file_meta_batch(self) -> int:
        """How many paths one request of `files_meta` answers (1: one request per path)."""
        return 1

    # --- writing ---------------------------------------------------------------------------------

    @abc.abstractmethod
    def commit(
        self,
        changes: Sequence[FileChange],
        message: str,
        *,
        branch: str | None = None,
        expected_head: str | None = None,
    ) -> CommitResult:
        """One atomic commit of all `changes`, or nothing at all.

        Raises ConflictError (carrying the other side) when a change's `expected_id` does not match the
        branch; `expected_head` lets an adapter skip per-file checks when the branch has not moved.
        """

    # --- editorial workflow ----------------------------------------------------------------------

    @abc.abstractmethod
    def list_unpublished(self) -> list[UnpublishedEntry]:
        """Entries under editorial workflow: open `cms/` branches/PRs targeting the site's branch."""

    @abc.abstractmethod
    def read_unpublished(self, collection: str, slug: str) -> UnpublishedEntry:
        """One unpublished entry; NotFoundError when the entry is not under editorial workflow."""

    @abc.abstractmethod
    def save_unpublished(
        self,
        collection: str,
        slug: str,
        changes: Sequence[FileChange],
        message: str,
        *,
        status: str | None = None,
    ) -> CommitResult:
        """Commit to the entry's branch `cms/<collection>/<slug>`, creating branch + PR with `status`
        (default draft) on first save, as Decap does (title = message, Decap's PR body, labels)."""

    @abc.abstractmethod
    def set_status(self, collection: str, slug: str, status: str) -> None:
        """Change an unpublished entry's workflow status."""

    @abc.abstractmethod
    def publish(self, collection: str, slug: str) -> CommitResult:
        """Merge the entry's branch into the site's branch (honouring squash_merges) and remove the branch."""

    @abc.abstractmethod
    def delete_unpublished(self, collection: str, slug: str) -> None:
        """Close the PR and delete the entry's branch; the published branch is untouched."""

    def deploy_preview(self, collection: str, slug: str) -> DeployPreview | None:
        """A deploy preview of the entry's branch from commit statuses (`preview_context` first)."""
        return None

    @property
    def read_route(self) -> str:
        """How the site's branch is read, for the status bar: "git" (Git's smart HTTP protocol) or "api"."""
        return "api"

    def close(self) -> None:
        """Release connections."""
        return None  # adapters without connections (sandbox, working copy) have nothing to release
