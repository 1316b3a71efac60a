"""The one place where the workspace calls the content layer (formats, slugs, templates, commit messages).

It turns a collection (and a files collection's file) into the arguments the content functions take,
so `workspace.py` speaks only in collections and entries.
"""

from __future__ import annotations

import copy
import datetime as _dt
from typing import Any

from editor_app.config.site_config import Collection, CollectionFile, SiteConfig
from editor_app.content import commit_messages, formats, media_paths, slugs, templates
from editor_app.errors import ContentError


def _format_args(collection: Collection, path: str) -> dict[str, Any]:
    return {
        "format": collection.format,
        "path": path,
        "collection_extension": collection.extension,
        "delimiter": collection.frontmatter_delimiter,
    }


def fields_of(collection: Collection, file_config: CollectionFile | None) -> list[Any]:
    """The fields of an entry: the file's in a files collection, else the collection's."""
    return list(file_config.fields if file_config is not None else collection.fields)


def parse_fast(
    data: bytes, collection: Collection, file_config: CollectionFile | None, path: str
) -> tuple[dict[str, Any], str | None]:
    """The fields of a listed file for the index, and the parse error (then the fields are empty)."""
    try:
        text = data.decode("utf-8-sig")
        return formats.parse_entry(text, **_format_args(collection, path)).data, None
    except UnicodeDecodeError as error:
        return {}, f"{path}: not UTF-8 text (byte {error.start})"
    except ContentError as error:
        return {}, str(error)


def parse_strict(text: str, collection: Collection, path: str) -> dict[str, Any]:
    """The fields of `text`; ContentError (with the line) when it is malformed."""
    return formats.parse_entry(text, **_format_args(collection, path)).data


def parse_roundtrip(
    text: str, collection: Collection, file_config: CollectionFile | None, path: str
) -> tuple[formats.ParsedEntry, str | None]:
    """The opened entry (never raises: a malformed file opens as raw text) and its parse error."""
    parsed = formats.open_entry(text, **_format_args(collection, path))
    return parsed, (str(parsed.error) if parsed.error is not None else None)


def dump_roundtrip(
    parsed: formats.ParsedEntry | None,
    data: dict[str, Any],
    collection: Collection,
    file_config: CollectionFile | None,
    path: str,
    *,
    field_order: list[str] | None = None,
) -> str:
    """The file text for `data`, keeping the bytes of everything unchanged since `parsed` (None: a new file).

    `field_order` replaces the fields' order for the top-level keys (a single_file entry's keys are its locales).
    """
    order = field_order if field_order is not None else [f.name for f in fields_of(collection, file_config)]
    return formats.dump_entry(parsed, data, field_order=order, **_format_args(collection, path))


def matches_collection_filter(collection: Collection, data: dict[str, Any]) -> bool:
    """Decap's collection `filter` ({field, value} or {field, pattern}): entries outside it are not shown."""
    spec = collection.filter
    if not spec:
        return True
    from editor_app.workspace.views import field_value, matches_filter, value_text

    name = str(spec.get("field", ""))
    if "pattern" in spec:
        return matches_filter(data, name, spec["pattern"])
    wanted = spec.get("value")
    value = field_value(data, name)
    options = wanted if isinstance(wanted, list) else [wanted]
    if isinstance(value, list):
        return any(value_text(v) == value_text(o) for v in value for o in options)
    return any(value == o or value_text(value) == value_text(o) for o in options)


def default_data(fields: list[Any]) -> dict[str, Any]:
    """A new entry's fields as Decap's `createEmptyDraftData` makes them: every `default`, objects recursively."""
    values: dict[str, Any] = {}
    for fld in fields:
        if fld.has_default:
            values[fld.name] = copy.deepcopy(fld.default)
        elif fld.widget == "object" and fld.fields:
            nested = default_data(fld.fields)
            if nested:
                values[fld.name] = nested
    return values


def slug_for(site: SiteConfig, collection: Collection, data: dict[str, Any], now: _dt.datetime) -> str:
    """The slug of a new entry from the collection's `slug` template (ContentError when it would be empty)."""
    return slugs.slug_for_entry(collection, data, site.slug, now=now)


def entry_path(site: SiteConfig, collection: Collection, slug: str, data: dict[str, Any], now: _dt.datetime) -> str:
    """Where entry `slug` lives: folder + (`path` template or slug) + extension, never outside the folder."""
    return slugs.entry_path(collection, slug, data, site.slug, now=now)


def slug_from_path(collection: Collection, path: str) -> str:
    """An existing entry's slug: its path without the folder and the extension."""
    return slugs.slug_from_path(collection, path)


