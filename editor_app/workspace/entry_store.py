"""Opening, creating, duplicating, saving and deleting entries, and resolving save conflicts.

No data loss: every save carries the blob id it started from, and a file that moved on raises
`ConflictError` (with their content) instead of being overwritten; the journaled draft goes only after the
commit containing it succeeded.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from editor_app.backends.base import NEW_FILE, WORKFLOW_STATUSES, CommitResult, FileChange
from editor_app.backends.workflow import git_blob_id
from editor_app.config.site_config import Collection
from editor_app.errors import ConflictError, ContentError, EditorError, NetworkError, NotFoundError
from editor_app.workspace import content_bridge as content
from editor_app.workspace import i18n as i18n_mod
from editor_app.workspace.collection_index import CollectionIndex
from editor_app.workspace.drafts import Drafts
from editor_app.workspace.entry_paths import decode_text, entry_file_path, listing_depth, slug_from_path
from editor_app.workspace.model import IndexedEntry, OpenEntry
from editor_app.workspace.site_state import SiteState
from editor_app.workspace.translations import Translations

ANSWER_LOST_NOTICE = "saved; the host's answer was lost, but the commit is there"


class EntryStore:
    """The site's entries read for editing and written back, one commit (or workflow save) per save."""

    def __init__(self, state: SiteState, index: CollectionIndex, translations: Translations, drafts: Drafts) -> None:
        self.state = state
        self.index = index
        self.translations = translations
        self.drafts = drafts
        self._new_numbers = itertools.count(1)

    def entry_path(self, collection_name: str, slug: str) -> str:
        """The repository path of entry `slug` (a loaded entry's path, else where a new one would go)."""
        collection = self.state.collection(collection_name)
        if collection.is_files:
            file_config = collection.file_named(slug)
            if file_config is None:
                raise NotFoundError(
                    f"{self.state.site.source_file}: collection '{collection_name}' has no file '{slug}'"
                )
            return file_config.file
        for entry in self.state.entries(collection_name):
            if entry.slug == slug:
                return entry.path
        return entry_file_path(self.state.site, collection, slug, {}, self.state.now())

    def open_entry(self, collection_name: str, key: str) -> OpenEntry:
        """Read an entry (by path, slug, or file name) for editing, from its unpublished branch if it has one."""
        collection = self.state.collection(collection_name)
        file_config = None
        if collection.is_files:
            file_config = collection.file_named(key) or next((f for f in collection.files if f.file == key), None)
            if file_config is None:
                raise NotFoundError(
                    f"{self.state.site.source_file}: collection '{collection_name}' has no file '{key}'"
                )
            path, slug = file_config.file, file_config.name
        else:
            indexed = self.state.indexed(collection_name, key)
            if indexed is not None:
                path, slug = indexed.path, indexed.slug
            elif "/" in key and key.startswith((collection.folder or "") + "/"):
                path, slug = key, slug_from_path(collection, key)
            else:
                path, slug = self.entry_path(collection_name, key), key
        branch, status = self.state.branch or self.state.backend.default_branch(), None
        if self.state.uses_workflow:  # files collections go through the workflow too (slug = file name)
            try:
                unpublished = self.state.backend.read_unpublished(collection_name, slug)
            except NotFoundError:
                unpublished = None
            own_paths = {path} | set(self.translations.sibling_paths(collection, file_config, path).values())
            if unpublished is not None and any(d.path in own_paths for d in unpublished.diffs):
                branch, status = unpublished.branch, unpublished.status
        head = self.state.backend.head(branch)
        cached_id = None
        indexed = self.state.indexed(collection_name, path)
        if indexed is not None and branch == self.state.branch and head == self.state.head_id:
            cached_id = indexed.id
        data_bytes = self.state.cache.get_blob(cached_id) if cached_id else None
        if data_bytes is None or cached_id is None:
            data_bytes, blob_id = self.state.backend.read_file(path, branch=branch)
            self.state.cache.put_blob(blob_id, data_bytes)
        else:
            blob_id = cached_id
        raw = decode_text(data_bytes, path)
        parsed, error = content.parse_roundtrip(raw, collection, file_config, path)
        data = copy.deepcopy(parsed.data)
        locale_data: dict[str, dict[str, Any]] = {}
        i18n = i18n_mod.entry_i18n(collection, file_config)
        if i18n is not None and i18n.structure == "single_file" and error is None:
            data, locale_data = i18n_mod.split_single_file(data, i18n)
        # the index's ids hold for this head, unless the backend's files can change under an unchanged head
        fresh = (branch == self.state.branch and head == self.state.head_id
                 and getattr(self.state.backend, "listings_follow_head", True))
        locale_files = self.translations.read_translations(collection, file_config, path, branch, fresh)
        for locale_file in locale_files:
            if locale_file.base_id != NEW_FILE and locale_file.parse_error is None:
                locale_data[locale_file.locale] = copy.deepcopy(locale_file.parsed.data)
        return OpenEntry(
            collection=collection_name,
            slug=slug,
            path=path,
            data=data,
            raw=raw,
            parsed=parsed,
            base_id=blob_id,
            base_head=head,
            branch=branch,
            parse_error=error,
            file=file_config.name if file_config is not None else None,
            status=status,
            draft_name=slug,
            locale_data=locale_data,
            locale_files=locale_files,
        )

    def new_entry(self, collection_name: str, data: dict[str, Any] | None = None) -> OpenEntry:
        """A new, unsaved entry with the fields' defaults (merged with `data`).

        Its slug and path are what saving would use now ("" while the identifier field is still empty);
        they are settled again at save, from the fields as they are then.
        """
        collection = self.state.collection(collection_name)
        if collection.is_files:
            raise ContentError(f"collection '{collection_name}' is a files collection: it has no new entries")
        values = content.default_data(collection.fields)
        values.update(data or {})
        slug, path = self._tentative_location(collection, values)
        i18n = i18n_mod.entry_i18n(collection)
        locale_data = {}
        if i18n is not None:
            for locale in i18n_mod.other_locales(i18n):
                locale_data[locale] = i18n_mod.new_translation(collection.fields, values)
        return OpenEntry(
            collection=collection_name,
            slug=slug,
            path=path,
            data=values,
            is_new=True,
            branch=self.state.branch or None,
            draft_name=f"new/{int(self.state.clock() * 1000)}-{next(self._new_numbers)}",
            locale_data=locale_data,
        )

    def duplicate_entry(self, entry: OpenEntry) -> OpenEntry:
        """A new, unsaved copy of `entry`: same fields (every locale's), its own unique slug (`-1`, `-2`…)."""
        duplicate = self.new_entry(entry.collection, copy.deepcopy(entry.data))
        if not entry.locale_data:
            return duplicate
        return replace(duplicate, locale_data={**duplicate.locale_data, **copy.deepcopy(entry.locale_data)})

    def _tentative_location(self, collection: Collection, data: dict[str, Any]) -> tuple[str, str]:
        try:
            return self._new_location(collection, data, lookup=False)
        except ContentError:
            return "", ""  # no identifier typed yet: the file name is not known

    def _new_location(self, collection: Collection, data: dict[str, Any], *, lookup: bool = True) -> tuple[str, str]:
        """(slug, path) for a new entry: the slug template, made unique against every known entry's path.

        Decap's `generateUniqueSlug`: `slug`, `slug-1`, `slug-2`… (the config's sanitize_replacement).
        With `lookup` False only the loaded index is consulted (no request: the UI calls this on its thread).
        """
        now = self.state.now()
        taken = self._known_paths(collection, lookup=lookup)
        base = content.slug_for(self.state.site, collection, data, now)
        candidate, n = base, 0
        while entry_file_path(self.state.site, collection, candidate, data, now) in taken:
            n += 1
            candidate = f"{base}{self.state.site.slug.sanitize_replacement or '-'}{n}"
        return candidate, entry_file_path(self.state.site, collection, candidate, data, now)

    def _known_paths(self, collection: Collection, *, lookup: bool = True) -> set[str]:
        """Paths of the collection's entries (published, and unpublished under the editorial workflow).

        The published ones come from the index and from the listing at the current head (the index may be stale).
        """
        with self.state.mutex:
            index = self.state.index.get(collection.name)
            paths = set(index) if index is not None else set()
        if not lookup:
            return paths
        # The index may be stale: the listing at the current head (cached by head) is the truth.
        head = self.state.head(refresh=True)
        listing = self.index.listing(
            collection.folder or "", collection.entry_extension, listing_depth(collection), head
        )
        paths |= {f.path for f in listing.files}
        if self.state.uses_workflow:
            for entry in self.state.backend.list_unpublished():
                if entry.collection == collection.name:
                    paths |= {d.path for d in entry.diffs}
        return paths

    def save_entry(self, entry: OpenEntry, *, force_base: str | None = None) -> OpenEntry:
        """Save `entry` as one commit (or one workflow save) and return it as now saved.

        Every changed file of the entry goes into that one commit: the default locale's and, on i18n sites
        with a file per locale, each changed translation. Each change carries the blob id its edit started
        from (`force_base` replaces the default file's: "keep mine over the version with this id"). Raises
        ConflictError with their content when a file moved on; the journaled draft is removed only after
        the commit succeeded.
        """
        self.state.check_writable()
        collection = self.state.collection(entry.collection)
        file_config = collection.file_named(entry.file) if entry.file else None
        if entry.is_new:
            slug, path = self._new_location(collection, entry.data)
            text = self.translations.raw_text(replace(entry, path=path))
            expected = NEW_FILE if force_base is None else force_base
        else:
            slug, path = entry.slug, entry.path
            text = self.translations.raw_text(entry)
            expected = entry.base_id if force_base is None else force_base
        data_bytes = text.encode("utf-8")
        notice = ""
        changes = []
        if entry.is_new or force_base is not None or not entry.pristine or text != entry.raw:
            changes.append(FileChange(path=path, data=data_bytes, expected_id=expected))
        changes += self.translations.translation_changes(entry, path)
        # A file whose base already holds exactly these bytes needs no change (e.g. "keep mine" over a version
        # that is mine already): a commit of nothing but such changes would be an empty one.
        changes = [c for c in changes if not (c.data is not None and not c.delete and not c.previous_path
                                               and c.expected_id and c.expected_id == git_blob_id(c.data))]
        if not changes:
            self.drafts.forget_draft(entry)
            return entry  # unchanged: nothing to commit, every file stays byte-identical
        action = "create" if entry.is_new else "update"
        message = content.commit_message(self.state.site, action, collection, slug, path, self.state.user)
        if self.state.uses_workflow:
            try:
                result = self.state.backend.save_unpublished(entry.collection, slug, changes, message)
            except (ConflictError, NetworkError) as error:
                landed = self._unpublished_landed(entry.collection, slug, changes)
                if landed is None:
                    if isinstance(error, ConflictError):
                        read_from = entry.branch or self.state.branch or self.state.backend.default_branch()
                        raise self._explained_conflict(error, changes, read_from) from error
                    raise
                result, notice = landed, ANSWER_LOST_NOTICE
            status = entry.status or WORKFLOW_STATUSES[0]
            branch = result.branch
        else:
            site_branch = self.state.branch or self.state.backend.default_branch()
            try:
                result = self.state.backend.commit(changes, message, branch=site_branch,
                                             expected_head=entry.base_head if force_base is None else None)
            except (ConflictError, NetworkError) as error:
                # The commit may have landed and only its answer been lost (5xx, reset, timeout on the way
                # back), or an earlier such save may be what the branch now holds: then it is saved.
                landed = self._commit_landed(changes, site_branch)
                if landed is None:
                    if isinstance(error, ConflictError):
                        raise self._explained_conflict(error, changes, site_branch) from error
                    raise
                result, notice = landed, ANSWER_LOST_NOTICE
            status = None
            branch = result.branch
            self.state.moved_to(result.commit)
        for change in changes:
            if result.ids.get(change.path):
                self.state.cache.put_blob(result.ids[change.path], change.data or b"")
        wrote_default = bool(changes) and changes[0].path == path
        blob_id = result.ids.get(path, "") if wrote_default else entry.base_id
        self.drafts.forget_draft(entry)
        parsed, parse_error = content.parse_roundtrip(text, collection, file_config, path)
        data = copy.deepcopy(parsed.data)
        locale_data: dict[str, dict[str, Any]] = {}
        i18n = i18n_mod.entry_i18n(collection, file_config)
        if i18n is not None and i18n.structure == "single_file" and parse_error is None:
            data, locale_data = i18n_mod.split_single_file(data, i18n)
        locale_files = self.translations.saved_translations(entry, collection, file_config, path, changes, result.ids)
        for locale_file in locale_files:
            if locale_file.base_id != NEW_FILE and locale_file.parse_error is None:
                locale_data[locale_file.locale] = copy.deepcopy(locale_file.parsed.data)
        saved = replace(
            entry, slug=slug, path=path, raw=text, base_id=blob_id, base_head=result.commit, branch=branch,
            is_new=False, status=status, draft_name=slug if file_config is None else entry.draft_name,
            commit=result.commit, parse_error=parse_error, pristine=True, parsed=parsed,
            data=data, locale_data=locale_data, locale_files=locale_files, save_notice=notice,
        )
        if branch == self.state.branch:
            self.index.index_saved(saved, blob_id)
        return saved

    def _commit_landed(self, changes: Sequence[FileChange], branch: str) -> CommitResult | None:
        """The save as the host holds it, when `branch` already has exactly what `changes` write; else None.

        Reads every changed file once (a failed save is rare; being sure is worth the requests). Written files
        must hold the bytes being saved, deleted and moved-away ones must be gone.
        """
        ids: dict[str, str] = {}
        try:
            head = self.state.backend.head(branch)
            for change in changes:
                gone = [change.path] if change.delete else [change.previous_path] if change.previous_path else []
                for path in gone:
                    try:
                        self.state.backend.read_file(path, branch=branch)
                    except NotFoundError:
                        continue
                    return None
                if change.delete:
                    continue
                try:
                    data, blob_id = self.state.backend.read_file(change.path, branch=branch)
                except NotFoundError:
                    return None
                if change.data is not None and data != change.data:
                    return None
                ids[change.path] = blob_id
        except EditorError:
            return None  # the host cannot tell now: the save's own error stands
        return CommitResult(commit=head, branch=branch, ids=ids)

    def _unpublished_landed(self, collection: str, slug: str, changes: Sequence[FileChange]) -> CommitResult | None:
        """The workflow save as the host holds it, when the entry is unpublished (its pull request exists) and its
        branch already has exactly what `changes` write; else None."""
        try:
            unpublished = self.state.backend.read_unpublished(collection, slug)
        except EditorError:
            return None
        return self._commit_landed(changes, unpublished.branch)

    def _explained_conflict(self, error: ConflictError, changes: Sequence[FileChange], branch: str) -> ConflictError:
        """`error` with what the branch holds now at the file in conflict: their version, or that it is gone.

        Hosts often refuse a branch update without saying which file moved; the dialog must not then claim
        the file was deleted. Their version is read, and when it is still what the edit started from, the
        message says the host refused the update although the file itself did not change.
        """
        if error.theirs is not None or not changes:
            return error
        path = error.path or changes[0].path
        change = next((c for c in changes if c.path == path), changes[0])
        try:
            head = error.head or self.state.backend.head(branch)
            theirs, theirs_id = self.state.backend.read_file(path, branch=branch)
        except NotFoundError:
            if change.expected_id == NEW_FILE:
                return ConflictError(f"{error} (the site refused the save; {path} does not exist there)",
                                     path=path, head=error.head)
            return ConflictError(f"{path} was deleted on the site ({error})", path=path, head=error.head,
                                 deleted=True)
        except EditorError:
            return error
        if change.expected_id is not None and theirs_id == change.expected_id:
            message = (f"the site refused to update branch '{branch}' ({error}); {path} itself is unchanged "
                       "there, but the branch moved on")
        elif change.expected_id == NEW_FILE:
            message = f"{path} already exists on the site ({error})"
        else:
            message = f"{path} was changed on the site ({error})"
        return ConflictError(message, path=path, theirs=theirs, theirs_id=theirs_id, head=head)

    def conflict_text(self, entry: OpenEntry, path: str | None) -> str:
        """The text my save would write at `path` (the file a ConflictError names): a translation's or the entry's."""
        if path and path != entry.path:
            for change in self.translations.translation_changes(entry, entry.path):
                if change.path == path:
                    return (change.data or b"").decode("utf-8")
            base = next((f for f in entry.locale_files if f.path == path), None)
            if base is not None:
                return base.raw
        return self.translations.raw_text(entry)

    def take_theirs(self, entry: OpenEntry, error: ConflictError) -> OpenEntry | None:
        """Drop my edit in favour of the other side's version (None when they deleted the file).

        When the conflict is over one of the entry's translations, the whole entry is read again as it is now.
        """
        self.drafts.discard_draft(entry)
        if error.path and error.path != entry.path and any(f.path == error.path for f in entry.locale_files):
            return self.open_entry(entry.collection, entry.path)
        if error.theirs is None or error.theirs_id is None:
            return None
        raw = decode_text(error.theirs, entry.path)
        collection = self.state.collection(entry.collection)
        file_config = collection.file_named(entry.file) if entry.file else None
        parsed, parse_error = content.parse_roundtrip(raw, collection, file_config, entry.path)
        data, locale_data = self.translations.split_locales(
            collection, file_config, parsed.data, parse_error, entry.locale_data
        )
        return replace(entry, raw=raw, data=data, locale_data=locale_data, base_id=error.theirs_id,
                       base_head=error.head, parse_error=parse_error, is_new=False, pristine=True, parsed=parsed)

    def resolve_conflict(self, entry: OpenEntry, mine: str, error: ConflictError) -> OpenEntry:
        """An entry holding `mine` (the text chosen in the conflict dialog) based on their version.

        Saving it replaces their version explicitly — only theirs, not a version made after it. The file is
        the entry's own, or one of its translations (then only that locale takes `mine`).
        """
        collection = self.state.collection(entry.collection)
        file_config = collection.file_named(entry.file) if entry.file else None
        locale_file = next((f for f in entry.locale_files if error.path and f.path == error.path), None)
        if locale_file is not None:
            parsed, parse_error = content.parse_roundtrip(mine, collection, file_config, locale_file.path)
            chosen = replace(locale_file, raw=mine, parsed=parsed, parse_error=parse_error,
                             base_id=error.theirs_id or NEW_FILE, pristine=_is_theirs(mine, error))
            files = tuple(chosen if f is locale_file else f for f in entry.locale_files)
            locale_data = {**entry.locale_data, locale_file.locale: copy.deepcopy(parsed.data)}
            return replace(entry, locale_files=files, locale_data=locale_data, base_head=error.head)
        parsed, parse_error = content.parse_roundtrip(mine, collection, file_config, entry.path)
        data, locale_data = self.translations.split_locales(
            collection, file_config, parsed.data, parse_error, entry.locale_data
        )
        # Mine is written exactly as chosen; the base is their version, so only that version is replaced.
        return replace(
            entry, data=data, locale_data=locale_data, parse_error=parse_error, raw=mine, parsed=parsed,
            pristine=_is_theirs(mine, error), base_id=error.theirs_id or NEW_FILE, base_head=error.head,
            is_new=False, slug=entry.slug, path=error.path or entry.path,
        )

    def delete_entry(self, entry: OpenEntry | IndexedEntry) -> CommitResult | None:
        """Delete the entry's file in one commit (None for a never-saved entry: only its draft goes)."""
        self.state.check_writable()
        if isinstance(entry, OpenEntry) and entry.is_new:
            self.drafts.discard_draft(entry)
            return None
        collection = self.state.collection(entry.collection)
        if collection.is_files or not collection.delete:
            raise ContentError(f"collection '{collection.name}' does not allow deleting entries", path=entry.path)
        expected = entry.base_id if isinstance(entry, OpenEntry) else entry.id
        if isinstance(entry, OpenEntry) and entry.branch and self.state.branch and entry.branch != self.state.branch:
            # Opened from its unpublished branch: Delete removes the published file, checked by its own id.
            try:
                _data, expected = self.state.backend.read_file(entry.path, branch=self.state.branch)
            except NotFoundError:
                raise ContentError(
                    "this entry is not published yet: delete its unpublished changes instead", path=entry.path
                ) from None
        message = content.commit_message(self.state.site, "delete", collection, entry.slug, entry.path, self.state.user)
        changes = [FileChange(path=entry.path, delete=True, expected_id=expected)]
        changes += [FileChange(path=p, delete=True, expected_id=i) for p, i in self._published_translations(entry)]
        result = self.state.backend.commit(changes, message, branch=self.state.branch or None)
        self.state.moved_to(result.commit)
        with self.state.mutex:
            self.state.index.get(entry.collection, {}).pop(entry.path, None)
        if isinstance(entry, OpenEntry):
            self.drafts.forget_draft(entry)
        return result

    def _published_translations(self, entry: OpenEntry | IndexedEntry) -> list[tuple[str, str]]:
        """(path, blob id) of the entry's other locale files on the site's branch (deleted with the entry)."""
        if isinstance(entry, IndexedEntry):
            return [(path, blob_id) for _locale, path, blob_id in entry.translations]
        if not entry.branch or not self.state.branch or entry.branch == self.state.branch:
            return [(f.path, f.base_id) for f in entry.locale_files if f.base_id != NEW_FILE]
        collection = self.state.collection(entry.collection)
        found = []
        for path in self.translations.sibling_paths(collection, None, entry.path).values():
            try:
                _data, blob_id = self.state.backend.read_file(path, branch=self.state.branch)
            except NotFoundError:
                continue
            found.append((path, blob_id))
        return found


def _is_theirs(mine: str, error: ConflictError) -> bool:
    """Whether the text chosen in a conflict is exactly their version (then saving it changes nothing)."""
    return error.theirs is not None and error.theirs_id is not None and error.theirs == mine.encode("utf-8")
