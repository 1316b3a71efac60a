"""Summary and string templates with Decap's filters, and commit message templates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from editor_app.config.site_config import DEFAULT_COMMIT_MESSAGES
from editor_app.content.commit_messages import DEFAULT_TEMPLATES, commit_message, signed_off
from editor_app.content.templates import (
    compile_template,
    file_template_fields,
    format_dayjs,
    parse_date,
    summary_for_entry,
    template_variables,
)

DATA = {"title": "Hello World", "date": "2015-02-14T09:05:03.000Z", "draft": False, "tags": ["a", "b"],
        "author": {"name": "Ann"}, "count": 3, "empty": ""}


def test_plain_keys_fields_prefix_and_data_paths():
    assert compile_template("{{title}} / {{fields.title}} / {{author.name}} / {{tags[1]}}", DATA) == \
        "Hello World / Hello World / Ann / b"
    assert compile_template("{{missing}}|{{count}}|{{draft}}", DATA) == "|3|false"
    assert compile_template("{{tags}}", DATA) == '["a","b"]'


def test_date_keys_are_utc_and_zero_padded():
    when = datetime(2024, 1, 2, 1, 2, 3, tzinfo=timezone(timedelta(hours=5)))
    assert compile_template("{{year}}/{{month}}/{{day}} {{hour}}:{{minute}}:{{second}}", {}, date=when) == \
        "2024/01/01 20:02:03"
    # Without a date, date keys fall back to data lookups, as in Decap.
    assert compile_template("{{year}}", {"year": "1999"}) == "1999"


def test_filters():
    assert compile_template("{{title | upper}}", DATA) == "HELLO WORLD"
    assert compile_template("{{title|lower}}", DATA) == "hello world"
    assert compile_template("{{date | date('YYYY-MM-DD')}}", DATA) == "2015-02-14"
    assert compile_template("{{date | date('MMM D, YYYY [at] h:mm A')}}", DATA) == "Feb 14, 2015 at 9:05 AM"
    assert compile_template("{{empty | default('Untitled')}}", DATA) == "Untitled"
    assert compile_template("{{title | default('Untitled')}}", DATA) == "Hello World"
    assert compile_template("{{draft | ternary('Draft', 'Published')}}", DATA) == "Published"
    assert compile_template("{{count | ternary('some', 'none')}}", DATA) == "some"
    assert compile_template("{{title | truncate(5)}}", DATA) == "Hello..."
    assert compile_template("{{title | truncate(5, '…')}}", DATA) == "Hello…"
    assert compile_template("{{title | truncate(50)}}", DATA) == "Hello World"
    assert compile_template("{{title | nosuchfilter}}", DATA) == "Hello World"


def test_dayjs_tokens():
    dt = datetime(2024, 7, 4, 15, 6, 7, 890000, tzinfo=UTC)
    assert format_dayjs(dt, "YYYY YY MMMM MMM MM M DD D Do") == "2024 24 July Jul 07 7 04 4 4th"
    assert format_dayjs(dt, "dddd ddd dd d HH H hh h mm m ss s SSS A a Z ZZ") == \
        "Thursday Thu Th 4 15 15 03 3 06 6 07 7 890 PM pm +00:00 +0000"
    assert format_dayjs(dt, "[YYYY is] YYYY") == "YYYY is 2024"


def test_dates_as_decap_samples_write_them_are_understood():
    assert parse_date("2015-11-02T00:00.000Z") == datetime(2015, 11, 2, tzinfo=UTC)
    assert parse_date("2024-05-06") == datetime(2024, 5, 6, tzinfo=UTC)
    assert parse_date("not a date") is None and parse_date(None) is None


def test_summary_uses_entry_date_file_fields_and_commit_info():
    summary = summary_for_entry(
        "{{title}} -- {{year}}/{{month}}/{{day}} {{dirname}}|{{filename}}.{{extension}} by {{commit_author}} "
        "on {{commit_date | date('YYYY')}}",
        DATA, path="content/posts/2015/hello.md", folder="content/posts",
        commit_author="ann", commit_date="2020-01-01T00:00:00Z",
    )
    assert summary == "Hello World -- 2015/02/14 2015|hello.md by ann on 2020"
    assert file_template_fields("a/b/c.json", "a") == {"dirname": "b", "filename": "c", "extension": "json"}
    assert template_variables("{{a}} {{b | upper}} {{fields.c}}") == ["a", "b", "fields.c"]


def test_commit_messages_use_decap_defaults_with_curly_quotes():
    assert DEFAULT_TEMPLATES == DEFAULT_COMMIT_MESSAGES
    assert commit_message("create", None, collection="Post", slug="hello") == "Create Post \u201chello\u201d"
    assert commit_message("update", {}, collection="Post", slug="hello") == "Update Post “hello”"
    assert commit_message("delete", None, collection="Post", slug="hello") == "Delete Post “hello”"
    assert commit_message("uploadMedia", None, path="static/a.png") == "Upload “static/a.png”"
    assert commit_message("deleteMedia", None, path="static/a.png") == "Delete “static/a.png”"
    assert commit_message("openAuthoring", None, message="Create Post “x”") == "Create Post “x”"


def test_custom_commit_message_templates_and_variables():
    templates = {"create": "[{{author-login}}] add {{collection}} {{slug}} at {{path}} ({{author-name}}) {{other}}"}
    message = commit_message("create", templates, collection="Post", slug="hi", path="content/hi.md",
                             author_login="ann", author_name="Ann Lee")
    assert message == "[ann] add Post hi at content/hi.md (Ann Lee) {{other}}"
    assert signed_off("m", "Ann", "ann@example.com") == "m\n\nSigned-off-by: Ann <ann@example.com>\n"
