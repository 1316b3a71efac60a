"""Loading a site's config.yml: `load_site_config(path)` / `parse_site_config(text, file_name)` validate it into
a `SiteConfig` (the typed model in `site_config`, which imports nothing from here), reporting every problem
with file, line and option path.

The rules follow Decap's JSON schema (`configSchema.js`) and `applyDefaults`/`normalizeConfig`:
required keys, types, enums, unique names, legacy camelCase widget options (accepted with a
warning), custom widgets (a warning: edited as raw YAML), and clearly misspelled widget options.
Unknown keys elsewhere are allowed, as Decap allows additional properties.
"""

from __future__ import annotations

import builtins
import difflib
import posixpath
import re
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from editor_app.config.dialects import (
    DECAP_DIALECT,
    field_option_dialects,
    field_option_warning,
    top_level_warning,
    widget_dialects,
)
from editor_app.config.site_config import (
    BUILTIN_WIDGETS,
    DEFAULT_COMMIT_MESSAGES,
    FORMAT_EXTENSIONS,
    BackendConfig,
    Collection,
    CollectionFile,
    Field,
    I18nConfig,
    NestedConfig,
    SiteConfig,
    SlugConfig,
    SortableField,
    ViewFilter,
    ViewGroup,
)
from editor_app.config.yaml12 import AliasBombError, check_alias_expansion, round_trip_yaml
from editor_app.config.yaml_errors import duplicate_key_problems, syntax_problem, template_problem
from editor_app.errors import ConfigError, Problem

# Decap's normalizeConfig renames these widget options (with a deprecation warning).
CAMEL_CASE_OPTIONS: dict[str, str] = {
    "dateFormat": "date_format",
    "timeFormat": "time_format",
    "pickerUtc": "picker_utc",
    "editorComponents": "editor_components",
    "valueType": "value_type",
    "valueField": "value_field",
    "searchFields": "search_fields",
    "displayFields": "display_fields",
    "optionsLength": "options_length",
    "allowAdd": "allow_add",
    "allowRemove": "allow_remove",
    "allowReorder": "allow_reorder",
    "minimizeCollapsed": "minimize_collapsed",
    "addToTop": "add_to_top",
    "labelSingular": "label_singular",
    "allowMultiple": "allow_multiple",
    "chooseUrl": "choose_url",
    "defaultLanguage": "default_language",
    "allowLanguageSelection": "allow_language_selection",
    "outputCodeOnly": "output_code_only",
    "allowInput": "allow_input",
    "enableAlpha": "enable_alpha",
}

COMMON_FIELD_KEYS = {
    "name", "label", "widget", "required", "hint", "pattern", "default", "i18n", "comment",
    "media_folder", "public_folder", "meta", "index_file", "preview",
}

WIDGET_OPTIONS: dict[str, set[str]] = {
    "string": {"visual_editing"},
    "text": set(),
    "number": {"value_type", "min", "max", "step"},
    "boolean": set(),
    "datetime": {"format", "date_format", "time_format", "picker_utc"},
    "date": {"format", "date_format", "time_format", "picker_utc"},
    "select": {"options", "multiple", "min", "max"},
    "image": {"allow_multiple", "media_library", "choose_url", "private", "config"},
    "file": {"allow_multiple", "media_library", "choose_url", "private", "config"},
    "markdown": {"minimal", "buttons", "editor_components", "modes", "sanitize_preview"},
    "richtext": {"minimal", "buttons", "editor_components", "modes", "sanitize_preview"},
    "list": {
        "field", "fields", "types", "type_key", "allow_add", "allow_remove", "allow_reorder", "collapsed",
        "minimize_collapsed", "summary", "label_singular", "min", "max", "add_to_top",
    },
    "object": {"fields", "collapsed", "summary"},
    "relation": {
        "collection", "value_field", "search_fields", "display_fields", "file", "multiple", "min", "max",
        "options_length", "filters",
    },
    "map": {"decimals", "type", "height"},
    "code": {"default_language", "allow_language_selection", "keys", "output_code_only"},
    "color": {"allow_input", "enable_alpha"},
    "hidden": set(),
}

FORMATS = set(FORMAT_EXTENSIONS)
KNOWN_EXTENSIONS = {"yml", "yaml", "toml", "json", "md", "markdown", "html"}
I18N_STRUCTURES = {"multiple_folders", "multiple_files", "single_file"}
MARKDOWN_BUTTONS = {
    "bold", "italic", "strikethrough", "code", "link", "heading-one", "heading-two", "heading-three",
    "heading-four", "heading-five", "heading-six", "quote", "bulleted-list", "numbered-list",
}


# `{{slug}}` (with or without a filter) in a slug template: the identifier field's value.
_SLUG_VARIABLE = re.compile(r"{{\s*slug\s*(?:\|[^}]*)?}}")


# A path on the editor's computer, not in the repository. A bare leading "/" is Decap's "from the repository
# root" (it trims it), so only what cannot be a repository folder is refused: drive letters, home folders, the
# system's own top-level folders.
_MACHINE_PATH = re.compile(
    r"^(?:[A-Za-z]:[\\/]|~|\\\\|file:|/(?:home|Users|tmp|var|opt|mnt|srv|root|private|Volumes|usr|etc)(?:/|$))")
_FOLDER_TEMPLATE = re.compile(r"{{\s*([^}|]+?)\s*(?:\|[^}]*)?}}")


