"""The editor pane on translated sites of every structure: visiting locales changes no byte, typing changes one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from editor_app.ui.editor_pane import EditorPane
from tests.workspace.i18n_sites import FILES, STRUCTURES, make_site


@pytest.mark.parametrize("structure", STRUCTURES)
def test_visiting_every_locale_of_a_decap_entry_leaves_its_files_byte_identical(qtbot, runner, tmp_path: Path,
                                                                                structure: str) -> None:
    site = make_site(tmp_path, structure)
    ws = site.workspace()
    pane = EditorPane(ws, runner=runner)
    qtbot.addWidget(pane)
    for indexed in ws.load_collection("posts"):
        entry = ws.open_entry("posts", indexed.path)
        pane.set_entry(entry)
        for locale in ["fr", "de", "en", "de"]:
            pane.locale_box.setCurrentText(locale)
        shown = pane.entry()
        assert ws.raw_text(shown) == entry.raw, entry.path
        assert ws.translation_changes(shown, shown.path) == [], entry.path
        site.counting.calls.clear()
        ws.save_entry(shown)
        assert site.counting.calls["commit"] == 0, entry.path
    for path, text in FILES[structure].items():
        assert site.read(path) == text.encode("utf-8"), path


@pytest.mark.parametrize("structure", STRUCTURES)
def test_typing_a_german_title_changes_one_line_of_the_german_text(qtbot, runner, tmp_path: Path,
                                                                   structure: str) -> None:
    site = make_site(tmp_path, structure)
    ws = site.workspace()
    pane = EditorPane(ws, runner=runner)
    qtbot.addWidget(pane)
    entry = ws.open_entry("posts", site.path("hello", "en"))
    pane.set_entry(entry)
    pane.locale_box.setCurrentText("de")
    title = pane.form.editor("title").line
    title.end(False)
    qtbot.keyClicks(title, "!")
    assert "Hallo aus dem Garten" in pane.render_preview()  # the preview shows the German body
    saved = ws.save_entry(pane.entry())
    assert saved.locale_data["de"]["title"] == "Hallo Welt!"
    before = FILES[structure][site.path("hello", "de")].splitlines()
    after = site.read(site.path("hello", "de")).decode("utf-8").splitlines()
    assert len(before) == len(after)
    assert [b for a, b in zip(before, after, strict=True) if a != b] == [("  " if structure == "single_file" else "")
                                                           + "title: Hallo Welt!"]


def test_side_by_side_shows_the_default_language_next_to_the_translation(qtbot, runner, tmp_path: Path) -> None:
    site = make_site(tmp_path, "multiple_files")
    ws = site.workspace()
    pane = EditorPane(ws, runner=runner)
    qtbot.addWidget(pane)
    pane.show()
    pane.set_entry(ws.open_entry("posts", site.path("hello", "en")))
    assert pane.side_button.isVisibleTo(pane) and not pane.reference_box.isVisibleTo(pane)
    pane.side_button.setChecked(True)
    assert not pane.reference_box.isVisibleTo(pane)  # nothing to compare while editing the default language
    pane.locale_box.setCurrentText("fr")
    assert pane.reference_box.isVisibleTo(pane)
    reference = pane.reference_form.editor("title")
    assert reference.line.text() == "Hello world" and not reference.isEnabled()
    assert pane.form.editor("title").line.text() == "Bonjour le monde"
    pane.side_button.setChecked(False)
    assert not pane.reference_box.isVisibleTo(pane)
    pane.side_button.setChecked(True)
    pane.locale_box.setCurrentText("en")
    assert not pane.reference_box.isVisibleTo(pane)
    # an edit of the English title shows in the reference when translating again
    pane.form.editor("title").line.setText("Hello there")
    pane.form.editor("title").line.textEdited.emit("Hello there")
    pane.locale_box.setCurrentText("de")
    assert pane.reference_form.editor("title").line.text() == "Hello there"


def test_a_site_without_translations_has_no_side_by_side_button(qtbot, runner, app_home) -> None:
    from editor_app.paths import AppDirs
    from editor_app.ui.site_login import open_site
    from editor_app.ui.start_dialog import SiteChoice

    workspace = open_site(SiteChoice("sandbox"), AppDirs.under(app_home))
    pane = EditorPane(workspace, runner=runner)
    qtbot.addWidget(pane)
    pane.show()
    indexed = workspace.load_collection("posts")[0]
    pane.set_entry(workspace.open_entry("posts", indexed.path))
    assert not pane.side_button.isVisibleTo(pane) and not pane.locale_box.isVisibleTo(pane)
