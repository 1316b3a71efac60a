"""The preview of a whole entry as HTML: title, every field by its widget, images, nested lists and objects.

Decap's default preview renders each field with its widget's preview component; this is the same for a
desktop preview pane. Which collections and fields are previewed follows the config: `editor: {preview:
false}` on a collection (or a file of a files collection) turns the pane off, `preview: false` on a field
(Sveltia's field option) leaves that field out. A site may give its own stylesheet with
`editor: {preview_style: path/in/the/repository.css}` (this app's option: Decap's only equivalent is the
JavaScript call `CMS.registerPreviewStyle`).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markdown_it import MarkdownIt

from editor_app.config.site_config import Field
from editor_app.content import geojson
from editor_app.content import widget_values as wv

ImageSource = Callable[[str], str]
RelationLabel = Callable[[Field, Any], str]  # a relation field and a stored value -> how it reads

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".bmp", ".avif")
MARKDOWN_WIDGETS = {"markdown", "richtext"}


@dataclass(frozen=True)
class _Images:
    """How images are shown (their public path resolved to a source the viewer loads, and their width), and
    how a relation's stored value reads (its target entry's display fields)."""

    resolve: ImageSource
    width: int
    relation_label: RelationLabel | None = None


_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def render_markdown(text: str) -> str:
    """Markdown (CommonMark + tables + strikethrough) as HTML; raw HTML in the source is escaped."""
    rendered: str = _MARKDOWN.render(text)
    return rendered


def preview_enabled(editor: Mapping[str, Any] | None) -> bool:
    """Whether a collection's `editor` options show the preview pane (Decap's default: yes)."""
    return (editor or {}).get("preview", True) is not False


def preview_style_path(editor: Mapping[str, Any] | None) -> str | None:
    """The repository path of the site's preview stylesheet (`editor.preview_style`), or None."""
    value = (editor or {}).get("preview_style")
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lstrip("/")  # a leading "/" means the repository's root, as for Decap's folders


def field_previewed(fld: Field) -> bool:
    """Whether a field appears in the preview: not hidden, and not `preview: false`."""
    return fld.widget != "hidden" and fld.preview


def build_preview_html(fields: list[Field], data: Mapping[str, Any], *, title_field: str | None = None,
                       image_src: ImageSource | None = None, image_width: int = 320,
                       relation_label: RelationLabel | None = None) -> str:
    """The entry as HTML: the title field as the heading, then each previewed field that has a value.

    Images are `image_width` pixels wide at most (Qt's rich text has no max-width). `relation_label(field,
    value)` names a relation's target as the picker does ("María Delgado", not "maria")."""
    src = _Images(image_src or (lambda path: path), max(image_width, 16), relation_label)
    parts: list[str] = []
    title = data.get(title_field) if title_field else None
    if title_field and not wv.is_empty(title):
        parts.append(f'<h1 class="entry-title">{_text(title)}</h1>')
    for fld in fields:
        if fld.name == title_field or not field_previewed(fld):
            continue
        value = data.get(fld.name)
        if wv.is_empty(value):
            continue
        parts.append(_field_html(fld, value, src))
    if not parts:
        return '<p class="empty"><i>Nothing to preview yet: the entry has no values.</i></p>'
    return "\n".join(parts)


def title_field_name(fields: list[Field], identifier_field: str | None = None) -> str | None:
    """The field shown as the preview's heading: `identifier_field`, else `title`, else None."""
    names = {f.name for f in fields}
    for candidate in (identifier_field, "title"):
        if candidate and candidate in names:
            return candidate
    return None


def _field_html(fld: Field, value: Any, src: _Images) -> str:
    label = html.escape(fld.label or fld.name)
    body = _value_html(fld, value, src)
    widget = html.escape(fld.widget)
    if fld.widget in MARKDOWN_WIDGETS and fld.name == "body":
        return f'<div class="field field-{widget}">{body}</div>'  # the body reads as the page, without a label
    return f'<div class="field field-{widget}"><p class="field-label"><b>{label}</b></p>{body}</div>'


