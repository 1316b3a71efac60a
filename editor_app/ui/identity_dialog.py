"""IdentityDialog: a local site has no commit author; ask once for a name and e-mail (prefilled with the user's)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget


class IdentityDialog(QDialog):
    """Name and e-mail for the commits made to a local site; `identity()` is what the user accepted."""

    def __init__(self, folder: str, name: str = "", email: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Who is saving?")
        self.setAccessibleName("Commit author")
        intro = QLabel(
            f"Saving to {folder} makes git commits, and git knows no author name and e-mail for it. "
            "Use yours as filled in below (from your account on this computer), or change them. They are kept "
            "in this repository's own git settings (.git/config), so git on the command line uses them too."
        )
        intro.setWordWrap(True)
        self.name_edit = QLineEdit(name)
        self.name_edit.setAccessibleName("Author name")
        self.email_edit = QLineEdit(email)
        self.email_edit.setAccessibleName("Author e-mail")
        self.email_edit.setPlaceholderText("you@example.org")
        form = QFormLayout()
        form.addRow("Name", self.name_edit)
        form.addRow("E-mail", self.email_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Save commits under this name")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        self.setMinimumWidth(560)  # wide enough that the wrapped intro gets the height it needs
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.name_edit.textChanged.connect(self._on_field_text_changed)
        self.email_edit.textChanged.connect(self._on_field_text_changed)
        self._on_field_text_changed()

    def identity(self) -> tuple[str, str]:
        """The name and e-mail as entered (trimmed)."""
        return self.name_edit.text().strip(), self.email_edit.text().strip()

    def _on_field_text_changed(self) -> None:
        name, email = self.identity()
        self.ok_button.setEnabled(bool(name) and "@" in email and " " not in email)


def ask_commit_author(folder: str, name: str, email: str, parent: QWidget | None = None) -> tuple[str, str] | None:
    """Ask for the commit author of a local site; None when the user cancels."""
    dialog = IdentityDialog(folder, name, email, parent)
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    dialog.deleteLater()
    return dialog.identity() if accepted else None