def _repository_path_problem(value: str, base: str = "", site_media: str = "") -> str | None:
    """Why `value` (relative to the repository folder `base`, or to the root with a leading "/") can never be a
    repository path, or None. Templates count as one folder (`{{dirname}}` as none)."""
    if _MACHINE_PATH.match(value.strip()):
        return (f"'{value}' is a path on this computer, not in the repository: write it from the repository's root "
                "(e.g. 'content/posts')")

    def stand_in(match: re.Match[str]) -> str:
        key = match.group(1)
        return "/" + site_media.strip("/") if key == "media_folder" else "" if key == "dirname" else "x"

    resolved = _FOLDER_TEMPLATE.sub(stand_in, value.strip())
    joined = resolved.lstrip("/") if resolved.startswith("/") else posixpath.join(base, resolved)
    normal = posixpath.normpath(joined) if joined else "."
    if normal == ".." or normal.startswith("../"):
        return f"'{value}' leaves the repository ('..' climbs above its root); every path must stay inside it"
    return None


class _Checker:
    """Collects problems while building the model."""

    def __init__(self, file_name: str) -> None:
        self.file = file_name
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def error(self, line: int | None, path: str, message: str) -> None:
        self.problems.append(Problem(self.file, line, message, path, column=_column(line)))

    def warn(self, line: int | None, path: str, message: str) -> None:
        self.warnings.append(Problem(self.file, line, message, path, severity="warning", column=_column(line)))


class _Line(int):
    """A 1-based line number that also carries the 1-based column of the option it points at."""

    column: int | None

    def __new__(cls, line: int, column: int | None = None) -> _Line:
        made = super().__new__(cls, line)
        made.column = column
        return made


def _column(line: int | None) -> int | None:
    return line.column if isinstance(line, _Line) else None


def _line_of(node: Any, key: Any = None) -> int | None:
    """1-based line (with its column) of `node`, or of `key` inside a mapping or sequence."""
    try:
        if key is not None and isinstance(node, CommentedMap) and key in node:
            line, column = node.lc.key(key)
        elif key is not None and isinstance(node, CommentedSeq) and isinstance(key, int):
            line, column = node.lc.item(key)
        elif hasattr(node, "lc"):
            line, column = node.lc.line, node.lc.col
        else:
            return None
        return _Line(int(line) + 1, int(column) + 1 if column is not None else None)
    except (KeyError, IndexError, TypeError, AttributeError):
        return None


