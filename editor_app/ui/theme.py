"""Look and feel: the Fusion style on the system's light or dark palette, plus the app's small style sheet."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from editor_app.paths import resources_dir


def is_dark(app: QGuiApplication) -> bool:
    """Whether the system asks for a dark colour scheme."""
    scheme = app.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        return True
    if scheme == Qt.ColorScheme.Light:
        return False
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def dark_palette() -> QPalette:
    """A dark palette for platforms whose own style ignores the dark scheme (Fusion on Linux, Windows)."""
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#2b2d30",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1f2023",
        QPalette.ColorRole.AlternateBase: "#26282b",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#35373b",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.Highlight: "#3d6fb4",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#35373b",
        QPalette.ColorRole.ToolTipText: "#e6e6e6",
        QPalette.ColorRole.PlaceholderText: "#8a8d91",
        QPalette.ColorRole.Link: "#7aa7e8",
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7d81"))
    return palette


def style_sheet(resources: Path | None = None) -> str:
    """The app's style sheet (`resources/styles/app.qss`)."""
    path = (resources or resources_dir()) / "styles" / "app.qss"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def icon(name: str, resources: Path | None = None) -> QIcon:
    """An icon from `resources/icons/<name>.svg`, or the app icon for `app`."""
    base = resources or resources_dir()
    if name == "app":
        return QIcon(str(base / "app-icon.svg"))
    return QIcon(str(base / "icons" / f"{name}.svg"))


def apply_theme(app: QApplication, resources: Path | None = None) -> None:
    """Follow the system light/dark scheme, now and when it changes."""
    app.setStyle("Fusion")

    def update(*_args: object) -> None:
        app.setPalette(dark_palette() if is_dark(app) else app.style().standardPalette())

    update()
    app.styleHints().colorSchemeChanged.connect(update)
    app.setStyleSheet(style_sheet(resources))
    app.setWindowIcon(icon("app", resources))
