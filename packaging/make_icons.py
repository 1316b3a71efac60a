"""Render resources/app-icon.svg into the platform icons the bundles need (PNG, .ico, .icns).

Run after changing the SVG: `python packaging/make_icons.py`. ICO and ICNS both accept PNG-encoded
images, so no imaging library beyond Qt is needed.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "app-icon.svg"
OUT = ROOT / "packaging" / "icons"


def render_png(renderer: QSvgRenderer, size: int) -> bytes:
    """The icon as PNG bytes of size x size pixels."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def build_ico(pngs: dict[int, bytes]) -> bytes:
    """A Windows .ico holding PNG-encoded images (supported since Windows Vista)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    directory, payload = b"", b""
    for size in sizes:
        png = pngs[size]
        side = 0 if size >= 256 else size
        directory += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset + len(payload))
        payload += png
    return header + directory + payload


def build_icns(pngs: dict[int, bytes]) -> bytes:
    """A macOS .icns holding PNG-encoded images (types ic07..ic10)."""
    types = {128: b"ic07", 256: b"ic08", 512: b"ic09", 1024: b"ic10"}
    chunks = b"".join(types[s] + struct.pack(">I", 8 + len(pngs[s])) + pngs[s] for s in sorted(types))
    return b"icns" + struct.pack(">I", 8 + len(chunks)) + chunks


def main() -> int:
    """Write packaging/icons/editor-app.{png,ico,icns}."""
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # Qt paints only while an app exists
    renderer = QSvgRenderer(str(SVG))
    pngs = {size: render_png(renderer, size) for size in (16, 24, 32, 48, 64, 128, 256, 512, 1024)}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "editor-app.png").write_bytes(pngs[256])
    (OUT / "editor-app.ico").write_bytes(build_ico({s: pngs[s] for s in (16, 24, 32, 48, 64, 128, 256)}))
    (OUT / "editor-app.icns").write_bytes(build_icns(pngs))
    (ROOT / "resources" / "app-icon.png").write_bytes(pngs[256])
    print(f"icons written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
