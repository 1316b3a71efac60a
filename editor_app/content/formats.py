"""Entry formats as Decap reads and writes them, with byte-exact round trips.

Formats: `yml`/`yaml`, `toml`, `json`, `frontmatter` (infers `---` YAML, `+++` TOML, `{` JSON),
`yaml-frontmatter`, `toml-frontmatter`, `json-frontmatter`, and a custom `frontmatter_delimiter`.

- `resolve_format(collection, path)`: the format name, as Decap's `resolveFormat` picks it.
- `parse_entry(text, format=..., path=...) -> ParsedEntry`: fast read (PyYAML C loader with YAML 1.2
  rules, tomllib, json); the body is under `"body"` (omitted when empty, as Decap does). Malformed
  front matter raises `ContentError` with the line; `open_entry(...)` never raises and returns a raw
  `ParsedEntry` (with `error` set) that can be edited and saved as plain text.
- `dump_entry(parsed, data, format=..., field_order=...) -> str`: writes `data` back. Unchanged data
  gives the original text; otherwise only changed keys' lines change (ruamel.yaml round trip for
  YAML, tomlkit for TOML, the original indentation for JSON); new keys follow the field order;
  line endings, trailing newline and non-ASCII text are kept.
"""

from __future__ import annotations

import difflib
import io
import json
import re
import tomllib
from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any, Protocol

import tomlkit
import yaml as pyyaml
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from editor_app.config.yaml12 import AliasBombError, check_alias_expansion, load_fast, round_trip_yaml
from editor_app.errors import ContentError

BODY = "body"
FRONTMATTER_FORMATS = ("frontmatter", "yaml-frontmatter", "toml-frontmatter", "json-frontmatter")
DATA_FORMATS = ("yml", "yaml", "toml", "json")
EXTENSION_FORMATS = {
    "yml": "yml", "yaml": "yml", "toml": "toml", "json": "json",
    "md": "frontmatter", "markdown": "frontmatter", "html": "frontmatter",
}
_LANGUAGE_DELIMITERS = {"yaml": ("---", "---"), "toml": ("+++", "+++"), "json": ("{", "}")}


class CollectionLike(Protocol):
    """What `resolve_format` needs of a collection."""

    format: str | None
    extension: str | None


@dataclass
class ParsedEntry:
    """An entry's data plus what is needed to write it back exactly.

    `language` is "yaml", "toml" or "json"; `delimiters` is None for data files and for markdown
    without front matter; `matter`/`body` are the original texts of both parts (LF line endings).
    """

    data: dict[str, Any]
    text: str
    format: str
    language: str
    delimiters: tuple[str, str] | None = None
    newline: str = "\n"
    matter: str = ""
    body: str = ""
    head: str = ""  # the original text up to and including the closing delimiter line
    path: str = ""
    error: ContentError | None = None
    extra: dict[str, Any] = _field(default_factory=dict)

    @property
    def is_raw(self) -> bool:
        """True when the entry could not be parsed and is edited as plain text."""
        return self.error is not None


def resolve_format(collection: CollectionLike | None, path: str = "") -> str:
    """The format of `path` in `collection`: its `format`, else the file's extension, else the collection's."""
    if collection is not None and collection.format:
        return collection.format
    ext = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    if ext in EXTENSION_FORMATS:
        return EXTENSION_FORMATS[ext]
    coll_ext = (collection.extension or "").lstrip(".").lower() if collection is not None else ""
    return EXTENSION_FORMATS.get(coll_ext, "frontmatter")


def _delimiters(delimiter: str | list[str] | tuple[str, str] | None) -> tuple[str, str] | None:
    if delimiter is None:
        return None
    if isinstance(delimiter, str):
        return (delimiter, delimiter)
    return (delimiter[0], delimiter[1])


def _resolve(format: str | None, path: str, collection_extension: str | None) -> str:
    if format:
        return format
    ext = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    if ext in EXTENSION_FORMATS:
        return EXTENSION_FORMATS[ext]
    return EXTENSION_FORMATS.get((collection_extension or "").lstrip(".").lower(), "frontmatter")


