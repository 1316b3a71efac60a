"""Entries' last author and date ("Commit author", "Commit date", sort by updated), asked of the host in batches."""

from __future__ import annotations

from collections.abc import Sequence

from editor_app.backends.base import FileMeta
from editor_app.workspace.site_state import SiteState

META_BATCH = 100  # paths per files_meta call (the adapter splits them into what one request of its host answers)


class EntryMetadata:
    """Last author/date of entries' files: from memory, the cache (by blob id), else the host in batches."""

    def __init__(self, state: SiteState) -> None:
        self.state = state
        self._metas: dict[tuple[str, str], FileMeta] = {}  # (blob id, path) -> last author/date, this session

    @property
    def meta_batch(self) -> int:
        """How many entries' last author/date one host request answers (1: one request per entry)."""
        return self.state.backend.file_meta_batch() if self.state.backend.is_git else 0

    def entries_meta(self, collection_name: str, paths: Sequence[str]) -> dict[str, FileMeta]:
        """Last author/date of these entries' files (Decap's `commit_author`/`commit_date`), keyed by path.

        Known ones come from memory or the cache (keyed by blob id: an unchanged file costs nothing, also
        after a restart); the rest are asked of the host in batches. Ask only for what is needed (the rows on
        screen; every row only to sort by it). Run it off the GUI thread.
        """
        if not self.state.backend.is_git:
            return {}
        found: dict[str, FileMeta] = {}
        missing: list[tuple[str, str]] = []  # (path, blob id)
        for path in dict.fromkeys(paths):
            indexed = self.state.indexed(collection_name, path)
            blob_id = indexed.id if indexed is not None else ""
            meta = self._metas.get((blob_id, path)) if blob_id else None
            if meta is None:
                meta = self.state.cache.get_meta(blob_id, path)
                if meta is not None:
                    self._metas[(blob_id, path)] = meta
            if meta is not None:
                found[path] = meta
            else:
                missing.append((path, blob_id))
        batch = max(1, self.state.backend.file_meta_batch())
        step = batch * max(1, -(-META_BATCH // batch))  # whole host requests per call (GitLab: 13 x 8 paths)
        for start in range(0, len(missing), step):
            chunk = dict(missing[start : start + step])
            answered = self.state.backend.files_meta(list(chunk), branch=self.state.branch or None)
            fresh = [(chunk[path], path, meta) for path, meta in answered.items() if path in chunk]
            self.state.cache.put_metas(fresh)
            for blob_id, path, meta in fresh:
                if blob_id:
                    self._metas[(blob_id, path)] = meta
                found[path] = meta
        return found
