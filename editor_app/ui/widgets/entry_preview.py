"""EntryPreview: the whole entry (title, fields, images) as HTML, re-rendered after typing pauses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QImage, QResizeEvent, QTextDocument
from PySide6.QtWidgets import QTextBrowser, QWidget

from editor_app.config.site_config import Field
from editor_app.content import widget_values as wv
from editor_app.content.entry_preview import build_preview_html
from editor_app.ui.widgets.field_editor import FormContext

DEBOUNCE_MS = 150


class EntryPreview(QTextBrowser):
    """Shows an entry's data as the site would: typing restarts a short timer instead of rendering each key.

    Images are the site's media files: their bytes come from the form's media source, off the GUI thread,
    and the preview renders again when they arrive.
    """

    def __init__(self, context: FormContext | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Preview")
        self.setOpenExternalLinks(True)
        # one Tab stop: Tab leaves the preview instead of walking its links; arrows and Page keys scroll it
        self.setTabChangesFocus(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction
                                     & ~Qt.TextInteractionFlag.LinksAccessibleByKeyboard
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.context = context or FormContext()
        self._fields: list[Field] = []
        self._source: Callable[[], dict[str, Any]] | None = None
        self._title_field: str | None = None
        self._site_style = ""
        self._images: dict[str, QImage | None] = {}  # public path -> image (None: not a media file)
        self._pending: set[str] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.render_now)
        self.renders = 0
        self._last = ""

    def set_entry(self, fields: list[Field], source: Callable[[], dict[str, Any]] | None,
                  title_field: str | None = None) -> None:
        """Preview the data `source()` returns for these fields (None: nothing) and render it at once."""
        self._fields, self._source, self._title_field = fields, source, title_field
        self.render_now()

    def set_site_style(self, css: str) -> None:
        """Use the site's own preview stylesheet after the built-in one (its rules win)."""
        if css != self._site_style:
            self._site_style = css
            self._last = ""
            self.render_now()

    def site_style(self) -> str:
        """The site's stylesheet in use ('' when none)."""
        return self._site_style

    def schedule(self) -> None:
        """Re-render once typing pauses for DEBOUNCE_MS."""
        self._timer.start()

    def render_now(self) -> str:
        """Render immediately and return the HTML."""
        self._timer.stop()
        if self._source is None:
            body = "<p><i>Nothing to preview.</i></p>"
        else:
            body = build_preview_html(self._fields, self._source(), title_field=self._title_field,
                                      image_width=self._image_width(), relation_label=self._relation_label)
        if body != self._last:
            self._apply_style()
            # keep the reader's place: setHtml resets the scroll position
            position = self.verticalScrollBar().value()
            self.setHtml(body)
            self.verticalScrollBar().setValue(position)
            self._last = body
        self.renders += 1
        return body

    def _relation_label(self, fld: Field, value: Any) -> str:
        """How a relation's stored value reads: its target's display fields, as the picker shows it."""
        source = self.context.relation_source
        if source is None:
            return str(value)
        settings = wv.RelationSettings.of(fld)
        entries = source.search(settings.collection, "", settings.search_fields, settings.file)
        return next((o.label for o in settings.options(entries) if o.value == value), str(value))

    def _image_width(self) -> int:
        """Images as wide as the pane (no sideways scrolling), at most 640 pixels."""
        return max(64, min(640, self.viewport().width() - 2 * int(self.document().documentMargin()) - 8))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._source is not None and f'width="{self._image_width()}"' not in self._last and "<img" in self._last:
            self.schedule()  # images follow the pane's new width

    def html_text(self) -> str:
        """The last rendered HTML."""
        return self._last

    def loadResource(self, kind: int, url: QUrl | str) -> Any:
        """Images come from the media source; other resources as QTextBrowser finds them."""
        if kind != QTextDocument.ResourceType.ImageResource.value or self.context.media_source is None:
            return super().loadResource(kind, url)
        path = url.toString() if isinstance(url, QUrl) else str(url)
        if path in self._images:
            return self._images[path]
        if path not in self._pending and "://" not in path:
            self._pending.add(path)
            source = self.context.media_source
            self.context.run(lambda: source.thumbnail(path),
                             lambda data: self._on_image_loaded(path, data),
                             lambda _failure: self._on_image_loaded(path, None))
        return None

    def _on_image_loaded(self, path: str, data: bytes | None) -> None:
        if not shiboken6.isValid(self):
            return
        self._pending.discard(path)
        image = QImage.fromData(data) if data else QImage()
        self._images[path] = None if image.isNull() else image
        if self._images[path] is not None:
            self._last = ""  # the same HTML again: the document asks for the image now in the cache
            if not self._timer.isActive():
                self._timer.start()

    def image_count(self) -> int:
        """How many media images the preview holds."""
        return sum(1 for image in self._images.values() if image is not None)

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
            f".field-label {{ color: {muted}; margin-bottom: 0; }}"
            ".object { margin-left: 12px; }"
            + self._site_style
        )
