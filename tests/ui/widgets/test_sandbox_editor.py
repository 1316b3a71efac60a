"""EditorPane on the real sandbox workspace: every sandbox entry opens and round-trips byte for byte."""

from __future__ import annotations

from editor_app.paths import AppDirs
from editor_app.ui.editor_pane import EditorPane
from editor_app.ui.site_login import open_site
from editor_app.ui.start_dialog import SiteChoice


def test_unchanged_sandbox_entries_give_back_identical_files(qtbot, app_home, runner):
    workspace = open_site(SiteChoice("sandbox"), AppDirs.under(app_home))
    pane = EditorPane(workspace, runner=runner)
    qtbot.addWidget(pane)
    opened = 0
    for collection in workspace.site.collections:
        for indexed in workspace.load_collection(collection.name)[:5]:
            key = indexed.file or indexed.slug if collection.files else indexed.slug
            entry = workspace.open_entry(collection.name, key if collection.files else indexed.path)
            pane.set_entry(entry)
            assert pane.form.fields, f"{entry.path}: no fields found for the entry"
            assert pane.entry().data == entry.data, entry.path
            assert workspace.raw_text(pane.entry()) == entry.raw, entry.path
            opened += 1
    assert opened >= 5


def test_editing_the_title_in_the_sandbox_changes_only_that_line(qtbot, app_home, runner):
    workspace = open_site(SiteChoice("sandbox"), AppDirs.under(app_home))
    pane = EditorPane(workspace, runner=runner)
    qtbot.addWidget(pane)
    indexed = workspace.load_collection("posts")[0]
    entry = workspace.open_entry("posts", indexed.path)
    pane.set_entry(entry)
    title = pane.form.editor("title").line
    title.end(False)
    qtbot.keyClicks(title, " (revised)")
    before, after = entry.raw.splitlines(), workspace.raw_text(pane.entry()).splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert len(before) == len(after) and len(changed) == 1 and "(revised)" in changed[0][1]
