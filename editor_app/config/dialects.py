"""Which config options each dialect of the config.yml format knows: Decap CMS, Static CMS, Sveltia CMS.

The tables are written out from each project's own description of its options, so an option this app does
not know can be named precisely in a warning ("a Sveltia CMS option", "not an option of any of them"):

- Decap CMS 3: `decap-cms-core/src/constants/configSchema.js`, `types/redux.ts` and each widget's
  `schema.js` (summarised in reference/decap-internals.md §6).
- Static CMS 4: `packages/core/src/interface.ts` (`Config`, `BaseField` and each `*Field` interface).
- Sveltia CMS: `src/lib/types/public.js` (`CmsConfig`, `CommonFieldProps`, `VisibleFieldProps`, and each
  `*FieldProps` typedef as composed into its field type).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

DECAP = "Decap CMS"
STATIC = "Static CMS"
SVELTIA = "Sveltia CMS"


@dataclass(frozen=True)
class Dialect:
    """The options one dialect documents: top-level, and per field (common ones, then each widget's own)."""

    name: str
    top_level: frozenset[str]
    field_common: frozenset[str]
    widgets: dict[str, frozenset[str]] = field(default_factory=dict)

    def has_field_option(self, widget: str, option: str) -> bool:
        """Whether a field of `widget` takes `option` in this dialect."""
        return option in self.field_common or option in self.widgets.get(widget, frozenset())


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_DECAP_MEDIA = "allow_multiple media_library choose_url private config media_folder public_folder"
_DECAP_RICH = "minimal buttons editor_components modes sanitize_preview"

DECAP_DIALECT = Dialect(
    DECAP,
    top_level=_set(
        "backend collections media_folder media_library public_folder media_folder_relative publish_mode slug "
        "site_url display_url logo_url logo show_preview_links locale i18n local_backend editor issue_reports "
        "search load_config_file integrations auth auth_scope"
    ),
    field_common=_set("name label widget required hint pattern default i18n comment meta index_file"),
    widgets={
        "string": _set("visual_editing"),
        "text": frozenset(),
        "number": _set("value_type min max step"),
        "boolean": frozenset(),
        "datetime": _set("format date_format time_format picker_utc"),
        "date": _set("format date_format time_format picker_utc"),
        "select": _set("options multiple min max"),
        "image": _set(_DECAP_MEDIA),
        "file": _set(_DECAP_MEDIA),
        "markdown": _set(_DECAP_RICH),
        "richtext": _set(_DECAP_RICH),
        "list": _set("field fields types type_key allow_add allow_remove allow_reorder collapsed minimize_collapsed "
                     "summary label_singular min max add_to_top"),
        "object": _set("fields collapsed summary"),
        "relation": _set("collection value_field search_fields display_fields file multiple min max options_length "
                         "filters"),
        "map": _set("decimals type height"),
        "code": _set("default_language allow_language_selection keys output_code_only"),
        "color": _set("allow_input enable_alpha"),
        "hidden": frozenset(),
    },
)

_STATIC_MEDIA = "media_folder public_folder choose_url multiple media_library select_folder"

STATIC_DIALECT = Dialect(
    STATIC,
    top_level=_set(
        "backend collections locale site_id site_url display_url base_url logo_url logo_link media_folder "
        "public_folder media_folder_relative media_library publish_mode slug i18n local_backend "
        "disable_local_backup editor search theme yaml"
    ),
    field_common=_set("name label required hint pattern i18n comment widget condition default"),
    widgets={
        "boolean": _set("prefix suffix"),
        "code": _set("default_language allow_language_selection keys output_code_only code_mirror_config"),
        "color": _set("allow_input enable_alpha"),
        "datetime": _set("format date_format time_format picker_utc"),
        "file": _set(_STATIC_MEDIA),
        "image": _set(_STATIC_MEDIA),
        "object": _set("collapsed summary fields"),
        "keyvalue": _set("label_singular key_label value_label min max"),
        "list": _set("allow_add collapsed summary label_singular fields max min add_to_top types type_key delimiter"),
        "map": _set("decimals type height"),
        "markdown": _set(f"{_STATIC_MEDIA} toolbar_buttons show_raw"),
        "number": _set("value_type min max step prefix suffix"),
        "select": _set("options multiple min max"),
        "relation": _set("collection value_field search_fields file display_fields multiple min max options_length"),
        "hidden": frozenset(),
        "string": _set("prefix suffix"),
        "text": frozenset(),
        "uuid": _set("allow_regenerate prefix"),
    },
)

_SVELTIA_MEDIA = ("multiple min max accept choose_url media_folder public_folder media_library media_libraries")
_SVELTIA_RICH = ("minimal buttons editor_components allow_nested_components modes sanitize_preview linked_images "
                 "use_emoji_autocomplete use_markdown_shortcuts")
_SVELTIA_LIST = ("min max allow_add allow_remove allow_duplicate allow_reorder add_to_top label_singular summary "
                 "thumbnail collapsed minimize_collapsed root field fields types typeKey")

SVELTIA_DIALECT = Dialect(
    SVELTIA,
    top_level=_set(
        "load_config_file backend publish_mode media_folder public_folder media_library media_libraries app_title "
        "site_url display_url logo_url logo logout_redirect_url issue_reports show_preview_links slug collections "
        "singletons asset_collections i18n editor output field_defaults"
    ),
    # CommonFieldProps, VisibleFieldProps and FieldValidationProps; every field type takes a default.
    field_common=_set("name i18n label comment hint preview required readonly pattern widget default"),
    widgets={
        "boolean": _set("before_input after_input"),
        "code": _set("default_language allow_language_selection output_code_only keys"),
        "color": _set("allowInput enableAlpha allow_input enable_alpha"),
        "compute": _set("value"),
        "datetime": _set("type min max step format date_format time_format picker_utc input_timezone output_utc"),
        "file": _set(_SVELTIA_MEDIA),
        "image": _set(_SVELTIA_MEDIA),
        "hidden": frozenset(),
        "keyvalue": _set("key_label value_label root min max"),
        "list": _set(_SVELTIA_LIST),
        "map": _set("decimals type center zoom"),
        "markdown": _set(_SVELTIA_RICH),
        "richtext": _set(_SVELTIA_RICH),
        "number": _set("value_type min max step before_input after_input"),
        "object": _set("collapsed summary fields types typeKey"),
        "relation": _set("collection file value_field display_fields search_fields filters multiple min max "
                         "dropdown_threshold"),
        "select": _set("options multiple min max dropdown_threshold"),
        "string": _set("type prefix suffix use_emoji_autocomplete before_input after_input minlength maxlength"),
        "text": _set("use_emoji_autocomplete minlength maxlength"),
        "uuid": _set("prefix use_b32_encoding read_only"),
    },
)

DIALECTS: tuple[Dialect, ...] = (DECAP_DIALECT, STATIC_DIALECT, SVELTIA_DIALECT)


def _joined(names: Iterable[str]) -> str:
    items = list(names)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def top_level_dialects(option: str) -> list[str]:
    """The dialects that document `option` at the top level of the config."""
    return [d.name for d in DIALECTS if option in d.top_level]


def field_option_dialects(widget: str, option: str) -> list[str]:
    """The dialects whose `widget` fields take `option`."""
    return [d.name for d in DIALECTS if d.has_field_option(widget, option)]


def widget_dialects(widget: str) -> list[str]:
    """The dialects that have `widget` built in."""
    return [d.name for d in DIALECTS if widget in d.widgets]


def top_level_warning(option: str) -> str:
    """Why a top-level option this app does not read is ignored, naming the dialect that has it."""
    others = top_level_dialects(option)
    if others:
        return f"'{option}' is a {_joined(others)} option; Decap CMS and this app ignore it"
    return f"'{option}' is not an option of {DECAP}, {STATIC} or {SVELTIA}; it is ignored"


def field_option_warning(widget: str, option: str) -> str:
    """Why a field option this app does not read is ignored, naming the dialect that has it."""
    others = field_option_dialects(widget, option)
    if others:
        return f"'{option}' is a {_joined(others)} option of the {widget} widget; Decap CMS and this app ignore it"
    return f"'{option}' is not an option of the {widget} widget in {DECAP}, {STATIC} or {SVELTIA}; it is ignored"
