"""Look and feel, in one place: palettes, type scale, spacing, icons and the app's style sheet.

The direction: a calm, content-first editor in the manner of Sveltia/Decap (a quiet sidebar, white or near-black
content surfaces, one accent colour for the primary action and the selection) and of Obsidian/Typora (few
borders, generous line height, muted chrome so the text being written stands out). Fusion draws the widgets;
`resources/styles/app.qss` adds the few rules on top, written with `{token}` placeholders that are filled from
the light or the dark token set below, so every custom colour has a light and a dark value. The system's
colour scheme is followed, also when it changes while the app runs. Icons are Lucide SVGs shipped in
`resources/icons/` (ISC licence, see its LICENSE), drawn in the palette's text colour at paint time, so they
follow a scheme change too.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from editor_app.paths import resources_dir

# Type scale (points are avoided so the look is the same on every DPI setting): body 13 px, small 12 px,
# section 15 px, title 20 px. Spacing follows a 4 px grid (4, 8, 12, 16).
TYPE_SCALE = {"small": 12, "body": 13, "section": 15, "title": 20}
SPACING = {"xs": 4, "s": 8, "m": 12, "l": 16}

# Colour tokens. Text colours meet WCAG AA (4.5:1) on their surfaces in both schemes; tests/ui/test_gallery.py
# checks the rendered windows.
LIGHT = {
    "window": "#f4f5f7", "base": "#ffffff", "alternate": "#f7f8fa", "sidebar": "#eceef2",
    "text": "#1d2025", "muted": "#5b616b", "border": "#d5d9e0", "button": "#ffffff",
    "accent": "#3b5bdb", "accent-hover": "#3049b8", "accent-text": "#ffffff", "selection": "#dbe4ff",
    "selection-text": "#1d2025", "error": "#b42318", "warning": "#8a5300", "info": "#1f5fa8",
    "success": "#1e7b34", "error-bg": "#fdecea", "warning-bg": "#fff4e0", "info-bg": "#e8f1fc",
    "placeholder": "#5f646d", "link": "#2f4fc4", "disabled": "#9aa0a8",
    # syntax colours of the markdown and code editors, on `base`
    "syntax-heading": "#2f55c0", "syntax-code": "#a8431c", "syntax-link": "#1d6f66", "syntax-quote": "#5b616b",
    "syntax-list": "#8f4c00", "syntax-string": "#2b702b", "syntax-comment": "#5b616b",
}
DARK = {
    "window": "#1e1f22", "base": "#16171a", "alternate": "#1b1c1f", "sidebar": "#25272b",
    "text": "#e4e6ea", "muted": "#a2a8b1", "border": "#3a3d43", "button": "#2b2d31",
    "accent": "#6b8cff", "accent-hover": "#8aa4ff", "accent-text": "#0d1020", "selection": "#2f3b66",
    "selection-text": "#f1f3f8", "error": "#ff8a80", "warning": "#f5b94a", "info": "#8cc4ff",
    "success": "#7fd491", "error-bg": "#3a1f1d", "warning-bg": "#3a2e16", "info-bg": "#18293d",
    "placeholder": "#8e949d", "link": "#8fa8ff", "disabled": "#6c7179",
    "syntax-heading": "#8fb0ff", "syntax-code": "#f2a477", "syntax-link": "#5fd0c0", "syntax-quote": "#a2a8b1",
    "syntax-list": "#f0b862", "syntax-string": "#8fd88f", "syntax-comment": "#a2a8b1",
}


def is_dark(app: QGuiApplication) -> bool:
    """Whether the system asks for a dark colour scheme."""
    scheme = app.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        return True
    if scheme == Qt.ColorScheme.Light:
        return False
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def tokens(dark: bool) -> dict[str, str]:
    """The colour tokens of the light or the dark scheme."""
    return DARK if dark else LIGHT


def current_tokens() -> dict[str, str]:
    """The tokens of the scheme the app's palette is in now."""
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        return LIGHT
    return tokens(app.palette().color(QPalette.ColorRole.Window).lightness() < 128)


def colour(name: str) -> str:
    """One colour token (e.g. "error") of the scheme in use now."""
    return current_tokens()[name]


def _palette(t: dict[str, str]) -> QPalette:
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: t["window"],
        QPalette.ColorRole.WindowText: t["text"],
        QPalette.ColorRole.Base: t["base"],
        QPalette.ColorRole.AlternateBase: t["alternate"],
        QPalette.ColorRole.Text: t["text"],
        QPalette.ColorRole.Button: t["button"],
        QPalette.ColorRole.ButtonText: t["text"],
        QPalette.ColorRole.BrightText: t["accent-text"],
        QPalette.ColorRole.Highlight: t["accent"],
        QPalette.ColorRole.HighlightedText: t["accent-text"],
        QPalette.ColorRole.ToolTipBase: t["base"],
        QPalette.ColorRole.ToolTipText: t["text"],
        QPalette.ColorRole.PlaceholderText: t["placeholder"],
        QPalette.ColorRole.Link: t["link"],
        QPalette.ColorRole.LinkVisited: t["link"],
        QPalette.ColorRole.Mid: t["border"],
        QPalette.ColorRole.Midlight: t["border"],
        QPalette.ColorRole.Accent: t["accent"],
    }
    for role, value in roles.items():
        palette.setColor(role, QColor(value))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(t["disabled"]))
    return palette


