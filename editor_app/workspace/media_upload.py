"""Uploading files pasted or dropped into an entry's body: the entry's media folder, names from its slug,
the site's image optimisation, and the markdown that links them.

The folder is Decap's for the entry (`media_folder` of the site, the collection, or the file, templates
resolved against the entry), so per-collection media folders work. A name is the entry's slug (pasted
images) or the slug and the file's own name (dropped files); a name already taken gets `-1`, `-2`…
(the workspace never overwrites a file). The workspace optimises images as `media_libraries.default.
config.transformations` asks (`editor_app.content.image_optimizer`), GPS data removed by default.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from editor_app.content.media_paths import media_folder_for, public_folder_for, public_path
from editor_app.content.slugs import process_segment

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".bmp", ".avif"})


@dataclass(frozen=True)
class UploadedMedia:
    """One uploaded file: where it went, what the entry links, and what optimisation did."""

    repo_path: str
    public_path: str
    name: str
    notices: tuple[str, ...] = ()
    bytes_saved: int = 0

    @property
    def is_image(self) -> bool:
        """Whether the markdown should show it (`![]()`) rather than link it (`[]()`)."""
        return posixpath.splitext(self.name)[1].lower() in IMAGE_SUFFIXES

    def markdown(self, text: str = "") -> str:
        """The markdown that shows or links the file; `text` is the alt text or link text."""
        label = text or (posixpath.splitext(self.name)[0] if self.is_image else self.name)
        return f"![{label}]({self.public_path})" if self.is_image else f"[{label}]({self.public_path})"


class EntryMediaUploader:
    """Uploads files for one entry of a workspace (`site`, `upload_media`)."""

    def __init__(self, workspace: Any) -> None:
        self.workspace = workspace

    def folders(self, entry: Any) -> tuple[str, str]:
        """(repository media folder, public folder) for `entry`'s media."""
        site = self.workspace.site
        collection = site.collection_named(entry.collection)
        file = collection.file_named(entry.file) if collection is not None and entry.file else None
        where: dict[str, Any] = {"entry_path": entry.path or None, "data": entry.data, "file": file}
        return media_folder_for(site, collection, **where), public_folder_for(site, collection, **where)

    def name_for(self, entry: Any, original: str, pasted: bool) -> str:
        """The file name: the entry's slug for a pasted image, `<slug>-<name>` for a dropped file."""
        stem, extension = posixpath.splitext(posixpath.basename(original.replace("\\", "/")))
        slug_source = entry.slug or posixpath.splitext(posixpath.basename(entry.path or ""))[0] or "media"
        base = process_segment(slug_source, self.workspace.site.slug) or "media"
        own = process_segment(stem, self.workspace.site.slug)
        if pasted or not own:
            name = base
        elif own == base or own.startswith(base + "-"):
            name = own  # already named after the entry
        else:
            name = f"{base}-{own}"
        return name + extension.lower()

    def upload(self, entry: Any, files: Sequence[tuple[str, bytes]], *, pasted: bool = False) -> list[UploadedMedia]:
        """Upload `files` (name, bytes) in one commit, optimised by the workspace; what to link for each."""
        folder, public_folder = self.folders(entry)
        named = [(self.name_for(entry, original, pasted), bytes(data)) for original, data in files]
        uploaded = []
        for item in self.workspace.upload_media(folder, named):
            name = posixpath.basename(item.path)
            uploaded.append(UploadedMedia(item.path, public_path(public_folder, name), name, item.notices,
                                          item.bytes_saved))
        return uploaded
