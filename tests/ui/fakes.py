"""Stand-ins for the window's collaborators: an in-memory workspace, a tiny editor, scripted prompts.

mypy holds each of them to the UI's contracts (see the end of the module), so they cannot drift from what the
real `Workspace`, `EditorPane` and `Prompts` offer; what they hand over are the workspace's own records.
"""

from __future__ import annotations

import dataclasses
import hashlib
import posixpath
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from editor_app.backends.base import CommitResult, DeployPreview, FileMeta, UnpublishedEntry
from editor_app.config.loader import parse_site_config
from editor_app.config.site_config import SiteConfig
from editor_app.errors import ConflictError, EditorError
from editor_app.ui.contracts import EntryEditor, Progress, WorkspaceView
from editor_app.ui.signals import emit
from editor_app.workspace.journal import Draft, DraftKey
from editor_app.workspace.workspace import (
    IndexedEntry,
    MediaItem,
    OpenEntry,
    PendingDraft,
    SiteLocation,
    WorkflowItem,
)

MEDIA_FOLDER = "static/images/uploads"


def site_config(publish_mode: str = "simple") -> str:
    """The fake site: posts (a folder), pages (nested folders), settings (a files collection)."""
    return f"""
backend: {{name: github, repo: riverside/garden}}
publish_mode: {publish_mode}
media_folder: {MEDIA_FOLDER}
public_folder: /images/uploads
collections:
  - name: posts
    label: Posts
    label_singular: Post
    folder: content/posts
    create: true
    sortable_fields: [title, date]
    view_filters: [{{label: Featured, field: featured, pattern: true}}]
    view_groups: [{{label: Year, field: date, pattern: '\\d{{4}}'}}]
    fields: [{{name: title, label: Title}}, {{name: date, label: Date}}, {{name: featured, label: Featured,
             widget: boolean, required: false}}]
  - name: pages
    label: Pages
    folder: content/pages
    create: true
    nested: {{depth: 3}}
    fields: [{{name: title, label: Title}}]
  - name: settings
    label: Settings
    files:
      - {{name: general, label: General, file: data/settings/general.yml, fields: [{{name: title, label: Title}}]}}
"""


def _blob_id(content: str | bytes) -> str:
    data = content.encode() if isinstance(content, str) else content
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _slug(path: str) -> str:
    return posixpath.splitext(posixpath.basename(path))[0]


def fake_entry(collection: str, path: str, data: dict[str, Any] | None = None, *, is_new: bool = False) -> OpenEntry:
    """An open entry of the fake site."""
    return OpenEntry(collection=collection, slug=_slug(path), path=path, data=dict(data or {}), is_new=is_new)


def pending_draft(entry: OpenEntry, saved_at: float = 0.0) -> PendingDraft:
    """A journaled draft of `entry`, as the workspace offers it back."""
    key = DraftKey("fake", entry.collection, entry.slug)
    return PendingDraft(entry, Draft(key, entry.path, data=dict(entry.data), saved_at=saved_at, is_new=entry.is_new))


def workflow_item(collection: str, slug: str, status: str, updated_at: str = "") -> WorkflowItem:
    """An unpublished entry on its `cms/` branch, titled after its slug."""
    entry = UnpublishedEntry(collection, slug, status, f"cms/{collection}/{slug}", "0" * 40, (), updated_at)
    return WorkflowItem(collection, slug, status, slug.replace("-", " ").title(), updated_at, "", entry)


def _fields_of(text: str) -> dict[str, Any]:
    fields = {}
    for number, line in enumerate(text.splitlines(), 1):
        name, colon, value = line.partition(": ")
        if not colon:
            raise ValueError(f"line {number}: expected 'name: value'")
        fields[name] = value
    return fields


