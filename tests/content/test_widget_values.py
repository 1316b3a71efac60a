"""Value rules of the built-in widgets, without Qt."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from editor_app.config.loader import parse_site_config
from editor_app.config.site_config import Field
from editor_app.content import widget_values as wv


def fields_of(yaml_fields: str) -> list[Field]:
    """The fields of a one-collection config whose `fields:` block is given."""
    indented = "\n".join("          " + line for line in yaml_fields.strip().splitlines())
    text = ("backend: {name: test-repo}\nmedia_folder: static/img\ncollections:\n"
            "  - name: pages\n    label: Pages\n    files:\n"
            "      - name: page\n        label: Page\n        file: page.yml\n        fields:\n" + indented + "\n")
    return parse_site_config(text).collections[0].files[0].fields


def test_required_empty_values_are_reported_with_the_label():
    title, = fields_of("- {name: title, label: Title}")
    assert wv.validate_field(title, "", True) == ["Title is required."]
    assert wv.validate_field(title, None, False) == ["Title is required."]
    assert wv.validate_field(title, "Hello", True) == []


def test_optional_and_boolean_fields_may_be_empty():
    note, flag = fields_of("- {name: note, required: false}\n- {name: flag, widget: boolean}")
    assert wv.validate_field(note, "", True) == []
    assert wv.validate_field(flag, False, True) == []


def test_pattern_message_comes_from_the_config_and_names_its_field():
    slug, = fields_of("- {name: slug, pattern: ['^[a-z-]+$', 'Only lowercase letters and dashes']}")
    assert wv.validate_field(slug, "Bad Slug", True) == ["slug: Only lowercase letters and dashes"]
    named, = fields_of("- {name: slug, label: Slug, pattern: ['^[a-z-]+$', 'Slug: lowercase only']}")
    assert wv.validate_field(named, "Bad Slug", True) == ["Slug: lowercase only"]  # named once, not twice
    assert wv.validate_field(slug, "good-slug", True) == []


def test_number_min_max_and_parsing():
    rating, = fields_of("- {name: rating, widget: number, value_type: int, min: 1, max: 5}")
    assert wv.validate_field(rating, 0, True) == ["rating must be at least 1."]
    assert wv.validate_field(rating, 6, True) == ["rating must be at most 5."]
    assert wv.validate_field(rating, 3, True) == []
    assert wv.parse_number("3", "int") == 3 and isinstance(wv.parse_number("3", "int"), int)
    assert wv.parse_number("2.50", "float") == 2.5
    assert isinstance(wv.parse_number("4", None), int) and isinstance(wv.parse_number("4.5", None), float)
    with pytest.raises(ValueError, match="not a whole number"):
        wv.parse_number("2.5", "int")
    with pytest.raises(ValueError, match="not a number"):
        wv.parse_number("abc", None)


def test_list_and_multiple_select_counts_are_checked():
    tags, cats = fields_of("""
- {name: tags, widget: list, min: 2, max: 3}
- {name: cats, widget: select, multiple: true, options: [a, b, c], min: 1, max: 2}
""")
    assert wv.validate_field(tags, ["x"], True) == ["tags needs at least 2 items (has 1)."]
    assert wv.validate_field(tags, ["a", "b", "c", "d"], True) == ["tags takes at most 3 items (has 4)."]
    assert wv.validate_field(cats, ["a", "b", "c"], True) == ["cats takes at most 2 items (has 3)."]


def test_validate_entry_reports_nested_paths():
    fields = fields_of("""
- name: authors
  widget: list
  fields:
    - {name: name}
    - {name: age, widget: number, max: 150, required: false}
- name: seo
  widget: object
  fields:
    - {name: description}
