"""What the UI needs of the workspace and of whoever asks the user: `typing.Protocol`s, checked by mypy.

Widgets take these, never the concrete `Workspace`: the main window, the editor pane and the media library are
typed against them, and so are the tests' fakes (tests/ui/fakes.py), so a method renamed on one side is a type
error instead of a feature that silently switches off. What crosses the seam are the workspace's plain records
(`OpenEntry`, `IndexedEntry`, `PendingDraft`, `WorkflowItem`, `MediaItem`, `SiteLocation`) and the site's config.

Decisions:
- One protocol per consumer's need, and `WorkspaceView` is their union: the form's relation and media sources
  need only `SiteContent` (`EntryIndex` and `MediaStore`), the media library only `MediaStore`.
- The editor the window embeds is an `EntryEditor` (a QWidget base class, because the window lays it out);
  `EditorPane` and the tests' `FakeEditor` derive from it.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from editor_app.backends.base import CommitResult, DeployPreview, FileMeta
from editor_app.config.site_config import SiteConfig
from editor_app.errors import ConflictError
from editor_app.workspace.workspace import (
    IndexedEntry,
    MediaItem,
    OpenEntry,
    PendingDraft,
    SiteLocation,
    WorkflowItem,
)

Progress = Callable[[int, int, str], None]


class EntryIndex(Protocol):
    """A site's collections, indexed in memory (relation fields search them)."""

    def load_collection(self, name: str, progress: Progress | None = None) -> list[IndexedEntry]:
        """List, read and index collection `name` (I/O: call it off the GUI thread)."""
        ...

    def entries(self, name: str) -> list[IndexedEntry]:
        """The loaded index of collection `name` (empty before `load_collection`)."""
        ...


class MediaStore(Protocol):
    """The site's media files (every call but `media_folders` and `public_path` does I/O)."""

    def media_folders(self) -> list[str]:
        """The media folders to browse, the site's first."""
        ...

    def public_path(self, repo_path: str) -> str:
        """What an entry stores for the media file at `repo_path`."""
        ...

    def list_media(self, folder: str | None = None) -> list[MediaItem]:
        """The files under `folder` (default: the site's media folder)."""
        ...

    def read_media(self, path: str) -> bytes:
        """A media file's bytes."""
        ...

    def upload_media(self, folder: str | None, files: Sequence[tuple[str, bytes]]) -> list[MediaItem]:
        """Upload `(name, bytes)` files into `folder` in one commit; the files as stored."""
        ...

    def delete_media(self, path: str) -> CommitResult:
        """Delete one media file in one commit."""
        ...

    def media_usages(self, path: str) -> list[str]:
        """Paths of loaded entries that mention the media file."""
        ...


class SiteContent(EntryIndex, MediaStore, Protocol):
    """What forms draw on: the entry index (relation fields) and the media files (image and file fields)."""


