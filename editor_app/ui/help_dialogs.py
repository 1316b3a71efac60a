"""The Help menu's dialogs: About (version, licence, where the documentation is) and the keyboard shortcuts.

The shortcuts are read from the window's actions, so the list cannot drift from what the keys do.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from editor_app import __version__

DOCS = (
    ("Decap CMS configuration options", "https://decapcms.org/docs/configuration-options/"),
    ("Decap CMS widgets", "https://decapcms.org/docs/widgets/"),
    ("Decap CMS editorial workflow", "https://decapcms.org/docs/editorial-workflows/"),
)
# keys that text fields and the editor handle themselves (no window action carries them)
TEXT_KEYS = (
    ("Down from the search box", "Down: to the first entry"),
    ("Clear the entry search", "Esc"),
)


class AboutDialog(QDialog):
    """What the app is, its version and licence, and links to the documentation it follows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About editor-app")
        self.setAccessibleName("About editor-app")
        links = "<br>".join(f'<a href="{url}">{label}</a>' for label, url in DOCS)
        self.text = QLabel(
            f"<h3>editor-app {__version__}</h3>"
            "<p>A desktop editor for static sites that use a Decap CMS (Netlify CMS, Static CMS) "
            "<code>config.yml</code>.</p>"
            "<p>Licence: MIT. Built with Qt for Python (PySide6 "
            f"{pyside_version}), available under the GNU LGPL v3.</p>"
            f"<p>Documentation of the config it reads:<br>{links}</p>"
        )
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setOpenExternalLinks(True)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)


class ShortcutsDialog(QDialog):
    """Every shortcut of the window's actions, and the keys text fields handle themselves."""

    def __init__(self, actions: Iterable[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setAccessibleName("Keyboard shortcuts")
        rows = [(_plain(action.text()), action.shortcut().toString(QKeySequence.SequenceFormat.NativeText))
                for action in actions if not action.shortcut().isEmpty()]
        rows += list(TEXT_KEYS)
        self._rows = rows
        self.table = QTableWidget(len(rows), 2)
        self.table.setAccessibleName("Shortcuts")
        self.table.setHorizontalHeaderLabels(["Action", "Keys"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, (what, keys) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(what))
            self.table.setItem(row, 1, QTableWidgetItem(keys))
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(460, 480)

    def shortcuts(self) -> dict[str, str]:
        """What the table lists: action -> keys."""
        return dict(self._rows)


def _plain(text: str) -> str:
    """A menu text without its mnemonic marker and ellipsis: "&Media library…" -> "Media library"."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()
