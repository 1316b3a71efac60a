"""The bundle carries what the look needs: resources/ whole (style sheet, icons and their licence) and QtSvg."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = (ROOT / "packaging" / "editor_app.spec").read_text(encoding="utf-8")


def test_the_spec_collects_the_whole_resources_folder():
    assert re.search(r'\(str\(ROOT / "resources"\), "resources"\)', SPEC), "resources/ is not collected as a whole"
    icons = ROOT / "resources" / "icons"
    assert (icons / "LICENSE").is_file() and any(icons.glob("*.svg"))
    assert (ROOT / "resources" / "styles" / "app.qss").is_file()


def test_qtsvg_is_not_excluded_from_the_bundle():
    """The icons are SVGs drawn by QtSvg (editor_app/ui/theme.py); the style sheet's check marks too."""
    excludes = ast.literal_eval(re.search(r"^EXCLUDES = (\[.*?\])", SPEC, re.S | re.M).group(1))
    assert not [name for name in excludes if "Svg" in name]
    assert "from PySide6.QtSvg import" in (ROOT / "editor_app" / "ui" / "theme.py").read_text(encoding="utf-8")
