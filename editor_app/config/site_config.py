"""The typed model of a site's config.yml (Decap CMS / Netlify CMS / Static CMS).

`config.loader` builds it: `load_site_config(path)` / `parse_site_config(text, file_name)` return a `SiteConfig`
or raise `errors.ConfigError` listing every problem as `file:line: option.path: message`. Warnings (unknown
widgets, deprecated camelCase options) are kept on `SiteConfig.warnings`. Defaults follow Decap's
`applyDefaults`; widget options are normalised to snake_case in `Field.options`.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any

from editor_app.errors import Problem

DEFAULT_COMMIT_MESSAGES: dict[str, str] = {
    "create": "Create {{collection}} \u201c{{slug}}\u201d",
    "update": "Update {{collection}} \u201c{{slug}}\u201d",
    "delete": "Delete {{collection}} \u201c{{slug}}\u201d",
    "uploadMedia": "Upload \u201c{{path}}\u201d",
    "deleteMedia": "Delete \u201c{{path}}\u201d",
    "openAuthoring": "{{message}}",
}

BUILTIN_WIDGETS: frozenset[str] = frozenset(
    {
        "string", "text", "number", "boolean", "datetime", "date", "select", "image", "file",
        "markdown", "richtext", "list", "object", "relation", "map", "code", "color", "hidden",
    }
)

# Format name -> default file extension (Decap's formatExtensions).
FORMAT_EXTENSIONS: dict[str, str] = {
    "yml": "yml",
    "yaml": "yml",
    "toml": "toml",
    "json": "json",
    "frontmatter": "md",
    "yaml-frontmatter": "md",
    "toml-frontmatter": "md",
    "json-frontmatter": "md",
}


@dataclass
class BackendConfig:
    """The `backend:` section; every option Decap's backends read, plus the raw mapping."""

    name: str
    repo: str | None = None
    branch: str | None = None  # None: the backend asks the host for its default branch
    api_root: str | None = None
    graphql_api_root: str | None = None
    use_graphql: bool = False
    site_domain: str | None = None
    base_url: str | None = None
    auth_endpoint: str | None = None
    auth_token_endpoint: str | None = None
    auth_type: str | None = None
    auth_scope: str | None = None
    app_id: str | None = None
    tenant_id: str | None = None
    api_version: str | None = None
    preview_context: str | None = None
    cms_label_prefix: str | None = None
    squash_merges: bool = False
    open_authoring: bool = False
    always_fork: bool = False
    signoff_commits: bool = False
    identity_url: str | None = None
    gateway_url: str | None = None
    proxy_url: str | None = None
    large_media_url: str | None = None
    status_endpoint: str | None = None
    commit_messages: dict[str, str] = _field(default_factory=lambda: dict(DEFAULT_COMMIT_MESSAGES))
    raw: dict[str, Any] = _field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        """A backend option by its config name, including ones this model does not name."""
        if key in self.raw:
            return self.raw[key]
        return getattr(self, key, default)


@dataclass
class SlugConfig:
    """The top-level `slug:` options (how slugs and paths are sanitised)."""

    encoding: str = "unicode"  # "unicode" or "ascii"
    clean_accents: bool = False
    sanitize_replacement: str = "-"


@dataclass
class I18nConfig:
    """Site or collection `i18n:` settings."""

    structure: str  # multiple_folders | multiple_files | single_file
    locales: list[str]
    default_locale: str


@dataclass
class NestedConfig:
    """A folder collection's `nested:` option (entries in a folder tree)."""

    depth: int
    subfolders: bool = True
    summary: str | None = None


@dataclass
class ViewFilter:
    """One `view_filters` item: show entries whose `field` matches `pattern`."""

    label: str
    field: str
    pattern: str | bool
    id: str = ""


@dataclass
class ViewGroup:
    """One `view_groups` item: group entries by the first match of `pattern` in `field`."""

    label: str
    field: str
    pattern: str | None = None
    id: str = ""


@dataclass
class SortableField:
    """One `sortable_fields` item; `default_sort` is None, "asc" or "desc"."""

    field: str
    label: str | None = None
    default_sort: str | None = None


