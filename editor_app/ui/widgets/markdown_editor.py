"""MarkdownEditor: a plain-text markdown editor with highlighting, a toolbar, shortcuts and image paste/drop."""

from __future__ import annotations

import functools
import re
import tempfile
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import shiboken6
from PySide6.QtCore import QMimeData, QRegularExpression, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QImage,
    QKeyEvent,
    QKeySequence,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import QPlainTextEdit, QProgressBar, QToolBar, QVBoxLayout, QWidget

from editor_app.ui import theme
from editor_app.ui.signals import emit
from editor_app.ui.widgets.field_editor import FormContext, MediaSource
from editor_app.ui.widgets.spell_highlighter import BlockMarker, SpellingHighlighter
from editor_app.ui.widgets.toolbar_focus import ToolbarFocus

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".bmp", ".avif"}


@runtime_checkable
class BodyMediaSource(Protocol):
    """A media source that knows the entry: uploads into its media folder, named after its slug, optimised
    (ui.widgets.workspace_sources.WorkspaceSources)."""

    def upload_to_body(self, paths: list[str], pasted: bool) -> list[Any]:
        """Upload local files; for each, an object with `markdown()` and `notices` (workspace.UploadedMedia)."""


class MarkdownHighlighter(SpellingHighlighter):
    """Headings, emphasis, code, links, quotes and list markers; colours readable on light and dark."""

    def __init__(self, document: Any) -> None:
        super().__init__(document)

        def fmt(
            color: str | None = None, bold: bool = False, italic: bool = False, mono: bool = False
        ) -> QTextCharFormat:
            f = QTextCharFormat()
            if color:
                f.setForeground(QColor(color))
            if bold:
                f.setFontWeight(QFont.Weight.Bold)
            if italic:
                f.setFontItalic(True)
            if mono:
                f.setFontFamilies(["monospace"])
            return f

        self.rules = [
            (QRegularExpression(r"^#{1,6}\s.*$"), fmt(theme.colour("syntax-heading"), bold=True)),
            (QRegularExpression(r"\*\*[^*]+\*\*|__[^_]+__"), fmt(bold=True)),
            (QRegularExpression(r"(?<![*\w])\*[^*\s][^*]*\*(?!\*)|(?<![_\w])_[^_\s][^_]*_(?!_)"), fmt(italic=True)),
            (QRegularExpression(r"`[^`]+`"), fmt(theme.colour("syntax-code"), mono=True)),
            (QRegularExpression(r"!?\[[^\]]*\]\([^)]*\)"), fmt(theme.colour("syntax-link"))),
            (QRegularExpression(r"^\s*>.*$"), fmt(theme.colour("syntax-quote"), italic=True)),
            (QRegularExpression(r"^\s*([-*+]|\d+\.)\s"), fmt(theme.colour("syntax-list"), bold=True)),
        ]
        self.fence_format = fmt(theme.colour("syntax-code"), mono=True)
        self.spelling = BlockMarker(markdown=True)  # SpellChecking gives it a checker

    def highlightBlock(self, text: str) -> None:
        in_fence = self.previousBlockState() == 1
        if text.startswith("```") or text.startswith("~~~"):
            self.setFormat(0, len(text), self.fence_format)
            self.setCurrentBlockState(0 if in_fence else 1)
            return
        if in_fence:
            self.setFormat(0, len(text), self.fence_format)
            self.setCurrentBlockState(1)
            return
        self.setCurrentBlockState(0)
        for regex, f in self.rules:
            matches = regex.globalMatch(text)
            while matches.hasNext():
                match = matches.next()
                self.setFormat(match.capturedStart(), match.capturedLength(), f)
        self.spelling.mark(self, text, self.previousBlockState())  # fences keep this highlighter's own state


