"""The file helpers every layer shares: one atomic writer, one file-name cleaner."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from editor_app.paths import TEMP_PREFIX, clean_file_name, sanitize_file_name, write_atomically


@pytest.mark.parametrize("durable", [True, False])
def test_an_atomic_write_replaces_the_file_and_leaves_no_temporary_file(tmp_path: Path, durable: bool) -> None:
    target = tmp_path / "deep" / "state.json"
    write_atomically(target, b"old", durable=durable)
    write_atomically(target, b"new", durable=durable)
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in target.parent.iterdir()) == ["state.json"]


def test_a_failed_atomic_write_keeps_the_old_file_and_removes_its_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "draft.json"
    write_atomically(target, b"old")

    def refuse(source: str, destination: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        write_atomically(target, b"new")
    assert target.read_bytes() == b"old"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)]


@pytest.mark.parametrize(
    ("given", "cleaned"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\pic.png", "pic.png"),
        ("my photo (1).JPG", "my-photo-1-.JPG"),
        ("résumé.pdf", "résumé.pdf"),
        ("aux", "file"),  # a Windows device name
        ("...", "file"),
    ],
)
def test_uploaded_names_are_cleaned_for_every_file_system(given: str, cleaned: str) -> None:
    assert clean_file_name(given) == cleaned


def test_names_are_cut_to_255_bytes_without_splitting_a_character() -> None:
    name = clean_file_name("é" * 200 + ".png")
    assert len(name.encode("utf-8")) <= 255 and name == "é" * 127
    assert sanitize_file_name('a/b:c*"d', "_") == "a_b_c__d"
