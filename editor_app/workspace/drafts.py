"""The drafts journal as the editor uses it: write while typing (on a thread of its own), offer back, discard.

No data loss: edits go to the journal and leave it only after the commit containing them succeeded.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from editor_app.backends.base import NEW_FILE
from editor_app.errors import EditorError
from editor_app.workspace import content_bridge as content
from editor_app.workspace import i18n as i18n_mod
from editor_app.workspace.journal import Draft, DraftKey
from editor_app.workspace.model import OpenEntry, PendingDraft
from editor_app.workspace.site_state import SiteState
from editor_app.workspace.translations import Translations


class Drafts:
    """Journaled drafts of this site's entries: written in order on one thread, offered back when they differ."""

    def __init__(self, state: SiteState, translations: Translations) -> None:
        self.state = state
        self.translations = translations
        # Drafts are written in order on one thread of their own (journal_draft_soon); the latest edit wins.
        self._journal_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drafts-journal")
        self._journal_next: OpenEntry | None = None
        self._closed = False
        self.journal_error: Exception | None = None  # why the last background draft write failed (None: it worked)

    def close(self) -> None:
        """Write the drafts still queued, then stop the journal's thread."""
        self.drain_journal()
        self._closed = True
        self._journal_thread.shutdown(wait=True)

    def _draft_key(self, entry: OpenEntry) -> DraftKey:
        site = self.state.identity + "@" + (self.state.branch or "")
        return DraftKey(site, entry.collection, entry.draft_name or entry.path)

    def journal_draft(self, entry: OpenEntry) -> Draft:
        """Write `entry`'s current text to the drafts journal (atomic), after any write still queued."""
        self.drain_journal()
        return self._write_draft(entry)

    def journal_draft_soon(self, entry: OpenEntry) -> None:
        """`journal_draft` on the journal's own thread: the caller (the GUI, while typing) waits neither for
        writing the text (a YAML round trip) nor for the disk. Writes keep their order and only the latest
        queued edit is written; a failure is kept in `journal_error` until a later write succeeds."""
        if self._closed:  # a late timer after close: write it here rather than drop it
            self._write_draft(entry)
            return
        with self.state.mutex:
            idle = self._journal_next is None
            self._journal_next = entry
        if idle:
            self._journal_thread.submit(self._write_latest_draft)

    def _write_latest_draft(self) -> None:
        with self.state.mutex:
            entry, self._journal_next = self._journal_next, None
        if entry is None:
            return
        try:
            self._write_draft(entry)
        except (EditorError, OSError) as error:
            self.journal_error = error
        else:
            self.journal_error = None

    def drain_journal(self) -> None:
        """Wait until the drafts queued by `journal_draft_soon` are written."""
        if not self._closed:
            self._journal_thread.submit(_nothing).result()

    def _write_draft(self, entry: OpenEntry) -> Draft:
        try:
            raw = self.translations.raw_text(entry)
        except EditorError:
            raw = None  # the fields cannot be written as text yet; the form data alone is kept
        draft = Draft(
            key=self._draft_key(entry),
            path=entry.path,
            raw=raw,
            data=entry.data,
            base_id=entry.base_id,
            base_head=entry.base_head,
            saved_at=self.state.clock(),
            is_new=entry.is_new,
            extra={"slug": entry.slug, "file": entry.file, "branch": entry.branch, "status": entry.status,
                   "base_raw": entry.raw,
                   "pristine": entry.pristine,
                   # i18n: the other locales as edited, and the files they started from (their save bases)
                   "locale_data": entry.locale_data,
                   "locale_files": [[f.locale, f.path, f.raw, f.base_id] for f in entry.locale_files]},
        )
        if not self.state.read_only_reason:  # the drafts are the other instance's to keep while it holds the site
            self.state.journal.write(draft.key, draft)
        with self.state.mutex:
            self.state.draft_paths = None
        return draft

    def draft_for(self, entry: OpenEntry) -> PendingDraft | None:
        """The journaled draft of `entry`, if one differs from it, as an entry to restore."""
        draft = self.state.journal.read(self._draft_key(entry))
        if draft is None:
            return None
        restored = self._entry_from_draft(draft)
        same = restored.data == entry.data and restored.locale_data == entry.locale_data
        if same and restored.base_id == entry.base_id:
            return None
        if same or (draft.raw is not None and draft.raw == entry.raw and restored.locale_data == entry.locale_data):
            # The file already holds what the draft holds (e.g. a crash between the commit and the draft's
            # removal): restoring would only offer a false conflict. Compared by text, not by base id.
            self.forget_draft(entry)
            return None
        return PendingDraft(entry=restored, draft=draft)

    def pending_drafts(self) -> list[PendingDraft]:
        """Every draft of this site left in the journal (after a crash or a failed save), oldest first."""
        site = self.state.identity + "@" + (self.state.branch or "")
        result = []
        for draft in self.state.journal.pending(site):
            if self.state.site.collection_named(draft.key.collection) is None:
                continue
            if self._draft_is_saved(draft):
                if not self.state.read_only_reason:
                    self.state.journal.discard(draft.key)
                continue
            result.append(PendingDraft(entry=self._entry_from_draft(draft), draft=draft))
        return result

    def _draft_is_saved(self, draft: Draft) -> bool:
        """Whether the loaded index says the draft's file already holds exactly the draft's text (no request).

        A crash between a commit and the removal of its draft leaves such a draft; a new entry's one too
        (its file now exists with the draft's text): offering it back would make a false conflict or a copy.
        """
        if draft.raw is None or (draft.extra or {}).get("locale_data"):
            return False
        indexed = self.state.indexed(draft.key.collection, draft.path)
        if indexed is None:
            return False
        data = self.state.cache.get_blob(indexed.id)
        return data is not None and data == draft.raw.encode("utf-8")

    def has_draft(self, path: str) -> bool:
        """Whether a journaled draft exists for the entry at `path` (cheap: called for every listed row)."""
        with self.state.mutex:
            if self.state.draft_paths is None:
                site = self.state.identity + "@" + (self.state.branch or "")
                pending = self.state.journal.pending(site)
                self.state.draft_paths = {d.path for d in pending if not self._draft_is_saved(d)}
            return path in self.state.draft_paths

    def discard_draft(self, entry: OpenEntry) -> None:
        """Throw away `entry`'s journaled draft (the editor chose to)."""
        self.forget_draft(entry)

    def forget_draft(self, entry: OpenEntry) -> None:
        """Remove `entry`'s draft from the journal (it was saved, or thrown away), after any write still queued."""
        self.drain_journal()  # a draft write still queued must not bring the draft back afterwards
        if self.state.read_only_reason:
            return
        self.state.journal.discard(self._draft_key(entry))
        with self.state.mutex:
            self.state.draft_paths = None

    def _entry_from_draft(self, draft: Draft) -> OpenEntry:
        extra = draft.extra or {}
        data = draft.data
        collection = self.state.collection(draft.key.collection)
        file_name = extra.get("file")
        file_config = collection.file_named(file_name) if file_name else None
        locale_data = dict(extra.get("locale_data") or {})
        if draft.raw is not None:
            parsed, _error = content.parse_roundtrip(draft.raw, collection, file_config, draft.path)
            data = parsed.data
            i18n = i18n_mod.entry_i18n(collection, file_config)
            if i18n is not None and i18n.structure == "single_file" and _error is None:
                data, locale_data = i18n_mod.split_single_file(data, i18n)
        locale_files = []
        for locale, path, raw, base_id in extra.get("locale_files") or []:
            parsed_locale = content.parse_roundtrip(raw, collection, file_config, path) if base_id else (None, None)
            locale_files.append(i18n_mod.LocaleFile(locale, path, raw, base_id, *parsed_locale))
        return OpenEntry(
            collection=draft.key.collection,
            slug=extra.get("slug") or draft.key.entry,
            path=draft.path,
            data=dict(data or {}),
            raw=extra.get("base_raw") or "",
            pristine=bool(extra.get("pristine", True)),
            base_id=draft.base_id if draft.base_id is not None else NEW_FILE,
            base_head=draft.base_head,
            branch=extra.get("branch"),
            is_new=draft.is_new,
            file=file_name,
            status=extra.get("status"),
            draft_name=draft.key.entry,
            locale_data=locale_data,
            locale_files=tuple(locale_files),
        )


def _nothing() -> None:
    return None