def _value_html(fld: Field, value: Any, src: _Images) -> str:
    widget = fld.widget
    if widget in MARKDOWN_WIDGETS:
        return render_markdown(str(value))
    if widget == "text":
        return "<p>" + "<br>".join(_text(line) for line in str(value).split("\n")) + "</p>"
    if widget == "boolean":
        return f"<p>{'Yes' if value else 'No'}</p>"
    if widget in ("datetime", "date"):
        return f"<p>{html.escape(format_date(fld, value))}</p>"
    if widget == "image":
        return "".join(_image(path, src) for path in _as_list(value))
    if widget == "file":
        return "<p>" + "<br>".join(f'<a href="{html.escape(str(p), quote=True)}">{_text(p)}</a>'
                                   for p in _as_list(value)) + "</p>"
    if widget == "relation" and src.relation_label is not None:
        label = src.relation_label
        return "<p>" + ", ".join(_text(label(fld, v)) for v in _as_list(value)) + "</p>"
    if widget == "select":
        labels = dict((_key(v), label) for label, v in wv.select_options(fld))
        return "<p>" + ", ".join(_text(labels.get(_key(v), v)) for v in _as_list(value)) + "</p>"
    if widget == "code":
        code = value.get(fld.option("keys", {}).get("code", "code"), "") if isinstance(value, dict) else value
        return f"<pre><code>{html.escape(str(code))}</code></pre>"
    if widget == "color":
        color = html.escape(str(value), quote=True)
        return f'<p><span style="background-color: {color};">&nbsp;&nbsp;&nbsp;&nbsp;</span> {_text(value)}</p>'
    if widget == "map":
        return _map_html(fld, value)
    if widget == "object" and isinstance(value, Mapping):
        return _object_html(fld.fields, value, src)
    if widget == "list" and isinstance(value, list):
        return _list_html(fld, value, src)
    if isinstance(value, (list, dict)):
        return f"<pre>{html.escape(wv.value_to_yaml(value).strip())}</pre>"
    return f"<p>{_text(value)}</p>"


def _object_html(fields: list[Field], value: Mapping[str, Any], src: _Images) -> str:
    inner = [_field_html(sub, value.get(sub.name), src) for sub in fields
             if field_previewed(sub) and not wv.is_empty(value.get(sub.name))]
    return '<div class="object">' + "".join(inner) + "</div>"


def _list_html(fld: Field, items: list[Any], src: _Images) -> str:
    rows: list[str] = []
    for item in items:
        if fld.types:
            kind = wv.list_item_type(fld, item)
            if kind is not None and isinstance(item, Mapping):
                heading = f'<p class="list-type"><i>{html.escape(kind.label or kind.name)}</i></p>'
                fields = [f for f in kind.fields if f.name != fld.type_key]
                rows.append(heading + _object_html(fields, item, src))
                continue
        if fld.field is not None:
            rows.append(_value_html(fld.field, item, src))
        elif fld.fields and isinstance(item, Mapping):
            rows.append(_object_html(fld.fields, item, src))
        else:
            rows.append(_text(item) if not isinstance(item, (list, dict))
                        else f"<pre>{html.escape(wv.value_to_yaml(item).strip())}</pre>")
    return "<ul>" + "".join(f"<li>{row}</li>" for row in rows) + "</ul>"


def _image(path: Any, src: _Images) -> str:
    text = str(path)
    alt = html.escape(text.rsplit("/", 1)[-1], quote=True)
    return f'<p><img src="{html.escape(src.resolve(text), quote=True)}" alt="{alt}" width="{src.width}"></p>'


def _map_html(fld: Field, value: Any) -> str:
    kind = str(fld.option("type") or "Point")
    try:
        geometry = geojson.parse_geometry(value, kind)
    except ValueError:
        return f"<p><code>{_text(value)}</code></p>"  # shown as stored; the form names the problem
    places = [f"{_coordinate(lat)}, {_coordinate(lon)}" for lat, lon in geometry.points]
    if kind == "Point":
        return f"<p>{_text(places[0])} <i>(latitude, longitude)</i></p>" if places else ""
    noun = "corners" if kind == "Polygon" else "points"
    return (f"<p><i>{kind} of {len(places)} {noun} (latitude, longitude):</i></p><ol>"
            + "".join(f"<li>{_text(p)}</li>" for p in places) + "</ol>")


def _coordinate(number: float) -> str:
    return f"{number:.{geojson.DEFAULT_DECIMALS}f}".rstrip("0").rstrip(".") or "0"


def format_date(fld: Field, value: Any) -> str:
    """A stored date/time as people read it ("2 March 2026, 14:30"); the stored text when it does not parse."""
    if isinstance(value, datetime):
        dt = value
    else:
        try:
            dt = wv.read_stored_datetime(value, wv.storage_format(fld, value))
        except (ValueError, TypeError):
            return str(value)
    kind = wv.datetime_kind(fld)
    day = f"{dt.day} {dt.strftime('%B')} {dt.year}"
    if kind == "date":
        return day
    clock = dt.strftime("%H:%M")
    return clock if kind == "time" else f"{day}, {clock}"


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _key(value: Any) -> str:
    return repr(value)


def _text(value: Any) -> str:
    return html.escape(str(value))
