"""Slugs and entry paths as Decap computes them, and the checks that keep paths inside their folder.

- `sanitize_slug(text, config)`: Decap's `sanitizeSlug` (encoding unicode/ascii, clean_accents,
  sanitize_replacement, file-name safety, collapsed/trimmed replacements).
- `slug_for_entry(collection, data, config, now=...)`: the `slug` template (`{{slug}}` = identifier,
  date keys in UTC from the entry's date field or `now`, `{{fields.x}}`, bare field names).
- `entry_path(collection, slug, data, config, now=...)`: folder + (`path` template or slug) + extension.
- `unique_slug(slug, exists, replacement)` and `new_entry_location(...)`: never reuse a taken path
  (`-1`, `-2`, ... as Decap's `generateUniqueSlug`).
- `slug_from_path(collection, path)`: an existing entry's slug (path minus folder and extension).
- `check_relative_path(path)` / `join_inside(folder, relative)`: refuse `..`, absolute paths, NUL and
  control characters with a `ContentError`.
- i18n (Decap's `lib/i18n.ts`): `locale_path(structure, path, slug, locale, extension)` gives the file of
  one locale (`multiple_folders`: `<folder>/<locale>/<slug>.<ext>`, `multiple_files`:
  `<folder>/<slug>.<locale>.<ext>`, `single_file`: one file); `locale_from_path` and
  `path_without_locale` read them back when listing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from editor_app.content.templates import (
    DATE_KEYS,
    FIELD_PREFIX,
    compile_template,
    entry_date,
    lookup,
    template_variables,
)
from editor_app.errors import ContentError
from editor_app.paths import sanitize_file_name

_ASCII_CHAR = re.compile(r"[A-Za-z0-9_\-.~]")
# RFC 3987 ucschar ranges (Decap's validIRIChar), beyond the ASCII URI characters.
_UCSCHAR_RANGES = (
    (0xA0, 0xD7FF), (0xF900, 0xFDCF), (0xFDF0, 0xFFEF),
    *((plane + 0x0000, plane + 0xFFFD) for plane in range(0x10000, 0xE0000, 0x10000)),
    (0xE1000, 0xEFFFD),
)


class SlugSettings(Protocol):
    """The site's `slug:` options."""

    encoding: str
    clean_accents: bool
    sanitize_replacement: str


class CollectionLike(Protocol):
    """What slug and path functions need of a collection."""

    folder: str | None
    slug: str
    path: str | None
    fields: list[Any]

    @property
    def entry_extension(self) -> str: ...

    def identifier_field_name(self) -> str | None: ...


def _valid_iri_char(ch: str) -> bool:
    if _ASCII_CHAR.match(ch):
        return True
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _UCSCHAR_RANGES)


def _remove_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.translate(str.maketrans(_FOLDED))


# Letters without a decomposition that Decap's diacritics map still folds.
_FOLDED: dict[str, str | int | None] = {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "đ": "d",
                                        "Đ": "D", "ł": "l", "Ł": "L", "œ": "oe", "Œ": "OE", "þ": "th"}


def sanitize_slug(text: str, config: SlugSettings) -> str:
    """Decap's `sanitizeSlug`: keep characters allowed by the encoding, replace the rest."""
    replacement = config.sanitize_replacement
    if config.clean_accents:
        text = _remove_accents(text)
    if config.encoding == "ascii":
        text = "".join(ch if _ASCII_CHAR.match(ch) else replacement for ch in text)
    else:
        text = "".join(ch if _valid_iri_char(ch) else replacement for ch in text)
    text = sanitize_file_name(text, replacement)
    if replacement:
        escaped = re.escape(replacement)
        text = re.sub(f"(?:{escaped})+", replacement, text)
        text = re.sub(f"^{escaped}", "", text)
        text = re.sub(f"{escaped}$", "", text)
    return text


def prepare_slug(value: Any) -> str:
    """Decap's `prepareSlug`: trim, lower-case, drop `'`, turn `.` into `-`."""
    text = "" if value is None else str(value)
    return text.strip().lower().replace("'", "").replace(".", "-")


def process_segment(value: Any, config: SlugSettings) -> str:
    """How each value substituted into a slug or path template is cleaned."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return sanitize_slug(prepare_slug(value), config)


class EmptyFileNameError(ContentError):
    """A new entry's file name (or a folder of its path) would come out empty; `fields` are the ones to fill in."""

    def __init__(self, message: str, fields: list[str]) -> None:
        super().__init__(message)
        self.fields = list(fields)


# A file name is at most 255 bytes on every common file system (ext4, APFS, NTFS counts UTF-16 units, fewer).
MAX_FILE_NAME_BYTES = 255
# Room kept free in a new slug for what may still be added to its file name: a counter (`-12`) that keeps
# it unique and an i18n locale (`.pt-BR`, multiple_files).
_SLUG_RESERVE_BYTES = 12


