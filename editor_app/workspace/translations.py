"""An entry's text and its locales: the file text a save writes, the other locales' files read and written."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from editor_app.backends.base import NEW_FILE, FileChange
from editor_app.config.site_config import Collection, CollectionFile
from editor_app.errors import ContentError, NotFoundError
from editor_app.workspace import content_bridge as content
from editor_app.workspace import i18n as i18n_mod
from editor_app.workspace.entry_paths import decode_text
from editor_app.workspace.model import IndexedEntry, OpenEntry, RawTextError
from editor_app.workspace.site_state import SiteState


class Translations:
    """Converts between an entry's fields (per locale) and its files' text; reads and writes the translations."""

    def __init__(self, state: SiteState) -> None:
        self.state = state

    def entry_locales(self, entry: OpenEntry | IndexedEntry) -> tuple[list[str], str] | None:
        """(locales, default locale) of an entry of a translated collection; None when it has no translations."""
        collection = self.state.collection(entry.collection)
        file_config = collection.file_named(entry.file) if entry.file else None
        i18n = i18n_mod.entry_i18n(collection, file_config)
        return (list(i18n.locales), i18n.default_locale) if i18n is not None else None

    def sibling_paths(self, collection: Collection, file_config: CollectionFile | None, path: str) -> dict[str, str]:
        """Locale -> path of the other locales' files of the entry at `path` (none without a file per locale)."""
        i18n = i18n_mod.file_structure(collection) if file_config is None else None
        return i18n_mod.sibling_paths(collection, i18n, path) if i18n is not None else {}

    def read_translations(
        self, collection: Collection, file_config: CollectionFile | None, path: str, branch: str, fresh: bool
    ) -> tuple[i18n_mod.LocaleFile, ...]:
        """The other locales' files of the entry at `path` (from the cache when the index knows their ids)."""
        siblings = self.sibling_paths(collection, file_config, path)
        if not siblings:
            return ()
        indexed = self.state.indexed(collection.name, path)
        known = {p: blob_id for _locale, p, blob_id in (indexed.translations if indexed is not None else ())}
        found: list[i18n_mod.LocaleFile] = []
        for locale, locale_path in siblings.items():
            cached_id = known.get(locale_path) if fresh else None
            if fresh and indexed is not None and cached_id is None:
                # the listing at this head has no such file: the locale is not translated yet
                found.append(i18n_mod.LocaleFile(locale, locale_path, "", NEW_FILE))
                continue
            data_bytes = self.state.cache.get_blob(cached_id) if cached_id else None
            blob_id = cached_id or ""
            if data_bytes is None:
                try:
                    data_bytes, blob_id = self.state.backend.read_file(locale_path, branch=branch)
                except NotFoundError:
                    found.append(i18n_mod.LocaleFile(locale, locale_path, "", NEW_FILE))
                    continue
                self.state.cache.put_blob(blob_id, data_bytes)
            raw = decode_text(data_bytes, locale_path)
            parsed, error = content.parse_roundtrip(raw, collection, file_config, locale_path)
            found.append(i18n_mod.LocaleFile(locale, locale_path, raw, blob_id, parsed, error))
        return tuple(found)

    def raw_text(self, entry: OpenEntry) -> str:
        """The file text saving `entry` would write (unchanged fields keep their original bytes)."""
        collection = self.state.collection(entry.collection)
        file_config = collection.file_named(entry.file) if entry.file else None
        parsed = entry.parsed
        if parsed is None and not (entry.is_new and not entry.raw):
            parsed, _error = content.parse_roundtrip(entry.raw, collection, file_config, entry.path)
        i18n = i18n_mod.entry_i18n(collection, file_config)
        if i18n is not None and i18n.structure == "single_file" and not (parsed is not None and parsed.is_raw):
            had = i18n_mod.split_single_file(parsed.data, i18n)[1] if parsed is not None else {}
            fields = content.fields_of(collection, file_config)
            others = {}
            for locale in i18n_mod.other_locales(i18n):
                data = i18n_mod.translation_data(fields, entry.data, entry.locale_data.get(locale, {}),
                                                 had_file=locale in had)
                if locale in had or entry.is_new or i18n_mod.has_translated_content(fields, data):
                    others[locale] = data
            joined = i18n_mod.join_single_file(entry.data, others, i18n)
            return content.dump_roundtrip(parsed, joined, collection, file_config, entry.path,
                                          field_order=list(i18n.locales))
        return content.dump_roundtrip(parsed, entry.data, collection, file_config, entry.path)

    def translation_changes(self, entry: OpenEntry, default_path: str) -> list[FileChange]:
        """The other locales' files that saving `entry` (whose default-locale file is `default_path`) writes.

        A locale file is written when its text changed; a locale without a file only for a new entry or when
        something was translated. Each change carries the blob id its locale was read at.
        """
        collection = self.state.collection(entry.collection)
        file_config = collection.file_named(entry.file) if entry.file else None
        siblings = self.sibling_paths(collection, file_config, default_path)
        fields = content.fields_of(collection, file_config)
        changes = []
        for locale, path in siblings.items():
            base = entry.locale_file(locale)
            had_file = base is not None and base.base_id != NEW_FILE and base.path == path
            if had_file and base is not None and base.parse_error is not None and base.pristine:
                # a translation that does not parse is never rewritten from fields it could not give
                if i18n_mod.has_translated_content(fields, entry.locale_data.get(locale, {})):
                    raise ContentError(f"the {locale} translation does not parse ({base.parse_error}); "
                                       "fix that file before saving a translation into it", path=path)
                continue
            data = i18n_mod.translation_data(fields, entry.data, entry.locale_data.get(locale, {}), had_file=had_file)
            if not had_file and not entry.is_new and not i18n_mod.has_translated_content(fields, data):
                continue
            parsed = base.parsed if had_file and base is not None else None
            text = content.dump_roundtrip(parsed, data, collection, file_config, path)
            if had_file and base is not None and base.pristine and text == base.raw:
                continue
            expected = base.base_id if had_file and base is not None else NEW_FILE
            changes.append(FileChange(path=path, data=text.encode("utf-8"), expected_id=expected))
        return changes

    def parse_raw_text(self, entry: OpenEntry, text: str) -> OpenEntry:
        """`entry` with its fields read from `text` (the raw source editor); RawTextError when it does not parse."""
        collection = self.state.collection(entry.collection)
        try:
            data = content.parse_strict(text, collection, entry.path)
        except ContentError as error:
            raise RawTextError(error.detail, path=error.path or entry.path, line=error.line) from None
        i18n = i18n_mod.entry_i18n(collection, collection.file_named(entry.file) if entry.file else None)
        if i18n is not None and i18n.structure == "single_file":
            default, others = i18n_mod.split_single_file(data, i18n)
            return replace(entry, data=default, locale_data=others)
        return replace(entry, data=data)

    def saved_translations(
        self, entry: OpenEntry, collection: Collection, file_config: CollectionFile | None, path: str,
        changes: list[FileChange], ids: dict[str, str],
    ) -> tuple[i18n_mod.LocaleFile, ...]:
        """The entry's locale files after a save: the written ones as written, the others as they were."""
        written = {c.path: c for c in changes}
        files = []
        for locale, locale_path in self.sibling_paths(collection, file_config, path).items():
            change = written.get(locale_path)
            if change is None:
                before = entry.locale_file(locale)
                same = before is not None and before.path == locale_path
                files.append(before if same else i18n_mod.LocaleFile(locale, locale_path, "", NEW_FILE))
                continue
            raw = (change.data or b"").decode("utf-8")
            parsed, error = content.parse_roundtrip(raw, collection, file_config, locale_path)
            files.append(i18n_mod.LocaleFile(locale, locale_path, raw, ids.get(locale_path, ""), parsed, error))
        return tuple(f for f in files if f is not None)

    @staticmethod
    def split_locales(
        collection: Collection, file_config: CollectionFile | None, data: dict[str, Any], parse_error: str | None,
        locale_data: dict[str, dict[str, Any]],
    ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """(default data, other locales) of a whole file's data: split when all locales share one file."""
        i18n = i18n_mod.entry_i18n(collection, file_config)
        if i18n is not None and i18n.structure == "single_file" and parse_error is None:
            return i18n_mod.split_single_file(data, i18n)
        return copy.deepcopy(data), dict(locale_data)
