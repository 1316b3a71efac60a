"""Build the editor-app bundle for the platform this runs on, under dist/, and print its path and size.

    python packaging/build.py               # onedir bundle (+ .app and .dmg on macOS, installer on Windows)
    python packaging/build.py --self-test   # then run the frozen app's --self-test

macOS signing and notarization are optional and only run when their variables are set:
MACOS_SIGN_IDENTITY ("Developer ID Application: ..."), and for notarization also
MACOS_NOTARY_PROFILE (a `xcrun notarytool store-credentials` profile name).
On Windows the installer is built when Inno Setup's `iscc` is on PATH.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
DIST = ROOT / "dist"
BUILD = ROOT / "build"
APP_NAME = "editor-app"


def version() -> str:
    """The package version, read from editor_app/__init__.py."""
    text = (ROOT / "editor_app" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__ = "([^"]+)"', text, re.M).group(1)


def run(command: list[str], **kwargs) -> None:
    """Run a command, echoing it; stop the build on failure."""
    print("+", " ".join(command), flush=True)
    subprocess.run(command, check=True, **kwargs)


def size_of(path: Path) -> int:
    """Bytes under `path` (a file or a folder)."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def build_bundle() -> Path:
    """Run PyInstaller with the one spec; returns the onedir folder."""
    run([
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
        "--distpath", str(DIST), "--workpath", str(BUILD / "pyinstaller"),
        str(PACKAGING / "editor_app.spec"),
    ])
    return DIST / APP_NAME


def finish_linux(bundle: Path) -> None:
    """Put the .desktop file and the icon beside the executable."""
    shutil.copy2(PACKAGING / "linux" / "editor-app.desktop", bundle / "editor-app.desktop")
    shutil.copy2(PACKAGING / "icons" / "editor-app.png", bundle / "editor-app.png")


def finish_macos() -> Path:
    """Sign and notarize the .app when configured, then wrap it in a .dmg."""
    app = DIST / "Editor App.app"
    identity = os.environ.get("MACOS_SIGN_IDENTITY")
    if identity:
        run(["codesign", "--deep", "--force", "--options", "runtime", "--timestamp", "--sign", identity, str(app)])
    dmg = DIST / f"editor-app-{version()}-macos.dmg"
    dmg.unlink(missing_ok=True)
    run(["hdiutil", "create", "-volname", "Editor App", "-srcfolder", str(app), "-ov", "-format", "UDZO", str(dmg)])
    profile = os.environ.get("MACOS_NOTARY_PROFILE")
    if identity and profile:
        run(["codesign", "--force", "--sign", identity, str(dmg)])
        run(["xcrun", "notarytool", "submit", str(dmg), "--keychain-profile", profile, "--wait"])
        run(["xcrun", "stapler", "staple", str(dmg)])
    return dmg


def finish_windows() -> Path | None:
    """Build the Inno Setup installer when `iscc` is available."""
    iscc = shutil.which("iscc") or shutil.which("ISCC")
    if not iscc:
        print("iscc not found: skipping the installer (the onedir bundle is complete)")
        return None
    run([iscc, f"/DAppVersion={version()}", str(PACKAGING / "windows" / "editor-app.iss")])
    return DIST / f"editor-app-{version()}-windows-setup.exe"


def executable(bundle: Path) -> Path:
    """The frozen app's executable inside the onedir bundle."""
    return bundle / (f"{APP_NAME}.exe" if sys.platform == "win32" else APP_NAME)


def self_test(bundle: Path) -> None:
    """Run the frozen app's --self-test (offscreen where there is no display)."""
    env = dict(os.environ)
    if sys.platform.startswith("linux") and not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        env["QTWEBENGINE_DISABLE_SANDBOX"] = "1"
    run([str(executable(bundle)), "--self-test"], env=env, timeout=180)


def main(argv: list[str] | None = None) -> int:
    """Build, finish for this platform, report path and size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--self-test", action="store_true", help="run the frozen app's --self-test after building")
    args = parser.parse_args(argv)

    bundle = build_bundle()
    extra: Path | None = None
    if sys.platform.startswith("linux"):
        finish_linux(bundle)
    elif sys.platform == "darwin":
        extra = finish_macos()
    elif sys.platform == "win32":
        extra = finish_windows()

    print(f"bundle: {bundle} ({size_of(bundle) / 1e6:.0f} MB)")
    if extra and extra.exists():
        print(f"package: {extra} ({size_of(extra) / 1e6:.0f} MB)")
    if args.self_test:
        self_test(bundle)
        print("frozen self-test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