@dataclass
class Field:
    """One field of a collection or file; widget-specific options are in `options` (snake_case)."""

    name: str
    label: str
    widget: str = "string"
    required: bool = True
    hint: str | None = None
    pattern: tuple[str, str] | None = None
    default: Any = None
    has_default: bool = False
    i18n: str | None = None  # "translate", "duplicate", "none" or None (not set)
    comment: str | None = None
    media_folder: str | None = None
    public_folder: str | None = None
    options: dict[str, Any] = _field(default_factory=dict)
    fields: list[Field] = _field(default_factory=list)
    field: Field | None = None
    types: list[Field] = _field(default_factory=list)
    type_key: str = "type"
    is_builtin_widget: bool = True
    meta: bool = False
    preview: bool = True  # False: `preview: false`, the field is left out of the preview
    line: int | None = None

    def option(self, key: str, default: Any = None) -> Any:
        """A widget option (snake_case name), or `default`."""
        return self.options.get(key, default)


@dataclass
class CollectionFile:
    """One file of a files collection."""

    name: str
    label: str
    file: str
    fields: list[Field] = _field(default_factory=list)
    label_singular: str | None = None
    description: str | None = None
    preview_path: str | None = None
    preview_path_date_field: str | None = None
    media_folder: str | None = None
    public_folder: str | None = None
    i18n: I18nConfig | bool | None = None
    editor: dict[str, Any] = _field(default_factory=dict)
    line: int | None = None


@dataclass
class Collection:
    """One collection: a folder of entries or a list of files."""

    name: str
    label: str
    label_singular: str | None = None
    description: str | None = None
    folder: str | None = None
    files: list[CollectionFile] = _field(default_factory=list)
    fields: list[Field] = _field(default_factory=list)
    nested: NestedConfig | None = None
    filter: dict[str, Any] | None = None
    create: bool = False
    delete: bool = True
    publish: bool = True
    hide: bool = False
    format: str | None = None
    extension: str | None = None
    frontmatter_delimiter: str | list[str] | None = None
    identifier_field: str | None = None
    summary: str | None = None
    slug: str = "{{slug}}"
    path: str | None = None
    preview_path: str | None = None
    preview_path_date_field: str | None = None
    sortable_fields: list[SortableField] = _field(default_factory=list)
    view_filters: list[ViewFilter] = _field(default_factory=list)
    view_groups: list[ViewGroup] = _field(default_factory=list)
    media_folder: str | None = None
    public_folder: str | None = None
    i18n: I18nConfig | None = None
    meta: dict[str, Any] | None = None
    editor: dict[str, Any] = _field(default_factory=lambda: {"preview": True, "notes": False})
    line: int | None = None

    @property
    def is_folder(self) -> bool:
        """True for a folder collection (entries are files in `folder`)."""
        return self.folder is not None

    @property
    def is_files(self) -> bool:
        """True for a files collection (a fixed list of files)."""
        return self.folder is None

    @property
    def entry_extension(self) -> str:
        """The extension of new entries: `extension`, else the format's default (md)."""
        if self.extension:
            return self.extension.lstrip(".")
        return FORMAT_EXTENSIONS.get(self.format or "frontmatter", "md")

    def identifier_field_name(self) -> str | None:
        """The field whose value names new entries: `identifier_field`, else `title` or `path`."""
        names = {f.name.lower(): f.name for f in self.fields}
        if self.identifier_field:
            return self.identifier_field
        for candidate in ("title", "path"):
            if candidate in names:
                return names[candidate]
        return None

    def field_named(self, name: str) -> Field | None:
        """The top-level field called `name`, if any."""
        return next((f for f in self.fields if f.name == name), None)

    def file_named(self, name: str) -> CollectionFile | None:
        """The file of a files collection called `name`, if any."""
        return next((f for f in self.files if f.name == name), None)


@dataclass
class SiteConfig:
    """A validated site configuration with Decap's defaults applied."""

    backend: BackendConfig
    collections: list[Collection]
    publish_mode: str = "simple"
    media_folder: str = ""
    public_folder: str = ""
    media_folder_relative: bool = False
    media_library: dict[str, Any] | None = None
    site_url: str | None = None
    display_url: str | None = None
    logo_url: str | None = None
    locale: str = "en"
    slug: SlugConfig = _field(default_factory=SlugConfig)
    local_backend: bool | dict[str, Any] = False
    i18n: I18nConfig | None = None
    editor: dict[str, Any] = _field(default_factory=lambda: {"preview": True, "notes": False})
    search: bool = True
    show_preview_links: bool = True
    source_file: str = "config.yml"
    warnings: list[Problem] = _field(default_factory=list)
    raw: dict[str, Any] = _field(default_factory=dict)

    def collection_named(self, name: str) -> Collection | None:
        """The collection called `name`, if any."""
        return next((c for c in self.collections if c.name == name), None)
