"""Where things live: bundled resources (checkout or frozen bundle) and the user's data, cache and config dirs."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "editor-app"
APP_AUTHOR = "editor-app"

# Tests and portable installs point every user dir below one folder with this variable.
HOME_OVERRIDE_VARIABLE = "EDITOR_APP_HOME"


def resources_dir() -> Path:
    """The `resources/` folder: next to the package in a checkout, inside the bundle when frozen."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


@dataclass(frozen=True)
class AppDirs:
    """The user's directories for this app; pass one around instead of reading globals."""

    data: Path
    cache: Path
    config: Path

    @classmethod
    def default(cls) -> AppDirs:
        """Platform dirs, or all below $EDITOR_APP_HOME when it is set."""
        override = os.environ.get(HOME_OVERRIDE_VARIABLE)
        if override:
            return cls.under(Path(override))
        return cls(
            data=Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)),
            cache=Path(platformdirs.user_cache_dir(APP_NAME, APP_AUTHOR)),
            config=Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)),
        )

    @classmethod
    def under(cls, root: Path) -> AppDirs:
        """All dirs below one folder (tests, portable mode)."""
        return cls(data=root / "data", cache=root / "cache", config=root / "config")
