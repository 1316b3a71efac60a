"""The site's shared word list (config `spelling_words`): adding a word is one commit, creating the file."""

from __future__ import annotations

from pathlib import Path

from tests.workspace.helpers import make_env


def test_adding_words_creates_the_list_then_appends_once(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    ws = env.workspace()
    assert ws.add_site_word("/.cms/words.txt", "Riverside") == ["Riverside"]
    assert ws.add_site_word(".cms/words.txt", "Lettucefest") == ["Riverside", "Lettucefest"]
    env.counting.calls.clear()
    assert ws.add_site_word(".cms/words.txt", "Riverside") == ["Riverside", "Lettucefest"]
    assert env.counting.calls["commit"] == 0
    data, _blob = env.backend.read_file(".cms/words.txt")
    assert data == b"Riverside\nLettucefest\n"