def cut_to_bytes(text: str, limit: int, replacement: str = "") -> str:
    """`text` cut to at most `limit` UTF-8 bytes on a character boundary, without a trailing `replacement`."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    cut = encoded[: max(limit, 0)].decode("utf-8", errors="ignore")
    while replacement and cut.endswith(replacement):
        cut = cut[: -len(replacement)]
    return cut


def slug_byte_budget(collection: CollectionLike) -> int:
    """The most bytes a new entry's slug may take so that its file name, extension included, fits 255 bytes."""
    extension = f".{collection.entry_extension}".encode()
    return MAX_FILE_NAME_BYTES - len(extension) - _SLUG_RESERVE_BYTES


def _field_label(collection: CollectionLike, name: str) -> str:
    """`'name'`, plus the label the form shows when it differs: `'title' (Title)`."""
    head = name.split(".", 1)[0].split("[", 1)[0]
    for fld in collection.fields:
        if getattr(fld, "name", None) == head:
            label = getattr(fld, "label", "") or head
            return f"'{name}'" if label == name else f"'{name}' ({label})"
    return f"'{name}'"


def _fill_in(collection: CollectionLike, names: list[str], message: str) -> EmptyFileNameError:
    """The error naming the fields to fill in; `{fields}` in `message` is where their names go."""
    unique = list(dict.fromkeys(names))
    listed = " and ".join(_field_label(collection, n) for n in unique)
    return EmptyFileNameError(message.format(fields=listed), unique)


def template_field_names(template: str, identifier_name: str | None) -> list[str]:
    """The entry fields a slug or path template reads (`{{slug}}` is the identifier field), in order."""
    names: list[str] = []
    for key in template_variables(template):
        if key in DATE_KEYS:
            continue
        if key == "slug":
            if identifier_name:
                names.append(identifier_name)
            continue
        names.append(key[len(FIELD_PREFIX):] if key.startswith(FIELD_PREFIX) else key)
    return names


def _identifier(collection: CollectionLike, data: Mapping[str, Any], template: str) -> Any:
    """The identifier field's value, when the template uses `{{slug}}`; Decap never requires it otherwise."""
    if "slug" not in template_variables(template):
        return ""
    name = collection.identifier_field_name()
    if name is None:
        raise EmptyFileNameError(
            "the slug template uses {{slug}}, but the collection has no 'title' field: set 'identifier_field' "
            "to the field that names entries, or change the slug template", [])
    lowered = {k.lower(): k for k in data}
    key = name if name in data else lowered.get(name.lower())
    value = data.get(key) if key is not None else None
    if value in (None, ""):
        raise _fill_in(collection, [name], "the entry needs a value in {fields} to make its file name")
    return value


def _empty_values(template: str, data: Mapping[str, Any], names: list[str], config: SlugSettings) -> list[str]:
    """The template's fields whose value comes out empty once cleaned."""
    return [n for n in names if not process_segment(lookup(data, n), config)]


def slug_for_entry(
    collection: CollectionLike,
    data: Mapping[str, Any],
    config: SlugSettings,
    *,
    now: datetime | None = None,
) -> str:
    """The slug of a new entry from the collection's `slug` template, cut so its file name fits 255 bytes.

    Only the fields the template uses are needed (`{{slug}}` needs the identifier field); when the slug
    would still be empty an `EmptyFileNameError` names the fields to fill in.
    """
    template = collection.slug or "{{slug}}"
    identifier = _identifier(collection, data, template)
    when = entry_date(data) or now or datetime.now(UTC)
    slug = compile_template(template, data, date=when, identifier=identifier,
                            processor=lambda v: process_segment(v, config))
    slug = cut_to_bytes(slug, slug_byte_budget(collection), config.sanitize_replacement)
    if not slug.strip(" " + config.sanitize_replacement):
        names = template_field_names(template, collection.identifier_field_name())
        empty = _empty_values(template, data, names, config) or names
        if empty:
            raise _fill_in(collection, empty, "the entry's file name would be empty: fill in {fields}")
        raise EmptyFileNameError(f"the entry's file name would be empty (slug template '{template}')", [])
    return slug


