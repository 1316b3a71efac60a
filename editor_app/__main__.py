"""`python -m editor_app` and the console script `editor-app`; also the PyInstaller entry point."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Run the app (or one of its commands) and return the exit code."""
    from editor_app.app import main as app_main

    return app_main(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