""")
    data = {"authors": [{"name": "Ann"}, {"name": "", "age": 200}], "seo": {}}
    assert wv.validate_entry(fields, data) == [
        ("authors[1].name", "name is required."),
        ("authors[1].age", "age must be at most 150."),
        ("seo", "seo is required."),
        ("seo.description", "description is required."),
    ]


def test_dates_keep_the_shape_they_were_stored_in():
    published, = fields_of("- {name: published, widget: datetime}")
    assert wv.storage_format(published, "2024-05-01") == "YYYY-MM-DD"
    assert wv.storage_format(published, "2024-05-01T10:30:00.000Z") == "YYYY-MM-DDTHH:mm:ss.SSS[Z]"
    assert wv.storage_format(published, None) == wv.DECAP_DEFAULT_FORMAT
    picked = datetime(2024, 6, 2, 9, 5, 7, 123000, tzinfo=UTC)
    assert wv.write_datetime(picked, "YYYY-MM-DD", "2024-05-01") == "2024-06-02"
    assert wv.write_datetime(picked, "YYYY-MM-DDTHH:mm:ss.SSS[Z]") == "2024-06-02T09:05:07.123Z"
    assert wv.write_datetime(datetime(2024, 6, 2), "YYYY-MM-DD", date(2024, 5, 1)) == date(2024, 6, 2)


def test_moment_formats_render_and_parse_back():
    fmt = "DD.MM.YYYY [at] h:mm A"
    dt = datetime(2023, 12, 24, 18, 30)
    assert wv.format_datetime(dt, fmt) == "24.12.2023 at 6:30 PM"
    assert wv.parse_datetime("24.12.2023 at 6:30 PM", fmt) == dt
    assert wv.format_datetime(dt, "MMMM Do, YYYY") == "December 24th, 2023"
    assert wv.parse_datetime("December 24th, 2023", "MMMM Do, YYYY") == datetime(2023, 12, 24)
    with pytest.raises(ValueError, match="does not match the format"):
        wv.parse_datetime("2023-12-24", fmt)


def test_datetime_kind_and_picker_format_follow_date_and_time_options():
    only_date, only_time, custom = fields_of("""
