"""ConflictDialog: the file changed on the host since the edit started; show both sides and let the user choose."""

from __future__ import annotations

import difflib
import html
from enum import Enum

from PySide6.QtGui import QFont, QFontDatabase, QTextCursor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from editor_app.ui import theme


class ConflictChoice(Enum):
    """What the user decided."""

    KEEP_MINE = "keep_mine"  # save the (possibly edited) text of "Yours" over the other side
    TAKE_THEIRS = "take_theirs"  # drop the edit and load the other side
    CANCEL = "cancel"  # decide later; the draft stays in the journal


def unified_difference(path: str, theirs: str, mine: str) -> str:
    """A unified diff from the other side to the user's version."""
    lines = difflib.unified_diff(
        theirs.splitlines(keepends=True),
        mine.splitlines(keepends=True),
        fromfile=f"{path} (on the site now)",
        tofile=f"{path} (your version)",
    )
    text = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    return text or "The two versions are identical.\n"


def _monospace() -> QFont:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


class ConflictDialog(QDialog):
    """Shows yours, theirs and the difference; keep yours (editable), take theirs, or copy parts from theirs."""

    def __init__(
        self, path: str, mine: str, theirs: str | None, parent: QWidget | None = None, *,
        deleted: bool | None = None, reason: str = "",
    ) -> None:
        """`deleted`: the file is known to be gone (default: when `theirs` is None); `reason`: the host's words."""
        super().__init__(parent)
        self.setWindowTitle(f"Conflict — {path}")
        self.setAccessibleName("Save conflict")
        self.choice = ConflictChoice.CANCEL
        self._path = path
        self._theirs = theirs or ""
        deleted = theirs is None if deleted is None else deleted
        name = html.escape(path)
        if deleted:
            what = f"<b>{name}</b> was deleted on the site after you started editing. Nothing was saved."
        elif theirs is None:
            what = (f"The site refused to save <b>{name}</b>, and its version there could not be read. "
                    "Nothing was saved.")
        else:
            what = (f"The site refused to save <b>{name}</b>: its branch moved on after you started editing. "
                    "Nothing was saved.")
        said = f"<br>The site said: {html.escape(reason)}" if reason else ""
        intro = QLabel(
            what + " Keep your version (you can edit it below and copy lines from theirs), or take theirs." + said
        )
        intro.setWordWrap(True)
        self.intro = intro

        self.mine_edit = QPlainTextEdit(mine)
        self.mine_edit.setFont(_monospace())
        self.mine_edit.setAccessibleName("Your version")
        self.theirs_view = QPlainTextEdit(self._theirs)
        self.theirs_view.setReadOnly(True)
        self.theirs_view.setFont(_monospace())
        self.theirs_view.setAccessibleName("Their version")
        self.diff_view = QPlainTextEdit()
        self.diff_view.setReadOnly(True)
        self.diff_view.setFont(_monospace())
        self.diff_view.setAccessibleName("Difference")
        self.copy_button = QPushButton(theme.icon("arrow-left"), "Copy selection into yours")
        self.copy_button.setToolTip("Insert the text selected in their version at the cursor in yours")
        self.copy_button.clicked.connect(self._on_copy_clicked)

        side_by_side = QSplitter()
        mine_box = QWidget()
        mine_layout = QVBoxLayout(mine_box)
        mine_layout.setContentsMargins(0, 0, 0, 0)
        mine_layout.addWidget(QLabel("Yours (editable)"))
        mine_layout.addWidget(self.mine_edit)
        theirs_box = QWidget()
        theirs_layout = QVBoxLayout(theirs_box)
        theirs_layout.setContentsMargins(0, 0, 0, 0)
        theirs_row = QHBoxLayout()
        theirs_row.addWidget(QLabel("Theirs (on the site now)"), 1)
        theirs_row.addWidget(self.copy_button)
        theirs_layout.addLayout(theirs_row)
        theirs_layout.addWidget(self.theirs_view)
        side_by_side.addWidget(mine_box)
        side_by_side.addWidget(theirs_box)

        self.tabs = QTabWidget()
        self.tabs.addTab(self.diff_view, "Difference")
        self.tabs.addTab(side_by_side, "Side by side")

        buttons = QDialogButtonBox()
        self.keep_button = buttons.addButton("Keep mine", QDialogButtonBox.ButtonRole.AcceptRole)
        self.take_button = buttons.addButton("Take theirs", QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.keep_button.clicked.connect(lambda: self._choose(ConflictChoice.KEEP_MINE))
        self.take_button.clicked.connect(lambda: self._choose(ConflictChoice.TAKE_THEIRS))
        buttons.rejected.connect(self.reject)
        self.take_button.setEnabled(theirs is not None)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self.mine_edit.textChanged.connect(self._refresh_difference)
        self._refresh_difference()
        self.resize(900, 600)

    @property
    def mine(self) -> str:
        """The user's version as it stands in the dialog (after any edits or copies)."""
        return self.mine_edit.toPlainText()

    def _refresh_difference(self) -> None:
        self.diff_view.setPlainText(unified_difference(self._path, self._theirs, self.mine))

    def _on_copy_clicked(self) -> None:
        selected = self.theirs_view.textCursor().selectedText().replace("\u2029", "\n")
        if not selected:
            return
        cursor = self.mine_edit.textCursor()
        cursor.insertText(selected)
        self.mine_edit.setTextCursor(cursor)
        self.mine_edit.moveCursor(QTextCursor.MoveOperation.NoMove)

    def _choose(self, choice: ConflictChoice) -> None:
        self.choice = choice
        self.accept()
