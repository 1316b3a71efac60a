"""ToolbarFocus: one Tab stop for a whole toolbar, arrow keys between its buttons (the WAI-ARIA toolbar pattern).

Qt's tool bars give their buttons no focus at all, so keyboard users cannot reach them; giving every button a
Tab stop instead would make the markdown field's eleven buttons eleven stops. Here the toolbar is one stop:
Tab lands on the button used last, Left/Right/Home/End move along the bar, Tab leaves it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QToolBar, QToolButton, QWidget

NAVIGATION_KEYS = {Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Home, Qt.Key.Key_End}


class ToolbarFocus(QObject):
    """Makes `toolbar` reachable by Tab as a single stop with arrow-key movement between its buttons."""

    def __init__(self, toolbar: QToolBar) -> None:
        super().__init__(toolbar)
        self.toolbar = toolbar
        self._current = 0
        toolbar.installEventFilter(self)
        self.refresh()

    def buttons(self) -> list[QToolButton]:
        """The toolbar's visible, enabled buttons in order."""
        found = []
        for action in self.toolbar.actions():
            widget = self.toolbar.widgetForAction(action)
            if isinstance(widget, QToolButton) and action.isVisible() and action.isEnabled():
                found.append(widget)
        return found

    def refresh(self) -> None:
        """Give the current button the toolbar's Tab stop and name every button for screen readers."""
        buttons = self.buttons()
        self._current = min(self._current, max(len(buttons) - 1, 0))
        for i, button in enumerate(buttons):
            action = button.defaultAction()
            if action is not None and not button.accessibleName():
                # "B" or "</>" mean nothing read aloud: the tooltip says what the button does
                button.setAccessibleName(action.toolTip() or action.text())
            if not button.property("toolbarFocusWatched"):
                button.installEventFilter(self)
                button.setProperty("toolbarFocusWatched", True)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus if i == self._current else Qt.FocusPolicy.NoFocus)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.toolbar:
            if kind in (QEvent.Type.ActionAdded, QEvent.Type.ActionChanged, QEvent.Type.ActionRemoved):
                QTimer.singleShot(0, self, self.refresh)  # the toolbar makes the button after this event
            elif kind == QEvent.Type.Show:
                self.refresh()
            return False
        if isinstance(watched, QToolButton):
            if kind == QEvent.Type.FocusIn:
                self._make_current(watched)
            elif isinstance(event, QKeyEvent) and kind == QEvent.Type.KeyPress and event.key() in NAVIGATION_KEYS:
                self._move(watched, Qt.Key(event.key()))
                return True
        return False

    def _make_current(self, button: QWidget) -> None:
        buttons = self.buttons()
        if button in buttons:
            self._current = buttons.index(button)
            self.refresh()

    def _move(self, button: QWidget, key: Qt.Key) -> None:
        buttons = self.buttons()
        if not buttons or button not in buttons:
            return
        position = buttons.index(button)
        target = {Qt.Key.Key_Left: position - 1, Qt.Key.Key_Right: position + 1,
                  Qt.Key.Key_Home: 0, Qt.Key.Key_End: len(buttons) - 1}[key] % len(buttons)
        self._current = target
        self.refresh()
        buttons[target].setFocus(Qt.FocusReason.TabFocusReason)
