"""MarkdownPreview: HTML preview of markdown (markdown-it-py), re-rendered after typing pauses."""

from __future__ import annotations

from collections.abc import Callable

from markdown_it import MarkdownIt
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QTextBrowser, QWidget

DEBOUNCE_MS = 150


def render_markdown(text: str) -> str:
    """Markdown (CommonMark + tables + strikethrough) as HTML; raw HTML in the source is escaped."""
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"]).render(text)


class MarkdownPreview(QTextBrowser):
    """Shows the rendered markdown of a text source; typing restarts a short timer instead of rendering."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Preview")
        self.setOpenExternalLinks(True)
        self._source: Callable[[], str] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.render_now)
        self.renders = 0
        self._last = ""

    def set_source(self, source: Callable[[], str] | None) -> None:
        """Preview the text `source()` returns (None: nothing to preview) and render it at once."""
        self._source = source
        self.render_now()

    def schedule(self) -> None:
        """Re-render once typing pauses for DEBOUNCE_MS."""
        self._timer.start()

    def render_now(self) -> str:
        """Render immediately and return the HTML."""
        self._timer.stop()
        if self._source is None:
            body = "<p><i>This entry has no markdown body to preview.</i></p>"
        else:
            body = render_markdown(self._source())
        if body != self._last:
            self._apply_style()
            # keep the reader's place: setHtml resets the scroll position
            position = self.verticalScrollBar().value()
            self.setHtml(body)
            self.verticalScrollBar().setValue(position)
            self._last = body
        self.renders += 1
        return body

    def _apply_style(self) -> None:
        # QTextDocument knows only a little CSS; colours come from the palette so dark mode reads well
        palette = self.palette()
        muted = palette.color(palette.ColorRole.PlaceholderText).name()
        code_bg = palette.color(palette.ColorRole.AlternateBase).name()
        self.document().setDefaultStyleSheet(
            f"blockquote {{ color: {muted}; margin-left: 12px; font-style: italic; }}"
            f"pre, code {{ font-family: monospace; background-color: {code_bg}; }}"
            "pre { margin: 6px 0; }"
            "h1, h2, h3 { margin-top: 10px; }"
        )

    def html_text(self) -> str:
        """The last rendered HTML body."""
        return self._last