class FakeWorkspace:
    """An in-memory site: posts (folder), pages (nested), settings (files)."""

    def __init__(self, posts: int = 3, publish_mode: str = "simple", config: str | None = None) -> None:
        self.site: SiteConfig = parse_site_config(config or site_config(publish_mode), "fake-config.yml")
        self.index: dict[str, dict[str, IndexedEntry]] = {
            "posts": {
                f"content/posts/post-{i}.md": self._indexed(
                    "posts", f"content/posts/post-{i}.md",
                    {"title": f"Post {i}", "date": f"2026-0{i % 9 + 1}-01", "featured": i % 2 == 0},
                )
                for i in range(posts)
            },
            "pages": {
                p: self._indexed("pages", p, {"title": p.split("/")[-2]})
                for p in ("content/pages/about/index.md", "content/pages/about/team/index.md",
                          "content/pages/visit/index.md")
            },
        }
        self.saved: list[OpenEntry] = []
        self.deleted: list[str] = []
        self.drafts: dict[str, PendingDraft] = {}
        self.journal: list[OpenEntry] = []
        self.journal_error: Exception | None = None
        self.held_elsewhere = ""  # read_only_reason: set to open the fake read-only
        self.signs_off_as = ""  # signoff_identity: set for a site with signoff_commits
        self.route = "api"  # read_route: "git" for a site read over Git
        self.closed = False
        self.conflict_on_next_save: bytes | None = None
        self.media: dict[str, bytes] = {}
        self.media_used_by: dict[str, list[str]] = {}
        self.worker_threads: set[int] = set()
        self.unpublished: dict[tuple[str, str], WorkflowItem] = {}
        self.published: list[str] = []
        self.previews: dict[str, DeployPreview | None] = {}  # deploy previews by content key (board) or path (editor)
        self.commits = 0

    @staticmethod
    def _indexed(collection: str, path: str, data: dict[str, Any]) -> IndexedEntry:
        return IndexedEntry(collection, _slug(path), path, _blob_id(path), data)

    def _commit(self) -> CommitResult:
        self.commits += 1
        return CommitResult(commit=f"{self.commits:040x}", branch="main")

    # --- the site ---
    @property
    def uses_workflow(self) -> bool:
        return self.site.publish_mode == "editorial_workflow"

    @property
    def can_reset(self) -> bool:
        return False

    @property
    def location(self) -> SiteLocation:
        return SiteLocation("github", None, "riverside/garden", "ed")

    def reset_site(self) -> None:
        raise EditorError("fake-config.yml: only the sandbox can be reset")

    @property
    def read_only_reason(self) -> str:
        return self.held_elsewhere

    @property
    def signoff_identity(self) -> str:
        return self.signs_off_as

    @property
    def read_route(self) -> str:
        return self.route

    def close(self) -> None:
        self.closed = True

    # --- editorial workflow ---
    def list_unpublished(self) -> list[WorkflowItem]:
        return list(self.unpublished.values())

    def set_status(self, collection: str, slug: str, status: str) -> None:
        item = self.unpublished[(collection, slug)]
        self.unpublished[(collection, slug)] = dataclasses.replace(item, status=status)

    def publish(self, collection: str, slug: str) -> CommitResult:
        del self.unpublished[(collection, slug)]
        self.published.append(f"{collection}/{slug}")
        return self._commit()

    def delete_unpublished(self, collection: str, slug: str) -> None:
        del self.unpublished[(collection, slug)]

    meta_batch = 0  # an in-memory site keeps no history (as the sandbox)

    def entries_meta(self, collection_name: str, paths: Sequence[str]) -> dict[str, FileMeta]:
        return {}

    def deploy_preview(self, entry: OpenEntry) -> DeployPreview | None:
        self.worker_threads.add(threading.get_ident())
        return self.previews.get(entry.path)

    def deploy_previews(self, items: Sequence[WorkflowItem]) -> dict[str, DeployPreview | None]:
        self.worker_threads.add(threading.get_ident())
        return {f"{i.collection}/{i.slug}": self.previews.get(f"{i.collection}/{i.slug}") for i in items}

    def entry_path(self, collection: str, slug: str) -> str:
        return f"content/{collection}/{slug}.md"

    # --- entries ---
    def load_collection(self, name: str, progress: Progress | None = None) -> list[IndexedEntry]:
        self.worker_threads.add(threading.get_ident())
        entries = list(self.index[name].values())
        for i, _entry in enumerate(entries, 1):
            if progress is not None:
                progress(i, len(entries), "")
        return entries

    def entries(self, name: str) -> list[IndexedEntry]:
        return list(self.index.get(name, {}).values())

    def search(self, name: str, text: str) -> list[str]:
        return [e.path for e in self.entries(name) if text.lower() in str(e.data).lower()]

    def summary(self, entry: IndexedEntry | OpenEntry) -> str:
        return str(entry.data.get("title", entry.path))

    def has_draft(self, path: str) -> bool:
        return path in self.drafts

    def open_entry(self, collection_name: str, key: str) -> OpenEntry:
        self.worker_threads.add(threading.get_ident())
        if collection_name == "settings":
            return OpenEntry("settings", "general", "data/settings/general.yml", {"title": "Garden"}, file="general")
        indexed = self.index[collection_name][key]
        entry = fake_entry(collection_name, indexed.path, indexed.data)
        return dataclasses.replace(entry, raw=self.raw_text(entry), base_id=indexed.id)

    def new_entry(self, collection_name: str, data: dict[str, Any] | None = None) -> OpenEntry:
        title = str((data or {}).get("title", ""))
        name = title.lower().replace(" ", "-") or "untitled"
        return fake_entry(collection_name, f"content/{collection_name}/{name}.md", {"title": title}, is_new=True)

    def duplicate_entry(self, entry: OpenEntry) -> OpenEntry:
        return fake_entry(entry.collection, entry.path.replace(".md", "-copy.md"), entry.data, is_new=True)

    def entry_locales(self, entry: OpenEntry | IndexedEntry) -> tuple[list[str], str] | None:
        return None

    def raw_text(self, entry: OpenEntry) -> str:
        return "".join(f"{k}: {v}\n" for k, v in entry.data.items())

    def parse_raw_text(self, entry: OpenEntry, text: str) -> OpenEntry:
        return entry.with_data(_fields_of(text))

    def save_entry(self, entry: OpenEntry) -> OpenEntry:
        self.worker_threads.add(threading.get_ident())
        if self.conflict_on_next_save is not None:
            theirs, self.conflict_on_next_save = self.conflict_on_next_save, None
            raise ConflictError(f"{entry.path} changed on the site", path=entry.path, theirs=theirs,
                                theirs_id="1" * 40)
        saved = dataclasses.replace(entry, is_new=False, raw=self.raw_text(entry), commit=self._commit().commit)
        self.index.setdefault(entry.collection, {})[entry.path] = self._indexed(entry.collection, entry.path,
                                                                                dict(entry.data))
        self.saved.append(saved)
        self.drafts.pop(entry.path, None)
        return saved

    def delete_entry(self, entry: OpenEntry) -> CommitResult | None:
        self.index[entry.collection].pop(entry.path, None)
        self.deleted.append(entry.path)
        return self._commit()

    def entry_url(self, entry: OpenEntry) -> str | None:
        return None

    # --- drafts and conflicts ---
    def journal_draft(self, entry: OpenEntry) -> PendingDraft:
        self.journal.append(entry.with_data(dict(entry.data)))
        self.drafts[entry.path] = pending_draft(self.journal[-1])
        return self.drafts[entry.path]

    def journal_draft_soon(self, entry: OpenEntry) -> None:
        self.journal_draft(entry)  # the fake writes at once: tests see the draft without waiting

    def draft_for(self, entry: OpenEntry) -> PendingDraft | None:
        return self.drafts.get(entry.path)

    def pending_drafts(self) -> list[PendingDraft]:
        return list(self.drafts.values())

    def discard_draft(self, entry: OpenEntry) -> None:
        self.drafts.pop(entry.path, None)

    def conflict_text(self, entry: OpenEntry, path: str | None) -> str:
        return self.raw_text(entry)

    def take_theirs(self, entry: OpenEntry, error: ConflictError) -> OpenEntry | None:
        if error.theirs is None:
            return None
        return entry.with_data(_fields_of(error.theirs.decode()))

    def resolve_conflict(self, entry: OpenEntry, mine: str, error: ConflictError) -> OpenEntry:
        return entry.with_data(_fields_of(mine))

    # --- media ---
    def media_folders(self) -> list[str]:
        return [MEDIA_FOLDER, "content/posts/images"]

    def public_path(self, repo_path: str) -> str:
        if repo_path.startswith(MEDIA_FOLDER + "/"):
            return "/images/uploads/" + repo_path[len(MEDIA_FOLDER) + 1:]
        return repo_path

    def _media_item(self, path: str) -> MediaItem:
        return MediaItem(path, self.public_path(path), len(self.media[path]), _blob_id(self.media[path]))

    def list_media(self, folder: str | None = None) -> list[MediaItem]:
        prefix = (folder if folder is not None else MEDIA_FOLDER) + "/"
        return [self._media_item(p) for p in self.media if p.startswith(prefix)]

    def read_media(self, path: str) -> bytes:
        return self.media[path]

    def upload_media(self, folder: str | None, files: Sequence[tuple[str, bytes]]) -> list[MediaItem]:
        self.worker_threads.add(threading.get_ident())
        target = folder if folder is not None else MEDIA_FOLDER
        for name, data in files:
            self.media[f"{target}/{name}"] = data
        self._commit()
        return [self._media_item(f"{target}/{name}") for name, _data in files]

    def delete_media(self, path: str) -> CommitResult:
        del self.media[path]
        return self._commit()

    def media_usages(self, path: str) -> list[str]:
        return self.media_used_by.get(path, [])

    def add_site_word(self, path: str, word: str) -> list[str]:
        words = self.media.get(path, b"").decode("utf-8").split()
        if word not in words:
            words.append(word)
            self.media[path] = "".join(w + "\n" for w in words).encode("utf-8")
        return words