class WorkspaceView(SiteContent, Protocol):
    """One open site as the main window and the editor use it."""

    @property
    def site(self) -> SiteConfig:
        """The site's config (collections, publish mode, media folders)."""
        ...

    @property
    def uses_workflow(self) -> bool:
        """Whether saves go through the editorial workflow."""
        ...

    @property
    def can_reset(self) -> bool:
        """Whether the site can be put back as it first was (the sandbox)."""
        ...

    @property
    def location(self) -> SiteLocation:
        """Who edits where (the status bar says it)."""
        ...

    def reset_site(self) -> None:
        """Put the sample site back (only when `can_reset`)."""
        ...

    @property
    def signoff_identity(self) -> str:
        """"Name <email>" that commits are signed off as (the site's `signoff_commits`), or ""."""
        ...

    @property
    def read_only_reason(self) -> str:
        """Why the site is open read-only here (another instance holds it), or "" when it may be written."""
        ...

    @property
    def read_route(self) -> str:
        """How the site's content is read: "git" (Git's smart HTTP protocol) or "api" (the host's API)."""
        ...

    def close(self) -> None:
        """Finish queued draft writes and give the site (its lock) up."""
        ...

    # --- the list -----------------------------------------------------------------------------------

    def search(self, name: str, text: str) -> list[str]:
        """Paths of the collection's entries containing every word of `text`."""
        ...

    def summary(self, entry: IndexedEntry | OpenEntry) -> str:
        """The entry's title in lists."""
        ...

    def has_draft(self, path: str) -> bool:
        """Whether the drafts journal holds an edit of the entry at `path`."""
        ...

    def entry_path(self, collection_name: str, slug: str) -> str:
        """The repository path of entry `slug`."""
        ...

    # --- one entry ----------------------------------------------------------------------------------

    def open_entry(self, collection_name: str, key: str) -> OpenEntry:
        """Read an entry (by path, slug or file name) for editing."""
        ...

    def new_entry(self, collection_name: str, data: dict[str, Any] | None = None) -> OpenEntry:
        """A new, unsaved entry (its tentative path follows `data`)."""
        ...

    def duplicate_entry(self, entry: OpenEntry) -> OpenEntry:
        """A new, unsaved copy of `entry`."""
        ...

    def entry_locales(self, entry: OpenEntry | IndexedEntry) -> tuple[list[str], str] | None:
        """(locales, default locale) of a translated entry; None without translations."""
        ...

    def add_site_word(self, path: str, word: str) -> list[str]:
        """Commit `word` to the site's shared spelling list at `path`; the words as saved (I/O)."""
        ...

    def raw_text(self, entry: OpenEntry) -> str:
        """The file text saving `entry` would write."""
        ...

    def parse_raw_text(self, entry: OpenEntry, text: str) -> OpenEntry:
        """`entry` with its fields read from `text`; a ValueError when it does not parse."""
        ...

    def save_entry(self, entry: OpenEntry) -> OpenEntry:
        """Save `entry` as one commit and return it as saved; ConflictError when its file moved on."""
        ...

    def delete_entry(self, entry: OpenEntry) -> CommitResult | None:
        """Delete the entry's file in one commit (None for a never-saved entry)."""
        ...

    @property
    def meta_batch(self) -> int:
        """How many entries' last author/date one host request answers (0: the site keeps no history)."""
        ...

    def entries_meta(self, collection_name: str, paths: Sequence[str]) -> dict[str, FileMeta]:
        """Last author/date of these entries' files, keyed by path (cached by blob id)."""
        ...

    def deploy_preview(self, entry: OpenEntry) -> DeployPreview | None:
        """An unpublished entry's deploy preview, or None."""
        ...

    def deploy_previews(self, items: Sequence[WorkflowItem]) -> dict[str, DeployPreview | None]:
        """Deploy previews of workflow cards by content key, bounded in count."""
        ...

    def entry_url(self, entry: OpenEntry) -> str | None:
        """The entry's page on the live site, if the site has one."""
        ...

    # --- drafts and conflicts -----------------------------------------------------------------------

    def journal_draft(self, entry: OpenEntry) -> object:
        """Write `entry` to the drafts journal."""
        ...

    def journal_draft_soon(self, entry: OpenEntry) -> None:
        """Queue `entry` for the drafts journal, written off the calling thread (the latest edit wins)."""
        ...

    @property
    def journal_error(self) -> Exception | None:
        """Why the last queued draft write failed, or None."""
        ...

    def draft_for(self, entry: OpenEntry) -> PendingDraft | None:
        """The journaled draft of `entry`, if one differs from it."""
        ...

    def pending_drafts(self) -> list[PendingDraft]:
        """Every draft of the site left in the journal (after a crash or a failed save), oldest first."""
        ...

    def discard_draft(self, entry: OpenEntry) -> None:
        """Throw away `entry`'s journaled draft."""
        ...

    def conflict_text(self, entry: OpenEntry, path: str | None) -> str:
        """The text my save would write at `path` (the file a ConflictError names)."""
        ...

    def take_theirs(self, entry: OpenEntry, error: ConflictError) -> OpenEntry | None:
        """Drop my edit for their version (None when they deleted the file)."""
        ...

    def resolve_conflict(self, entry: OpenEntry, mine: str, error: ConflictError) -> OpenEntry:
        """An entry holding `mine`, based on their version."""
        ...

    # --- editorial workflow -------------------------------------------------------------------------

    def list_unpublished(self) -> list[WorkflowItem]:
        """Unpublished entries of the site's collections."""
        ...

    def set_status(self, collection: str, slug: str, status: str) -> None:
        """Move an unpublished entry to `status`."""
        ...

    def publish(self, collection: str, slug: str) -> CommitResult:
        """Merge an unpublished entry into the site's branch."""
        ...

    def delete_unpublished(self, collection: str, slug: str) -> None:
        """Drop an unpublished entry's changes."""
        ...


class UserPrompts(Protocol):
    """The questions the window and the media library ask (notifications.Prompts; scripted in tests)."""

    def confirm(self, title: str, text: str, action: str = "OK", *, destructive: bool = False) -> bool:
        """True when the user chose `action` (the button that names it), False for Cancel."""
        ...

    def save_discard_cancel(self, name: str) -> str:
        """"save", "discard" or "cancel" for the unsaved changes of the entry called `name`."""
        ...

    def restore_draft(self, path: str, saved: str, draft: str, when: str) -> str:
        """"restore", "discard" or "later" (a DraftChoice value) for a journaled draft of `path`."""
        ...


class EntryEditor(QWidget):
    """The editor the main window shows: one open entry, edited; the window wires its signals.

    A base class rather than a protocol because the window lays the editor out as a widget. Its methods are
    abstract: mypy refuses to build an editor (`EditorPane`, the tests' `FakeEditor`) that lacks one.
    """

    changed = Signal()  # the user edited something
    save_requested = Signal()  # the user asked to save (and the entry is valid)
    notice = Signal(str, str)  # (message, level) for the window's notification area

    def show_find(self, replace: bool = False) -> bool:
        """Open find (or find and replace) in the editor; False when this editor has none."""
        return False

    def status_widget(self) -> QWidget | None:
        """A widget for the window's status bar (the entry's word count), or None."""
        return None

    @abc.abstractmethod
    def set_entry(self, entry: OpenEntry) -> None:
        """Show `entry`."""

    @abc.abstractmethod
    def entry(self) -> OpenEntry:
        """The shown entry with the edits made so far."""

    @abc.abstractmethod
    def validate(self) -> list[tuple[str, str]]:
        """(field path, message) of every problem that blocks saving; shown next to the fields."""

    @abc.abstractmethod
    def insert_media(self, public_path: str) -> None:
        """Put a media file into the field being edited."""

    @abc.abstractmethod
    def render_preview(self) -> str:
        """Render the preview now and return its HTML."""


EditorFactory = Callable[[WorkspaceView, QWidget], EntryEditor]


if TYPE_CHECKING:
    from editor_app.ui.notifications import Prompts
    from editor_app.workspace.workspace import Workspace

    def _workspace_keeps_the_contract(workspace: Workspace) -> WorkspaceView:
        return workspace  # mypy checks the real Workspace against the protocol here

    def _prompts_keep_the_contract(prompts: Prompts) -> UserPrompts:
        return prompts
