"""YAML alias bombs ("billion laughs"): refused quickly with file and line, never expanded; other entries load."""

from __future__ import annotations

import time

import pytest

from editor_app.config.loader import parse_site_config
from editor_app.config.yaml12 import MAX_ALIAS_NODES, check_alias_expansion, load_fast
from editor_app.content.formats import parse_entry
from editor_app.errors import ConfigError, ContentError

# Nine levels of ten aliases: about 400 bytes that stand for 10^9 values once walked.
LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_the_bomb_is_small():
    assert len(LAUGHS.encode()) < 600


def test_load_fast_refuses_the_bomb_at_the_alias_that_goes_over():
    started = time.perf_counter()
    with pytest.raises(Exception) as info:
        load_fast(LAUGHS)
    assert time.perf_counter() - started < 2
    assert "billion laughs" in str(info.value)
    assert info.value.problem_mark.line + 1 == 6  # f: the first level past 100,000 repeated values


def test_a_config_bomb_is_a_config_error_with_file_and_line():
    text = "backend: {name: test-repo}\nmedia_folder: m\ncollections: []\n" + LAUGHS
    started = time.perf_counter()
    with pytest.raises(ConfigError) as info:
        parse_site_config(text, "site/config.yml")
    assert time.perf_counter() - started < 2
    problem, = info.value.problems
    assert str(problem).startswith(
        "site/config.yml:9:8: invalid YAML: the aliases (*e and others) repeat more than 100,000 values")


def test_front_matter_bomb_is_a_content_error_with_path_and_line():
    text = "---\ntitle: Boom\n" + LAUGHS + "---\nbody\n"
    started = time.perf_counter()
    with pytest.raises(ContentError) as info:
        parse_entry(text, path="content/posts/boom.md")
    assert time.perf_counter() - started < 2
    assert info.value.path == "content/posts/boom.md" and info.value.line == 8
    assert "invalid YAML: the aliases" in str(info.value)


def test_real_configs_reuse_fields_with_aliases_and_merge_keys():
    fields = "".join(f"    - {{name: f{i}, label: F{i}}}\n" for i in range(20))
    collections = "".join(
        f"  - {{<<: *defaults, name: c{i}, label: C{i}, folder: c{i}, fields: *fields}}\n" for i in range(200))
    text = (
        "backend: {name: test-repo}\nmedia_folder: m\n"
        "defaults: &defaults {create: true, format: frontmatter}\n"
        "shared:\n  fields: &fields\n" + fields + "collections:\n" + collections
    )
    site = parse_site_config(text)
    assert len(site.collections) == 200 and len(site.collections[-1].fields) == 20
    assert site.collections[-1].create


def test_the_budget_counts_values_not_aliases():
    many_small = "x: &x 1\n" + "".join(f"k{i}: *x\n" for i in range(5000))
    check_alias_expansion(many_small)  # 5,000 aliases of one value each is fine
    assert MAX_ALIAS_NODES == 100_000
