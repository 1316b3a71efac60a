"""packaging/requirements-lock.txt (what the bundles are built from) stays in step with pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "packaging" / "requirements-lock.txt"
PYTHONS = ("3.11", "3.12", "3.13")


def locked() -> list[tuple[str, str, Marker | None]]:
    """(name, version, marker) of each pin in the lock."""
    pins = []
    for line in LOCK.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==([^ ;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$", line)
        if match:
            name, version, marker = match.groups()
            pins.append((canonicalize_name(name), version, Marker(marker) if marker else None))
    return pins


def pin_for(name: str, python: str) -> str | None:
    """The version the lock installs for `name` on Linux with that Python; None when it installs none."""
    environment = {"python_version": python, "python_full_version": f"{python}.0", "sys_platform": "linux",
                   "platform_system": "Linux", "implementation_name": "cpython",
                   "platform_python_implementation": "CPython"}
    versions = [v for n, v, m in locked() if n == name and (m is None or m.evaluate(environment))]
    assert len(versions) <= 1, f"the lock pins {name} twice for Python {python}: {versions}"
    return versions[0] if versions else None


def project_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["package"]]


def test_every_dependency_is_locked_within_its_range_on_each_python():
    for python in PYTHONS:
        environment = {"python_version": python, "python_full_version": f"{python}.0"}
        for requirement in project_requirements():
            if requirement.marker is not None and not requirement.marker.evaluate(environment):
                continue
            version = pin_for(canonicalize_name(requirement.name), python)
            assert version is not None, f"{requirement.name} is not in the lock for Python {python}"
            assert requirement.specifier.contains(version, prereleases=True), (
                f"the lock pins {requirement.name} {version}, outside pyproject's {requirement} (Python {python})")


def test_every_pin_has_a_hash():
    blocks = re.split(r"\n(?=[A-Za-z0-9])", LOCK.read_text().split("\n", 6)[-1])
    for block in blocks:
        if re.match(r"^[A-Za-z0-9_.-]+==", block):
            assert "--hash=sha256:" in block, f"no hash for {block.splitlines()[0]}"


def test_python_3_11_gets_a_qt_binding_without_the_none_refcount_bug():
    assert pin_for("pyside6", "3.11") == "6.11.3"
    assert pin_for("shiboken6", "3.11") == "6.11.3"
    assert pin_for("pyside6", "3.12") == "6.12.0"
