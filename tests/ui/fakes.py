"""Stand-ins for the window's collaborators: an in-memory workspace, a tiny editor, scripted prompts."""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from editor_app.errors import ConflictError
from editor_app.ui.signals import emit


@dataclass
class FakeEntry:
    collection: str
    path: str
    data: dict[str, Any] = field(default_factory=dict)
    is_new: bool = False
    skipped: str = ""


@dataclass
class FakeDraft:
    entry: FakeEntry
    when: str = "a minute ago"


@dataclass
class FakeMedia:
    path: str
    size: int


def _collection(name: str, label: str, folder: str = "", **extra: Any) -> SimpleNamespace:
    values = dict(name=name, label=label, folder=folder, files=None, nested=None, description="",
                  sortable_fields=[], view_filters=[], view_groups=[], create=True, label_singular=None)
    values.update(extra)
    return SimpleNamespace(**values)


class FakeWorkspace:
    """An in-memory site: posts (folder), pages (nested), settings (files)."""

    def __init__(self, posts: int = 3, publish_mode: str = "simple") -> None:
        self.site = SimpleNamespace(
            name="Riverside garden",
            publish_mode=publish_mode,
            collections=[
                _collection("posts", "Posts", "content/posts", sortable_fields=["title", "date"],
                            label_singular="Post",
                            view_filters=[SimpleNamespace(label="Featured", field="featured", pattern=True)],
                            view_groups=[SimpleNamespace(label="Year", field="date", pattern=r"\d{4}")]),
                _collection("pages", "Pages", "content/pages", nested={"depth": 3}),
                _collection("settings", "Settings", files=[SimpleNamespace(name="general", label="General")]),
            ],
        )
        self.entries_by_collection: dict[str, dict[str, FakeEntry]] = {
            "posts": {
                f"content/posts/post-{i}.md": FakeEntry(
                    "posts", f"content/posts/post-{i}.md",
                    {"title": f"Post {i}", "date": f"2026-0{i % 9 + 1}-01", "featured": i % 2 == 0},
                )
                for i in range(posts)
            },
            "pages": {
                p: FakeEntry("pages", p, {"title": p.split("/")[-2]})
                for p in ("content/pages/about/index.md", "content/pages/about/team/index.md",
                          "content/pages/visit/index.md")
            },
        }
        self.saved: list[FakeEntry] = []
        self.deleted: list[str] = []
        self.drafts: dict[str, FakeDraft] = {}
        self.journal: list[FakeEntry] = []
        self.conflict_on_next_save: bytes | None = None
        self.media: dict[str, bytes] = {}
        self.media_used_by: dict[str, list[str]] = {}
        self.worker_threads: set[int] = set()
        self.unpublished: dict[tuple[str, str], SimpleNamespace] = {}
        self.published: list[str] = []
        self.previews: dict[str, Any] = {}  # deploy previews by content key (board) or path (editor)

    # --- editorial workflow ---
    def list_unpublished(self) -> list[SimpleNamespace]:
        return list(self.unpublished.values())

    def set_status(self, collection: str, slug: str, status: str) -> None:
        self.unpublished[(collection, slug)].status = status

    def publish(self, collection: str, slug: str) -> None:
        del self.unpublished[(collection, slug)]
        self.published.append(f"{collection}/{slug}")

    def delete_unpublished(self, collection: str, slug: str) -> None:
        del self.unpublished[(collection, slug)]

    meta_batch = 0  # an in-memory site keeps no history (as the sandbox)

    def entries_meta(self, collection: str, paths: list[str]) -> dict[str, Any]:
        return {}

    def deploy_preview(self, entry: FakeEntry) -> Any:
        self.worker_threads.add(threading.get_ident())
        return self.previews.get(entry.path)

    def deploy_previews(self, items: list[SimpleNamespace]) -> dict[str, Any]:
        self.worker_threads.add(threading.get_ident())
        return {f"{i.collection}/{i.slug}": self.previews.get(f"{i.collection}/{i.slug}") for i in items}

    def entry_path(self, collection: str, slug: str) -> str:
        return f"content/{collection}/{slug}.md"

    # --- entries ---
    def load_collection(self, name: str, progress=None) -> list[FakeEntry]:
        self.worker_threads.add(threading.get_ident())
        entries = list(self.entries_by_collection[name].values())
        for i, _entry in enumerate(entries, 1):
            if progress is not None:
                progress(i, len(entries), "")
        return entries

    def entries(self, name: str) -> list[FakeEntry]:
        return list(self.entries_by_collection.get(name, {}).values())

    def search(self, name: str, text: str) -> list[str]:
        return [e.path for e in self.entries(name) if text.lower() in str(e.data).lower()]

    def summary(self, entry: FakeEntry) -> str:
        return str(entry.data.get("title", entry.path))

    def open_entry(self, collection: str, key: str) -> FakeEntry:
        self.worker_threads.add(threading.get_ident())
        if collection == "settings":
            return FakeEntry("settings", "data/settings/general.yml", {"title": "Garden"})
        return dataclasses.replace(self.entries_by_collection[collection][key])

    def new_entry(self, collection: str, data: dict[str, Any] | None = None) -> FakeEntry:
        title = str((data or {}).get("title", ""))
        name = title.lower().replace(" ", "-") or "untitled"
        return FakeEntry(collection, f"content/{collection}/{name}.md", {"title": title}, is_new=True)

    def duplicate_entry(self, entry: FakeEntry) -> FakeEntry:
        return FakeEntry(entry.collection, entry.path.replace(".md", "-copy.md"), dict(entry.data), is_new=True)

    def save_entry(self, entry: FakeEntry) -> FakeEntry:
        self.worker_threads.add(threading.get_ident())
        if self.conflict_on_next_save is not None:
            theirs, self.conflict_on_next_save = self.conflict_on_next_save, None
            raise ConflictError(f"{entry.path} changed on the site", path=entry.path, theirs=theirs)
        saved = dataclasses.replace(entry, is_new=False)
        self.entries_by_collection.setdefault(entry.collection, {})[entry.path] = saved
        self.saved.append(saved)
        self.drafts.pop(entry.path, None)
        return saved

    def delete_entry(self, entry: FakeEntry) -> None:
        self.entries_by_collection[entry.collection].pop(entry.path, None)
        self.deleted.append(entry.path)

    def raw_text(self, entry: FakeEntry) -> str:
        return "".join(f"{k}: {v}\n" for k, v in entry.data.items())

    def take_theirs(self, entry: FakeEntry, error: ConflictError) -> FakeEntry | None:
        if error.theirs is None:
            return None
        text = error.theirs.decode()
        return dataclasses.replace(entry, data=dict(line.split(": ", 1) for line in text.splitlines() if ": " in line))

    def resolve_conflict(self, entry: FakeEntry, text: str, error: ConflictError) -> FakeEntry:
        data = dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)
        return dataclasses.replace(entry, data=data)

    def journal_draft(self, entry: FakeEntry) -> None:
        self.journal.append(dataclasses.replace(entry, data=dict(entry.data)))
        self.drafts[entry.path] = FakeDraft(self.journal[-1])

    def draft_for(self, entry: FakeEntry) -> FakeDraft | None:
        return self.drafts.get(entry.path)

    def has_draft(self, path: str) -> bool:
        return path in self.drafts

    def discard_draft(self, entry: FakeEntry) -> None:
        self.drafts.pop(entry.path, None)

    def entry_url(self, entry: FakeEntry) -> str:
        return ""

    # --- media ---
    def media_folders(self) -> list[str]:
        return ["static/images/uploads", "content/posts/images"]

    def list_media(self, folder: str) -> list[FakeMedia]:
        return [FakeMedia(p, len(d)) for p, d in self.media.items() if p.startswith(folder + "/")]

    def read_media(self, path: str) -> bytes:
        return self.media[path]

    def upload_media(self, folder: str, files: list[tuple[str, bytes]]) -> list[str]:
        self.worker_threads.add(threading.get_ident())
        paths = []
        for name, data in files:
            self.media[f"{folder}/{name}"] = data
            paths.append(f"{folder}/{name}")
        return paths

    def delete_media(self, path: str) -> None:
        del self.media[path]

    def media_usages(self, path: str) -> list[str]:
        return self.media_used_by.get(path, [])