def summary(collection: Collection, data: dict[str, Any], slug: str, path: str) -> str:
    """The entry's list title: the `summary` template, else the identifier field's value, else the slug."""
    identifier_name = collection.identifier_field_name()
    identifier = data.get(identifier_name) if identifier_name else None
    if collection.summary:
        text = templates.summary_for_entry(
            collection.summary, data, path=path, folder=collection.folder, identifier=identifier or slug,
        )
        if text.strip(" —-()|:"):  # an entry without the template's fields (or unparsable) still gets a name
            return text
    if identifier not in (None, ""):
        return str(identifier)
    return slug


def preview_url(site: SiteConfig, collection: Collection, data: dict[str, Any], slug: str, path: str) -> str | None:
    """`site_url` + the collection's `preview_path` for the entry (the site's root without one)."""
    base = (site.site_url or "").rstrip("/")
    if not base:
        return None
    return page_url(base, collection, data, slug, path)


def page_url(base_url: str, collection: Collection, data: dict[str, Any], slug: str, path: str) -> str:
    """The entry's page under `base_url` (a site or a deploy preview): its `preview_path`, else the root."""
    base = base_url.rstrip("/")
    if not collection.preview_path:
        return base + "/"
    values = dict(data)
    values.update(templates.file_template_fields(path, collection.folder))
    date = templates.entry_date(data, collection.preview_path_date_field)
    relative = templates.compile_template(collection.preview_path, values, date=date, identifier=slug)
    return base + "/" + relative.lstrip("/")


def commit_message(site: SiteConfig, action: str, collection: Collection, slug: str, path: str, user: Any) -> str:
    """A commit message from `backend.commit_messages` (Decap's defaults)."""
    message = commit_messages.commit_message(
        action,
        site.backend.commit_messages,
        collection=collection.label_singular or collection.label,
        slug=slug,
        path=path,
        author_login=getattr(user, "login", "") or "",
        author_name=getattr(user, "name", "") or "",
    )
    return _with_signoff(site, message, user)


def media_commit_message(site: SiteConfig, action: str, path: str, user: Any) -> str:
    """The commit message of a media upload or deletion."""
    message = commit_messages.commit_message(
        action, site.backend.commit_messages, path=path,
        author_login=getattr(user, "login", "") or "", author_name=getattr(user, "name", "") or "",
    )
    return _with_signoff(site, message, user)


def signoff_author(site: SiteConfig, user: Any) -> tuple[str, str] | None:
    """(name, e-mail) that commits are signed off as when the site sets `signoff_commits`; None otherwise."""
    if not site.backend.signoff_commits:
        return None
    login = getattr(user, "login", "") or ""
    return getattr(user, "name", "") or login, getattr(user, "email", "") or ""


def _with_signoff(site: SiteConfig, message: str, user: Any) -> str:
    """The message with Decap's Signed-off-by trailer for the logged-in user when `signoff_commits` is set."""
    author = signoff_author(site, user)
    return commit_messages.signed_off(message, *author) if author is not None else message


def _depends_on_entry(collection: Collection, template: str) -> bool:
    """Whether a media folder template resolves differently per entry (entry fields, file name, own directory)."""
    variables = set(templates.template_variables(template)) - {"media_folder", "public_folder"}
    relative = not template.startswith("/") and not template.startswith("{{media_folder}}")
    return bool(variables) or (relative and bool(collection.path or collection.nested))


def media_folders(site: SiteConfig) -> list[tuple[str, str]]:
    """(repository folder, public folder) of the site's media and of each collection or file whose media folder
    is the same for all its entries, resolved as Decap does (templates, folders relative to the entries)."""
    found: list[tuple[str, str]] = []
    if site.media_folder.strip("/"):
        found.append((site.media_folder.strip("/"), site.public_folder or "/" + site.media_folder.strip("/")))
    for collection in site.collections:
        owners: list[tuple[CollectionFile | None, str | None]] = [(None, collection.media_folder)]
        owners += [(f, f.media_folder) for f in collection.files]
        for file_config, template in owners:
            if template is None or _depends_on_entry(collection, template):
                continue
            entry = file_config.file if file_config is not None else None
            try:
                folder = media_paths.media_folder_for(site, collection, entry_path=entry, file=file_config)
                public = media_paths.public_folder_for(site, collection, entry_path=entry, file=file_config)
            except ContentError:
                continue  # a folder outside the repository: the config check reports it
            if folder and folder not in {f for f, _ in found}:
                found.append((folder, public))
    return found


def public_path(site: SiteConfig, repo_path: str) -> str:
    """What an entry stores for the media file at `repo_path`: the public folder of the media folder it is in."""
    folders = sorted(media_folders(site), key=lambda pair: len(pair[0]), reverse=True)
    for folder, public in folders:
        if repo_path.startswith(folder + "/"):
            return media_paths.public_path(public, repo_path[len(folder) + 1:])
    return "/" + repo_path if "/" not in repo_path else repo_path
