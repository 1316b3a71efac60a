"""Listing, reading, parsing and indexing a collection; search, sort defaults and list titles over the index.

Speed: listings are cached by branch head and blobs by id, so loading an unchanged collection again costs
one request (the head).
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

from editor_app.backends.base import NEW_FILE, Listing, RepoFile, SkippedFile
from editor_app.config.site_config import Collection, CollectionFile
from editor_app.workspace import content_bridge as content
from editor_app.workspace import i18n as i18n_mod
from editor_app.workspace import views
from editor_app.workspace.cache import ListingKey
from editor_app.workspace.entry_paths import (
    is_default_locale_file,
    listing_depth,
    locale_split,
    slug_from_path,
    translations_by_entry,
)
from editor_app.workspace.model import IndexedEntry, OpenEntry, Progress
from editor_app.workspace.site_state import SiteState


class CollectionIndex:
    """A site's collections as an in-memory index: loaded from listings and blobs, searched, titled."""

    def __init__(self, state: SiteState) -> None:
        self.state = state

    def load_collection(self, name: str, progress: Progress | None = None) -> list[IndexedEntry]:
        """List, fetch (only blobs not cached), parse and index a collection; reports progress(done, total, text).

        An unchanged collection costs at most one request: the head (none when it was read less than
        `head_ttl` seconds ago), whose listing and blobs are all in the cache.
        """
        collection = self.state.collection(name)
        head = self.state.head()
        skipped: tuple[SkippedFile, ...] = ()
        if collection.is_files:
            files = self._files_collection_listing(collection, head)
        else:
            listing = self.listing(
                collection.folder or "", collection.entry_extension, listing_depth(collection), head
            )
            files = [(f, None) for f in listing.files]
            skipped = listing.skipped
        contents = self._contents([f for f, _ in files], progress, f"Loading {collection.label}")
        translations = translations_by_entry(collection, [f for f, config in files if config is None])
        entries: dict[str, IndexedEntry] = {}
        for repo_file, file_config in files:
            if file_config is None and not is_default_locale_file(collection, repo_file.path):
                continue  # translations are files of the same entry, not entries of their own
            data, error = content.parse_fast(contents.get(repo_file.id, b""), collection, file_config, repo_file.path)
            everything = data
            i18n = i18n_mod.entry_i18n(collection, file_config)
            if error is None and i18n is not None and i18n.structure == "single_file":
                data = i18n_mod.split_single_file(data, i18n)[0]  # lists show the default locale
            if error is None and not content.matches_collection_filter(collection, data):
                continue
            slug = file_config.name if file_config is not None else slug_from_path(collection, repo_file.path)
            siblings = translations.get(locale_split(collection, repo_file.path)[1], ())
            if siblings:  # search finds an entry by its translations too
                everything = {"": data, **{
                    locale: content.parse_fast(contents.get(blob_id, b""), collection, None, path)[0]
                    for locale, path, blob_id in siblings
                }}
            entry = IndexedEntry(
                collection=name,
                slug=slug,
                path=repo_file.path,
                id=repo_file.id,
                data=data,
                parse_error=error,
                file=file_config.name if file_config is not None else None,
                search_text=views.search_text_of(everything, slug, repo_file.path),
                translations=siblings,
            )
            entries[entry.path] = entry
        for left_out in skipped:  # listed with the reason, so the user sees why the entry is not there
            slug = posixpath.splitext(posixpath.basename(left_out.path))[0]
            entries[left_out.path] = IndexedEntry(
                collection=name, slug=slug, path=left_out.path, id="", data={}, parse_error=left_out.reason,
                search_text=views.search_text_of({}, slug, left_out.path), skipped=left_out.reason,
            )
        with self.state.mutex:
            self.state.index[name] = entries
            self.state.draft_paths = None  # the index can now tell drafts already saved from the others
        return list(entries.values())

    def listing(self, folder: str, extension: str | None, depth: int | None, head: str) -> Listing:
        """The files under `folder` on the site's branch at `head` (from the cache while the head is unchanged)."""
        key = ListingKey(self.state.identity, self.state.branch, folder, extension, depth)
        reusable = getattr(self.state.backend, "listings_follow_head", True)
        cached = self.state.cache.get_listing(key, head) if reusable else None
        if cached is not None:
            return cached
        listing = self.state.backend.list_files(folder, extension=extension, depth=depth, branch=self.state.branch)
        self.state.cache.put_listing(key, listing)
        return listing

    def _files_collection_listing(
        self, collection: Collection, head: str
    ) -> list[tuple[RepoFile, CollectionFile | None]]:
        folders = sorted({posixpath.dirname(f.file) for f in collection.files})
        found: dict[str, RepoFile] = {}
        for folder in folders:
            for repo_file in self.listing(folder, None, 1, head).files:
                found[repo_file.path] = repo_file
        return [(found[f.file], f) for f in collection.files if f.file in found]

    def _contents(self, files: Sequence[RepoFile], progress: Progress | None, text: str) -> dict[str, bytes]:
        """Blob id -> bytes for `files`: from the cache, the rest from the backend in batches."""
        total = len(files)
        found = self.state.cache.get_blobs(f.id for f in files)
        missing = [f for f in files if f.id not in found]
        done = total - len(missing)
        _report(progress, done, total, text)
        for start in range(0, len(missing), self.state.read_batch):
            batch = missing[start : start + self.state.read_batch]
            read = self.state.backend.read_files(batch, branch=self.state.branch)
            fetched = [(f.id, read[f.path]) for f in batch if f.path in read]
            found.update(fetched)
            self.state.cache.put_blobs(fetched)
            done += len(batch)
            _report(progress, done, total, text)
        return found

    def default_sort(self, name: str) -> tuple[str, bool] | None:
        """The `sortable_fields` item with a `default_sort`, as (field, descending), if any."""
        for item in self.state.collection(name).sortable_fields:
            if item.default_sort:
                return item.field, item.default_sort == "desc"
        return None

    def search(self, name: str, text: str) -> list[str]:
        """Paths of the collection's entries containing every word of `text` in any field."""
        return [e.path for e in views.search_entries(self.state.entries(name), text)]

    def summary(self, entry: IndexedEntry | OpenEntry) -> str:
        """The entry's title in lists: the collection's `summary` template, else its identifier field or slug."""
        collection = self.state.collection(entry.collection)
        if entry.file is not None:
            file_config = collection.file_named(entry.file)
            return file_config.label if file_config is not None else entry.file
        return content.summary(collection, entry.data, entry.slug, entry.path)

    def entry_url(self, entry: OpenEntry | IndexedEntry) -> str | None:
        """The entry's page on the live site (`site_url` + `preview_path`), or None without a site_url."""
        if not self.state.site.site_url or not self.state.site.show_preview_links:
            return None
        collection = self.state.collection(entry.collection)
        return content.preview_url(self.state.site, collection, entry.data, entry.slug, entry.path)

    def index_saved(self, entry: OpenEntry, blob_id: str) -> None:
        """Put a just-saved entry into its collection's index (when the collection is loaded)."""
        translations = tuple((f.locale, f.path, f.base_id) for f in entry.locale_files if f.base_id != NEW_FILE)
        everything = {"": entry.data, **entry.locale_data}
        with self.state.mutex:
            index = self.state.index.get(entry.collection)
            if index is None:
                return
            index[entry.path] = IndexedEntry(
                collection=entry.collection, slug=entry.slug, path=entry.path, id=blob_id, data=dict(entry.data),
                file=entry.file, search_text=views.search_text_of(everything, entry.slug, entry.path),
                translations=translations,
            )


def _report(progress: Progress | None, done: int, total: int, text: str) -> None:
    if progress is None:
        return
    try:
        progress(done, total, text)
    except TypeError:
        progress(done, total)
