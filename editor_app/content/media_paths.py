"""Where an entry's media files go and how they are linked (Decap's `selectMediaFolder` / `evaluateFolder`).

`media_folder_for(site, collection, ...)` returns the repository folder for uploads: the site's
`media_folder`, unless the collection, the file (files collections) or the field sets its own. A custom
folder is a template (`{{media_folder}}`, `{{dirname}}`, `{{filename}}`, `{{extension}}`, fields, dates)
resolved relative to the entry's directory unless it starts with `/`. `public_folder_for(...)` is the
matching URL prefix written into the entry.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

from editor_app.config.site_config import Collection, CollectionFile, Field, SiteConfig
from editor_app.content.slugs import process_segment
from editor_app.content.templates import compile_template, entry_date, file_template_fields
from editor_app.errors import ContentError


def _evaluate(
    key: str,
    site: SiteConfig,
    collection: Collection,
    entry_path: str | None,
    data: Mapping[str, Any],
    file: CollectionFile | None,
    field: Field | None,
) -> str | None:
    """The custom folder template chain (collection or file, then field) evaluated; None when none is set."""
    site_value = site.media_folder if key == "media_folder" else site.public_folder
    default = "/" + site_value.lstrip("/") if key == "media_folder" else site_value
    templates: list[str] = []
    if file is not None and getattr(file, key) is not None:
        templates.append(getattr(file, key))
    elif getattr(collection, key) is not None:
        templates.append(getattr(collection, key))
    if field is not None and getattr(field, key) is not None:
        templates.append(getattr(field, key))
    if not templates:
        return None
    current = default
    for template in templates:
        values: dict[str, Any] = dict(data)
        values[key] = current
        if entry_path:
            values.update(file_template_fields(entry_path, collection.folder))
        keep = {current, values.get("dirname")}
        identifier_name = collection.identifier_field_name()

        def process(value: Any, keep: set[Any] = keep) -> str:
            # The folders substituted as they are; field values cleaned like slug segments.
            return str(value) if value in keep else process_segment(value, site.slug)

        current = compile_template(
            template, values, date=entry_date(data),
            identifier=data.get(identifier_name, "") if identifier_name else "",
            processor=process,
        )
    return current


def media_folder_for(
    site: SiteConfig,
    collection: Collection | None,
    *,
    entry_path: str | None = None,
    data: Mapping[str, Any] | None = None,
    file: CollectionFile | None = None,
    field: Field | None = None,
) -> str:
    """The repository folder (no leading or trailing slash) where this entry's (or field's) media go."""
    if collection is None:
        return site.media_folder.strip("/")
    folder = _evaluate("media_folder", site, collection, entry_path, data or {}, file, field)
    if folder is None:
        return site.media_folder.strip("/")
    if folder.startswith("/"):
        resolved = posixpath.normpath(folder).lstrip("/")
    else:
        base = posixpath.dirname(entry_path) if entry_path else (collection.folder or "")
        resolved = posixpath.normpath(posixpath.join(base, folder)) if folder else base
    if resolved == "." or resolved == "":
        return ""
    if resolved == ".." or resolved.startswith("../"):
        raise ContentError(f"the media folder '{folder}' leaves the repository")
    return resolved.strip("/")


def public_folder_for(
    site: SiteConfig,
    collection: Collection | None,
    *,
    entry_path: str | None = None,
    data: Mapping[str, Any] | None = None,
    file: CollectionFile | None = None,
    field: Field | None = None,
) -> str:
    """The URL prefix written into the entry for media in `media_folder_for(...)`."""
    if collection is None:
        return site.public_folder
    folder = _evaluate("public_folder", site, collection, entry_path, data or {}, file, field)
    return site.public_folder if folder is None else folder


def public_path(public_folder: str, file_name: str) -> str:
    """The value stored in the entry for an uploaded file."""
    if not public_folder:
        return file_name
    return public_folder.rstrip("/") + "/" + file_name
