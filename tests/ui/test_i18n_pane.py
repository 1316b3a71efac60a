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
    assert [b for a, b in zip(before, after) if a != b] == [("  " if structure == "single_file" else "")
                                                           + "title: Hallo Welt!"]
