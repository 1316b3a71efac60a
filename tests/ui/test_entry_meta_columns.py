"""The entry list's "Commit date" / "Commit author" columns: filled for the rows on screen, in batches.

Against the fake GitHub (one GraphQL query answers 50 files): the rows on screen cost one query, sorting by
commit date reads the others in a few queries and orders by them. Against a host that answers one file per
request, sorting uses the dates known so far and says so, and nothing is read for rows off screen.
"""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtTest import QTest

from editor_app.backends.base import FileMeta
from editor_app.ui.entry_list import EntryListView, EntryRow
from editor_app.ui.entry_meta_loader import NO_HISTORY, EntryMetaLoader, date_text
from editor_app.ui.main_window import MainWindow
from tests.backends.conftest import FIXTURE_FILES
from tests.ui.fakes import FakeEditor, ScriptedPrompts
from tests.workspace.github_site import github_workspace

ENTRIES = 150
T0 = 1_800_000_000.0


def post(i: int) -> str:
    return f"content/posts/p{i:03}.md"


@pytest.fixture
def site(tmp_path):
    clock = [T0]
    files = dict(FIXTURE_FILES)
    files.update({post(i): f"---\ntitle: Post {i:03}\n---\nBody {i}\n".encode() for i in range(ENTRIES)})
    workspace, fake = github_workspace(tmp_path, files=files)
    fake.clock = lambda: clock[0]
    # p120 then p005 were edited later, by ada then by bo: the newest changes
    for i, login in ((120, "ada"), (5, "bo")):
        clock[0] += 3600
        fake.commit_files("o/r", "main", {post(i): f"---\ntitle: Post {i:03}\n---\nEdited\n".encode()}, "Edit",
                          login=login)
    yield workspace, fake
    workspace.backend.close()


def graphql_requests(fake) -> int:
    return sum(1 for e in fake.log.entries if e.path == "/graphql")


def click_header(view: EntryListView, column: int) -> None:
    header = view.table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(x, header.height() // 2))


def test_rows_on_screen_get_their_dates_in_one_query_and_sorting_reads_the_rest_in_batches(
    site, qtbot, tmp_path, runner
):
    workspace, fake = site
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(workspace, settings, runner, FakeEditor, ScriptedPrompts(confirm=True))
    qtbot.addWidget(window)
    window.resize(1400, 700)
    window.show()
    with qtbot.waitSignal(window.site_loaded, timeout=20000):
        window.load_site()
    view = window.entry_list
    headers = [view.model.headerData(c, Qt.Orientation.Horizontal) for c in range(view.model.columnCount())]
    date_column, author_column = headers.index("Commit date"), headers.index("Commit author")
    fake.log.clear()
    with qtbot.waitSignal(window.meta_loader.loaded, timeout=10000):
        window.collection_tree.select_collection("posts")
    shown = view.visible_keys()
    assert 5 < len(shown) < ENTRIES
    assert graphql_requests(fake) == 1  # every row on screen, one query
    assert all(view.model.cell(key, date_column) for key in shown)
    off_screen = [view.model.key_at(row) for row in range(len(shown) + 5, view.model.rowCount())]
    assert not any(view.model.cell(key, date_column) for key in off_screen)  # nothing read for them

    with qtbot.waitSignal(window.meta_loader.loaded, timeout=20000):
        click_header(view, date_column)
    total = view.model.rowCount()
    assert graphql_requests(fake) == 1 + math.ceil((total - len(shown)) / 50)
    assert all(view.model.cell(view.model.key_at(row), date_column) for row in range(total))
    ascending = [view.model.key_at(row) for row in range(total)]
    assert ascending[-2:] == [post(120), post(5)]  # the newest changes last
    assert view.model.cell(post(5), author_column) == "bo"
    assert view.model.cell(post(120), author_column) == "ada"
    assert view.model.cell(post(5), date_column) == date_text("2027-01-15T10:00:00+00:00")  # T0 + 2 h


def test_a_host_without_batches_sorts_by_the_dates_known_and_reads_only_rows_on_screen(qtbot, runner):
    view = EntryListView()
    qtbot.addWidget(view)
    view.resize(600, 300)
    view.show()
    asked: list[list[str]] = []

    def fetch(_collection, paths):
        asked.append(list(paths))
        return {path: FileMeta("ada", f"2026-11-{1 + int(path[1:]) % 28:02}T10:00:00+00:00") for path in paths
                if path != "p002"}

    loader = EntryMetaLoader(view, runner, fetch, lambda: 1)
    notices: list[str] = []
    loader.notice.connect(notices.append)
    view.show_entries(["Title", "Commit date", "Commit author"], [EntryRow(f"p{i:03}", (f"Post {i}", "", ""))
                                                                  for i in range(200)])
    with qtbot.waitSignal(loader.loaded, timeout=10000):
        loader.show_collection("posts", 1, 2)
    shown = view.visible_keys()
    assert asked == [shown]
    assert view.model.cell("p002", 1) == NO_HISTORY  # no history: shown as such, not asked again
    click_header(view, 1)
    qtbot.wait(300)
    assert sum(len(a) for a in asked) == len(shown)  # sorting read nothing more
    assert notices and notices[-1].startswith(f"Sorted by the {len(shown)} of 200 commit dates known so far")
