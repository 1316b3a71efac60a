"""The site's media files: folders, listing, reading, uploading (images optimised), deleting, usages; and the
shared spelling word list, the other non-entry file the editor writes."""

from __future__ import annotations

from collections.abc import Sequence

from editor_app.backends.base import NEW_FILE, CommitResult, FileChange
from editor_app.content.image_optimizer import ImageTransformations, optimize_image, transformations_from_config
from editor_app.content.spelling import parse_word_list
from editor_app.errors import NotFoundError
from editor_app.paths import clean_file_name
from editor_app.workspace import content_bridge as content
from editor_app.workspace.model import MediaItem
from editor_app.workspace.site_state import SiteState


class MediaFiles:
    """Media files of the site (and its word list), read and written in commits of their own."""

    def __init__(self, state: SiteState) -> None:
        self.state = state
        self._transformations: ImageTransformations | None = None  # read from the site on the first upload

    def media_folders(self) -> list[str]:
        """The site's media folder, then the collections' own media folders (repository paths, resolved once)."""
        return [folder for folder, _ in content.media_folders(self.state.site)]

    def public_path(self, repo_path: str) -> str:
        """What an entry stores for the media file at `repo_path` (its media folder's public_folder + name)."""
        return content.public_path(self.state.site, repo_path)

    def list_media(self, folder: str | None = None) -> list[MediaItem]:
        """Media files under `folder` (default: the site's media folder)."""
        target = (folder if folder is not None else self.state.site.media_folder).strip("/")
        listing = self.state.backend.list_files(target, branch=self.state.branch or None)
        return [MediaItem(f.path, self.public_path(f.path), f.size, f.id) for f in listing.files]

    def read_media(self, path: str) -> bytes:
        """A media file's bytes (through the cache)."""
        data, blob_id = self.state.backend.read_file(path, branch=self.state.branch or None)
        self.state.cache.put_blob(blob_id, data)
        return data

    def upload_media(self, folder: str | None, files: Sequence[tuple[str, bytes]]) -> list[MediaItem]:
        """Upload binary files into `folder` (default: the media folder) in one commit; returns them.

        A name already taken gets a `-1`, `-2`… suffix: nothing existing is overwritten. Images are
        optimised as the site's `media_libraries.default.config.transformations` ask, GPS data removed.
        """
        self.state.check_writable()
        target = (folder if folder is not None else self.state.site.media_folder).strip("/")
        if self._transformations is None:
            self._transformations = transformations_from_config(self.state.site.raw or {}, self.state.site.source_file)
        optimized = [optimize_image(name, bytes(data), self._transformations) for name, data in files]
        listing = self.state.backend.list_files(target, depth=1, branch=self.state.branch or None)
        existing = {f.path for f in listing.files}
        changes, items = [], []
        for image in optimized:
            path = _free_name(target, clean_file_name(image.name), existing)
            existing.add(path)
            changes.append(FileChange(path=path, data=image.data, expected_id=NEW_FILE))
        if not changes:
            return []
        paths = ", ".join(c.path for c in changes)
        message = content.media_commit_message(self.state.site, "uploadMedia", paths, self.state.user)
        result = self.state.backend.commit(changes, message, branch=self.state.branch or None)
        self.state.moved_to(result.commit)
        for change, image in zip(changes, optimized, strict=True):
            blob_id = result.ids.get(change.path, "")
            self.state.cache.put_blob(blob_id, change.data or b"")
            items.append(MediaItem(change.path, self.public_path(change.path), len(change.data or b""), blob_id,
                                   image.notices, image.bytes_saved))
        return items

    def add_site_word(self, path: str, word: str) -> list[str]:
        """Add `word` to the site's shared word list at `path` (config `spelling_words`) in one commit,
        creating the file when missing; the words as saved. Someone else's change meanwhile is a conflict."""
        path = path.strip().lstrip("/")
        try:
            data, blob_id = self.state.backend.read_file(path, branch=self.state.branch or None)
        except NotFoundError:
            data, blob_id = b"", NEW_FILE
        text = data.decode("utf-8")
        words = parse_word_list(text)
        if word in words:
            return words
        text += ("" if not text or text.endswith("\n") else "\n") + word + "\n"
        change = FileChange(path=path, data=text.encode("utf-8"), expected_id=blob_id)
        message = f"Add “{word}” to the site's word list"
        result = self.state.backend.commit([change], message, branch=self.state.branch or None)
        self.state.moved_to(result.commit)
        return parse_word_list(text)

    def delete_media(self, path: str) -> CommitResult:
        """Delete one media file in one commit."""
        self.state.check_writable()
        message = content.media_commit_message(self.state.site, "deleteMedia", path, self.state.user)
        change = FileChange(path=path, delete=True)
        result = self.state.backend.commit([change], message, branch=self.state.branch or None)
        self.state.moved_to(result.commit)
        return result

    def media_usages(self, path: str) -> list[str]:
        """Paths of loaded entries that mention the media file (by public path or repository path)."""
        needles = {self.public_path(path).lower(), path.lower()}
        with self.state.mutex:
            loaded = [e for index in self.state.index.values() for e in index.values()]
        return [e.path for e in loaded if any(n in e.search_text for n in needles)]


def _free_name(folder: str, name: str, existing: set[str]) -> str:
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    candidate, n = name, 0
    while (f"{folder}/{candidate}" if folder else candidate) in existing:
        n += 1
        candidate = f"{stem}-{n}.{ext}" if ext else f"{stem}-{n}"
    return f"{folder}/{candidate}" if folder else candidate