def _plain(value: Any) -> Any:
    """ruamel containers/scalars to plain Python values."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return value


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return type(value).__name__


class _Reader:
    """Typed access to one mapping of the config, reporting wrong types with the key's line."""

    def __init__(self, checker: _Checker, node: Any, path: str) -> None:
        self.c = checker
        self.node = node if isinstance(node, dict) else {}
        self.path = path

    def sub(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def line(self, key: str | None = None) -> int | None:
        return _line_of(self.node, key)

    def has(self, key: str) -> bool:
        return key in self.node

    def raw(self, key: str, default: Any = None) -> Any:
        return self.node.get(key, default)

    def _typed(self, key: str, kinds: tuple[type, ...], label: str, default: Any, required: bool) -> Any:
        if key not in self.node or (self.node[key] is None and not required):
            if required:
                self.c.error(self.line(), self.path or "(top level)", f"missing required option '{key}'")
            return default
        value = self.node[key]
        if isinstance(value, bool) and bool not in kinds:
            ok = False
        else:
            ok = isinstance(value, kinds)
        if not ok:
            self.c.error(self.line(key), self.sub(key), f"must be {label}, not {_type_name(value)}")
            return default
        return value

    def str(self, key: str, default: Any = None, *, required: bool = False) -> Any:
        value = self._typed(key, (str,), "a string", default, required)
        return str(value) if isinstance(value, str) else value

    def bool(self, key: builtins.str, default: builtins.bool = False) -> builtins.bool:
        return bool(self._typed(key, (bool,), "true or false", default, False))

    def number(self, key: builtins.str, default: Any = None) -> Any:
        return self._typed(key, (int, float), "a number", default, False)

    def mapping(self, key: builtins.str, *, required: builtins.bool = False) -> Any:
        return self._typed(key, (dict,), "a mapping", None, required)

    def seq(self, key: builtins.str, *, required: builtins.bool = False) -> Any:
        return self._typed(key, (list,), "a list", None, required)

    def enum(self, key: builtins.str, allowed: set[builtins.str] | list[builtins.str], default: Any = None) -> Any:
        value = self.str(key, default)
        if key in self.node and isinstance(value, str) and value not in allowed:
            choices = ", ".join(sorted(a or "''" for a in allowed))
            self.c.error(self.line(key), self.sub(key), f"'{value}' is not one of: {choices}")
            return default
        return value


def parse_config_text(text: str, file_name: str = "config.yml") -> SiteConfig:
    """Parse and validate config text into a `SiteConfig`, or raise `ConfigError` with every problem."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n")
    checker = _Checker(file_name)
    yaml = round_trip_yaml()
    yaml.allow_duplicate_keys = True  # each duplicate is reported below, with the rest of the problems
    try:
        check_alias_expansion(text)
    except AliasBombError as exc:
        raise ConfigError([syntax_problem(text, file_name, exc)]) from None
    try:
        root = yaml.load(text)
    except MarkedYAMLError as exc:
        template = template_problem(text, file_name)
        raise ConfigError([template or syntax_problem(text, file_name, exc)]) from None
    except YAMLError as exc:
        raise ConfigError([Problem(file_name, None, f"invalid YAML: {exc}")]) from None
    if not isinstance(root, dict):
        template = template_problem(text, file_name)
        raise ConfigError([template or Problem(file_name, 1, "the config must be a mapping of options")])
    checker.problems.extend(duplicate_key_problems(text, file_name))
    config = _build_site(checker, root)
    if checker.problems:
        template = template_problem(text, file_name)
        raise ConfigError([template] if template is not None else checker.problems)
    config.warnings = checker.warnings
    return config


def load_site_config(path: str | Path) -> SiteConfig:
    """Read and validate the config file at `path`."""
    p = Path(path)
    return parse_config_text(p.read_bytes().decode("utf-8-sig"), str(path))


def parse_site_config(text: str, file_name: str = "config.yml") -> SiteConfig:
    """Validate config text; `file_name` is used in error messages."""
    return parse_config_text(text, file_name)


def _build_site(c: _Checker, root: Any) -> SiteConfig:
    top = _Reader(c, root, "")
    backend = _build_backend(c, top)
    publish_mode = top.enum("publish_mode", {"simple", "editorial_workflow", ""}, "simple") or "simple"
    media_library = top.mapping("media_library")
    if not top.has("media_folder") and media_library is None:
        c.error(top.line(), "(top level)", "missing required option 'media_folder' (or 'media_library')")
    media_folder = (top.str("media_folder", "") or "").strip()
    if media_folder and (why := _repository_path_problem(media_folder)):
        c.error(top.line("media_folder"), "media_folder", why)
    public_folder = top.str("public_folder")
    if public_folder is None:
        public_folder = "/" + media_folder.lstrip("/") if media_folder else ""
    slug = _build_slug(c, top)
    i18n = _build_i18n(c, top.mapping("i18n"), top.sub("i18n"), _line_of(root, "i18n")) if top.has("i18n") else None
    editor = {"preview": True, "notes": False}
    editor_node = top.mapping("editor")
    if editor_node:
        editor.update(_plain(editor_node))
    search = root.get("search", True)
    if not isinstance(search, bool):
        c.error(top.line("search"), "search", f"must be true or false, not {_type_name(search)}")
        search = True
    local_backend = root.get("local_backend", False)
    if not isinstance(local_backend, (bool, dict)):
        c.error(top.line("local_backend"), "local_backend", "must be true, false or a mapping with 'url'")
        local_backend = False
    logo_url = top.str("logo_url")
    logo = top.mapping("logo")
    if logo is not None:
        if "src" not in logo:
            c.error(top.line("logo"), "logo", "missing required option 'src'")
        elif isinstance(logo["src"], str):
            logo_url = logo_url or str(logo["src"])
    site_url = top.str("site_url")
    config = SiteConfig(
        backend=backend,
        collections=[],
        publish_mode=publish_mode,
        media_folder=media_folder,
        public_folder=public_folder,
        media_folder_relative=top.bool("media_folder_relative"),
        media_library=_plain(media_library) if media_library is not None else None,
        site_url=site_url,
        display_url=top.str("display_url") or site_url,
        logo_url=logo_url,
        locale=top.str("locale", "en") or "en",
        slug=slug,
        local_backend=_plain(local_backend),
        i18n=i18n,
        editor=editor,
        search=search,
        show_preview_links=top.bool("show_preview_links", True),
        source_file=c.file,
        raw=_plain(root),
    )
    _check_top_level_options(c, root)
    collections = top.seq("collections", required=True)
    if collections is not None and not collections:
        c.error(top.line("collections"), "collections", "must have at least one collection")
    seen: dict[str, int] = {}
    for index, node in enumerate(collections or []):
        path = f"collections[{index}]"
        if not isinstance(node, dict):
            c.error(_line_of(collections, index), path, f"must be a mapping, not {_type_name(node)}")
            continue
        collection = _build_collection(c, node, path, config)
        if collection is None:
            continue
        if collection.name in seen:
            c.error(_line_of(node, "name"), f"{path}.name", f"duplicate collection name '{collection.name}'")
        seen[collection.name] = index
        config.collections.append(collection)
    _check_relations(c, config)
    _check_path_templates(c, config)
    return config


def _widget_origin(widget: str) -> str:
    dialects = widget_dialects(widget)
    return f" (a {' and '.join(dialects)} widget)" if dialects else ""


def _holds_anchor(node: Any, depth: int = 0) -> bool:
    """Whether a value defines a YAML anchor (a top-level key used only to hold `&name` for later `*name`)."""
    anchor = getattr(node, "anchor", None)
    if anchor is not None and getattr(anchor, "value", None):
        return True
    if depth < 3 and isinstance(node, dict):
        return any(_holds_anchor(v, depth + 1) for v in node.values())
    if depth < 3 and isinstance(node, list):
        return any(_holds_anchor(v, depth + 1) for v in node)
    return False


def _check_top_level_options(c: _Checker, root: Any) -> None:
    """Warn about top-level keys Decap does not read, naming the dialect that has them."""
    for key, value in root.items():
        name = str(key)
        if name in DECAP_DIALECT.top_level or _holds_anchor(value):
            continue
        if isinstance(value, dict) and value and all(str(k) in DECAP_DIALECT.top_level for k in value):
            continue  # a CMS_ENV section (e.g. `production:`): Decap puts its keys on top when that env is chosen
        c.warn(_line_of(root, key), name, top_level_warning(name))


def _walk_fields(fields: list[Field], path: str) -> list[tuple[Field, str]]:
    """Every field under `fields` (nested objects, lists and types too) with its option path."""
    found: list[tuple[Field, str]] = []
    for index, fld in enumerate(fields):
        here = f"{path}[{index}]"
        found.append((fld, here))
        found += _walk_fields(fld.fields, f"{here}.fields")
        found += _walk_fields(fld.types, f"{here}.types")
        if fld.field is not None:
            found += _walk_fields([fld.field], f"{here}.field")
    return found


def _check_relations(c: _Checker, config: SiteConfig) -> None:
    """A relation field whose `collection` does not exist can never offer a value: warn with its line."""
    names = {collection.name for collection in config.collections}
    for index, collection in enumerate(config.collections):
        groups = [(collection.fields, f"collections[{index}].fields")]
        groups += [(f.fields, f"collections[{index}].files[{i}].fields") for i, f in enumerate(collection.files)]
        for fields, base in groups:
            for fld, path in _walk_fields(fields, base):
                target = fld.options.get("collection") if fld.widget == "relation" else None
                if isinstance(target, str) and target not in names:
                    known = ", ".join(sorted(names))
                    c.warn(fld.line, f"{path}.collection",
                           f"relation to collection '{target}', which does not exist (collections: {known})")


def _check_path_templates(c: _Checker, config: SiteConfig) -> None:
    """A `path` folder made only of optional (or unknown) fields comes out empty when they are: warn."""
    for index, collection in enumerate(config.collections):
        if not collection.path or not collection.create:
            continue
        for segment in collection.path.split("/"):
            keys = [m.group(1) for m in _FOLDER_TEMPLATE.finditer(segment)]
            if not keys or _FOLDER_TEMPLATE.sub("", segment).strip():
                continue  # fixed text in the segment: it is never empty
            optional = []
            for key in keys:
                name = key[len("fields."):] if key.startswith("fields.") else key
                if name in ("slug", "year", "month", "day", "hour", "minute", "second", "dirname", "filename"):
                    break
                fld = collection.field_named(name.split(".", 1)[0])
                if fld is not None and fld.required and not name.count("."):
                    break
                optional.append(name)
            else:
                names = " and ".join(f"'{n}'" for n in optional)
                c.warn(collection.line, f"collections[{index}].path",
                       f"the folder '{segment}' of path '{collection.path}' is empty when {names} is not filled in; "
                       "such an entry cannot be saved (make the field required or add fixed text)")


def _build_backend(c: _Checker, top: _Reader) -> BackendConfig:
    node = top.mapping("backend", required=True)
    r = _Reader(c, node, "backend")
    name = r.str("name", required=node is not None) or ""
    messages = dict(DEFAULT_COMMIT_MESSAGES)
    custom = r.mapping("commit_messages")
    for key, value in (custom or {}).items():
        if not isinstance(value, str):
            c.error(_line_of(custom, key), f"backend.commit_messages.{key}", "must be a string")
        else:
            messages[str(key)] = str(value)
    if r.has("cms_label_prefix") and r.str("cms_label_prefix") == "":
        c.error(r.line("cms_label_prefix"), "backend.cms_label_prefix", "must not be empty")
    auth_scope = r.enum("auth_scope", {"repo", "public_repo"}) if r.has("auth_scope") else None
    auth_type = r.str("auth_type")
    if auth_type is not None and auth_type not in ("pkce", "implicit", ""):
        c.warn(r.line("auth_type"), "backend.auth_type", f"'{auth_type}' is not 'pkce' or 'implicit'")
    branch = r.str("branch")
    if name == "git-gateway" and not top.str("site_url") and not (r.str("identity_url") and r.str("gateway_url")):
        # In a browser Decap finds /.netlify/identity and /.netlify/git on the page's own site; a desktop app
        # has no page, so it needs the site's address.
        c.warn(r.line("name"), "backend.name", "git-gateway needs the site's address to log in: set site_url "
               "(or backend.identity_url and backend.gateway_url)")
    return BackendConfig(
        name=name,
        repo=r.str("repo"),
        branch=branch or None,
        api_root=r.str("api_root"),
        graphql_api_root=r.str("graphql_api_root"),
        use_graphql=r.bool("use_graphql"),
        site_domain=r.str("site_domain"),
        base_url=r.str("base_url"),
        auth_endpoint=r.str("auth_endpoint"),
        auth_token_endpoint=r.str("auth_token_endpoint"),
        auth_type=auth_type or None,
        auth_scope=auth_scope,
        app_id=r.str("app_id"),
        tenant_id=r.str("tenant_id"),
        api_version=r.str("api_version"),
        preview_context=r.str("preview_context"),
        cms_label_prefix=r.str("cms_label_prefix"),
        squash_merges=r.bool("squash_merges"),
        open_authoring=r.bool("open_authoring"),
        always_fork=r.bool("always_fork"),
        signoff_commits=r.bool("signoff_commits"),
        identity_url=r.str("identity_url"),
        gateway_url=r.str("gateway_url"),
        proxy_url=r.str("proxy_url"),
        large_media_url=r.str("large_media_url"),
        status_endpoint=r.str("status_endpoint"),
        commit_messages=messages,
        raw=_plain(node) if isinstance(node, dict) else {},
    )


def _build_slug(c: _Checker, top: _Reader) -> SlugConfig:
    node = top.mapping("slug")
    r = _Reader(c, node, "slug")
    replacement = r.str("sanitize_replacement", "-")
    if replacement is None:
        replacement = "-"
    if any(ch in replacement for ch in '/\\?%*:|"<>') or any(ord(ch) < 32 for ch in replacement):
        c.error(r.line("sanitize_replacement"), "slug.sanitize_replacement",
                f"'{replacement}' is not allowed in file names")
    return SlugConfig(
        encoding=r.enum("encoding", {"unicode", "ascii"}, "unicode") or "unicode",
        clean_accents=r.bool("clean_accents"),
        sanitize_replacement=replacement,
    )


def _build_i18n(c: _Checker, node: Any, path: str, line: int | None,
                inherit: I18nConfig | None = None) -> I18nConfig | None:
    if node is None:
        return None
    r = _Reader(c, node, path)
    structure = r.enum("structure", I18N_STRUCTURES) if r.has("structure") else None
    locales_node = r.seq("locales")
    if structure is None and inherit is None:
        c.error(line, path, "missing required option 'structure'")
    if locales_node is None and inherit is None:
        c.error(line, path, "missing required option 'locales'")
    locales = [str(x) for x in (locales_node or [])] or (list(inherit.locales) if inherit else [])
    for i, loc in enumerate(locales_node or []):
        if not isinstance(loc, str):
            c.error(_line_of(locales_node, i), f"{path}.locales[{i}]", "must be a string")
    default = r.str("default_locale") or (inherit.default_locale if inherit and not locales_node else None)
    default = default or (locales[0] if locales else "")
    if locales and default not in locales:
        c.error(r.line("default_locale"), f"{path}.default_locale", f"'{default}' is not one of the locales")
    return I18nConfig(structure=structure or (inherit.structure if inherit else ""), locales=locales,
                      default_locale=default)


def _build_collection(c: _Checker, node: Any, path: str, site: SiteConfig) -> Collection | None:
    r = _Reader(c, node, path)
    name = r.str("name", required=True)
    label = r.str("label", required=True)
    has_folder = r.has("folder")
    has_files = r.has("files")
    if has_folder == has_files:
        c.error(r.line(), path, "needs exactly one of 'folder' (with 'fields') or 'files'")
    fmt = r.enum("format", FORMATS) if r.has("format") else None
    extension = r.str("extension")
    if extension and extension.lstrip(".") not in KNOWN_EXTENSIONS and not fmt:
        c.error(r.line("extension"), f"{path}.extension",
                f"'{extension}' needs a 'format' (known extensions: {', '.join(sorted(KNOWN_EXTENSIONS))})")
    delimiter = r.raw("frontmatter_delimiter")
    if delimiter is not None:
        ok = isinstance(delimiter, str) or (
            isinstance(delimiter, list) and len(delimiter) == 2 and all(isinstance(d, str) for d in delimiter)
        )
        if not ok:
            c.error(r.line("frontmatter_delimiter"), f"{path}.frontmatter_delimiter",
                    "must be a string or a list of two strings")
            delimiter = None
        else:
            delimiter = _plain(delimiter)
            if fmt not in ("yaml-frontmatter", "toml-frontmatter", "json-frontmatter"):
                c.error(r.line("frontmatter_delimiter"), f"{path}.frontmatter_delimiter",
                        "needs 'format' set to yaml-frontmatter, toml-frontmatter or json-frontmatter")
    editor = dict(site.editor)
    editor_node = r.mapping("editor")
    if editor_node:
        editor.update(_plain(editor_node))
    i18n: I18nConfig | None = None
    i18n_node = node.get("i18n")
    if i18n_node is True:
        if site.i18n is None:
            c.error(r.line("i18n"), f"{path}.i18n", "is set but the site has no top-level 'i18n'")
        i18n = site.i18n
    elif isinstance(i18n_node, dict):
        if site.i18n is None:
            c.error(r.line("i18n"), f"{path}.i18n", "is set but the site has no top-level 'i18n'")
        i18n = _build_i18n(c, i18n_node, f"{path}.i18n", r.line("i18n"), inherit=site.i18n)
    elif i18n_node not in (None, False):
        c.error(r.line("i18n"), f"{path}.i18n", "must be true, false or a mapping")
    folder = r.str("folder")
    collection = Collection(
        name=name or "",
        label=label or name or "",
        label_singular=r.str("label_singular"),
        description=r.str("description"),
        folder=folder.strip().strip("/") if isinstance(folder, str) else (None if not has_folder else ""),
        format=fmt,
        extension=extension.lstrip(".") if extension else None,
        frontmatter_delimiter=delimiter,
        identifier_field=r.str("identifier_field"),
        summary=r.str("summary"),
        slug=r.str("slug", "{{slug}}") or "{{slug}}",
        path=r.str("path"),
        preview_path=r.str("preview_path"),
        preview_path_date_field=r.str("preview_path_date_field"),
        create=r.bool("create", False),
        delete=r.bool("delete", has_folder),
        publish=r.bool("publish", True),
        hide=r.bool("hide", False),
        media_folder=r.str("media_folder"),
        public_folder=r.str("public_folder"),
        i18n=i18n,
        editor=editor,
        line=r.line(),
    )
    if isinstance(folder, str) and (why := _repository_path_problem(folder)):
        c.error(r.line("folder"), f"{path}.folder", why)
    if collection.media_folder and (why := _repository_path_problem(collection.media_folder, collection.folder or "",
                                                                     site.media_folder)):
        c.error(r.line("media_folder"), f"{path}.media_folder", why)
    if collection.public_folder is None and collection.media_folder is not None:
        collection.public_folder = collection.media_folder
    if collection.path and collection.media_folder is None:
        collection.media_folder = ""
        collection.public_folder = collection.public_folder if collection.public_folder is not None else ""
    filter_node = r.mapping("filter")
    if filter_node is not None:
        fr = _Reader(c, filter_node, f"{path}.filter")
        fr.str("field", required=True)
        if "value" not in filter_node:
            c.error(r.line("filter"), f"{path}.filter", "missing required option 'value'")
        collection.filter = _plain(filter_node)
    if has_folder:
        fields_node = r.seq("fields", required=True)
        collection.fields = _build_fields(c, fields_node, f"{path}.fields")
        nested = r.mapping("nested")
        if nested is not None:
            nr = _Reader(c, nested, f"{path}.nested")
            depth = nr.number("depth")
            if depth is None:
                c.error(r.line("nested"), f"{path}.nested", "missing required option 'depth'")
            elif not (1 <= depth <= 1000):
                c.error(nr.line("depth"), f"{path}.nested.depth", "must be between 1 and 1000")
            collection.nested = NestedConfig(depth=int(depth or 1), subfolders=nr.bool("subfolders", True),
                                             summary=nr.str("summary"))
        meta = r.mapping("meta")
        if meta is not None:
            collection.meta = _plain(meta)
            meta_path = meta.get("path")
            if isinstance(meta_path, dict):
                mp = _Reader(c, meta_path, f"{path}.meta.path")
                mp.str("label", required=True)
                mp.str("widget", required=True)
                collection.fields.insert(0, Field(
                    name="path", label=str(meta_path.get("label", "Path")), widget=str(meta_path.get("widget",
                                                                                                     "string")),
                    required=True, meta=True, options={"index_file": meta_path.get("index_file")},
                    line=_line_of(meta, "path"),
                ))
        if collection.create and fields_node and collection.identifier_field_name() is None \
                and _SLUG_VARIABLE.search(collection.slug):
            # Decap checks this only when a new entry is saved, so the config loads; new entries cannot be named.
            where = "the default slug" if not r.has("slug") else f"the slug template '{collection.slug}'"
            c.warn(r.line("slug") if r.has("slug") else r.line("fields"), path,
                   f"{where} uses {{{{slug}}}}, but no field names entries: new entries cannot be saved until "
                   "'identifier_field' names a field (or a 'title' field is added, or the slug uses other fields)")
    else:
        files_node = r.seq("files", required=True)
        seen: set[str] = set()
        for i, fnode in enumerate(files_node or []):
            fpath = f"{path}.files[{i}]"
            if not isinstance(fnode, dict):
                c.error(_line_of(files_node, i), fpath, f"must be a mapping, not {_type_name(fnode)}")
                continue
            fr = _Reader(c, fnode, fpath)
            file_i18n = None
            if fnode.get("i18n") is True or isinstance(fnode.get("i18n"), dict):
                file_i18n = collection.i18n
            cfile = CollectionFile(
                name=fr.str("name", required=True) or "",
                label=fr.str("label", required=True) or "",
                file=(fr.str("file", required=True) or "").lstrip("/"),
                fields=_build_fields(c, fr.seq("fields", required=True), f"{fpath}.fields"),
                label_singular=fr.str("label_singular"),
                description=fr.str("description"),
                preview_path=fr.str("preview_path"),
                preview_path_date_field=fr.str("preview_path_date_field"),
                media_folder=fr.str("media_folder"),
                public_folder=fr.str("public_folder"),
                i18n=file_i18n,
                editor=dict(editor),
                line=fr.line(),
            )
            raw_file = fr.raw("file")
            if isinstance(raw_file, str) and (why := _repository_path_problem(raw_file)):
                c.error(fr.line("file"), f"{fpath}.file", why)
            elif cfile.media_folder and (why := _repository_path_problem(
                    cfile.media_folder, posixpath.dirname(cfile.file), site.media_folder)):
                c.error(fr.line("media_folder"), f"{fpath}.media_folder", why)
            if cfile.name in seen:
                c.error(fr.line("name"), f"{fpath}.name", f"duplicate file name '{cfile.name}'")
            seen.add(cfile.name)
            collection.files.append(cfile)
        if i18n is not None and i18n.structure not in ("single_file", ""):
            c.error(r.line("i18n"), f"{path}.i18n",
                    f"a files collection only supports the 'single_file' i18n structure, not '{i18n.structure}'")
    collection.sortable_fields = _build_sortable(c, r, path, collection)
    collection.view_filters = _build_view_filters(c, r, path)
    collection.view_groups = _build_view_groups(c, r, path)
    return collection


def _build_sortable(c: _Checker, r: _Reader, path: str, collection: Collection) -> list[SortableField]:
    if r.has("sortable_fields") and r.has("sortableFields"):
        c.error(r.line("sortableFields"), f"{path}.sortableFields",
                "use either 'sortable_fields' or the deprecated 'sortableFields', not both")
        return []
    key = "sortable_fields"
    if r.has("sortableFields"):
        key = "sortableFields"
        c.warn(r.line(key), f"{path}.{key}", "'sortableFields' is deprecated, use 'sortable_fields'")
    static_default: Any = None
    raw = r.raw(key)
    if isinstance(raw, dict):
        # Static CMS: {fields: [...], default: {field, direction: Ascending|Descending}}
        sub = _Reader(c, raw, f"{path}.{key}")
        node = sub.seq("fields", required=True)
        static_default = sub.mapping("default")
        key = f"{key}.fields"
    else:
        node = r.seq(key)
    if node is None:
        return _default_sortable(collection)
    result: list[SortableField] = []
    if static_default is not None:
        direction = str(static_default.get("direction", "Ascending"))
        sort = {"ascending": "asc", "descending": "desc"}.get(direction.lower())
        if sort is None:
            c.error(_line_of(static_default, "direction"), f"{path}.sortable_fields.default.direction",
                    f"'{direction}' is not one of: Ascending, Descending")
        node = [
            {"field": item, "default_sort": sort} if item == static_default.get("field") and isinstance(item, str)
            else item for item in node
        ]
    defaults = 0
    for i, item in enumerate(node):
        ipath = f"{path}.{key}[{i}]"
        if isinstance(item, str):
            result.append(SortableField(field=str(item)))
        elif isinstance(item, dict):
            ir = _Reader(c, item, ipath)
            fld = ir.str("field", required=True)
            sort = item.get("default_sort")
            if sort is True:
                sort = "asc"
            elif sort is False or sort is None:
                sort = None
            elif sort not in ("asc", "desc"):
                c.error(ir.line("default_sort"), f"{ipath}.default_sort", "must be true, 'asc' or 'desc'")
                sort = None
            if sort:
                defaults += 1
            result.append(SortableField(field=fld or "", label=ir.str("label"), default_sort=sort))
        else:
            c.error(_line_of(node, i), ipath, "must be a field name or a mapping with 'field'")
    if defaults > 1:
        c.error(r.line(key), f"{path}.{key}", "only one item may have 'default_sort'")
    return result


def _default_sortable(collection: Collection) -> list[SortableField]:
    """Decap's inferred sort fields: commit date, then title/date/author/description if present."""
    names = {f.name for f in collection.fields}
    result = [SortableField(field="commit_date")] if collection.is_folder else []
    if not collection.is_folder:
        return result
    for candidate in ("title", "date", "author", "description"):
        if candidate in names:
            result.append(SortableField(field=candidate))
    if "author" not in names:
        result.append(SortableField(field="commit_author"))
    return result


def _static_list(c: _Checker, r: _Reader, path: str, key: str, inner: str) -> tuple[Any, str]:
    """A Decap list, or Static CMS's `{<inner>: [...], default: ...}` form of the same option."""
    raw = r.raw(key)
    if isinstance(raw, dict):
        return _Reader(c, raw, f"{path}.{key}").seq(inner, required=True), f"{path}.{key}.{inner}"
    return r.seq(key), f"{path}.{key}"


def _build_view_filters(c: _Checker, r: _Reader, path: str) -> list[ViewFilter]:
    node, base = _static_list(c, r, path, "view_filters", "filters")
    result = []
    for i, item in enumerate(node or []):
        ipath = f"{base}[{i}]"
        if not isinstance(item, dict):
            c.error(_line_of(node, i), ipath, "must be a mapping with label, field and pattern")
            continue
        ir = _Reader(c, item, ipath)
        label = ir.str("label", required=True)
        fld = ir.str("field", required=True)
        if "pattern" not in item:
            c.error(ir.line(), ipath, "missing required option 'pattern'")
        pattern = item.get("pattern")
        if not isinstance(pattern, (str, bool)) and pattern is not None:
            c.error(ir.line("pattern"), f"{ipath}.pattern",
                    f"must be a string or true/false, not {_type_name(pattern)}")
            pattern = str(pattern)
        result.append(ViewFilter(label=label or "", field=fld or "", pattern=_plain(pattern) if pattern is not None
                                 else "", id=f"{fld}__{pattern}"))
    return result


def _build_view_groups(c: _Checker, r: _Reader, path: str) -> list[ViewGroup]:
    node, base = _static_list(c, r, path, "view_groups", "groups")
    result = []
    for i, item in enumerate(node or []):
        ipath = f"{base}[{i}]"
        if not isinstance(item, dict):
            c.error(_line_of(node, i), ipath, "must be a mapping with label and field")
            continue
        ir = _Reader(c, item, ipath)
        label = ir.str("label", required=True)
        fld = ir.str("field", required=True)
        pattern = item.get("pattern")
        pattern = None if pattern is None else str(pattern)
        result.append(ViewGroup(label=label or "", field=fld or "", pattern=pattern, id=f"{fld}__{pattern}"))
    return result


def _build_fields(c: _Checker, node: Any, path: str, default_widget: str = "string") -> list[Field]:
    result: list[Field] = []
    if node is None:
        return result
    seen: set[str] = set()
    for i, item in enumerate(node):
        ipath = f"{path}[{i}]"
        if not isinstance(item, dict):
            c.error(_line_of(node, i), ipath, f"must be a mapping, not {_type_name(item)}")
            continue
        built = _build_field(c, item, ipath, default_widget)
        if built is None:
            continue
        if built.name in seen:
            c.error(_line_of(item, "name"), f"{ipath}.name", f"duplicate field name '{built.name}'")
        seen.add(built.name)
        result.append(built)
    return result


def _build_field(c: _Checker, node: Any, path: str, default_widget: str = "string") -> Field | None:
    r = _Reader(c, node, path)
    name = r.str("name", required=True)
    if name is None:
        return None
    widget = r.str("widget", default_widget) or default_widget
    builtin = widget in BUILTIN_WIDGETS
    if not builtin:
        c.warn(r.line("widget"), f"{path}.widget",
               f"widget '{widget}' is not built in{_widget_origin(widget)}; '{name}' is edited as raw YAML")
    label = r.str("label", name) or name
    pattern = None
    pattern_node = node.get("pattern")
    if pattern_node is not None:
        if (isinstance(pattern_node, list) and len(pattern_node) == 2
                and all(isinstance(p, str) for p in pattern_node)):
            pattern = (str(pattern_node[0]), str(pattern_node[1]))
        else:
            c.error(r.line("pattern"), f"{path}.pattern", "must be a list of [regex, message]")
    i18n_node = node.get("i18n")
    i18n: str | None
    if i18n_node is True:
        i18n = "translate"
    elif i18n_node is False:
        i18n = "none"
    elif i18n_node is None:
        i18n = None
    elif i18n_node in ("translate", "duplicate", "none"):
        i18n = str(i18n_node)
    else:
        c.error(r.line("i18n"), f"{path}.i18n", "must be true, false, 'translate', 'duplicate' or 'none'")
        i18n = None
    options: dict[str, Any] = {}
    for key, value in node.items():
        key = str(key)
        if key in COMMON_FIELD_KEYS:
            continue
        target = CAMEL_CASE_OPTIONS.get(key)
        if target is not None:
            if target in node:
                c.error(r.line(key), f"{path}.{key}", f"use either '{target}' or the deprecated '{key}', not both")
                continue
            c.warn(r.line(key), f"{path}.{key}", f"'{key}' is deprecated, use '{target}'")
            key = target
        elif key == "typeKey":
            key = "type_key"
        options[key] = _plain(value)
    fld = Field(
        name=name,
        label=label,
        widget=widget,
        required=r.bool("required", True),
        hint=r.str("hint"),
        pattern=pattern,
        default=_plain(node.get("default")),
        has_default="default" in node,
        i18n=i18n,
        comment=r.str("comment"),
        media_folder=r.str("media_folder"),
        public_folder=r.str("public_folder"),
        options=options,
        is_builtin_widget=builtin,
        meta=r.bool("meta", False),
        preview=node.get("preview", True) is not False,
        line=r.line(),
    )
    if fld.media_folder and _MACHINE_PATH.match(fld.media_folder.strip()):
        c.error(r.line("media_folder"), f"{path}.media_folder", str(_repository_path_problem(fld.media_folder)))
    if builtin:
        _check_widget_options(c, r, fld, path)
    if "fields" in node:
        fld.fields = _build_fields(c, r.seq("fields"), f"{path}.fields")
        options.pop("fields", None)
    if "field" in node:
        sub = r.mapping("field")
        if sub is not None:
            fld.field = _build_field(c, sub, f"{path}.field")
        options.pop("field", None)
    if "types" in node:
        fld.types = _build_fields(c, r.seq("types"), f"{path}.types", "object")  # a type is an object
        options.pop("types", None)
    fld.type_key = str(options.pop("type_key", "type"))
    if widget == "list" and sum(1 for k in ("field", "fields", "types") if k in node) > 1:
        c.error(r.line(), path, "a list takes only one of 'field', 'fields' or 'types'")
    return fld


def _check_widget_options(c: _Checker, r: _Reader, fld: Field, path: str) -> None:
    """Type, enum and required checks of widget options; clearly misspelled option names are errors."""
    widget = fld.widget
    allowed = WIDGET_OPTIONS.get(widget, set())
    known = allowed | COMMON_FIELD_KEYS | set(CAMEL_CASE_OPTIONS.values())
    # Compare with the snake_case names and their legacy camelCase spellings.
    candidates = sorted(allowed | COMMON_FIELD_KEYS | {k for k, v in CAMEL_CASE_OPTIONS.items() if v in allowed})
    for key in fld.options:
        if key in allowed or key in ("type_key",):
            continue
        original = next((k for k, v in CAMEL_CASE_OPTIONS.items() if v == key and k in r.node), key)
        close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.8)
        if close and key not in known and not field_option_dialects(widget, original):
            c.error(r.line(original), f"{path}", f"unknown {widget} widget option '{original}' "
                                                 f"(did you mean '{close[0]}'?)")
        else:
            c.warn(r.line(original), f"{path}.{original}", field_option_warning(widget, original))
    opts = fld.options

    def line(key: str) -> int | None:
        original = next((k for k, v in CAMEL_CASE_OPTIONS.items() if v == key and k in r.node), key)
        return r.line(original)

    def expect(key: str, kinds: tuple[type, ...], label: str) -> None:
        if key in opts and opts[key] is not None:
            value = opts[key]
            if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
                c.error(line(key), f"{path}.{key}", f"must be {label}, not {_type_name(value)}")

    for key in ("min", "max", "step", "decimals", "options_length"):
        expect(key, (int, float), "a number")
    for key in ("multiple", "allow_add", "allow_remove", "allow_reorder", "minimize_collapsed", "add_to_top",
                "allow_multiple", "picker_utc", "minimal", "allow_language_selection", "output_code_only",
                "allow_input", "enable_alpha", "choose_url", "private"):
        expect(key, (bool,), "true or false")
    if widget in ("list", "object"):
        expect("collapsed", (bool,), "true or false")
        expect("summary", (str,), "a string")
        expect("label_singular", (str,), "a string")
    if widget == "number" and "value_type" in opts and opts["value_type"] not in ("int", "float"):
        c.error(line("value_type"), f"{path}.value_type", f"'{opts['value_type']}' is not one of: float, int")
    if widget == "select":
        if "options" not in opts:
            c.error(r.line(), path, "select widget needs 'options'")
        elif not isinstance(opts["options"], list):
            c.error(line("options"), f"{path}.options", "must be a list")
        else:
            for i, option in enumerate(opts["options"]):
                ok = isinstance(option, (str, int, float)) and not isinstance(option, bool)
                ok = ok or (isinstance(option, dict) and "label" in option and "value" in option)
                if not ok:
                    c.error(_line_of(r.raw("options"), i), f"{path}.options[{i}]",
                            "must be a string, a number or a mapping with label and value")
    if widget == "relation":
        for key in ("collection", "value_field"):
            if key not in opts:
                c.error(r.line(), path, f"relation widget needs '{key}'")
        expect("collection", (str,), "a string")
        expect("value_field", (str,), "a string")
        expect("file", (str,), "a string")
        if "search_fields" not in opts:
            c.error(r.line(), path, "relation widget needs 'search_fields'")
        else:
            for key in ("search_fields", "display_fields"):
                value = opts.get(key)
                if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                    c.error(line(key), f"{path}.{key}", "must be a list of field names")
            if isinstance(opts.get("search_fields"), list) and not opts["search_fields"]:
                c.error(line("search_fields"), f"{path}.search_fields", "must name at least one field")
    if widget == "map" and "type" in opts and opts["type"] not in ("Point", "LineString", "Polygon"):
        c.error(line("type"), f"{path}.type", f"'{opts['type']}' is not one of: LineString, Point, Polygon")
    if widget in ("markdown", "richtext"):
        buttons = opts.get("buttons")
        if buttons is not None:
            if not isinstance(buttons, list):
                c.error(line("buttons"), f"{path}.buttons", "must be a list")
            else:
                for i, button in enumerate(buttons):
                    if button not in MARKDOWN_BUTTONS:
                        c.error(_line_of(r.raw("buttons"), i), f"{path}.buttons[{i}]",
                                f"unknown button '{button}'")
        modes = opts.get("modes")
        if isinstance(modes, list):
            for i, mode in enumerate(modes):
                if mode not in ("raw", "rich_text"):
                    c.error(_line_of(r.raw("modes"), i), f"{path}.modes[{i}]", f"unknown mode '{mode}'")
    if widget in ("datetime", "date"):
        for key in ("date_format", "time_format"):
            expect(key, (str, bool), "a string or true/false")
        expect("format", (str,), "a string")
    if widget == "list":
        if "field" in r.node and not isinstance(r.node["field"], dict):
            c.error(r.line("field"), f"{path}.field", "must be a mapping (one field)")
        for key in ("fields", "types"):
            if key in r.node and not isinstance(r.node[key], list):
                c.error(r.line(key), f"{path}.{key}", "must be a list of fields")
    if widget == "object" and "fields" not in r.node:
        c.error(r.line(), path, "object widget needs 'fields'")