class MarkdownTextEdit(QPlainTextEdit):
    """The text area: pasted or dropped images are uploaded through the media source and linked."""

    def __init__(self, owner: MarkdownEditor) -> None:
        super().__init__()
        self._owner = owner

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Formatting shortcuts also work where the window's shortcut map does not see the key
        # (e.g. an inactive window or a key sent straight to the text).
        pressed = QKeySequence(event.keyCombination())
        for action in self._owner.actions_by_name.values():
            if action.isEnabled() and action.shortcut() == pressed:
                action.trigger()
                return
        super().keyPressEvent(event)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return source.hasImage() or source.hasUrls() or super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        if self._owner.insert_images_from(source):
            return
        super().insertFromMimeData(source)


class MarkdownEditor(QWidget):
    """Markdown body editor: toolbar (headings, bold, italic, link, image, lists, quote, code) + text."""

    changed = Signal()
    focused = Signal()
    upload_failed = Signal(str)
    upload_notice = Signal(str)  # what optimisation did (bytes saved, GPS removed)

    def __init__(self, media_source: MediaSource | None = None, buttons: list[str] | None = None,
                 parent: QWidget | None = None, context: FormContext | None = None) -> None:
        super().__init__(parent)
        self.media_source = media_source
        self.context = context or FormContext(media_source=media_source)
        self._upload_count = 0
        self._uploads_running = 0
        self._uploads_done = 0
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Upload progress")
        self.progress.setFormat("Uploading %v of %m…")
        self.progress.setMaximumHeight(18)
        self.progress.hide()
        self._uploads = tempfile.TemporaryDirectory(prefix="editor-app-paste-")
        self.destroyed.connect(self._uploads.cleanup)
        self.edit = MarkdownTextEdit(self)
        self.edit.setTabChangesFocus(True)  # Tab leaves the text (no keyboard trap); Ctrl+] indents
        self.edit.setAccessibleName("Markdown")
        self.edit.textChanged.connect(lambda: emit(self.changed))
        self.edit.installEventFilter(self)
        self.highlighter = MarkdownHighlighter(self.edit.document())
        self.toolbar = QToolBar()
        self.toolbar.setAccessibleName("Formatting")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.actions_by_name: dict[str, QAction] = {}
        wanted = set(buttons) if buttons else None
        for name, text, tip, shortcut, handler in (
            ("heading-two", "H2", "Heading", "Ctrl+Alt+2", lambda: self.toggle_heading(2)),
            ("heading-three", "H3", "Subheading", "Ctrl+Alt+3", lambda: self.toggle_heading(3)),
            ("bold", "B", "Bold", "Ctrl+B", lambda: self.wrap("**")),
            ("italic", "I", "Italic", "Ctrl+I", lambda: self.wrap("*")),
            ("code", "</>", "Inline code", "Ctrl+E", lambda: self.wrap("`")),
            ("link", "Link", "Link", "Ctrl+K", lambda: self.insert_link()),
            ("image", "Image", "Image", "Ctrl+Shift+I", lambda: self.insert_image()),
            ("bulleted-list", "• List", "Bulleted list", "Ctrl+Shift+8", lambda: self.prefix_lines("- ")),
            ("numbered-list", "1. List", "Numbered list", "Ctrl+Shift+7", lambda: self.prefix_lines("1. ")),
            ("quote", "Quote", "Quote", "Ctrl+Shift+.", lambda: self.prefix_lines("> ")),
            ("code-block", "Code block", "Code block", "Ctrl+Shift+C", lambda: self.insert_code_block()),
        ):
            if wanted is not None and name not in wanted and name not in ("image", "code-block"):
                continue
            action = QAction(text, self)
            action.setToolTip(f"{tip} ({shortcut})")
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(handler)
            self.toolbar.addAction(action)
            self.addAction(action)
            self.actions_by_name[name] = action
        self._add_indent_actions()
        self.toolbar_focus = ToolbarFocus(self.toolbar)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.progress)
        layout.addWidget(self.edit)
        self.edit.setMinimumHeight(130)

    def eventFilter(self, watched: Any, event: Any) -> bool:
        if watched is self.edit and event.type() == event.Type.FocusIn:
            emit(self.focused)
        return super().eventFilter(watched, event)

    def _add_indent_actions(self) -> None:
        """Indent/outdent by keyboard (Ctrl+] / Ctrl+[), since Tab moves the focus on."""
        self.indent_actions: dict[str, QAction] = {}
        for name, tip, shortcut, handler in (("indent", "Indent", "Ctrl+]", self.indent_lines),
                                             ("outdent", "Outdent", "Ctrl+[", self.outdent_lines)):
            action = QAction(tip, self)
            action.setToolTip(f"{tip} ({shortcut})")
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(handler)
            self.addAction(action)
            self.indent_actions[name] = action

    def indent_lines(self) -> None:
        """Indent the selected lines (or the current one) by four spaces."""
        cursor, lines = self._selected_blocks()
        cursor.insertText("\n".join("    " + line for line in lines))

    def outdent_lines(self) -> None:
        """Remove up to four leading spaces (or a tab) from the selected lines."""
        cursor, lines = self._selected_blocks()
        cursor.insertText("\n".join(re.sub(r"^(?: {1,4}|\t)", "", line) for line in lines))

    # --- text ---

    def text(self) -> str:
        """The markdown text."""
        return self.edit.toPlainText()

    def set_text(self, text: str) -> None:
        """Replace the markdown text."""
        self.edit.setPlainText(text)

    # --- commands ---

    def wrap(self, marker: str) -> None:
        """Wrap the selection in `marker` (bold/italic/code), or unwrap it when already wrapped."""
        cursor = self.edit.textCursor()
        selected = cursor.selectedText()
        n = len(marker)
        if len(selected) >= 2 * n and selected.startswith(marker) and selected.endswith(marker):
            cursor.insertText(selected[n:-n])
            return
        cursor.insertText(f"{marker}{selected}{marker}")
        if not selected:
            cursor.movePosition(QTextCursor.MoveOperation.Left, QTextCursor.MoveMode.MoveAnchor, n)
            self.edit.setTextCursor(cursor)

    def _selected_blocks(self) -> tuple[QTextCursor, list[str]]:
        cursor = self.edit.textCursor()
        start, end = sorted((cursor.selectionStart(), cursor.selectionEnd()))
        cursor.setPosition(start)
        cursor.movePosition(QTextCursor.MoveOperation.StartOfBlock)
        first = cursor.position()
        cursor.setPosition(end)
        cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock)
        cursor.setPosition(first, QTextCursor.MoveMode.KeepAnchor)
        return cursor, cursor.selectedText().split("\u2029")

    def prefix_lines(self, prefix: str) -> None:
        """Start every selected line with `prefix` (list/quote), or remove it when all have it."""
        cursor, lines = self._selected_blocks()
        numbered = prefix == "1. "
        pattern = re.compile(r"^\d+\. " if numbered else "^" + re.escape(prefix))
        if all(pattern.match(line) for line in lines if line):
            new = [pattern.sub("", line, count=1) for line in lines]
        else:
            new = [(f"{i + 1}. " if numbered else prefix) + line for i, line in enumerate(lines)]
        cursor.insertText("\n".join(new))

    def toggle_heading(self, level: int) -> None:
        """Make the current line a heading of `level`, or a paragraph when it already is one."""
        cursor, lines = self._selected_blocks()
        marker = "#" * level + " "
        stripped = re.sub(r"^#{1,6}\s+", "", lines[0])
        cursor.insertText(stripped if lines[0].startswith(marker) else marker + stripped)

    def insert_link(self, url: str = "https://") -> None:
        """Turn the selection into a link and select the URL for typing."""
        cursor = self.edit.textCursor()
        text = cursor.selectedText() or "link text"
        cursor.insertText(f"[{text}]({url})")
        cursor.movePosition(QTextCursor.MoveOperation.Left, QTextCursor.MoveMode.MoveAnchor, 1)
        cursor.movePosition(QTextCursor.MoveOperation.Left, QTextCursor.MoveMode.KeepAnchor, len(url))
        self.edit.setTextCursor(cursor)

    def insert_image(self, public_path: str = "", alt: str = "") -> None:
        """Insert an image reference (the selection is its alt text)."""
        cursor = self.edit.textCursor()
        alt = alt or cursor.selectedText() or "image"
        cursor.insertText(f"![{alt}]({public_path})")
        self.edit.setTextCursor(cursor)

    def insert_code_block(self) -> None:
        """Fence the selected lines (or an empty block) as code."""
        cursor = self.edit.textCursor()
        selected = cursor.selectedText().replace("\u2029", "\n")
        cursor.insertText(f"```\n{selected}\n```")

    def insert_media(self, public_path: str) -> None:
        """Link a media file at the cursor: an image reference for images, a link otherwise."""
        name = Path(public_path).name
        if Path(public_path).suffix.lower() in IMAGE_SUFFIXES:
            self.insert_image(public_path, Path(name).stem)
        else:
            self.edit.textCursor().insertText(f"[{name}]({public_path})")

    # --- paste / drop ---

    def insert_images_from(self, source: QMimeData) -> bool:
        """Upload pasted/dropped images and files and link them at the caret (images shown, other files
        linked); False when the data holds neither."""
        if self.media_source is None:
            return False
        files = [Path(url.toLocalFile()) for url in source.urls() if url.isLocalFile()]
        files = [f for f in files if f.is_file()]
        pasted = False
        if not files and source.hasImage():
            image = source.imageData()
            if isinstance(image, QImage) and not image.isNull():
                directory = Path(self._uploads.name)
                index = len(list(directory.iterdir())) + 1
                target = directory / f"pasted-image-{index}.png"
                image.save(str(target))  # the format follows the .png suffix
                files, pasted = [target], True
        if not files:
            return False
        for path in files:
            self._start_upload(path, pasted)
        return True

    def _start_upload(self, path: Path, pasted: bool) -> None:
        media = self.media_source
        assert media is not None
        # a placeholder marks the spot while the upload runs; typing carries on meanwhile
        self._upload_count += 1
        placeholder = f"![Uploading {path.name}…#{self._upload_count}]()"
        self.edit.textCursor().insertText(placeholder)
        self._uploads_running += 1
        self._show_progress()

        def upload() -> tuple[str, tuple[str, ...]]:
            if isinstance(media, BodyMediaSource):
                item = media.upload_to_body([str(path)], pasted)[0]
                return item.markdown(), tuple(item.notices)
            public = media.upload(str(path))
            if Path(public).suffix.lower() in IMAGE_SUFFIXES:
                return f"![{path.stem}]({public})", ()
            return f"[{Path(public).name}]({public})", ()

        self.context.run(upload, functools.partial(self._on_uploaded, placeholder),
                         functools.partial(self._on_upload_failed, placeholder, path.name))

    def _show_progress(self) -> None:
        if not shiboken6.isValid(self):
            return
        total = self._uploads_done + self._uploads_running
        self.progress.setRange(0, total)
        self.progress.setValue(self._uploads_done)
        self.progress.setVisible(self._uploads_running > 0)
        if self._uploads_running == 0:
            self._uploads_done = 0

    def _finish_upload(self) -> None:
        self._uploads_running -= 1
        self._uploads_done += 1
        self._show_progress()

    def _replace_placeholder(self, placeholder: str, text: str) -> None:
        if not shiboken6.isValid(self):
            return
        found = self.edit.document().find(placeholder)
        if not found.isNull():
            found.insertText(text)

    def _on_uploaded(self, placeholder: str, result: tuple[str, tuple[str, ...]]) -> None:
        if not shiboken6.isValid(self):
            return
        link, notices = result
        self._finish_upload()
        self._replace_placeholder(placeholder, link)
        for notice in notices:
            emit(self.upload_notice, notice)

    def _on_upload_failed(self, placeholder: str, name: str, failure: Any) -> None:
        if shiboken6.isValid(self):
            self._finish_upload()
        self._replace_placeholder(placeholder, "")
        if shiboken6.isValid(self):
            emit(self.upload_failed, f"Could not upload {name}: {failure}")