def parse_entry(
    text: str,
    *,
    format: str | None = None,
    path: str = "",
    collection_extension: str | None = None,
    delimiter: str | list[str] | tuple[str, str] | None = None,
) -> ParsedEntry:
    """Parse an entry file; raises `ContentError` (with path and line) when its data is malformed."""
    fmt = _resolve(format, path, collection_extension)
    newline = "\r\n" if "\r\n" in text else "\n"
    lf = text.replace("\r\n", "\n") if newline == "\r\n" else text
    if lf.startswith("\ufeff"):
        lf = lf[1:]
    if fmt in ("yml", "yaml", "toml", "json"):
        language = "yaml" if fmt in ("yml", "yaml") else fmt
        data = _load(language, lf, path, 0)
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ContentError(f"the file must hold a mapping of fields, not {type(data).__name__}", path=path, line=1)
        return ParsedEntry(data=data, text=text, format=fmt, language=language, newline=newline, matter=lf, path=path)
    if fmt not in FRONTMATTER_FORMATS:
        raise ContentError(f"unknown format '{fmt}'", path=path)
    language, delims = _frontmatter_language(fmt, lf, _delimiters(delimiter))
    split = _split_frontmatter(lf, delims) if delims else None
    if split is None:
        data = {BODY: lf} if lf else {}
        return ParsedEntry(data=data, text=text, format=fmt, language=language, delimiters=None,
                           newline=newline, body=lf, path=path)
    head, matter, body, matter_line = split
    source = "{" + matter + "}" if language == "json" else matter
    data = _load(language, source, path, matter_line - 1)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ContentError("the front matter must be a mapping of fields", path=path, line=matter_line)
    data = dict(data)
    if body:
        data[BODY] = body  # the markdown after the front matter is the body, as in gray-matter
    return ParsedEntry(data=data, text=text, format=fmt, language=language, delimiters=delims, newline=newline,
                       matter=matter, body=body, head=head, path=path)


def open_entry(text: str, **kwargs: Any) -> ParsedEntry:
    """Like `parse_entry`, but a malformed entry comes back raw (`error` set, whole text under "body")."""
    try:
        return parse_entry(text, **kwargs)
    except ContentError as exc:
        newline = "\r\n" if "\r\n" in text else "\n"
        fmt = _resolve(kwargs.get("format"), kwargs.get("path", ""), kwargs.get("collection_extension"))
        return ParsedEntry(data={BODY: text}, text=text, format=fmt, language="raw", newline=newline,
                           body=text, path=kwargs.get("path", ""), error=exc)


def _frontmatter_language(fmt: str, text: str, custom: tuple[str, str] | None) -> tuple[str, tuple[str, str] | None]:
    if fmt == "yaml-frontmatter":
        return "yaml", custom or _LANGUAGE_DELIMITERS["yaml"]
    if fmt == "toml-frontmatter":
        return "toml", custom or _LANGUAGE_DELIMITERS["toml"]
    if fmt == "json-frontmatter":
        return "json", custom or _LANGUAGE_DELIMITERS["json"]
    if custom:
        return "yaml", custom
    first = text.split("\n", 1)[0].rstrip()
    if first.startswith("+++"):
        return "toml", _LANGUAGE_DELIMITERS["toml"]
    if first.startswith("{"):
        return "json", _LANGUAGE_DELIMITERS["json"]
    if first in ("---toml", "---json", "---yaml"):
        lang = first[3:]
        return lang, ("---" + lang, "---")
    return "yaml", _LANGUAGE_DELIMITERS["yaml"]


def _split_frontmatter(text: str, delims: tuple[str, str]) -> tuple[str, str, str, int] | None:
    """(head through closing line, matter, body, first matter line) or None when there is no front matter."""
    opening, closing = delims
    first_end = text.find("\n")
    first = text if first_end < 0 else text[:first_end]
    if first.rstrip() != opening:
        return None
    if first_end < 0:
        return None
    start = first_end + 1
    pos = start
    while pos <= len(text):
        end = text.find("\n", pos)
        line = text[pos:] if end < 0 else text[pos:end]
        if line.rstrip() == closing:
            matter = text[start:pos]
            after = len(text) if end < 0 else end + 1
            return text[:after], matter, text[after:], 2
        if end < 0:
            break
        pos = end + 1
    raise ContentError(f"front matter opened with '{opening}' on line 1 is never closed with '{closing}'")


def _load(language: str, text: str, path: str, line_offset: int) -> Any:
    try:
        if language == "yaml":
            return load_fast(text)
        if language == "toml":
            return tomllib.loads(text)
        return json.loads(text) if text.strip() else {}
    except pyyaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark is not None else None
        raise ContentError(f"invalid YAML: {exc.problem or exc}", path=path, line=line) from exc
    except pyyaml.YAMLError as exc:
        raise ContentError(f"invalid YAML: {exc}", path=path) from exc
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"at line (\d+)", str(exc))
        line = int(match.group(1)) + line_offset if match else None
        raise ContentError(f"invalid TOML: {exc}", path=path, line=line) from exc
    except json.JSONDecodeError as exc:
        raise ContentError(f"invalid JSON: {exc.msg}", path=path, line=exc.lineno + line_offset) from exc