class FakeEditor(EntryEditor):
    """Edits one field of an entry (its title by default); enough to drive the window's flows."""

    def __init__(self, workspace: WorkspaceView, parent: QWidget | None = None, field: str = "title") -> None:
        super().__init__(parent)
        self.field = field
        self.title = QLineEdit()
        self.title.textEdited.connect(lambda _text: emit(self.changed))
        QVBoxLayout(self).addWidget(self.title)
        self._entry: OpenEntry | None = None
        self.inserted: list[str] = []

    def set_entry(self, entry: OpenEntry) -> None:
        self._entry = entry
        self.title.setText(str(entry.data.get(self.field, "")))

    def entry(self) -> OpenEntry:
        assert self._entry is not None
        return self._entry.with_data({**self._entry.data, self.field: self.title.text()})

    def validate(self) -> list[tuple[str, str]]:
        return []  # the one line edit has no rules

    def insert_media(self, public_path: str) -> None:
        self.inserted.append(public_path)

    def render_preview(self) -> str:
        return f"<h1>{self.title.text()}</h1>"


class Answers(TypedDict):
    """The scripted answers: to confirmations, to the unsaved-changes guard, to a journaled draft."""

    confirm: bool
    unsaved: str
    draft: str


class ScriptedPrompts:
    """Answers the window's questions from a script (`answers`, changeable mid-test) and records what was asked."""

    def __init__(self, confirm: bool = True, unsaved: str = "cancel", draft: str = "restore") -> None:
        self.answers: Answers = {"confirm": confirm, "unsaved": unsaved, "draft": draft}
        self.asked: list[tuple[str, str]] = []
        self.actions: list[tuple[str, bool]] = []  # each question's action button, and whether it destroys

    def confirm(self, title: str, text: str, action: str = "OK", *, destructive: bool = False) -> bool:
        self.asked.append(("confirm", text))
        self.actions.append((action, destructive))
        return self.answers["confirm"]

    def save_discard_cancel(self, name: str) -> str:
        self.asked.append(("unsaved", name))
        return self.answers["unsaved"]

    def restore_draft(self, path: str, saved: str, draft: str, when: str) -> str:
        self.asked.append(("draft", path))
        return self.answers["draft"]


if TYPE_CHECKING:  # mypy holds the fakes to the contracts the real classes keep
    from editor_app.ui.contracts import EditorFactory, UserPrompts

    _workspace: WorkspaceView = FakeWorkspace()
    _editor_factory: EditorFactory = FakeEditor
    _editor: EntryEditor = FakeEditor(_workspace)  # concrete: every abstract method is there
    _prompts: UserPrompts = ScriptedPrompts()