class FakeEditor(QWidget):
    """Edits one field of an entry (its title by default); enough to drive the window's flows."""

    changed = Signal()

    def __init__(self, workspace: Any, parent: QWidget | None = None, field: str = "title") -> None:
        super().__init__(parent)
        self.field = field
        self.title = QLineEdit()
        self.title.textEdited.connect(lambda _text: emit(self.changed))
        QVBoxLayout(self).addWidget(self.title)
        self._entry: FakeEntry | None = None

    def set_entry(self, entry: FakeEntry) -> None:
        self._entry = entry
        self.title.setText(str(entry.data.get(self.field, "")))

    def entry(self) -> FakeEntry:
        assert self._entry is not None
        return dataclasses.replace(self._entry, data={**self._entry.data, self.field: self.title.text()})

    def render_preview(self) -> str:
        return f"<h1>{self.title.text()}</h1>"


class ScriptedPrompts:
    """Answers the window's questions from a script and records what was asked."""

    def __init__(self, confirm: bool = True, unsaved: str = "cancel", draft: str = "restore") -> None:
        self.answers = {"confirm": confirm, "unsaved": unsaved, "draft": draft}
        self.asked: list[tuple[str, str]] = []

    def confirm(self, title: str, text: str) -> bool:
        self.asked.append(("confirm", text))
        return self.answers["confirm"]

    def save_discard_cancel(self, path: str) -> str:
        self.asked.append(("unsaved", path))
        return self.answers["unsaved"]

    def restore_draft(self, path: str, saved: str, draft: str, when: str) -> str:
        self.asked.append(("draft", path))
        return self.answers["draft"]
