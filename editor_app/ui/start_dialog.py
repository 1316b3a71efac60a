"""StartDialog: what to open when the app starts without arguments (recent sites, a site's config.yml, a
local folder, the sandbox). A config.yml that names a Git host leads to its login (the app does that);
recent Git-host sites remember their backend and repository so the list says where they live.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QCommandLinkButton,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from editor_app.hosts import HOST_NAMES
from editor_app.ui import theme
from editor_app.ui.signals import emit

RECENT_KEY = "start/recent_sites"
MAX_RECENT = 10
KINDS = ("sandbox", "local", "config")
CONFIG_FILTER = "Decap CMS config (*.yml *.yaml);;All files (*)"


@dataclass(frozen=True)
class SiteChoice:
    """A site to open: `kind` is "sandbox", "local" (a working copy) or "config" (a config.yml).

    For a config whose site lives on a Git host, `backend` and `repo` say where (for the recent list).
    """

    kind: str
    path: str = ""
    backend: str = ""
    repo: str = ""

    @property
    def label(self) -> str:
        """How the choice reads in the recent list."""
        if self.kind == "sandbox":
            return "Sandbox (sample site)"
        if self.backend and self.repo:
            return f"{self.repo} ({HOST_NAMES.get(self.backend, self.backend)}) — {self.path}"
        name = _site_name(Path(self.path)) if self.kind == "config" else Path(self.path).name or self.path
        return f"{name} — {self.path}"

    @property
    def place(self) -> tuple[str, str]:
        """What identifies the site in the recent list: the same file is one site, whatever its host."""
        return self.kind, self.path

    def encode(self) -> str:
        """`kind:path` for QSettings (JSON when the backend and repository are known)."""
        if self.backend or self.repo:
            return json.dumps({"kind": self.kind, "path": self.path, "backend": self.backend, "repo": self.repo})
        return f"{self.kind}:{self.path}"

    @classmethod
    def decode(cls, text: str) -> SiteChoice | None:
        """The inverse of encode; None for a value this version does not understand."""
        if text.startswith("{"):
            try:
                data = json.loads(text)
            except ValueError:
                return None
            if not isinstance(data, dict) or data.get("kind") not in KINDS:
                return None
            return cls(str(data["kind"]), str(data.get("path") or ""), str(data.get("backend") or ""),
                       str(data.get("repo") or ""))
        kind, _, path = text.partition(":")
        if kind not in KINDS:
            return None
        return cls(kind, path)


def _site_name(config: Path) -> str:
    """The site's folder name for a config path (`blog/static/admin/config.yml` -> `blog`)."""
    folder = config.parent
    while folder.name in ("admin", "static", "public", "src", "site") and folder.parent != folder:
        folder = folder.parent
    return folder.name or str(config)


class RecentSites:
    """The recently opened sites, newest first, kept in the app's QSettings."""

    def __init__(self, settings: QSettings) -> None:
        self._settings = settings

    def load(self) -> list[SiteChoice]:
        """The remembered sites."""
        raw = self._settings.value(RECENT_KEY, [])
        items = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []  # one item comes back as str
        choices = [SiteChoice.decode(str(item)) for item in items]
        return [choice for choice in choices if choice is not None]

    def remember(self, choice: SiteChoice) -> None:
        """Put `choice` first."""
        items = [choice] + [c for c in self.load() if c.place != choice.place]
        self._settings.setValue(RECENT_KEY, [c.encode() for c in items[:MAX_RECENT]])
        self._settings.sync()


class StartDialog(QDialog):
    """Lets the user pick a site; `chosen` holds the SiteChoice after accept()."""

    site_chosen = Signal(object)

    def __init__(self, recent: RecentSites, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open a site")
        self.setAccessibleName("Open a site")
        self.chosen: SiteChoice | None = None
        self._recent = recent

        title = QLabel("Welcome")
        title.setObjectName("start-title")
        intro = QLabel("Open a site whose content is configured for Decap CMS, or try the sample site.")
        intro.setWordWrap(True)

        self.recent_list = QListWidget()
        self.recent_list.setAccessibleName("Recent sites")
        for choice in recent.load():
            item = QListWidgetItem(choice.label)
            item.setData(Qt.ItemDataRole.UserRole, choice)
            item.setToolTip(choice.path or "the built-in sample site")
            self.recent_list.addItem(item)
        self.recent_list.itemActivated.connect(self._on_recent_activated)
        recent_label = QLabel("&Recent sites")
        recent_label.setBuddy(self.recent_list)
        self.empty_label = QLabel("No recent sites yet.")
        self.empty_label.setObjectName("empty-state")
        has_recent = self.recent_list.count() > 0
        self.recent_list.setVisible(has_recent)
        self.empty_label.setVisible(not has_recent)
        if has_recent:
            self.recent_list.setCurrentRow(0)

        self._choices_layout = QVBoxLayout()
        self.config_button = self.add_choice(
            "Open a site's config.yml…",
            "Sites on GitHub, GitLab, Bitbucket, Gitea or Git Gateway: log in with the site's own settings",
            self._on_config_clicked,
        )
        self.local_button = self.add_choice(
            "Open a local folder…", "A Git working copy that contains the site's config.yml", self._on_local_clicked
        )
        self.sandbox_button = self.add_choice(
            "Try the sandbox", "A sample community-garden site; nothing leaves this computer",
            lambda: self.choose(SiteChoice("sandbox")),
        )

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.open_button = buttons.addButton("Open", QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button.setAccessibleName("Open the selected recent site")
        self.open_button.setEnabled(has_recent)
        self.open_button.setDefault(has_recent)
        self.open_button.clicked.connect(self._on_open_clicked)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addSpacing(8)
        layout.addWidget(recent_label)
        layout.addWidget(self.recent_list, 1)
        layout.addWidget(self.empty_label)
        layout.addStretch(0 if has_recent else 1)  # without recent sites, the spare room goes here, not between labels
        layout.addSpacing(8)
        layout.addLayout(self._choices_layout)
        layout.addWidget(buttons)
        self.recent_list.setMaximumHeight(180)
        self.resize(560, 500 if has_recent else 400)

    def add_choice(self, title: str, description: str, on_clicked: Callable[[], None]) -> QCommandLinkButton:
        """Add a way to open a site (the extension point for Git host logins)."""
        button = QCommandLinkButton(title, description)
        button.setIcon(theme.icon("arrow-right"))  # Fusion's own arrow is black, even on the dark palette
        button.setAccessibleName(title.rstrip("…"))
        button.clicked.connect(on_clicked)
        self._choices_layout.addWidget(button)
        return button

    def choose(self, choice: SiteChoice) -> None:
        """Accept the dialog with `choice`, and remember it."""
        self.chosen = choice
        self._recent.remember(choice)
        emit(self.site_chosen, choice)
        self.accept()

    def _on_recent_activated(self, item: QListWidgetItem) -> None:
        self.choose(item.data(Qt.ItemDataRole.UserRole))

    def _on_open_clicked(self) -> None:
        item = self.recent_list.currentItem()
        if item is not None:
            self.choose(item.data(Qt.ItemDataRole.UserRole))

    def _on_config_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Open the site's config.yml", "", CONFIG_FILTER)
        if path:
            self.choose(SiteChoice("config", path))

    def _on_local_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open the site's folder")
        if folder:
            self.choose(SiteChoice("local", folder))