# ---------------------------------------------------------------------------------------------- writing


def dump_entry(
    parsed: ParsedEntry | None,
    data: dict[str, Any],
    *,
    format: str | None = None,
    path: str = "",
    collection_extension: str | None = None,
    delimiter: str | list[str] | tuple[str, str] | None = None,
    field_order: list[str] | tuple[str, ...] = (),
    field_comments: dict[str, str] | None = None,
) -> str:
    """The file text for `data`; from `parsed` (the opened entry) when given, so untouched text is kept.

    `field_comments` (field name -> the field's `comment` option) are written above newly added YAML keys.
    """
    comments = field_comments or {}
    if parsed is not None and parsed.is_raw:
        # A raw entry is edited as text: what the editor typed is the file.
        text = data.get(BODY, "")
        return str(text)
    if parsed is not None and data == parsed.data:
        return parsed.text
    if parsed is None:
        fmt = _resolve(format, path, collection_extension)
        return _dump_new(fmt, data, _delimiters(delimiter), list(field_order), comments)
    lf = _dump_changed(parsed, data, list(field_order), comments)
    text = lf.replace("\n", "\r\n") if parsed.newline == "\r\n" else lf
    return "\ufeff" + text if parsed.text.startswith("\ufeff") else text


def _dump_new(fmt: str, data: dict[str, Any], custom: tuple[str, str] | None, order: list[str],
              comments: dict[str, str]) -> str:
    ordered = _ordered(data, order)
    if fmt in ("yml", "yaml"):
        return _yaml_text(_with_comments(ordered, comments), None)
    if fmt == "toml":
        return tomlkit.dumps(_toml_ready(ordered))
    if fmt == "json":
        return json.dumps(ordered, indent=2, ensure_ascii=False) + "\n"
    language = {"toml-frontmatter": "toml", "json-frontmatter": "json"}.get(fmt, "yaml")
    delims = custom or _LANGUAGE_DELIMITERS[language]
    body = str(ordered.pop(BODY, "") or "")
    matter = _matter_text(language, ordered, None, comments)
    text = f"{delims[0]}\n{matter}{delims[1]}\n{body}"
    return text if text.endswith("\n") else text + "\n"


def _ordered(data: dict[str, Any], order: list[str]) -> dict[str, Any]:
    rank = {name: i for i, name in enumerate(order)}
    known = sorted((k for k in data if k in rank), key=rank.__getitem__)
    others = [k for k in data if k not in rank]
    return {k: data[k] for k in known + others}


def _with_comments(data: dict[str, Any], comments: dict[str, str]) -> Any:
    if not comments:
        return data
    node = CommentedMap(data)
    for key, comment in comments.items():
        if key in node and comment:
            node.yaml_set_comment_before_after_key(key, before=comment)
    return node


def _matter_text(language: str, data: dict[str, Any], json_indent: Any, comments: dict[str, str] | None = None) -> str:
    if language == "yaml":
        return _yaml_text(_with_comments(data, comments or {}), None) if data else ""
    if language == "toml":
        return tomlkit.dumps(_toml_ready(data))
    inner = json.dumps(data, indent=2 if json_indent is None else json_indent, ensure_ascii=False)
    # JSON front matter is written without its outer braces (they are the delimiters).
    return inner[1:-1].strip("\n") + "\n" if data else ""


def _yaml_text(data: Any, settings: tuple[int, int, int] | None) -> str:
    y = round_trip_yaml()
    if settings:
        y.indent(mapping=settings[0], sequence=settings[1], offset=settings[2])
    out = io.StringIO()
    y.dump(data, out)
    return out.getvalue()


def _toml_ready(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _toml_ready(v) for k, v in data.items() if v is not None}
    if isinstance(data, list):
        return [_toml_ready(v) for v in data if v is not None]
    return data


