"""Entry formats: every Decap format parses, and writing back keeps everything the editor did not change."""

from __future__ import annotations

import difflib
import textwrap

import pytest

from editor_app.config.loader import parse_site_config
from editor_app.config.yaml12 import round_trip_yaml
from editor_app.content.formats import dump_entry, open_entry, parse_entry, resolve_format
from editor_app.errors import ContentError
from tests.content.samples import generated_posts, repo_file_samples


def all_samples() -> dict[str, str]:
    samples = repo_file_samples()
    samples.update(generated_posts())
    return samples


def parse(text: str, name: str, **kwargs):
    return parse_entry(text, path=name, collection_extension="md", **kwargs)


def changed_lines(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and not line.startswith(("+++ ", "--- "))]


def plain(value):
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value


# --------------------------------------------------------------------------------------- real samples


def test_samples_are_extracted_from_the_dev_test_site():
    samples = all_samples()
    assert len(samples) >= 40
    assert "a-big-entry-with-all-the-things.md" in samples and "settings.json" in samples


def test_saving_unchanged_entry_writes_identical_bytes():
    for name, text in all_samples().items():
        parsed = parse(text, name)
        assert dump_entry(parsed, dict(parsed.data)) == text, name
        # Even a deep copy of the data (what an editor form hands back) writes the same bytes.
        assert dump_entry(parsed, plain(parsed.data)) == text, name


def test_sample_formats_are_detected():
    samples = repo_file_samples()
    yaml_post = parse(samples["2015-02-14-this-is-a-post.md"], "x.md")
    assert yaml_post.language == "yaml" and yaml_post.data["title"] == "This is a YAML front matter post"
    assert yaml_post.data["date"] == "2015-02-14T00:00:00.000Z"  # dates stay text
    assert yaml_post.data["body"].startswith("\n# I Am a Title in Markdown")
    json_post = parse(samples["2015-02-15-this-is-a-json-frontmatter-post.md"], "x.md")
    assert json_post.language == "json" and json_post.data["image"] == "/nf-logo.png"
    toml_post = parse(samples["2015-02-16-this-is-a-toml-frontmatter-post.md"], "x.md")
    assert toml_post.language == "toml" and toml_post.data["date"] == "2015-02-16T00:00:00.000Z"
    settings = parse_entry(samples["settings.json"], path="_data/settings.json")
    assert settings.data == {"site_title": "CMS Demo"}
    authors = parse_entry(samples["authors.yml"], path="_data/authors.yml")
    assert authors.data["authors"][1] == {"name": "Chris", "description": "Co-founder @ Netlify"}
    other = parse(samples["2015-02-14-this-is-a-post-with-a-different-extension.other"], "a.other")
    assert other.format == "frontmatter" and other.data["image"] == "/nf-logo.png"


def test_changing_one_field_changes_only_that_fields_lines_in_every_sample():
    for name, text in all_samples().items():
        parsed = parse(text, name)
        key = "title" if "title" in parsed.data else next(iter(parsed.data))
        if not isinstance(parsed.data[key], str):
            continue
        data = dict(parsed.data)
        data[key] = "Changed — ü"
        written = dump_entry(parsed, data)
        changes = changed_lines(text, written)
        assert len(changes) == 2, (name, changes)
        assert "Changed — ü" in changes[1], (name, changes)
        assert parse(written, name).data == data, name


def test_kitchen_sink_entry_keeps_folded_text_spacing_and_nested_lists_when_a_nested_value_changes():
    text = repo_file_samples()["a-big-entry-with-all-the-things.md"]
    parsed = parse(text, "sink.md")
    data = plain(parsed.data)
    data["typed_list"][1]["number"] = 4
    written = dump_entry(parsed, data)
    assert changed_lines(text, written) == ["-    number: 3", "+    number: 4"]
    assert "    datetime:  2017-06-07T19:05:43.816Z\n" in written  # the double space is kept


def test_fast_and_round_trip_readers_agree_on_values():
    for name, text in all_samples().items():
        parsed = parse(text, name)
        if parsed.language != "yaml" or parsed.matter == "" and parsed.delimiters is None and name.endswith(".md"):
            continue
        source = parsed.matter
        full = round_trip_yaml().load(source) or {}
        expected = {k: v for k, v in parsed.data.items() if not (k == "body" and parsed.delimiters is not None)}
        assert plain(full) == expected, name


