"""i18n: where an entry's locales live and what each locale's file holds (Decap's `lib/i18n.ts`).

Structures: `multiple_folders` (`<folder>/<locale>/<slug>.<ext>`), `multiple_files` (`<folder>/<slug>.<locale>.<ext>`)
and `single_file` (one file whose top-level keys are the locales). Fields say how they translate: `translate`
(each locale has its own value), `duplicate` (every locale carries the default locale's value) and `none`/unset
(only the default locale has it; a translation file keeps such a value only if it already had one).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from editor_app.config.site_config import Collection, CollectionFile, I18nConfig

FILE_STRUCTURES = ("multiple_folders", "multiple_files")


@dataclass(frozen=True)
class LocaleFile:
    """One non-default locale's file of an open entry, as read: the base its save starts from.

    `base_id` is NEW_FILE ("") when the locale has no file yet; `parsed` is the content layer's round-trip handle.
    """

    locale: str
    path: str
    raw: str
    base_id: str
    parsed: Any = None
    parse_error: str | None = None
    pristine: bool = True  # `raw` is exactly the content of `base_id` (False: the text chosen in a conflict)


def entry_i18n(collection: Collection, file_config: CollectionFile | None = None) -> I18nConfig | None:
    """The i18n settings an entry follows: the file's in a files collection, else the collection's; None if none."""
    i18n = file_config.i18n if file_config is not None else collection.i18n
    if isinstance(i18n, I18nConfig) and i18n.locales and i18n.structure:
        return i18n
    return None


def file_structure(collection: Collection) -> I18nConfig | None:
    """The collection's i18n settings when each locale has a file of its own (folders or suffixes)."""
    i18n = entry_i18n(collection) if not collection.is_files else None
    return i18n if i18n is not None and i18n.structure in FILE_STRUCTURES else None


def other_locales(i18n: I18nConfig) -> list[str]:
    """The locales besides the default one, in config order."""
    return [locale for locale in i18n.locales if locale != i18n.default_locale]


def locale_path(collection: Collection, i18n: I18nConfig, plain_path: str, locale: str) -> str:
    """The file of `locale` for the entry whose locale-free path is `plain_path`."""
    if i18n.structure == "multiple_folders":
        folder = (collection.folder or "").strip("/")
        relative = plain_path[len(folder) + 1 :] if folder and plain_path.startswith(folder + "/") else plain_path
        return f"{folder}/{locale}/{relative}" if folder else f"{locale}/{relative}"
    if i18n.structure == "multiple_files":
        stem, dot, extension = plain_path.rpartition(".")
        if not dot or "/" in extension:
            return f"{plain_path}.{locale}"
        return f"{stem}.{locale}.{extension}"
    return plain_path


def split_path(collection: Collection, i18n: I18nConfig | None, path: str) -> tuple[str | None, str]:
    """(locale, locale-free path) of a listed file; (None, path) when the path names no locale."""
    if i18n is None or i18n.structure not in FILE_STRUCTURES:
        return None, path
    if i18n.structure == "multiple_folders":
        folder = (collection.folder or "").strip("/")
        if folder and not path.startswith(folder + "/"):
            return None, path
        relative = path[len(folder) + 1 :] if folder else path
        locale, sep, rest = relative.partition("/")
        if sep and locale in i18n.locales:
            return locale, f"{folder}/{rest}" if folder else rest
        return None, path
    stem, dot, extension = path.rpartition(".")
    base, dot2, locale = stem.rpartition(".")
    if dot and dot2 and "/" not in locale and locale in i18n.locales:
        return locale, f"{base}.{extension}"
    return None, path


def sibling_paths(collection: Collection, i18n: I18nConfig, default_path: str) -> dict[str, str]:
    """Locale -> file of every non-default locale of the entry whose default-locale file is `default_path`."""
    if i18n.structure not in FILE_STRUCTURES:
        return {}
    _locale, plain = split_path(collection, i18n, default_path)
    return {locale: locale_path(collection, i18n, plain, locale) for locale in other_locales(i18n)}


def split_single_file(data: Mapping[str, Any], i18n: I18nConfig) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(default locale's data, other locales' data) of a single_file entry, whose top-level keys are locales."""
    default = data.get(i18n.default_locale)
    others = {}
    for locale in other_locales(i18n):
        value = data.get(locale)
        if isinstance(value, Mapping):
            others[locale] = dict(value)
    return (dict(default) if isinstance(default, Mapping) else {}), others


def join_single_file(
    default: Mapping[str, Any], others: Mapping[str, Mapping[str, Any]], i18n: I18nConfig
) -> dict[str, Any]:
    """The single_file data: each locale's fields under its key, in config order (locales without data left out)."""
    joined: dict[str, Any] = {}
    for locale in i18n.locales:
        if locale == i18n.default_locale:
            joined[locale] = dict(default)
        elif locale in others:
            joined[locale] = dict(others[locale])
    return joined


def translation_data(
    fields: list[Any], default: Mapping[str, Any], data: Mapping[str, Any], *, had_file: bool
) -> dict[str, Any]:
    """What a non-default locale holds: its translated fields, the default's value of every `duplicate` field.

    A field that is not translated (i18n none or unset) belongs to the default locale: a translation that had
    no file yet gets none of them, one read from a file keeps what the file had (its bytes stay as they are).
    """
    result = dict(data)
    for fld in fields:
        mode = getattr(fld, "i18n", None)
        if mode == "duplicate":
            if fld.name in default:
                result[fld.name] = copy.deepcopy(default[fld.name])
            else:
                result.pop(fld.name, None)
        elif mode != "translate" and not had_file:
            result.pop(fld.name, None)
    return result


def new_translation(fields: list[Any], default: Mapping[str, Any]) -> dict[str, Any]:
    """A new locale's data: the duplicated fields as the default has them, translated fields still empty."""
    return translation_data(fields, default, {}, had_file=False)


def has_translated_content(fields: list[Any], data: Mapping[str, Any]) -> bool:
    """Whether any translated field of `data` holds something (an untouched missing locale is not written)."""
    for fld in fields:
        if getattr(fld, "i18n", None) == "translate" and data.get(fld.name) not in (None, "", [], {}):
            return True
    return False