def _dump_changed(parsed: ParsedEntry, data: dict[str, Any], order: list[str], comments: dict[str, str]) -> str:
    if parsed.format not in FRONTMATTER_FORMATS:
        # In a data file "body" is an ordinary key.
        return _update_matter(parsed.language, parsed.matter, data, order, comments, frontmatter=False)
    fields = {k: v for k, v in data.items() if k != BODY}
    body = str(data.get(BODY) or "")
    if parsed.delimiters is None:
        if not fields:
            return body
        opening, closing = _LANGUAGE_DELIMITERS[parsed.language]
        return f"{opening}\n{_matter_text(parsed.language, _ordered(fields, order), None, comments)}{closing}\n{body}"
    old_fields = {k: v for k, v in parsed.data.items() if k != BODY}
    if fields == old_fields:
        return parsed.head + body
    matter = _update_matter(parsed.language, parsed.matter, fields, order, comments, frontmatter=True)
    lines = parsed.head.split("\n")
    # head = opening line, matter lines, closing line (+ "" when it ends with a newline)
    closing_line = lines[-2] if parsed.head.endswith("\n") else lines[-1]
    tail = "\n" if parsed.head.endswith("\n") else ""
    return f"{lines[0]}\n{matter}{closing_line}{tail}{body}"


def _update_matter(language: str, original: str, new: dict[str, Any], order: list[str], comments: dict[str, str],
                   *, frontmatter: bool) -> str:
    if language == "yaml":
        return _update_yaml(original, new, order, comments)
    if language == "toml":
        return _update_toml(original, new, order)
    return _update_json(original, new, order, frontmatter=frontmatter)


# YAML ----------------------------------------------------------------------------------------------------

_INDENT_CANDIDATES = ((2, 2, 0), (2, 4, 2), (4, 4, 2), (4, 2, 0), (4, 6, 4), (3, 3, 0))


def _update_yaml(original: str, new: dict[str, Any], order: list[str], comments: dict[str, str]) -> str:
    y = round_trip_yaml()
    try:
        check_alias_expansion(original)
        doc = y.load(original) if original.strip() else CommentedMap()
    except AliasBombError as exc:
        raise ContentError(f"invalid YAML: {exc.problem}") from None
    except YAMLError as exc:
        raise ContentError(f"invalid YAML: {exc}") from exc
    if doc is None:
        doc = CommentedMap()
    settings = _detect_yaml_indent(original, doc)
    before = _yaml_text(doc, settings)
    added = [key for key in new if key not in doc]
    _merge_mapping(doc, new, order)
    for key in added:
        if comments.get(key):
            doc.yaml_set_comment_before_after_key(key, before=comments[key])
    after = _yaml_text(doc, settings) if doc else ""
    return _apply_line_edits(original, before, after)


def _detect_yaml_indent(original: str, doc: Any) -> tuple[int, int, int]:
    best = _INDENT_CANDIDATES[0]
    best_score = -1.0
    for candidate in _INDENT_CANDIDATES:
        text = _yaml_text(doc, candidate)
        if text == original:
            return candidate
        score = difflib.SequenceMatcher(None, text.splitlines(), original.splitlines(), autojunk=False).ratio()
        if score > best_score:
            best, best_score = candidate, score
    return best