def entry_path(
    collection: CollectionLike,
    slug: str,
    data: Mapping[str, Any],
    config: SlugSettings,
    *,
    now: datetime | None = None,
) -> str:
    """The repository path of an entry of a folder collection (slug or `path` template, plus extension).

    A `path` template whose fields are empty would give an empty folder name: the error names those fields.
    """
    relative = slug
    if collection.path:
        when = entry_date(data) or now or datetime.now(UTC)
        relative = compile_template(
            collection.path, data, date=when, identifier=slug,
            processor=lambda v: v if v == slug else process_segment(v, config),
        )
        if relative.startswith("/") or relative.endswith("/") or "//" in relative or not relative:
            names = template_field_names(collection.path, None)
            empty = _empty_values(collection.path, data, names, config)
            if empty:
                raise _fill_in(collection, empty, "the entry's path ('" + collection.path.replace("{", "{{")
                               .replace("}", "}}") + "') would have an empty folder name: fill in {fields}")
    segments = relative.split("/")
    extension = f".{collection.entry_extension}"
    segments = [cut_to_bytes(s, MAX_FILE_NAME_BYTES, config.sanitize_replacement) for s in segments[:-1]] + [
        cut_to_bytes(segments[-1], MAX_FILE_NAME_BYTES - len(extension.encode()), config.sanitize_replacement)]
    return join_inside(collection.folder or "", "/".join(segments) + extension)


def unique_slug(slug: str, exists: Callable[[str], bool], replacement: str = "-") -> str:
    """`slug`, or `slug-1`, `slug-2`, ... for the first one `exists` says is free."""
    candidate = slug
    n = 0
    while exists(candidate):
        n += 1
        candidate = f"{slug}{replacement}{n}"
    return candidate


def new_entry_location(
    collection: CollectionLike,
    data: Mapping[str, Any],
    config: SlugSettings,
    exists: Callable[[str], bool],
    *,
    now: datetime | None = None,
) -> tuple[str, str]:
    """(slug, path) of a new entry whose path `exists(path)` says is not taken yet."""
    base = slug_for_entry(collection, data, config, now=now)
    chosen = unique_slug(base, lambda s: exists(entry_path(collection, s, data, config, now=now)),
                         config.sanitize_replacement)
    return chosen, entry_path(collection, chosen, data, config, now=now)


def slug_from_path(collection: CollectionLike, path: str) -> str:
    """An existing entry's slug: its path without the collection folder and the extension."""
    folder = (collection.folder or "").strip("/")
    relative = path[len(folder) + 1:] if folder and path.startswith(folder + "/") else path
    extension = "." + collection.entry_extension
    if relative.endswith(extension):
        relative = relative[: -len(extension)]
    else:
        stem, dot, _ = relative.rpartition(".")
        relative = stem if dot and "/" not in relative[len(stem):] else relative
    return relative


def check_relative_path(path: str) -> str:
    """`path` when it is a safe relative path; otherwise a ContentError saying why."""
    if not path:
        raise ContentError("the path is empty")
    if "\x00" in path:
        raise ContentError(f"the path {path!r} contains a NUL character")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in path):
        raise ContentError(f"the path {path!r} contains a control character")
    if path.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", path):
        raise ContentError(f"the path {path!r} is absolute; it must stay inside the collection folder")
    parts = re.split(r"[/\\]", path)
    if any(part in ("..", ".") for part in parts):
        raise ContentError(f"the path {path!r} leaves its folder ('..' or '.' segment)")
    if any(part == "" for part in parts):
        raise ContentError(f"the path {path!r} has an empty segment")
    return path


def join_inside(folder: str, relative: str) -> str:
    """`folder/relative`, refusing any relative path that could leave `folder`."""
    check_relative_path(relative)
    folder = folder.strip("/")
    return f"{folder}/{relative}" if folder else relative


def locale_path(structure: str, path: str, slug: str, locale: str, extension: str) -> str:
    """The file of `locale` for an entry whose default path is `path` (Decap's `getFilePath`)."""
    if structure == "multiple_folders":
        return path.replace(f"/{slug}", f"/{locale}/{slug}", 1) if f"/{slug}" in path else f"{locale}/{path}"
    if structure == "multiple_files":
        suffix = f".{extension}"
        return path[: -len(suffix)] + f".{locale}{suffix}" if path.endswith(suffix) else f"{path}.{locale}"
    return path


def locale_from_path(structure: str, path: str, extension: str) -> str | None:
    """The locale a listed file belongs to (Decap's `getLocaleFromPath`); None for single_file."""
    if structure == "multiple_folders":
        parts = path.split("/")
        return parts[-2] if len(parts) >= 2 else None
    if structure == "multiple_files":
        stem = path[: -len(extension) - 1] if path.endswith("." + extension) else path
        name = stem.rsplit("/", 1)[-1]
        return name.rsplit(".", 1)[-1] if "." in name else None
    return None


def path_without_locale(structure: str, path: str, locale: str) -> str:
    """The path with the locale taken out, so every locale's file maps to one entry slug."""
    if structure == "multiple_folders":
        parts = path.split("/")
        if len(parts) >= 2 and parts[-2] == locale:  # the segment, not any "<locale>/" text (e.g. "code/")
            del parts[-2]
        return "/".join(parts)
    if structure == "multiple_files":
        head, dot, tail = path.rpartition(f".{locale}")
        return head + tail if dot else path
    return path
