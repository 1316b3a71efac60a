"""EditorPane: live preview, raw source toggle, locale switcher, save blocked by validation."""

from __future__ import annotations

import copy
import dataclasses
from io import StringIO
from pathlib import Path

from PySide6.QtWidgets import QApplication
from ruamel.yaml import YAML

from editor_app.ui.contracts import Progress
from editor_app.ui.editor_pane import EditorPane
from editor_app.ui.theme import dark_palette
from editor_app.ui.widgets.field_editor import FormContext
from editor_app.workspace.workspace import IndexedEntry, OpenEntry
from tests.ui.fakes import FakeWorkspace
from tests.ui.widgets.fakes import PNG_1PX, FakeMediaSource, FakeRelationSource, fields_of
from tests.ui.widgets.test_entry_form import KITCHEN_SINK_ENTRY, kitchen_sink_fields

POST_FIELDS = """
- {name: title, label: Title}
- {name: tags, widget: list, required: false}
- {name: body, label: Body, widget: markdown}
"""


def to_raw(data: dict) -> str:
    """Front matter + body, as a frontmatter file would be written."""
    front = {k: v for k, v in data.items() if k != "body"}
    stream = StringIO()
    YAML().dump(front, stream)
    return f"---\n{stream.getvalue()}---\n{data.get('body', '')}"


def from_raw(text: str) -> dict:
    if not text.startswith("---\n") or "\n---\n" not in text[3:]:
        raise ValueError("line 1: the file must start with front matter between --- lines")
    front, body = text[4:].split("\n---\n", 1)
    data = dict(YAML(typ="safe").load(front) or {})
    data["body"] = body
    return data


def make_pane(qtbot, **kwargs) -> EditorPane:
    pane = EditorPane(**kwargs)
    qtbot.addWidget(pane)
    pane.resize(1100, 800)
    return pane


def test_preview_updates_after_typing_without_rendering_every_key(qtbot):
    pane = make_pane(qtbot)
    pane.load(fields_of(POST_FIELDS), {"title": "Hello", "body": "First"})
    assert "<p>First</p>" in pane.preview.html_text()
    renders = pane.preview.renders
    body = pane.form.editor("body").editor.edit
    body.moveCursor(body.textCursor().MoveOperation.End)
    qtbot.keyClicks(body, " and **bold**")
    qtbot.waitUntil(lambda: "<strong>bold</strong>" in pane.preview.html_text(), timeout=2000)
    assert pane.preview.renders - renders <= 2  # debounced: one render for the burst of keys
    assert "<p>First and <strong>bold</strong>" in pane.render_preview()


def test_preview_follows_the_markdown_field_being_edited(qtbot):
    pane = make_pane(qtbot)
    fields = fields_of(POST_FIELDS + "- {name: extra, widget: markdown, required: false}")
    pane.load(fields, {"title": "T", "body": "body text", "extra": "extra text"})
    pane.show()
    assert "body text" in pane.preview.html_text()
    pane.form.editor("extra").editor.edit.setFocus()
    qtbot.waitUntil(lambda: "extra text" in pane.preview.html_text(), timeout=2000)


def test_raw_source_toggle_shows_the_whole_file_and_reads_edits_back(qtbot):
    pane = make_pane(qtbot, to_raw=to_raw, from_raw=from_raw)
    pane.load(fields_of(POST_FIELDS), {"title": "Hello", "body": "Text"})
    pane.raw_button.click()
    assert pane.stack.currentWidget() is pane.raw_edit
    assert pane.raw_edit.toPlainText() == "---\ntitle: Hello\n---\nText"
    with qtbot.waitSignal(pane.changed):
        pane.raw_edit.setPlainText("---\ntitle: Changed\ntags: [a]\n---\nNew text")
    pane.raw_button.click()
    assert pane.stack.currentWidget() is pane.splitter
    assert pane.form.editor("title").line.text() == "Changed"
    assert pane.value() == {"title": "Changed", "tags": ["a"], "body": "New text"}


def test_activating_a_problem_unfolds_and_focuses_its_field(qtbot):
    fields = fields_of("- {name: seo, widget: object, collapsed: true, fields: [{name: title, label: Title}]}")
    pane = make_pane(qtbot)
    pane.load(fields, {"seo": {"title": ""}})
    pane.show()
    qtbot.waitExposed(pane)
    pane.validate()
    assert pane.problem_messages() == ["Title is required.  (seo.title)"]
    seo = pane.form.editor("seo")
    assert not seo.box.body.isVisible()
    pane.problem_list.itemActivated.emit(pane.problem_list.item(0))
    assert seo.box.body.isVisible()
    qtbot.waitUntil(lambda: pane.form.editor("seo.title").line.hasFocus(), timeout=2000)


