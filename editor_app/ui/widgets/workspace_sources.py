"""WorkspaceSources: the workspace's entry index and media library as the form's relation and media sources."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from editor_app.content import widget_values as wv
from editor_app.ui.contracts import SiteContent


class WorkspaceSources:
    """Relation search over the loaded entry index; media listing, upload and thumbnails through the workspace.

    Media calls reach the Git host: the form runs them on its runner, never on the GUI thread.
    """

    def __init__(self, workspace: SiteContent) -> None:
        self.workspace = workspace
        self._public_to_repo: dict[str, str] = {}
        self._listed = False

    # --- relation ---

    def search(self, collection: str, query: str, search_fields: list[str], file: str | None) -> list[dict]:
        """Loaded entries of `collection` whose search fields contain `query` (case-insensitive)."""
        needle = query.strip().lower()
        found = []
        for entry in self.workspace.entries(collection):
            if file is not None and entry.file not in (None, file):
                continue
            data = {**entry.data, "slug": entry.slug}
            if needle:  # every word in some search field (of any list item): a superset of the field's choices
                haystack = wv.fold_text(" ".join(_text(wv.lookup(data, path)) for name in search_fields
                                                 for path in wv.expand_path(data, name)))
                if not all(word in haystack for word in wv.fold_text(needle).split()):
                    continue
            found.append(data)
        return found

    # --- media ---

    def list_media(self) -> list[str]:
        """Public paths of the site's media files."""
        items = self.workspace.list_media()
        self._listed = True
        for item in items:
            self._public_to_repo[item.public_path] = item.path
        return [item.public_path for item in items]

    def upload(self, path: str) -> str:
        """Upload a local file into the media folder (one commit) and return its public path."""
        local = Path(path)
        item = self.workspace.upload_media(None, [(local.name, local.read_bytes())])[0]
        self._public_to_repo[item.public_path] = item.path
        return item.public_path

    def thumbnail(self, public_path: str) -> bytes | None:
        """The bytes of a media file in the media folders (listed once on first need); None for other paths, URLs."""
        repo_path = self._public_to_repo.get(public_path)
        if repo_path is None and not self._listed and "://" not in public_path:
            self.list_media()  # an entry opened before the media library was listed: learn the paths once
            repo_path = self._public_to_repo.get(public_path)
        if repo_path is None:
            return None
        return self.workspace.read_media(repo_path)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(_text(v) for v in value)
    return str(value)