def test_fast_and_round_trip_readers_agree_on_yaml_1_2_scalars():
    text = textwrap.dedent("""\
        a: yes
        b: off
        c: 0777
        d: 0o17
        e: 0x1F
        f: 1.5e3
        g: .inf
        h: ~
        i: null
        j: 2024-01-02
        k: 2024-01-02T03:04:05Z
        l: "quoted"
        m: 'single'
        n: TRUE
        o: [1, two, 3.0]
        base: &base {x: 1}
        merged:
          <<: *base
          y: 2
        """)
    fast = parse_entry(text, path="a.yml").data
    assert fast["a"] == "yes" and fast["b"] == "off" and fast["c"] == 777 and fast["d"] == 15
    assert fast["e"] == 31 and fast["f"] == 1500.0 and fast["g"] == float("inf")
    assert fast["h"] is None and fast["i"] is None and fast["j"] == "2024-01-02" and fast["k"] == "2024-01-02T03:04:05Z"
    assert fast["n"] is True and fast["o"] == [1, "two", 3.0] and fast["merged"] == {"x": 1, "y": 2}
    slow = plain(round_trip_yaml().load(text))
    assert slow == fast
    assert [type(v) for v in slow.values()] == [type(v) for v in fast.values()]


# ------------------------------------------------------------------------------------------- YAML


def test_yaml_comments_quoting_order_and_dates_survive_an_edit():
    text = textwrap.dedent("""\
        ---
        # leading comment
        title: 'Single quoted'   # trailing comment
        date: 2024-01-02
        tags:
          - a
          - b
        other: "double"
        ---
        Body text
        """)
    parsed = parse(text, "a.md")
    data = dict(parsed.data, title="New title")
    written = dump_entry(parsed, data)
    changes = changed_lines(text, written)
    assert changes[0] == "-title: 'Single quoted'   # trailing comment"
    assert len(changes) == 2 and changes[1].startswith("+title: 'New title'") and "# trailing comment" in changes[1]


def test_new_keys_are_written_in_the_collections_field_order():
    text = "---\ntitle: T\ndraft: false\n---\nbody\n"
    parsed = parse(text, "a.md")
    data = {"image": "/a.png", **parsed.data, "author": "Ann"}
    written = dump_entry(parsed, data, field_order=["title", "author", "date", "draft", "image"])
    assert written == "---\ntitle: T\nauthor: Ann\ndraft: false\nimage: /a.png\n---\nbody\n"


def test_removed_keys_are_dropped_and_other_lines_kept():
    text = "---\ntitle: T  # keep\nold: x\ndraft: true\n---\n"
    parsed = parse(text, "a.md")
    data = {k: v for k, v in parsed.data.items() if k != "old"}
    assert dump_entry(parsed, data) == "---\ntitle: T  # keep\ndraft: true\n---\n"


def test_crlf_line_endings_are_kept():
    text = "---\r\ntitle: T\r\ndate: 2024-01-02\r\n---\r\n\r\nBody line\r\n"
    parsed = parse(text, "a.md")
    assert parsed.data["body"] == "\nBody line\n"
    assert dump_entry(parsed, dict(parsed.data)) == text
    written = dump_entry(parsed, dict(parsed.data, title="U", body="\nNew body\n"))
    assert written == "---\r\ntitle: U\r\ndate: 2024-01-02\r\n---\r\n\r\nNew body\r\n"


def test_missing_trailing_newline_and_non_ascii_text_are_kept():
    text = "title: Grüße\nlist:\n  - 日本語\ncount: 1"
    parsed = parse_entry(text, path="a.yml")
    written = dump_entry(parsed, dict(parsed.data, count=2))
    assert written == "title: Grüße\nlist:\n  - 日本語\ncount: 2"


def test_quoted_string_keeps_its_quote_style_when_changed():
    text = 'title: "Old"\nother: plain\n'
    parsed = parse_entry(text, path="a.yml")
    assert dump_entry(parsed, {"title": "New", "other": "plain"}) == 'title: "New"\nother: plain\n'


def test_body_is_omitted_when_empty_and_body_only_markdown_has_no_front_matter():
    parsed = parse("---\ntitle: T\n---\n", "a.md")
    assert parsed.data == {"title": "T"}
    plain_md = parse("# Just markdown\n", "a.md")
    assert plain_md.data == {"body": "# Just markdown\n"} and plain_md.delimiters is None
    assert dump_entry(plain_md, {"body": "# Changed\n"}) == "# Changed\n"
    assert dump_entry(plain_md, {"title": "T", "body": "# Changed\n"}) == "---\ntitle: T\n---\n# Changed\n"