def test_raw_source_that_does_not_parse_keeps_the_source_view_open(qtbot):
    pane = make_pane(qtbot, to_raw=to_raw, from_raw=from_raw)
    pane.load(fields_of(POST_FIELDS), {"title": "Hello", "body": "Text"})
    pane.raw_button.click()
    pane.raw_edit.setPlainText("no front matter")
    pane.raw_button.click()
    assert pane.raw_button.isChecked() and pane.stack.currentWidget() is pane.raw_edit
    assert "cannot be read" in pane.problems.text() and not pane.problems.isHidden()
    assert pane.value() == {"title": "Hello", "body": "Text"}


def test_raw_toggle_is_disabled_without_converters(qtbot):
    pane = make_pane(qtbot)
    pane.load(fields_of(POST_FIELDS), {"title": "Hello", "body": "Text"})
    assert not pane.raw_button.isEnabled()


def test_save_is_blocked_with_a_clear_list_of_problems(qtbot):
    pane = make_pane(qtbot)
    pane.load(fields_of(POST_FIELDS + "- {name: count, label: Count, widget: number, max: 3}"),
              {"title": "", "body": "x", "count": 5})
    with qtbot.waitSignal(pane.validation_failed) as failed:
        pane.save_button.click()
    assert failed.args[0] == [("title", "Title is required."), ("count", "Count must be at most 3.")]
    assert pane.problems.text().startswith("This entry cannot be saved yet (2 problems)")
    assert pane.problem_messages() == ["Title is required.", "Count must be at most 3."]
    qtbot.keyClicks(pane.form.editor("title").line, "Fine")
    pane.form.editor("count").line.setText("2")
    pane.form.editor("count").line.textEdited.emit("2")
    with qtbot.waitSignal(pane.save_requested):
        pane.save_button.click()
    assert pane.problems.isHidden() and pane.problem_list.isHidden()


def test_locale_switcher_edits_each_locale_and_shares_untranslated_fields(qtbot):
    fields = fields_of("""
- {name: title, i18n: true}
- {name: date, widget: string, i18n: duplicate}
- {name: layout, widget: string}
""")
    pane = make_pane(qtbot)
    pane.load(fields, {"title": "Hello", "date": "2024", "layout": "post"}, locales=["en", "de"],
              default_locale="en", locale_data={"de": {"title": "Hallo", "date": "2024"}})
    assert not pane.locale_box.isHidden()
    pane.locale_box.setCurrentText("de")
    assert pane.form.editor("title").line.text() == "Hallo"
    assert not pane.form.editor("layout").isEnabled() and not pane.form.row("layout").shared_note.isHidden()
    qtbot.keyClicks(pane.form.editor("title").line, " Welt")
    pane.locale_box.setCurrentText("en")
    assert pane.form.editor("layout").isEnabled()
    pane.form.editor("date").line.setText("2025")
    pane.form.editor("date").line.textEdited.emit("2025")
    assert pane.locale_values() == {
        "en": {"title": "Hello", "date": "2025", "layout": "post"},
        "de": {"title": "Hallo Welt", "date": "2025"},
    }


def test_locale_box_is_hidden_on_single_language_sites(qtbot):
    pane = make_pane(qtbot)
    pane.load(fields_of(POST_FIELDS), {"title": "T", "body": ""})
    assert pane.locale_box.isHidden()


POSTS_SITE = (
    "backend: {name: test-repo}\nmedia_folder: static/img\ncollections:\n"
    "  - {name: posts, label: Posts, folder: content/posts, fields: [{name: title}, {name: body, widget: markdown}]}\n"
)


class FrontMatterWorkspace(FakeWorkspace):
    """The fake workspace on a site of posts, writing entries as front matter and body."""

    def __init__(self, config: str = POSTS_SITE) -> None:
        super().__init__(posts=0, config=config)

    def raw_text(self, entry: OpenEntry) -> str:
        return to_raw(entry.data)


def test_set_entry_finds_the_collection_fields_and_returns_the_edited_entry(qtbot):
    pane = make_pane(qtbot, workspace=FrontMatterWorkspace())
    entry = OpenEntry("posts", "hello", "content/posts/hello.md", {"title": "Hello", "body": "Hi"})
    pane.set_entry(entry)
    qtbot.keyClicks(pane.form.editor("title").line, "!")
    assert pane.entry() == dataclasses.replace(entry, data={"title": "Hello!", "body": "Hi"})
    pane.raw_button.click()
    assert pane.raw_edit.toPlainText() == "---\ntitle: Hello!\n---\nHi"


def test_insert_media_goes_into_the_previewed_markdown_field(qtbot):
    pane = make_pane(qtbot)
    pane.load(fields_of(POST_FIELDS), {"title": "T", "body": ""})
    pane.insert_media("/img/cat.png")
    assert pane.value()["body"] == "![cat](/img/cat.png)"


