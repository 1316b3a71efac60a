"""The Help menu (About, keyboard shortcuts) and Undo/Redo in the Edit menu, on the sandbox, by clicks and keys."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMenu

from editor_app import __version__
from editor_app.ui.help_dialogs import AboutDialog, ShortcutsDialog
from tests.ui.test_real_editor_on_sandbox import open_first_post, press_ctrl, window

__all__ = ["window"]


def choose(window, menu: QMenu, action) -> None:
    """Open a menu of the menu bar by clicking its title, then click one of its items."""
    bar = window.menuBar()
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     bar.actionGeometry(menu.menuAction()).center())
    if not menu.isVisible():  # offscreen Qt may not open it from the bar: open it under its title
        menu.popup(bar.mapToGlobal(bar.actionGeometry(menu.menuAction()).bottomLeft()))
    assert menu.isVisible()
    QTest.mouseClick(menu, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     menu.actionGeometry(action).center())


def test_help_about_names_the_version_licence_and_documentation(window, qtbot):
    choose(window, window.help_menu, window.about_action)
    dialog = window.findChild(AboutDialog)
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible(), timeout=5000)
    text = dialog.text.text()
    assert __version__ in text and "MIT" in text and "https://decapcms.org/docs/" in text
    dialog.close()


def test_f1_lists_the_keyboard_shortcuts_from_the_window_actions(window, qtbot):
    press_ctrl(window, window.entry_list.table, Qt.Key.Key_F)  # focus somewhere in the window first
    QTest.keyClick(window.entry_list.table, Qt.Key.Key_F1)
    dialog = window.findChild(ShortcutsDialog)
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible(), timeout=5000)
    shortcuts = dialog.shortcuts()
    assert shortcuts["Save"] == "Ctrl+S" and shortcuts["New entry"] == "Ctrl+N"
    assert shortcuts["Undo"] == "Ctrl+Z" and shortcuts["Keyboard shortcuts"] == "F1"
    dialog.close()


def test_edit_undo_and_redo_act_on_the_focused_text_field(window, qtbot):
    open_first_post(window, qtbot)
    title = window.editor.form.editor("title").line
    before = title.text()
    title.setFocus()
    title.end(False)
    QTest.keyClicks(title, " extra")
    assert title.text() == before + " extra"
    choose(window, window.edit_menu, window.undo_action)
    assert title.text() == before
    choose(window, window.edit_menu, window.redo_action)
    assert title.text() == before + " extra"
    window.edit_menu.close()


def test_undo_is_disabled_without_a_text_field_in_focus(window, qtbot):
    window.entry_list.table.setFocus()
    choose(window, window.edit_menu, window.find_action)  # the menu opened: its items were brought up to date
    assert not window.undo_action.isEnabled() and not window.redo_action.isEnabled()