def _same(a: Any, b: Any) -> bool:
    """Equal as data, and of the same kind (so 1 and True, or 1 and 1.0, are different)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return (isinstance(a, float) == isinstance(b, float)) and a == b
    return bool(_plain(a) == _plain(b))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def _merge_mapping(node: CommentedMap, new: dict[str, Any], order: list[str]) -> None:
    for key in [k for k in node if k not in new]:
        del node[key]
    for key, value in new.items():
        if key in node:
            node[key] = _merge_value(node[key], value, [])
        else:
            node.insert(_insert_position(node, key, order), key, value)


def _insert_position(node: CommentedMap, key: str, order: list[str]) -> int:
    """After the nearest preceding key in the field order that the mapping has; else at the end."""
    keys = list(node.keys())
    if key in order:
        for previous in reversed(order[: order.index(key)]):
            if previous in node:
                return keys.index(previous) + 1
        for following in order[order.index(key) + 1:]:
            if following in node:
                return keys.index(following)
    return len(keys)


def _merge_value(old: Any, new: Any, order: list[str]) -> Any:
    if _same(old, new):
        return old
    if isinstance(old, CommentedMap) and isinstance(new, dict):
        _merge_mapping(old, new, order)
        return old
    if isinstance(old, CommentedSeq) and isinstance(new, list) and len(old) == len(new):
        for i, item in enumerate(new):
            old[i] = _merge_value(old[i], item, [])
        return old
    if isinstance(old, str) and isinstance(new, str) and type(old) is not str:
        # Keep the scalar's style (quoted, literal, folded) for its new text.
        try:
            return type(old)(new)
        except TypeError:
            return new
    return new


def _apply_line_edits(original: str, before: str, after: str) -> str:
    """Three-way merge of lines: the file (`original`), ruamel's rendering of it (`before`), and of the edit (`after`).

    ruamel's rendering of an untouched document can differ from the file (spacing after a colon, `~`,
    wrapping); those differences are kept from the file, while the lines the edit changed come from `after`.
    Where both differ from `before`, the edit wins.
    """
    if before == original or not original.strip():
        return after
    o_lines = original.splitlines(keepends=True)
    b_lines = before.splitlines(keepends=True)
    a_lines = after.splitlines(keepends=True)
    in_original = _matching_lines(b_lines, o_lines)
    in_after = _matching_lines(b_lines, a_lines)
    out: list[str] = []
    i = j = k = 0
    for s in range(len(b_lines) + 1):
        at_end = s == len(b_lines)
        if not at_end and (s not in in_original or s not in in_after):
            continue
        jo = len(o_lines) if at_end else in_original[s]
        ka = len(a_lines) if at_end else in_after[s]
        if jo < j or ka < k:
            continue
        b_chunk, o_chunk, a_chunk = b_lines[i:s], o_lines[j:jo], a_lines[k:ka]
        if o_chunk == b_chunk:
            out.extend(a_chunk)
        elif a_chunk == b_chunk:
            out.extend(o_chunk)
        else:
            out.extend(a_chunk)
        if not at_end:
            out.append(o_lines[jo])
        i, j, k = s + 1, jo + 1, ka + 1
    out = [line if line.endswith("\n") or n == len(out) - 1 else line + "\n" for n, line in enumerate(out)]
    text = "".join(out)
    if original.endswith("\n") and not text.endswith("\n"):
        text += "\n"
    elif not original.endswith("\n") and text.endswith("\n"):
        text = text[:-1]
    return text


def _matching_lines(a: list[str], b: list[str]) -> dict[int, int]:
    """Index in `b` of every line of `a` that the diff matches unchanged."""
    matches: dict[int, int] = {}
    for block in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
        for n in range(block.size):
            matches[block.a + n] = block.b + n
    return matches


# TOML ----------------------------------------------------------------------------------------------------


def _update_toml(original: str, new: dict[str, Any], order: list[str]) -> str:
    doc = tomlkit.parse(original)
    _merge_toml(doc, new, order)
    return tomlkit.dumps(doc)


def _merge_toml(node: Any, new: dict[str, Any], order: list[str]) -> None:
    for key in [k for k in list(node.keys()) if k not in new]:
        del node[key]
    for key, value in new.items():
        if value is None:
            continue
        if key in node:
            current = node[key]
            plain = current.unwrap() if hasattr(current, "unwrap") else current
            if plain == value and type(plain) is type(value):
                continue
            if isinstance(value, dict) and isinstance(current, dict):
                _merge_toml(current, value, [])
            else:
                node[key] = _toml_ready(value)
        else:
            node[key] = _toml_ready(value)


# JSON ----------------------------------------------------------------------------------------------------


def _json_indent(text: str) -> Any:
    match = re.search(r"\n([ \t]+)\S", text)
    if match is None:
        return None if "\n" not in text.strip() else 0
    indent = match.group(1)
    return "\t" * len(indent) if indent.startswith("\t") else len(indent)


def _update_json(original: str, new: dict[str, Any], order: list[str], *, frontmatter: bool) -> str:
    indent = _json_indent(original)
    old = json.loads("{" + original + "}" if frontmatter else original) if original.strip() else {}
    merged: dict[str, Any] = {}
    for key in old:
        if key in new:
            merged[key] = new[key]
    for key in new:
        if key not in merged:
            merged = _insert_key(merged, key, new[key], order)
    ascii_only = "\\u" in original
    trailing = original[len(original.rstrip()):]
    if indent is None:
        separators = (", ", ": ") if ", " in original or ": " in original else (",", ":")
        text = json.dumps(merged, ensure_ascii=ascii_only, separators=separators)
    else:
        text = json.dumps(merged, indent=indent, ensure_ascii=ascii_only)
    if frontmatter:
        inner = text[1:-1].strip("\n")
        return inner + "\n"
    return text + trailing


def _insert_key(mapping: dict[str, Any], key: str, value: Any, order: list[str]) -> dict[str, Any]:
    keys = list(mapping)
    position = len(keys)
    if key in order:
        for previous in reversed(order[: order.index(key)]):
            if previous in mapping:
                position = keys.index(previous) + 1
                break
    keys.insert(position, key)
    return {k: (value if k == key else mapping[k]) for k in keys}
