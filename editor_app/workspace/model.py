"""The workspace's value types: indexed and open entries, drafts offered back, workflow cards, media files.

Immutable records the services return and the UI reads (`ui/contracts.py` names them); no I/O here.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from editor_app.backends.base import NEW_FILE, UnpublishedEntry
from editor_app.errors import ContentError, EditorError
from editor_app.workspace import i18n as i18n_mod
from editor_app.workspace.journal import Draft

Progress = Callable[..., None]  # progress(done, total[, text])


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

