"""Composition root: command line, QApplication, and the wiring of layers. The only place layers meet."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    """Dispatch the command line; returns the process exit code."""
    if argv and argv[0] == "check-config":
        from editor_app.config.check import main as check_config

        return check_config(argv[1:])
    print("editor-app: the desktop UI is not wired yet", file=sys.stderr)
    return 1