def light_palette() -> QPalette:
    """The light palette (used instead of Fusion's grey one so both schemes share the same design)."""
    return _palette(LIGHT)


def dark_palette() -> QPalette:
    """A dark palette for platforms whose own style ignores the dark scheme (Fusion on Linux, Windows)."""
    return _palette(DARK)


def style_sheet(resources: Path | None = None, dark: bool = False) -> str:
    """The app's style sheet (`resources/styles/app.qss`) with the scheme's tokens filled in."""
    path = (resources or resources_dir()) / "styles" / "app.qss"
    if not path.exists():
        return ""
    text = path.read_text(encoding="utf-8")
    values = {**tokens(dark), **{f"size-{k}": f"{v}px" for k, v in TYPE_SCALE.items()},
              **{f"space-{k}": f"{v}px" for k, v in SPACING.items()}}
    values["icons"] = ((resources or resources_dir()) / "icons").as_posix()
    values["scheme"] = "dark" if dark else "light"
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


class _SvgIconEngine(QIconEngine):
    """Draws a Lucide SVG (stroke="currentColor") in the application palette's text colour at paint time."""

    def __init__(self, svg: str, tint: str | None = None) -> None:
        super().__init__()
        self.svg = svg
        self.tint = tint

    def _ink(self, mode: QIcon.Mode) -> str:
        palette = QGuiApplication.palette()
        if self.tint is not None and mode != QIcon.Mode.Disabled:
            return current_tokens()[self.tint]
        if mode == QIcon.Mode.Disabled:
            return palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText).name()
        if mode == QIcon.Mode.Selected:
            return palette.color(QPalette.ColorRole.HighlightedText).name()
        return palette.color(QPalette.ColorRole.WindowText).name()

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        side = min(rect.width(), rect.height())
        svg = self.svg.replace("currentColor", self._ink(mode))
        if side > 40:  # drawn big (a file's thumbnail), Lucide's 2-unit stroke turns heavy: keep it near 3 px
            svg = svg.replace('stroke-width="2"', f'stroke-width="{max(0.75, 72 / side):.2f}"')
        renderer = QSvgRenderer(QByteArray(svg.encode()))
        target = QRectF(rect.x() + (rect.width() - side) / 2, rect.y() + (rect.height() - side) / 2, side, side)
        renderer.render(painter, target)

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        pixmap = QPixmap(size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.paint(painter, QRect(QPoint(0, 0), size), mode, state)
        painter.end()
        return pixmap

    def clone(self) -> QIconEngine:
        return _SvgIconEngine(self.svg, self.tint)


def icon(name: str, resources: Path | None = None, tint: str | None = None) -> QIcon:
    """An icon from `resources/icons/<name>.svg` drawn in the palette's text colour, or the app icon for `app`.

    `tint` names a colour token ("error", "warning", "info", ...) to draw it in instead, in the scheme in use.

    A missing icon file is a packaging bug: it raises FileNotFoundError rather than showing nothing.
    """
    base = resources or resources_dir()
    if name == "app":
        return QIcon(str(base / "app-icon.svg"))
    svg = (base / "icons" / f"{name}.svg").read_text(encoding="utf-8")
    if tint is not None and tint not in LIGHT:
        raise KeyError(f"unknown colour token {tint!r} for icon {name!r}")
    return QIcon(_SvgIconEngine(svg, tint))


def set_scheme(app: QApplication, dark: bool, resources: Path | None = None) -> None:
    """Put the app in the light or the dark scheme: palette and style sheet."""
    app.setPalette(dark_palette() if dark else light_palette())
    app.setStyleSheet(style_sheet(resources, dark))


def apply_theme(app: QApplication, resources: Path | None = None) -> None:
    """Follow the system light/dark scheme, now and when it changes."""
    app.setStyle("Fusion")

    def update(*_args: object) -> None:
        set_scheme(app, is_dark(app), resources)

    # decide before our own palette is set, whose Window colour is_dark would otherwise read back
    update()
    if not app.property("editor-app-theme-connected"):
        app.styleHints().colorSchemeChanged.connect(update)
        app.setProperty("editor-app-theme-connected", True)
    app.setWindowIcon(icon("app", resources))
