"""DraftsJournal: atomic drafts that survive restarts and a process killed at any moment."""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from editor_app.workspace.journal import Draft, DraftKey, DraftsJournal

REPO_ROOT = Path(__file__).resolve().parents[2]
KEY = DraftKey("github:owner/repo@main", "posts", "hello-world")


def draft(raw: str, *, saved_at: float = 1000.0, key: DraftKey = KEY, **kwargs: object) -> Draft:
    return Draft(key=key, path="content/posts/hello-world.md", raw=raw, base_id="a" * 40, base_head="b" * 40,
                 saved_at=saved_at, **kwargs)  # type: ignore[arg-type]


def test_a_written_draft_reads_back_whole(tmp_path: Path) -> None:
    journal = DraftsJournal(tmp_path)
    written = draft("---\ntitle: Héllo\n---\nBody\n", data={"title": "Héllo", "date": dt.date(2024, 5, 1),
                                                          "when": dt.datetime(2024, 5, 1, 9, 30, tzinfo=dt.UTC),
                                                          "tags": ["a", "b"]})
    journal.write(KEY, written)
    assert journal.read(KEY) == written


def test_drafts_survive_a_new_journal_instance(tmp_path: Path) -> None:
    DraftsJournal(tmp_path).write(KEY, draft("kept"))
    assert [d.raw for d in DraftsJournal(tmp_path).pending()] == ["kept"]


def test_a_later_write_replaces_the_draft_of_the_same_entry(tmp_path: Path) -> None:
    journal = DraftsJournal(tmp_path)
    journal.write(KEY, draft("first"))
    journal.write(KEY, draft("second", saved_at=2000.0))
    assert [d.raw for d in journal.pending()] == ["second"]


def test_pending_lists_drafts_oldest_first_and_by_site(tmp_path: Path) -> None:
    journal = DraftsJournal(tmp_path)
    other_entry = DraftKey(KEY.site, "posts", "new/1")
    other_site = DraftKey("gitlab:group/site@main", "posts", "hello-world")
    journal.write(KEY, draft("newer", saved_at=3000.0))
    journal.write(other_entry, draft("older", saved_at=1000.0, key=other_entry, is_new=True))
    journal.write(other_site, draft("elsewhere", saved_at=2000.0, key=other_site))
    assert [d.raw for d in journal.pending()] == ["older", "elsewhere", "newer"]
    assert [d.raw for d in journal.pending(KEY.site)] == ["older", "newer"]
    assert journal.read(other_entry).is_new  # type: ignore[union-attr]


def test_discard_removes_only_that_draft(tmp_path: Path) -> None:
    journal = DraftsJournal(tmp_path)
    other = DraftKey(KEY.site, "posts", "other")
    journal.write(KEY, draft("mine"))
    journal.write(other, draft("other", key=other))
    journal.discard(KEY)
    journal.discard(KEY)  # discarding twice is harmless
    assert journal.read(KEY) is None
    assert [d.raw for d in journal.pending()] == ["other"]


def test_a_damaged_draft_file_is_set_aside_not_offered_and_not_deleted(tmp_path: Path) -> None:
    journal = DraftsJournal(tmp_path)
    journal.write(KEY, draft("will be damaged"))
    (stored,) = tmp_path.glob("*.draft.json")
    stored.write_bytes(stored.read_bytes()[:-10])
    assert journal.pending() == []
    (kept,) = tmp_path.glob("*.damaged")
    assert kept.read_bytes()  # what was there is still on disk for manual recovery


def test_a_draft_under_the_wrong_key_is_refused(tmp_path: Path) -> None:
    journal = DraftsJournal(tmp_path)
    try:
        journal.write(DraftKey(KEY.site, "posts", "other"), draft("x"))
    except ValueError:
        pass
    else:
        raise AssertionError("a draft written under another entry's key was accepted")
    assert journal.pending() == []


# The writer acknowledges each completed write on stdout; its content is derived from the sequence
# number and varies in size, so a torn or mixed write cannot pass for a complete one.
WRITER = r"""
import sys
from pathlib import Path
from editor_app.workspace.journal import Draft, DraftKey, DraftsJournal

def content(seq):
    return f"seq={seq}\n" + ("lorem ipsum " * (1 + (seq * 7919) % 400))

journal = DraftsJournal(Path(sys.argv[1]))
key = DraftKey("github:owner/repo@main", "posts", "hello-world")
start = int(sys.argv[2])
seq = start
while True:
    seq += 1
    journal.write(key, Draft(key=key, path="content/posts/hello-world.md", raw=content(seq), saved_at=float(seq),
                             extra={"seq": seq}))
    sys.stdout.write(f"{seq}\n")
    sys.stdout.flush()
"""


def expected_content(seq: int) -> str:
    return f"seq={seq}\n" + ("lorem ipsum " * (1 + (seq * 7919) % 400))


def test_killing_the_writer_at_random_moments_never_corrupts_or_loses_the_last_completed_write(
    tmp_path: Path,
) -> None:
    rng = random.Random(20261122)
    journal_dir = tmp_path / "journal"
    iterations, kills_mid_run, last_acked, torn_temp_files = 100, 0, 0, 0
    deadline = time.monotonic() + 15
    for _ in range(iterations):
        child = subprocess.Popen(
            [sys.executable, "-S", "-c", WRITER, str(journal_dir), str(last_acked)],
            cwd=REPO_ROOT, stdout=subprocess.PIPE, env={"PATH": os.environ.get("PATH", "")},
        )
        assert child.stdout is not None
        for _ack in range(rng.randint(1, 12)):
            line = child.stdout.readline()
            if not line:
                break
            last_acked = max(last_acked, int(line))
        time.sleep(rng.random() * 0.004)
        child.send_signal(signal.SIGKILL)
        rest = child.communicate(timeout=10)[0]
        for line in rest.split():
            last_acked = max(last_acked, int(line))  # acknowledged before the kill landed: completed too
        assert child.returncode == -signal.SIGKILL
        kills_mid_run += 1
        journal = DraftsJournal(journal_dir)
        pending = journal.pending()
        assert len(pending) == 1, "the journal must hold exactly the one draft, readable"
        (found,) = pending
        seq = found.extra["seq"]
        assert seq >= last_acked, f"completed write {last_acked} lost: journal holds {seq}"
        assert found.raw == expected_content(seq), "a draft's content must be whole, never torn or mixed"
        assert list(journal_dir.glob("*.damaged")) == []
        torn_temp_files = max(torn_temp_files, len(list(journal_dir.glob(".tmp-*"))))
        last_acked = seq
        if time.monotonic() > deadline:
            break
    assert kills_mid_run >= 50
    # Temp files left behind prove that some kills landed in the middle of a write, not only between writes.
    assert torn_temp_files >= 1
