"""Where an entry's files are: listing depth, slug from path, locale folders and suffixes, decoding a file's text.

Pure functions over a collection's config, shared by the index, the entries and the workflow board.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any

from editor_app.backends.base import RepoFile
from editor_app.config.site_config import Collection, SiteConfig
from editor_app.errors import ContentError
from editor_app.workspace import content_bridge as content
from editor_app.workspace import i18n as i18n_mod


def _depth(collection: Collection) -> int:
    """Decap's listing depth: `nested.depth`, else the number of segments of the `path` template (1)."""
    if collection.nested is not None:
        return max(1, int(collection.nested.depth))
    if collection.path:
        return max(1, collection.path.strip("/").count("/") + 1)
    return 1


def translations_by_entry(
    collection: Collection, files: Sequence[RepoFile]
) -> dict[str, tuple[tuple[str, str, str], ...]]:
    """Locale-free path -> (locale, path, id) of the non-default locales' files listed for it."""
    i18n = i18n_mod.file_structure(collection)
    if i18n is None:
        return {}
    found: dict[str, list[tuple[str, str, str]]] = {}
    for repo_file in files:
        locale, plain = i18n_mod.split_path(collection, i18n, repo_file.path)
        if locale is not None and locale != i18n.default_locale:
            found.setdefault(plain, []).append((locale, repo_file.path, repo_file.id))
    return {plain: tuple(items) for plain, items in found.items()}


def listing_depth(collection: Collection) -> int:
    """The listing depth, one level deeper when each locale has its own folder."""
    i18n = i18n_mod.file_structure(collection)
    extra = 1 if i18n is not None and i18n.structure == "multiple_folders" else 0
    return _depth(collection) + extra


def locale_split(collection: Collection, path: str) -> tuple[str | None, str]:
    """(locale, path without it) of a file in a collection with per-locale files; (None, path) otherwise."""
    return i18n_mod.split_path(collection, i18n_mod.file_structure(collection), path)


def is_default_locale_file(collection: Collection, path: str) -> bool:
    """Whether the file at `path` is an entry's default-locale file (every file is, without per-locale files)."""
    i18n = i18n_mod.file_structure(collection)
    return i18n is None or locale_split(collection, path)[0] == i18n.default_locale


def slug_from_path(collection: Collection, path: str) -> str:
    """The entry's slug from its file's path (the locale folder or suffix left out)."""
    return content.slug_from_path(collection, locale_split(collection, path)[1])


def entry_file_path(
    site: SiteConfig, collection: Collection, slug: str, data: dict[str, Any], now: _dt.datetime
) -> str:
    """Where an entry's (default-locale) file goes: the content layer's path, plus the locale folder or suffix."""
    path = content.entry_path(site, collection, slug, data, now)
    i18n = i18n_mod.file_structure(collection)
    if i18n is None:
        return path
    return i18n_mod.locale_path(collection, i18n, path, i18n.default_locale)


def decode_text(data: bytes, path: str) -> str:
    """A file's bytes as text (UTF-8, a BOM dropped); ContentError naming the file when they are not."""
    try:
        return data.decode("utf-8-sig") if data.startswith(b"\xef\xbb\xbf") else data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ContentError(f"not UTF-8 text (byte {error.start})", path=path) from None
