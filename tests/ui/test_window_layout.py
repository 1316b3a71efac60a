"""The main window's layout on the sandbox: the editor gets the room, panes collapse, nothing is cut off at 800×600."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea, QWidget

from tests.ui.test_real_editor_on_sandbox import open_first_post, press_ctrl, window

__all__ = ["window"]


def settle(qtbot, window, width: int, height: int) -> None:
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.width() == width and window.height() == height, timeout=5000)
    qtbot.wait(50)  # the layouts settle


def cut_off(window: QWidget) -> list[str]:
    """Visible buttons whose parent does not hold them, or that stick out sideways of the window or of a
    scrolled area they are in (scrolling down to a button is fine; a button cut at the right edge is not)."""
    found = []
    for button in window.findChildren(QAbstractButton):
        if not button.isVisible() or button.window() is not window:
            continue
        parent = button.parentWidget()
        name = button.text() or button.accessibleName() or button.toolTip()
        if not parent.rect().contains(button.geometry()):
            found.append(f"{name}: outside its parent")
            continue
        rect = QRect(button.mapTo(window, button.rect().topLeft()), button.size())
        if rect.left() < 0 or rect.right() >= window.width():
            found.append(f"{name}: outside the window ({rect.left()}..{rect.right()})")
            continue
        ancestor = parent
        while ancestor is not None and ancestor is not window:
            area = ancestor.parentWidget()
            if isinstance(area, QAbstractScrollArea) and ancestor is area.viewport():
                view = QRect(ancestor.mapTo(window, ancestor.rect().topLeft()), ancestor.size())
                if rect.left() < view.left() or rect.right() > view.right():
                    found.append(f"{name}: cut by {area.accessibleName() or type(area).__name__}")
                    break
            ancestor = ancestor.parentWidget()
    return found


def test_at_1600_px_the_editor_gets_the_room(window, qtbot):
    open_first_post(window, qtbot)
    settle(qtbot, window, 1600, 1000)
    tree, entries, editor = window.splitter.sizes()
    assert 120 <= tree <= 220 and 200 <= entries <= 420
    assert editor >= 950
    reference, form, preview = window.editor.splitter.sizes()
    assert reference == 0 and form >= 560 and preview >= 360


def test_the_side_by_side_translation_gets_a_column_of_its_own(window, qtbot):
    window.collection_tree.select_collection("events")
    qtbot.waitUntil(lambda: window.entry_list.model.shown > 0, timeout=10000)
    table = window.entry_list.table
    with qtbot.waitSignal(window.entry_opened, timeout=10000):
        QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         table.visualRect(window.entry_list.model.index(0, 0)).center())
    settle(qtbot, window, 1600, 1000)
    pane = window.editor
    pane.locale_box.setFocus()
    QTest.keyClick(pane.locale_box, Qt.Key.Key_Down)  # the translation
    assert pane.current_locale != "en"
    QTest.mouseClick(pane.side_button, Qt.MouseButton.LeftButton)
    reference, form, preview = pane.splitter.sizes()
    assert reference >= 400 and form >= 400 and preview == 0  # the default language takes the preview's place


def test_the_tree_and_the_list_collapse_and_come_back(window, qtbot):
    open_first_post(window, qtbot)
    settle(qtbot, window, 1200, 800)
    wide = window.splitter.sizes()[2]
    press_ctrl(window, window.editor.form.editor("title").line, Qt.Key.Key_Home)  # the window is active
    QTest.keyClick(window.editor.form.editor("title").line, Qt.Key.Key_L,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert not window.collection_tree.isVisible() and not window.entry_list.isVisible()
    assert window.splitter.sizes()[:2] == [0, 0]
    assert window.splitter.sizes()[2] >= window.splitter.width() - 2 * window.splitter.handleWidth() > wide
    QTest.keyClick(window.editor.form.editor("title").line, Qt.Key.Key_L,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.collection_tree.isVisible() and window.entry_list.isVisible()
    assert window.splitter.sizes()[2] == wide


def test_at_800_by_600_no_button_is_cut_off(window, qtbot):
    open_first_post(window, qtbot)
    settle(qtbot, window, 800, 600)
    assert cut_off(window) == []
    press_ctrl(window, window, Qt.Key.Key_2)  # the workflow board
    qtbot.wait(50)
    assert cut_off(window) == []


def test_the_entry_titles_keep_a_share_of_the_narrower_list(window, qtbot):
    open_first_post(window, qtbot)
    settle(qtbot, window, 1600, 1000)
    table = window.entry_list.table
    assert table.columnWidth(0) >= 0.38 * table.viewport().width()
    settle(qtbot, window, 2400, 1000)
    window.splitter.setSizes([200, 1000, 1200])  # a wide list: the other columns at their full width again
    qtbot.wait(50)
    assert table.columnWidth(1) >= table.fontMetrics().horizontalAdvance("2026-12-31 23:59")


def test_a_new_window_gives_the_tree_and_the_list_their_share_of_its_width(window, qtbot):
    from editor_app.ui.main_window import pane_sizes

    qtbot.wait(50)
    tree, entries, _editor = window.splitter.sizes()
    want_tree, want_entries, _ = pane_sizes(window.width())
    assert abs(tree - want_tree) <= 2 and abs(entries - want_entries) <= 2, window.splitter.sizes()
    assert entries >= 300  # a list wide enough to read its titles
    assert not window.route_label.isVisible()  # the sample site is read from this computer: no Git/API to name
