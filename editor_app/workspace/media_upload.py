"""Uploading files pasted or dropped into an entry's body: the entry's media folder, names from its slug,
the site's image optimisation, and the markdown that links them.

The folder is Decap's for the entry (`media_folder` of the site, the collection, or the file, templates
resolved against the entry), so per-collection media folders work. A name is the entry's slug (pasted
images) or the slug and the file's own name (dropped files); a name already taken gets `-1`, `-2`…
(the workspace never overwrites a file). Images are optimised as `media_libraries.default.config.
transformations` asks (`editor_app.content.image_optimizer`), GPS data removed by default.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from editor_app.content.image_optimizer import ImageTransformations, optimize_image, transformations_from_config
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
        self._transformations: ImageTransformations | None = None

    def transformations(self) -> ImageTransformations:
        """The site's image transformations (read once; a bad option raises ContentError naming it)."""
        if self._transformations is None:
            site = self.workspace.site
            self._transformations = transformations_from_config(site.raw or {}, site.source_file)
        return self._transformations

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
        """Optimise and upload `files` (name, bytes) in one commit; what to link for each, in order."""
        folder, public_folder = self.folders(entry)
        transformations = self.transformations()
        prepared = []
        for original, data in files:
            optimized = optimize_image(self.name_for(entry, original, pasted), bytes(data), transformations)
            prepared.append(optimized)
        items = self.workspace.upload_media(folder, [(p.name, p.data) for p in prepared])
        uploaded = []
        for optimized, item in zip(prepared, items, strict=True):
            name = posixpath.basename(item.path)
            uploaded.append(UploadedMedia(item.path, public_path(public_folder, name), name, optimized.notices,
                                          optimized.bytes_saved))
        return uploaded