def test_body_is_an_ordinary_key_in_data_files():
    parsed = parse_entry("title: T\nbody: b\n", path="a.yml")
    assert parsed.data == {"title": "T", "body": "b"}
    assert dump_entry(parsed, {"title": "T", "body": "c"}) == "title: T\nbody: c\n"


# ------------------------------------------------------------------------------------- TOML and JSON


def test_toml_entry_keeps_comments_and_dates():
    text = '# site data\ntitle = "T" # c\npublished = 2024-01-02T03:04:05Z\n\n[params]\ncount = 1\n'
    parsed = parse_entry(text, path="data.toml")
    assert parsed.data["params"] == {"count": 1}
    assert parsed.data["published"].year == 2024
    written = dump_entry(parsed, dict(parsed.data, title="U"))
    assert written == text.replace('"T"', '"U"')
    nested = plain(parsed.data)
    nested["params"]["count"] = 2
    assert changed_lines(text, dump_entry(parsed, nested)) == ["-count = 1", "+count = 2"]


def test_toml_front_matter_edit():
    text = '+++\ntitle = "T"\ndraft = true\n+++\nBody\n'
    parsed = parse(text, "a.md", format="toml-frontmatter")
    assert parsed.data == {"title": "T", "draft": True, "body": "Body\n"}
    assert dump_entry(parsed, dict(parsed.data, draft=False)) == text.replace("true", "false")


@pytest.mark.parametrize("indent", ["  ", "    ", "\t"])
def test_json_keeps_its_indentation_and_key_order(indent):
    text = "{\n" + f'{indent}"b": 1,\n{indent}"a": "x"\n' + "}\n"
    parsed = parse_entry(text, path="data.json")
    written = dump_entry(parsed, {"a": "y", "b": 1})
    assert written == text.replace('"x"', '"y"')


def test_compact_json_stays_compact_and_non_ascii_stays_readable():
    parsed = parse_entry('{"site_title": "CMS Demo"}', path="settings.json")
    assert dump_entry(parsed, {"site_title": "Démo"}) == '{"site_title": "Démo"}'


def test_json_front_matter_is_written_without_outer_braces_changed():
    text = '{\n"title": "T",\n"n": 1\n}\n\nBody'
    parsed = parse(text, "a.md", format="json-frontmatter")
    assert parsed.data == {"title": "T", "n": 1, "body": "\nBody"}
    assert dump_entry(parsed, dict(parsed.data, n=2)) == text.replace('"n": 1', '"n": 2')


def test_custom_frontmatter_delimiters_string_and_pair():
    text = "~~~\ntitle: T\n~~~\nBody\n"
    parsed = parse(text, "a.md", format="yaml-frontmatter", delimiter="~~~")
    assert parsed.data == {"title": "T", "body": "Body\n"}
    assert dump_entry(parsed, dict(parsed.data, title="U")) == "~~~\ntitle: U\n~~~\nBody\n"
    pair = "<!--\ntitle: T\n-->\nBody\n"
    parsed = parse(pair, "a.md", format="frontmatter", delimiter=["<!--", "-->"])
    assert parsed.data["title"] == "T"
    assert dump_entry(parsed, dict(parsed.data, title="U")) == pair.replace("T\n", "U\n")


# ------------------------------------------------------------------------------------- new entries


def test_new_entries_are_written_like_decap():
    data = {"body": "Hello\n", "draft": False, "title": "T"}
    order = ["title", "draft", "body"]
    assert (
        dump_entry(None, data, format="frontmatter", field_order=order) == "---\ntitle: T\ndraft: false\n---\nHello\n"
    )
    toml = dump_entry(None, data, format="toml-frontmatter", field_order=order)
    assert toml == '+++\ntitle = "T"\ndraft = false\n+++\nHello\n'
    js = dump_entry(None, data, format="json-frontmatter", field_order=order)
    assert js == '{\n  "title": "T",\n  "draft": false\n}\nHello\n'
    assert dump_entry(None, {"b": 1, "a": [1, 2]}, format="yml", field_order=["a", "b"]) == "a:\n- 1\n- 2\nb: 1\n"
    assert dump_entry(None, {"a": "é"}, format="json") == '{\n  "a": "é"\n}\n'
    assert dump_entry(None, {"a": 1}, format="toml") == "a = 1\n"
    assert parse_entry(dump_entry(None, {"title": "yes"}, path="n.md"), path="n.md").data == {"title": "yes"}


# ------------------------------------------------------------------------------------- malformed