def test_screenshot_of_a_kitchen_sink_entry(qtbot, tmp_path):
    """Renders a filled pane to screenshots/editor_pane.png (gitignored) for a human to look at."""
    media = FakeMediaSource(tmp_path / "media")
    (media.folder / "cat.png").write_bytes(PNG_1PX)
    relations = FakeRelationSource({"posts": [{"slug": "first", "title": "First post", "datetime": "2024-01-01"},
                                              {"slug": "second", "title": "Second post"}]})
    pane = make_pane(qtbot, context=FormContext(relation_source=relations, media_source=media),
                     to_raw=to_raw, from_raw=from_raw)
    data = copy.deepcopy(KITCHEN_SINK_ENTRY)
    data["image"] = "/img/cat.png"
    pane.load(kitchen_sink_fields(), data)
    pane.resize(1280, 900)
    pane.show()
    qtbot.waitExposed(pane)
    target = Path(__file__).resolve().parents[3] / "screenshots"
    target.mkdir(exist_ok=True)
    assert pane.grab().save(str(target / "editor_pane.png"))
    bar = pane.scroll_area.verticalScrollBar()
    bar.setValue(bar.maximum() // 3)
    assert pane.grab().save(str(target / "editor_pane_middle.png"))
    pane.validate()
    bar.setValue(bar.maximum())
    assert pane.grab().save(str(target / "editor_pane_problems.png"))


def test_screenshot_in_a_dark_palette(qtbot, tmp_path):
    """The same pane on the app's dark palette (screenshots/editor_pane_dark.png) for a human to look at."""
    app = QApplication.instance()
    light = app.palette()
    app.setPalette(dark_palette())
    try:
        pane = make_pane(qtbot, context=FormContext(relation_source=FakeRelationSource({}),
                                                    media_source=FakeMediaSource(tmp_path / "media")))
        pane.load(kitchen_sink_fields(), copy.deepcopy(KITCHEN_SINK_ENTRY))
        pane.resize(1280, 900)
        pane.show()
        qtbot.waitExposed(pane)
        pane.scroll_area.verticalScrollBar().setValue(250)
        pane.validate()
        target = Path(__file__).resolve().parents[3] / "screenshots"
        target.mkdir(exist_ok=True)
        assert pane.grab().save(str(target / "editor_pane_dark.png"))
        assert pane.form.row("text").hint.palette().color(pane.form.row("text").hint.foregroundRole()) \
            == dark_palette().color(dark_palette().ColorRole.PlaceholderText)
    finally:
        app.setPalette(light)


def test_reloading_the_same_entry_keeps_the_form(qtbot):
    pane = make_pane(qtbot)
    fields = fields_of(POST_FIELDS)
    pane.load(fields, {"title": "One", "body": "x"})
    form = pane.form
    pane.load(fields, {"title": "One (saved)", "body": "x"})
    assert pane.form is form and pane.form.editor("title").line.text() == "One (saved)"
    pane.load(fields_of(POST_FIELDS), {"title": "Other", "body": ""})
    assert pane.form is not form


class IndexingWorkspace(FrontMatterWorkspace):
    """A workspace whose collections are indexed only when asked, like the real one."""

    def __init__(self) -> None:
        super().__init__(
            "backend: {name: test-repo}\nmedia_folder: static/img\ncollections:\n"
            "  - {name: posts, label: Posts, folder: content/posts, fields: [{name: title}, "
            "{name: author, widget: relation, collection: authors, search_fields: [name], value_field: '{{slug}}'}]}\n"
            "  - {name: authors, label: Authors, folder: content/authors, fields: [{name: name, label: Name}], "
            "identifier_field: name}\n")
        self.index = {}
        self.loaded: list[str] = []

    def load_collection(self, name: str, progress: Progress | None = None) -> list[IndexedEntry]:
        self.loaded.append(name)
        ann = IndexedEntry(name, "ann", "content/authors/ann.md", "a" * 40, {"name": "Ann"})
        self.index[name] = {ann.path: ann}
        return [ann]


def test_relation_target_collections_are_indexed_in_the_background(qtbot, runner):
    workspace = IndexingWorkspace()
    pane = make_pane(qtbot, workspace=workspace, runner=runner)
    pane.set_entry(OpenEntry("posts", "hello", "content/posts/hello.md", {"title": "Hello"}))
    qtbot.waitUntil(lambda: workspace.loaded == ["authors"], timeout=5000)
    author = pane.form.editor("author")
    qtbot.keyClicks(author.search, "an")
    assert (
        author.results.count() == 1 and author.results.item(0).text() == "ann"
    )  # display_fields default to value_field
    pane.set_entry(OpenEntry("posts", "hello", "content/posts/hello.md", {"title": "Hello"}))
    assert workspace.loaded == ["authors"]  # indexed once
