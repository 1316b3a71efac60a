"""The screenshot gallery: every window and dialog in the light and the dark scheme, for a person to look at.

Each image goes to `screenshots/<window>-<light|dark>.png` at the repository root (gitignored). Besides
writing it, each test checks that the image is not blank and that the text in it can be read: for every
visible label and button, the colour the palette gives its text contrasts with the background actually
painted behind it, and the most contrasting pixel drawn there does too (which catches a style sheet or rich
text colour that the palette does not know about).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QSettings, Qt
from PySide6.QtGui import QColor, QImage, QTextDocument
from PySide6.QtWebEngineCore import QWebEngineProfile
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from editor_app.auth.service import LoginService
from editor_app.auth.target import LoginTarget
from editor_app.auth.token_store import TokenStore
from editor_app.errors import LockedError
from editor_app.paths import AppDirs
from editor_app.ui import theme
from editor_app.ui.auth_browser import AuthBrowser
from editor_app.ui.conflict_dialog import ConflictDialog
from editor_app.ui.draft_dialog import DraftDialog
from editor_app.ui.identity_dialog import IdentityDialog
from editor_app.ui.lock_dialog import LockDialog
from editor_app.ui.login_dialog import LoginDialog, LoginMemory
from editor_app.ui.main_window import MainWindow
from editor_app.ui.media_library import THUMBNAIL, MediaLibraryDialog
from editor_app.ui.notifications import LEVEL_ICONS, NotificationArea
from editor_app.ui.site_login import open_site
from editor_app.ui.start_dialog import RecentSites, SiteChoice, StartDialog
from editor_app.ui.widgets.code_editor import CodeHighlighter
from editor_app.ui.widgets.markdown_editor import MarkdownHighlighter
from tests.ui.fakes import FakeEditor, FakeWorkspace, ScriptedPrompts

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "screenshots"
SCHEMES = ["light", "dark"]
MINE = "---\ntitle: Tomato diary\ndate: 2026-07-14\n---\nThe first ripe tomato came today.\nWe ate it warm.\n"
THEIRS = "---\ntitle: Tomato diary (July)\ndate: 2026-07-14\n---\nThe first ripe tomato came today.\n"


# --- colour arithmetic (WCAG 2) -------------------------------------------------------------------------------


def luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())


def contrast(a: QColor, b: QColor) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_arithmetic():
    assert contrast(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert contrast(QColor("#777777"), QColor("#ffffff")) == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_text_colour_of_the_theme_reads_on_its_surfaces(scheme):
    t = theme.tokens(scheme == "dark")
    surfaces = ("window", "base", "alternate", "sidebar")
    for text in ("text", "muted", "placeholder", "link", "error", "warning", "info", "success"):
        for surface in surfaces:
            assert contrast(QColor(t[text]), QColor(t[surface])) >= 4.5, (scheme, text, surface)
    for text in ("text", "error", "warning", "info"):  # notifications and banners
        for surface in ("error-bg", "warning-bg", "info-bg"):
            assert contrast(QColor(t[text]), QColor(t[surface])) >= 4.5, (scheme, text, surface)
    for syntax in (name for name in t if name.startswith("syntax-")):  # the markdown and code editors' colours
        assert contrast(QColor(t[syntax]), QColor(t["base"])) >= 4.5, (scheme, syntax)
    assert contrast(QColor(t["selection-text"]), QColor(t["selection"])) >= 4.5
    assert contrast(QColor(t["accent-text"]), QColor(t["accent"])) >= 4.5  # default buttons
    assert contrast(QColor(t["disabled"]), QColor(t["window"])) >= 2.0  # dim, yet visible


def test_the_palette_and_style_sheet_follow_the_scheme(qapp):
    before = qapp.palette(), qapp.styleSheet()
    try:
        theme.set_scheme(qapp, True)
        assert qapp.palette().color(qapp.palette().ColorRole.Window) == QColor(theme.DARK["window"])
        assert theme.DARK["error"] in qapp.styleSheet() and "{" + "error}" not in qapp.styleSheet()
        assert theme.colour("error") == theme.DARK["error"]
        theme.set_scheme(qapp, False)
        assert theme.LIGHT["error"] in qapp.styleSheet() and theme.colour("error") == theme.LIGHT["error"]
    finally:
        qapp.setPalette(before[0])
        qapp.setStyleSheet(before[1])


def test_the_theme_follows_the_system_scheme_while_running(qapp, monkeypatch):
    before = qapp.palette(), qapp.styleSheet()
    hints = qapp.styleHints()
    scheme = {"dark": False}
    # the offscreen platform cannot switch its scheme: stand in for the desktop's answer and its signal
    monkeypatch.setattr(theme, "is_dark", lambda app: scheme["dark"])
    try:
        theme.apply_theme(qapp)
        assert qapp.palette().color(qapp.palette().ColorRole.Window) == QColor(theme.LIGHT["window"])
        scheme["dark"] = True
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # the user switches the desktop to dark
        assert qapp.palette().color(qapp.palette().ColorRole.Window) == QColor(theme.DARK["window"])
        assert theme.DARK["error"] in qapp.styleSheet()
        scheme["dark"] = False
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
        assert qapp.palette().color(qapp.palette().ColorRole.Window) == QColor(theme.LIGHT["window"])
        assert theme.LIGHT["error"] in qapp.styleSheet()
    finally:
        qapp.setPalette(before[0])
        qapp.setStyleSheet(before[1])


def test_the_editors_syntax_colours_come_from_the_scheme(qapp):
    before = qapp.palette(), qapp.styleSheet()
    try:
        for dark in (False, True):
            theme.set_scheme(qapp, dark)
            markdown = MarkdownHighlighter(QTextDocument())
            code = CodeHighlighter(QTextDocument())
            assert markdown.rules[0][1].foreground().color() == QColor(theme.tokens(dark)["syntax-heading"])
            assert code.rules[-1][1].foreground().color() == QColor(theme.tokens(dark)["syntax-comment"])
    finally:
        qapp.setPalette(before[0])
        qapp.setStyleSheet(before[1])


def test_icons_are_drawn_in_the_palette_text_colour(qapp):
    before = qapp.palette(), qapp.styleSheet()
    try:
        for dark in (False, True):
            theme.set_scheme(qapp, dark)
            image = theme.icon("save").pixmap(32, 32).toImage()
            pixels = [image.pixelColor(x, y) for x in range(32) for y in range(32)]
            drawn = [c for c in pixels if c.alpha() == 255]
            assert drawn, "the icon drew nothing"
            ink = QColor(theme.tokens(dark)["text"])
            assert all(c.rgb() == ink.rgb() for c in drawn)
        with pytest.raises(FileNotFoundError):
            theme.icon("no-such-icon")
    finally:
        qapp.setPalette(before[0])
        qapp.setStyleSheet(before[1])


def test_every_icon_shipped_is_licensed_used_and_every_icon_used_is_shipped():
    root = Path(__file__).resolve().parent.parent.parent
    icons = root / "resources" / "icons"
    licence = (icons / "LICENSE").read_text(encoding="utf-8")
    assert "ISC License" in licence and "Lucide" in licence
    shipped = {p.stem for p in icons.glob("*.svg")}
    used = set(LEVEL_ICONS.values())
    for source in (root / "editor_app" / "ui").rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        used |= set(re.findall(r'theme\.icon\("([a-z0-9-]+)"', text))
        used |= set(re.findall(r'\(self\.\w+_action, "([a-z0-9-]+)"\)', text))  # the main window's actions
        used |= set(re.findall(r'self\._toggle\("[^"]+", "([a-z0-9-]+)"\)', text))  # the find bar's options
    for scheme in SCHEMES:  # the style sheet's check marks
        used |= set(re.findall(r"/([a-z0-9-]+)\.svg", theme.style_sheet(dark=scheme == "dark")))
    assert used <= shipped, f"used but not shipped: {used - shipped}"
    assert shipped <= used, f"shipped but never used: {shipped - used}"


def test_no_emoji_or_symbol_glyph_is_used_as_an_icon():
    """A symbol from an emoji font shows as a box where that font is missing: icons are shipped instead."""
    root = Path(__file__).resolve().parent.parent.parent / "editor_app" / "ui"
    symbols = "✕✓✔✗⟳⚠🖼📁📄🔍⭐❌✎●"
    for source in root.rglob("*.py"):
        for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
            if 'setText("' in line or "QPushButton(" in line or "setIcon" in line:
                assert not any(s in line for s in symbols), f"{source.name}:{number}: {line.strip()}"


# --- the gallery ------------------------------------------------------------------------------------------------


@pytest.fixture(params=SCHEMES)
def scheme(request, qapp) -> Iterator[str]:
    before = qapp.palette(), qapp.styleSheet(), qapp.style().name()
    theme.apply_theme(qapp)
    theme.set_scheme(qapp, request.param == "dark")
    yield request.param
    qapp.setPalette(before[0])
    qapp.setStyleSheet(before[1])


def background_of(image: QImage, x0: int, y0: int, w: int, h: int) -> QColor:
    """The colour painted most often in a rectangle of an image: the background there."""
    counts = Counter(image.pixel(x, y) for x in range(x0, x0 + w, 2) for y in range(y0, y0 + h, 2))
    return QColor.fromRgb(counts.most_common(1)[0][0])


def check_text_contrast(window: QWidget, image: QImage, scheme: str) -> int:
    """Assert every visible label's and button's text reads on what is painted behind it; return how many."""
    scale = image.width() / max(1, window.width())
    checked = 0
    for widget in window.findChildren(QWidget):
        if not widget.isVisibleTo(window) or widget.width() < 12 or widget.height() < 8:
            continue
        if isinstance(widget, QLabel) and widget.text().strip() and widget.pixmap().isNull():
            role = widget.foregroundRole()
            if widget.wordWrap():  # wrapped text gets the height it needs: no line cut off
                needed = widget.heightForWidth(widget.width())
                assert widget.height() >= needed - 1, f"{scheme}: {widget.text()[:40]!r} cut off at {widget.height()}px"
        elif isinstance(widget, QAbstractButton) and widget.text().strip():
            role = widget.foregroundRole()
        else:
            continue
        top_left = widget.mapTo(window, QPoint(0, 0))
        x0, y0 = int(top_left.x() * scale), int(top_left.y() * scale)
        w, h = int(widget.width() * scale), int(widget.height() * scale)
        w, h = min(w, image.width() - x0), min(h, image.height() - y0)
        if w < 8 or h < 8 or x0 < 0 or y0 < 0:
            continue  # scrolled out of sight
        background = background_of(image, x0, y0, w, h)
        ink = widget.palette().color(role)
        if not widget.isEnabled():
            assert contrast(ink, background) >= 2.0, (scheme, widget.objectName(), widget.text())
            continue
        name = f"{scheme}: {type(widget).__name__} {widget.objectName()!r} {widget.text()[:40]!r}"
        if isinstance(widget, QLabel):  # a button's palette can differ from what the style sheet paints it in
            assert contrast(ink, background) >= 4.5, f"{name}: {ink.name()} on {background.name()}"
        inset = 3 if isinstance(widget, QAbstractButton) else 0  # inside the frame and its rounded corners
        best = max(contrast(QColor.fromRgb(image.pixel(x, y)), background)
                   for x in range(x0 + inset, x0 + w - inset) for y in range(y0 + inset, y0 + h - inset))
        # antialiased grey text seldom reaches its full colour on any pixel; a button's text must come close
        floor = 4.0 if isinstance(widget, QAbstractButton) else 3.0
        assert best >= floor, f"{name}: the text drawn reaches only {best:.1f}:1 on {background.name()}"
        checked += 1
    return checked


def shoot(widget: QWidget, name: str, scheme: str, *, min_checked: int = 1) -> Path:
    """Save the widget as `screenshots/<name>-<scheme>.png`; check it is not blank and its text reads."""
    widget.show()
    for _ in range(3):
        QApplication.processEvents()
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}-{scheme}.png"
    pixmap = widget.grab()
    assert pixmap.save(str(path))
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB32)
    colours = {image.pixel(x, y) for x in range(0, image.width(), 13) for y in range(0, image.height(), 13)}
    assert len(colours) > 5, f"{path} looks blank"
    window_colour = QColor(theme.tokens(scheme == "dark")["window"])
    corner = QColor.fromRgb(image.pixel(2, image.height() - 3))
    assert contrast(corner, window_colour) < 1.3, f"{path}: not painted in the {scheme} scheme ({corner.name()})"
    assert check_text_contrast(widget, image, scheme) >= min_checked
    return path


def save(widget: QWidget, name: str) -> Path:
    """Save the widget as `screenshots/<name>.png` in whatever scheme is set; check it is not blank."""
    QApplication.processEvents()
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    assert widget.grab().save(str(path))
    image = QImage(str(path))
    colours = {image.pixel(x, y) for x in range(0, image.width(), 17) for y in range(0, image.height(), 17)}
    assert len(colours) > 5, f"{path} looks blank"
    return path


def png(colour: str) -> bytes:
    image = QImage(160, 120, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def sandbox_window(qtbot, tmp_path, app_home, runner, editor=None) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    workspace = open_site(SiteChoice("sandbox"), AppDirs.under(app_home))
    if editor is None:
        window = MainWindow(workspace, settings, runner, prompts=ScriptedPrompts())  # the real editor pane
    else:
        window = MainWindow(workspace, settings, runner, editor, ScriptedPrompts())
    qtbot.addWidget(window)
    window.resize(1400, 860)
    window.show()
    with qtbot.waitSignal(window.site_loaded, timeout=20000):
        window.load_site()
    return window


def test_main_window_with_an_entry_open_then_find_and_preview(qtbot, tmp_path, app_home, runner, scheme):
    window = sandbox_window(qtbot, tmp_path, app_home, runner)
    window.collection_tree.select_collection("posts")
    with qtbot.waitSignal(window.entry_opened, timeout=10000):
        window.open_entry("posts", "content/posts/2026-07-14-tomato-diary.md")
    window.editor.render_preview()
    shoot(window, "main-window", scheme, min_checked=5)
    window.editor.show_find(replace=True)
    qtbot.keyClicks(window.editor.find_bar.find_box, "varieties")
    window.editor.find_bar.find_next()
    shoot(window.editor.find_bar, "find-bar", scheme)
    shoot(window.editor.preview, "preview", scheme, min_checked=0)
    preview = window.editor.preview.grab().toImage()
    background = background_of(preview, 0, 0, preview.width(), preview.height())
    assert contrast(background, QColor(theme.tokens(scheme == "dark")["base"])) < 1.3
    best = max(contrast(preview.pixelColor(x, y), background)
               for x in range(0, preview.width(), 2) for y in range(0, min(preview.height(), 300)))
    assert best >= 4.5, f"the preview's text reaches only {best:.1f}:1"
    window.editor.find_bar.close_bar()
    title = window.editor.form.editor("title").focus_target()
    title.setFocus()
    title.selectAll()
    qtbot.keyClick(title, Qt.Key.Key_Delete)  # a required field emptied: its error and the problem list show
    assert window.editor.validate()
    error = window.editor.form.row("title").error
    assert error.isVisibleTo(window) and error.objectName() == "field-error"
    assert error.palette().color(error.foregroundRole()) == QColor(theme.tokens(scheme == "dark")["error"])
    shoot(window.editor, "editor-errors", scheme, min_checked=5)


def test_workflow_board(qtbot, tmp_path, app_home, runner, scheme):
    window = sandbox_window(qtbot, tmp_path, app_home, runner, FakeEditor)
    window.resize(1200, 700)
    with qtbot.waitSignal(window.workflow_loaded, timeout=10000):
        window.workflow_view_action.trigger()
    shoot(window, "workflow-board", scheme, min_checked=4)


def test_media_library(qtbot, runner, scheme):
    workspace = FakeWorkspace()
    for name, colour in (("tomatoes", "#c0392b"), ("compost", "#6e4b2a"), ("beds-at-dawn", "#f5b041"),
                         ("seed-swap", "#27ae60")):
        workspace.media[f"static/images/uploads/{name}.png"] = png(colour)
    workspace.media["static/images/uploads/growing-sheet.pdf"] = b"%PDF-1.4"
    dialog = MediaLibraryDialog(workspace, runner, ScriptedPrompts())
    qtbot.addWidget(dialog)
    dialog.resize(900, 600)
    dialog.show()
    dialog.refresh()
    qtbot.waitUntil(lambda: len(dialog.paths()) == 5, timeout=5000)
    qtbot.waitUntil(lambda: runner.running == 0, timeout=5000)
    dialog.select("static/images/uploads/tomatoes.png")
    # every cell of the uniform grid has the same icon box, so no file's name falls out of its cell
    sizes = {(dialog.list.item(i).icon().availableSizes() or [None])[0] for i in range(dialog.list.count())}
    assert sizes == {THUMBNAIL}, sizes
    shoot(dialog, "media-library", scheme, min_checked=3)


def test_start_dialog(qtbot, tmp_path, scheme):
    recent = RecentSites(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    recent.remember(SiteChoice("sandbox"))
    recent.remember(SiteChoice("local", "/home/editor/sites/riverside-garden"))
    dialog = StartDialog(recent)
    qtbot.addWidget(dialog)
    shoot(dialog, "start-dialog", scheme, min_checked=3)


def test_login_dialog_with_a_problem_shown(qtbot, tmp_path, runner, scheme):
    memory = LoginMemory(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    service = LoginService(TokenStore(), github_web_url="http://127.0.0.1:9")
    profile = QWebEngineProfile()
    target = LoginTarget(backend="github", site="/sites/garden/static/admin/config.yml", repo="octo/site")
    dialog = LoginDialog(target, service, runner, memory, browser=AuthBrowser(profile))
    qtbot.addWidget(dialog)
    try:
        assert not dialog.problem_label.isHidden()  # drawn in the error colour: its contrast is checked
        shoot(dialog, "login-dialog", scheme, min_checked=4)
    finally:
        runner.wait()
        dialog.dispose()
        shiboken6.delete(dialog)
        shiboken6.delete(profile)
        service.close()


def test_conflict_dialog(qtbot, scheme):
    dialog = ConflictDialog("content/posts/2026-07-14-tomato-diary.md", MINE, THEIRS)
    qtbot.addWidget(dialog)
    dialog.resize(1000, 640)
    shoot(dialog, "conflict-dialog", scheme, min_checked=3)


def test_draft_dialog(qtbot, scheme):
    dialog = DraftDialog("content/posts/2026-07-14-tomato-diary.md", THEIRS, MINE, "10 minutes ago")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.show_button.click()
    shoot(dialog, "draft-dialog", scheme, min_checked=2)
    view = dialog.changes_view  # the difference's header lines fit on one line each
    header = view.toPlainText().splitlines()[0]
    assert view.fontMetrics().horizontalAdvance(header) < view.viewport().width(), header


def test_lock_dialog(qtbot, scheme):
    error = LockedError("git left a lock file behind", lock=".git/index.lock", stale=True, remove=lambda: None)
    dialog = LockDialog("content/posts/2026-07-14-tomato-diary.md", error)
    qtbot.addWidget(dialog)
    shoot(dialog, "lock-dialog", scheme, min_checked=2)


def test_identity_dialog(qtbot, scheme):
    dialog = IdentityDialog("/home/editor/sites/riverside-garden", "María Delgado", "maria@example.org")
    qtbot.addWidget(dialog)
    shoot(dialog, "identity-dialog", scheme, min_checked=2)


def test_notifications(qtbot, scheme):
    area = NotificationArea()
    qtbot.addWidget(area)
    area.resize(720, 240)
    area.notify("Saved “A tomato diary”.", "info")
    area.notify("Your GitHub login expires in 10 minutes.", "warning")
    area.notify("Saving failed: github.com could not be reached. Your changes are kept.", "error")
    shoot(area, "notifications", scheme, min_checked=3)
    image = area.grab().toImage()
    for item in area.notifications:  # each shows its level's icon, drawn in the level's colour
        level_colour = QColor(theme.tokens(scheme == "dark")[item.level])
        corner = item.icon_label.mapTo(area, QPoint(0, 0))
        box = [image.pixelColor(corner.x() + x, corner.y() + y) for x in range(16) for y in range(16)]
        assert any(contrast(c, level_colour) < 1.1 for c in box), item.level