def test_malformed_front_matter_raises_content_error_with_line():
    with pytest.raises(ContentError) as info:
        parse("---\ntitle: T\ntags: [a, b\n---\nBody\n", "posts/bad.md")
    assert info.value.path == "posts/bad.md" and info.value.line in (3, 4)
    with pytest.raises(ContentError) as info:
        parse("---\ntitle: T\nBody without a closing line\n", "posts/open.md")
    assert "never closed" in str(info.value)
    with pytest.raises(ContentError) as info:
        parse_entry('{"a": 1,\n"b": }', path="x.json")
    assert info.value.line == 2
    with pytest.raises(ContentError) as info:
        parse_entry('a = 1\nb = = 2\n', path="x.toml")
    assert info.value.line == 2


def test_malformed_entry_opens_as_raw_text_and_saving_never_loses_it():
    text = "---\ntitle: T\ntags: [a, b\n---\nBody\n"
    parsed = open_entry(text, path="posts/bad.md", collection_extension="md")
    assert parsed.is_raw and parsed.data == {"body": text}
    assert isinstance(parsed.error, ContentError)
    assert dump_entry(parsed, dict(parsed.data)) == text
    fixed = text.replace("[a, b\n", "[a, b]\n")
    assert dump_entry(parsed, {"body": fixed}) == fixed


def test_resolve_format_follows_decap():
    site = parse_site_config(textwrap.dedent("""\
        backend: {name: test-repo}
        media_folder: m
        collections:
          - {name: a, label: A, folder: a, format: json, fields: [{name: title, label: T}]}
          - {name: b, label: B, folder: b, extension: toml, fields: [{name: title, label: T}]}
          - {name: c, label: C, folder: c, fields: [{name: title, label: T}]}
        """))
    a, b, c = site.collections
    assert resolve_format(a, "a/x.md") == "json"
    assert resolve_format(b, "b/x.yaml") == "yml"
    assert resolve_format(b, "b/x.unknown") == "toml"
    assert resolve_format(c, "c/x.html") == "frontmatter"
    assert resolve_format(c, "c/x") == "frontmatter"


def test_fast_read_path_uses_libyaml():
    import yaml

    from editor_app.config.yaml12 import FastLoader

    assert issubclass(FastLoader, yaml.cyaml.CParser)


def test_parse_benchmark_small_run_indexes_every_entry():
    from tests.benchmarks.parse_entries import run

    figures = run(300)
    assert figures["entries"] == 300
    assert figures["total_s"] < 2.0  # 10,000 take about 1.3 s on the 2-core CI machine


def test_duplicate_keys_are_malformed_in_both_readers():
    text = "---\ntitle: A\ndate: 2024-01-01\ntitle: B\n---\nBody\n"
    with pytest.raises(ContentError) as info:
        parse(text, "dup.md")
    assert info.value.line == 4 and "duplicate key 'title'" in str(info.value)
    merged = parse("---\nbase: &b {x: 1, y: 2}\nm:\n  <<: *b\n  x: 3\n---\n", "merge.md")
    assert merged.data["m"] == {"x": 3, "y": 2}


def test_field_comments_are_written_above_new_yaml_keys():
    comments = {"draft": "Set to true to hide the post"}
    new = dump_entry(None, {"title": "T", "draft": True}, format="frontmatter", field_order=["title", "draft"],
                     field_comments=comments)
    assert new == "---\ntitle: T\n# Set to true to hide the post\ndraft: true\n---\n"
    parsed = parse("---\ntitle: T\n---\n", "a.md")
    written = dump_entry(
        parsed, {"title": "T", "draft": False}, field_order=["title", "draft"], field_comments=comments
    )
    assert written == "---\ntitle: T\n# Set to true to hide the post\ndraft: false\n---\n"


def test_fields_added_to_empty_front_matter_and_all_fields_removed():
    parsed = parse("---\n---\nbody\n", "a.md")
    assert parsed.data == {"body": "body\n"}
    assert dump_entry(parsed, {"title": "x", "body": "body\n"}) == "---\ntitle: x\n---\nbody\n"
    parsed = parse("---\ntitle: x\n---\nbody\n", "a.md")
    assert dump_entry(parsed, {"body": "body\n"}) == "---\n---\nbody\n"


def test_a_byte_order_mark_is_kept():
    text = "\ufefftitle: T\nn: 1\n"
    parsed = parse_entry(text, path="a.yml")
    assert parsed.data == {"title": "T", "n": 1}
    assert dump_entry(parsed, {"title": "U", "n": 1}) == "\ufefftitle: U\nn: 1\n"
