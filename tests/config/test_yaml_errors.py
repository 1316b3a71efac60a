"""YAML mistakes in config.yml: line and column, the line with a caret, and a hint a site owner can act on."""

from __future__ import annotations

import textwrap

import pytest

from editor_app.config.check import main as check_config
from editor_app.config.loader import parse_site_config
from editor_app.errors import ConfigError, Problem

HEAD = "backend:\n  name: github\n  repo: owner/site\nmedia_folder: static/img\ncollections:\n"


def problem_of(text: str) -> Problem:
    with pytest.raises(ConfigError) as info:
        parse_site_config(text, "admin/config.yml")
    return info.value.problems[0]


def test_an_unquoted_colon_in_a_value_shows_the_line_the_caret_and_the_quoted_value():
    text = HEAD + "  - name: posts\n    label: Posts: all of them\n    folder: posts\n"
    problem = problem_of(text)
    assert (problem.line, problem.column) == (7, 17)
    assert str(problem).splitlines() == [
        "admin/config.yml:7:17: invalid YAML: mapping values are not allowed here",
        "        label: Posts: all of them",
        "                    ^",
        "  hint: a value that contains ': ' must be quoted: label: \"Posts: all of them\"",
    ]


def test_an_apostrophe_inside_single_quotes_is_named():
    text = HEAD + "  - name: posts\n    label: 'Editor's pick'\n    folder: posts\n"
    lines = str(problem_of(text)).splitlines()
    assert lines[0].startswith("admin/config.yml:7:20: invalid YAML:")
    assert lines[1] == "        label: 'Editor's pick'"
    assert lines[2] == "                       ^"
    assert "contains an apostrophe" in lines[3] and "label: \"Editor's pick\"" in lines[3]
    assert "label: 'Editor''s pick'" in lines[3]


def test_a_tab_used_for_indentation_is_named_and_the_caret_keeps_the_tab():
    text = "backend:\n\tname: github\nmedia_folder: m\n"
    lines = str(problem_of(text)).splitlines()
    assert lines[0].startswith("admin/config.yml:2:1: invalid YAML:")
    assert lines[1] == "    \tname: github" and lines[2] == "    ^"
    assert "a tab is used for indentation" in lines[3]
    text = "backend:\n  name: github\n  repo:\towner/site\n"
    lines = str(problem_of(text)).splitlines()
    assert lines[0].startswith("admin/config.yml:3:8:") and lines[2] == "           ^"
    assert "a tab stands where YAML expects a space" in lines[3]


@pytest.mark.parametrize(("template", "line", "column", "tag"), [
    ("---\n---\nbackend:\n  name: github\n{% if jekyll.environment == 'production' %}\n  branch: main\n{% endif %}\n",
     5, 1, "{% ... %}"),
    ("backend:\n  name: github\n  repo: {{ site.github.repository_nwo }}\nmedia_folder: m\n", 3, 9, "{{ ... }}"),
])
def test_a_liquid_template_is_recognised_instead_of_a_syntax_error(template, line, column, tag):
    problem = problem_of(template)
    assert (problem.line, problem.column) == (line, column)
    assert problem.message == f"this file is a template with `{tag}`; point the app at the generated config.yml"


def test_decap_templates_in_values_are_not_mistaken_for_liquid():
    text = HEAD + textwrap.dedent("""\
          - name: posts
            label: Posts
            folder: posts
            slug: "{{year}}-{{slug}}"
            summary: "{{title}} {{fields.page}}"
            fields: [{name: title, label: Title}, {name: page, label: Page}]
    """)
    assert parse_site_config(text).collections[0].slug == "{{year}}-{{slug}}"


def test_a_duplicate_key_is_named_by_its_full_path_with_both_lines():
    text = "backend:\n  name: github\n  repo: a/b\n  name: gitlab\nmedia_folder: m\n" + \
        "collections:\n  - name: posts\n    label: P\n    folder: p\n    fields:\n" + \
        "      - {name: title, label: T}\n      - name: body\n        label: Body\n        label: Text\n"
    with pytest.raises(ConfigError) as info:
        parse_site_config(text, "config.yml")
    heads = [str(p).splitlines()[0] for p in info.value.problems]
    assert heads == [
        "config.yml:4:3: backend.name: duplicate key: also set on line 2; YAML keeps only one of them, "
        "so remove or rename one",
        "config.yml:14:9: collections[0].fields[1].label: duplicate key: also set on line 13; YAML keeps only "
        "one of them, so remove or rename one",
    ]


def test_an_unclosed_bracket_names_the_line_it_opened_on():
    problem = problem_of("backend: {name: github\nmedia_folder: m\n")
    assert (problem.line, problem.column) == (2, 13)
    assert "the '{' opened on line 1 is not closed with '}'" in problem.excerpt


def test_check_config_prints_file_line_column_and_the_excerpt(tmp_path):
    import io

    path = tmp_path / "config.yml"
    path.write_text(HEAD + "  - name: posts\n    label: Posts: all\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert check_config([str(path)], out=out, err=err) == 2
    lines = err.getvalue().splitlines()
    assert lines[0] == f"{path}:7:17: invalid YAML: mapping values are not allowed here"
    assert lines[1:3] == ["        label: Posts: all", "                    ^"]
    assert lines[-1] == "1 error(s)"
