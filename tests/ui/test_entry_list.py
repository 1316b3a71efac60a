"""EntryListView: sorting, filters, groups, search as you type, status marks."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt

from editor_app.ui.entry_list import EntryListView, EntryRow, ViewFilter, ViewGroup


def rows() -> list[EntryRow]:
    return [
        EntryRow("posts/b.md", ("Seed swap", "2026-03-16"), {"featured": "false", "date": "2026-03-16"}),
        EntryRow("posts/a.md", ("Apple pressing", "2026-09-27"), {"featured": "true", "date": "2026-09-27"}),
        EntryRow("posts/c.md", ("Compost 10", "2025-04-05"), {"featured": "true", "date": "2025-04-05"}),
        EntryRow("posts/d.md", ("Compost 9", "2026-05-10"), {"featured": "false", "date": "2026-05-10"}),
    ]


def shown_titles(view: EntryListView) -> list[str]:
    model = view.model
    return [model.index(r, 0).data() for r in range(model.rowCount()) if model.key_at(r) is not None]


def make_view(qtbot) -> EntryListView:
    view = EntryListView()
    qtbot.addWidget(view)
    view.show_entries(
        ["Title", "Date"],
        rows(),
        filters=[ViewFilter("Featured", "featured", "true")],
        groups=[ViewGroup("Year", "date", r"\d{4}")],
    )
    return view


def test_columns_come_from_the_summary_and_sortable_fields_plus_status(qtbot):
    view = make_view(qtbot)
    headers = [view.model.headerData(i, Qt.Orientation.Horizontal) for i in range(view.model.columnCount())]
    assert headers == ["Title", "Date", "Status"]


def test_sorting_by_a_column_orders_numbers_naturally(qtbot):
    view = make_view(qtbot)
    view.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert shown_titles(view) == ["Apple pressing", "Compost 9", "Compost 10", "Seed swap"]
    view.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    assert shown_titles(view) == ["Apple pressing", "Compost 9", "Seed swap", "Compost 10"]


def test_a_view_filter_shows_only_matching_entries(qtbot):
    view = make_view(qtbot)
    view.filter_box.setCurrentIndex(1)
    assert sorted(shown_titles(view)) == ["Apple pressing", "Compost 10"]
    assert view.count_label.text() == "2 of 4 entries"


def test_a_view_group_shows_group_headings_not_a_column(qtbot):
    view = make_view(qtbot)
    view.group_box.setCurrentIndex(1)
    headers = [view.model.headerData(i, Qt.Orientation.Horizontal) for i in range(view.model.columnCount())]
    assert headers == ["Title", "Date", "Status"]
    shown = [view.model.index(r, 0).data() for r in range(view.model.rowCount())]
    assert shown[0] == "Year 2025 (1)" and shown[2] == "Year 2026 (3)"
    assert sorted(shown[3:]) == ["Apple pressing", "Compost 9", "Seed swap"]
    assert view.table.columnSpan(0, 0) == view.model.columnCount()  # a heading spans the row
    assert view.model.key_at(0) is None and not view.model.flags(view.model.index(0, 0)) & Qt.ItemFlag.ItemIsSelectable
    assert view.count_label.text() == "4 entries"  # headings are not entries


def test_typing_in_the_search_box_filters_with_the_search_function(qtbot):
    view = make_view(qtbot)
    queries = []

    def search(text: str) -> set[str]:
        queries.append(text)
        return {row.key for row in rows() if text.lower() in " ".join(row.cells).lower()}

    view.set_search_function(search)
    qtbot.keyClicks(view.search_box, "comp")
    assert queries == ["c", "co", "com", "comp"]
    assert sorted(shown_titles(view)) == ["Compost 10", "Compost 9"]
    view.search_box.clear()
    assert len(shown_titles(view)) == 4


def test_unsaved_and_draft_entries_show_their_status(qtbot):
    view = make_view(qtbot)
    view.model.set_status("posts/a.md", "unsaved")
    view.model.set_status("posts/b.md", "journal")
    view.model.set_status("posts/c.md", "pending_review")
    status_column = view.model.columnCount() - 1
    statuses = {view.model.key_at(r): view.model.index(r, status_column).data() for r in range(4)}
    assert statuses["posts/a.md"] == "● Unsaved"
    assert statuses["posts/b.md"] == "✎ Unsaved draft"
    assert statuses["posts/c.md"] == "In review"
    assert statuses["posts/d.md"] == ""


def test_activating_a_row_emits_the_entry_key(qtbot):
    view = make_view(qtbot)
    view.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    with qtbot.waitSignal(view.entry_activated) as signal:
        view.table.activated.emit(view.model.index(0, 0))
    assert signal.args == ["posts/a.md"]


def test_a_search_keystroke_over_ten_thousand_entries_takes_under_50_ms(qtbot):
    view = EntryListView()
    qtbot.addWidget(view)
    many = [EntryRow(f"posts/{i}.md", (f"Post number {i}", f"2026-01-{i % 28 + 1:02d}")) for i in range(10_000)]
    view.show_entries(["Title", "Date"], many)
    view.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    view.set_search_function(lambda text: {row.key for row in many if text in row.cells[0]})
    view.show()
    started = time.perf_counter()
    view.search_box.setText("number 99")
    elapsed = time.perf_counter() - started
    assert view.model.rowCount() == 111
    assert elapsed < 0.05


def _search_compost(view: EntryListView, qtbot) -> None:
    view.set_search_function(lambda text: {r.key for r in rows() if text.lower() in r.cells[0].lower()})
    view.show()
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow, timeout=2000)


def test_down_from_the_search_box_focuses_a_visible_result_row_and_return_opens_it(qtbot):
    view = make_view(qtbot)
    _search_compost(view, qtbot)
    view.search_box.setFocus()
    qtbot.keyClicks(view.search_box, "compost")
    assert view.model.rowCount() == 2
    qtbot.keyClick(view.search_box, Qt.Key.Key_Down)
    assert view.table.hasFocus()
    current = view.table.currentIndex()
    assert current.isValid() and view.table.selectionModel().isRowSelected(current.row())
    qtbot.keyClick(view.table, Qt.Key.Key_Down)
    second = view.model.key_at(view.table.currentIndex().row())
    assert view.table.selectionModel().isRowSelected(view.table.currentIndex().row())
    with qtbot.waitSignal(view.entry_activated) as opened:
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert opened.args == [second]


def test_tabbing_into_the_results_marks_the_focused_row(qtbot):
    view = make_view(qtbot)
    _search_compost(view, qtbot)
    view.search_box.setFocus()
    qtbot.keyClicks(view.search_box, "compost")
    for _ in range(5):
        if view.table.hasFocus():
            break
        qtbot.keyClick(view.focusWidget(), Qt.Key.Key_Tab)
    assert view.table.hasFocus()
    assert view.table.selectionModel().isRowSelected(view.table.currentIndex().row())