- {name: d, widget: datetime, time_format: false, date_format: 'DD/MM/YYYY'}
- {name: t, widget: datetime, date_format: false}
- {name: c, widget: datetime, format: 'YYYY-MM-DD'}
""")
    assert wv.datetime_kind(only_date) == "date" and wv.picker_display_format(only_date) == "dd/MM/yyyy"
    assert wv.datetime_kind(only_time) == "time" and wv.picker_display_format(only_time) == "HH:mm"
    assert wv.datetime_kind(custom) == "date"
    assert wv.moment_to_qt("YYYY-MM-DD [at] HH:mm") == "yyyy-MM-dd 'at' HH:mm"


def test_relation_values_and_display_come_from_the_found_entry():
    entry = {"slug": "first-post", "title": "First", "author": {"name": "Ann"}, "tags": ["a", "b"]}
    assert wv.relation_value(entry, "{{slug}}") == "first-post"
    assert wv.relation_value(entry, "author.name") == "Ann"
    assert wv.relation_display(entry, ["title", "author.name"], "{{slug}}") == "First Ann"
    assert wv.relation_display(entry, ["{{fields.title}} ({{slug}})"], "title") == "First (first-post)"
    assert wv.relation_display(entry, None, "title") == "First"


def test_list_summary_uses_the_template_then_the_first_value():
    lst, = fields_of("- {name: people, widget: list, summary: '{{fields.name}} ({{age}})', fields: [{name: name}]}")
    assert wv.list_item_summary(lst, {"name": "Ann", "age": 30}, 0) == "Ann (30)"
    plain, = fields_of("- {name: people, widget: list, label_singular: Person, fields: [{name: name}]}")
    assert wv.list_item_summary(plain, {"name": "Bob"}, 0) == "Bob"
    assert wv.list_item_summary(plain, {}, 2) == "Person 3"


def test_colors_parse_and_format_with_alpha():
    assert wv.parse_color("#ff8000") == (255, 128, 0, 1.0)
    assert wv.parse_color("#f80") == (255, 136, 0, 1.0)
    assert wv.parse_color("rgba(1, 2, 3, 0.5)") == (1, 2, 3, 0.5)
    assert wv.format_color(255, 128, 0, 0.5, enable_alpha=True) == "rgba(255, 128, 0, 0.5)"
    assert wv.format_color(255, 128, 0, 0.5, enable_alpha=False) == "#ff8000"
    assert wv.format_color(255, 128, 0, 1.0, enable_alpha=True) == "#ff8000"
    with pytest.raises(ValueError, match="not a colour"):
        wv.parse_color("orange-ish")


def test_geojson_is_checked_against_the_map_type():
    assert wv.geojson_problem('{"type":"Point","coordinates":[13.4,52.5]}') is None
    assert "not valid JSON" in wv.geojson_problem('{"type":"Point",')
    assert "expected a GeoJSON Point" in wv.geojson_problem('{"type":"LineString","coordinates":[]}')
    assert "within -180..180" in wv.geojson_problem('{"type":"Point","coordinates":[200,10]}')
    line = '{"type":"LineString","coordinates":[[0,0],[1,1]]}'
    assert wv.geojson_problem(line, "LineString") is None
    open_ring = '{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}'
    assert "must end where it starts" in wv.geojson_problem(open_ring, "Polygon")


def test_raw_yaml_round_trips_and_reports_the_line_of_an_error():
    value = {"a": [1, 2], "b": "text"}
    assert wv.yaml_to_value(wv.value_to_yaml(value)) == value
    assert wv.value_to_yaml("plain") == "plain"
    with pytest.raises(ValueError, match="line 2"):
        wv.yaml_to_value("a: 1\nb: c: d\n")


def test_select_options_accept_values_and_label_value_pairs():
    sel, = fields_of("- {name: s, widget: select, options: [a, {label: Bee, value: b}, 3]}")
    assert wv.select_options(sel) == [("a", "a"), ("Bee", "b"), ("3", 3)]


AUTHORS_FILE = {"slug": "authors", "authors": [{"id": "maria", "name": "María Delgado", "role": "Coordinator"},
                                               {"id": "jonas", "name": "Jonas Berg", "role": "Seed keeper"},
                                               {"id": "", "name": "Nobody yet"}]}


def test_expand_path_gives_one_path_per_list_item_like_decap():
    assert wv.expand_path(AUTHORS_FILE, "authors.*.id") == ["authors.0.id", "authors.1.id", "authors.2.id"]
    assert wv.expand_path(AUTHORS_FILE, "slug") == ["slug"]
    assert wv.expand_path({"authors": "not a list"}, "authors.*.id") == []
    assert wv.expand_path({"a": [{"b": [1, 2]}, {"b": [3]}]}, "a.*.b.*") == ["a.0.b.0", "a.0.b.1", "a.1.b.0"]


def test_a_files_collection_list_offers_one_choice_per_item_labelled_by_the_same_item():
    options = wv.relation_options(AUTHORS_FILE, "authors.*.id", ["authors.*.name", "authors.*.role"],
                                  ["authors.*.name"])
    assert [(o.value, o.label) for o in options] == [("maria", "María Delgado Coordinator"),
                                                    ("jonas", "Jonas Berg Seed keeper")]  # no empty value


def test_relation_search_ignores_case_and_accents_and_matches_every_word():
    options = wv.relation_options(AUTHORS_FILE, "authors.*.id", ["authors.*.name"], ["authors.*.name"])
    assert [o.value for o in options if o.matches("mar")] == ["maria"]
    assert [o.value for o in options if o.matches("Jo")] == ["jonas"]
    assert [o.value for o in options if o.matches("delgado MARIA")] == ["maria"]
    assert [o.value for o in options if o.matches("")] == ["maria", "jonas"]
    assert not any(o.matches("zucchini") for o in options)


def test_relation_choices_from_templates_and_nested_fields():
    entry = {"slug": "basil", "name": "Basil", "family": {"latin": "Lamiaceae"}}
    (option,) = wv.relation_options(entry, "{{slug}}", ["name", "family.latin"], ["name", "family.latin"])
    assert (option.value, option.label) == ("basil", "Basil Lamiaceae")
    assert option.matches("lamia")
    (nested,) = wv.relation_options(entry, "family.latin", None, None)
    assert (nested.value, nested.label) == ("Lamiaceae", "Lamiaceae")
