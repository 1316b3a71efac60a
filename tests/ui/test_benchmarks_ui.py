"""The UI benchmark's functions still run (small sizes), so `tests/benchmarks/ui.py` cannot rot."""

from __future__ import annotations

from tests.benchmarks.ui import measure_search_keystroke


def test_search_keystroke_benchmark_runs_on_a_small_list(qapp):
    figures = measure_search_keystroke(entries=300, query="tom")
    assert figures["entries"] == 300
    assert 0 < figures["median_ms"] <= figures["max_ms"]


def test_spelling_keystroke_benchmark_runs_on_a_small_body(qapp):
    from tests.benchmarks.ui import measure_spelling_keystroke

    figures = measure_spelling_keystroke(words=600, keys=20)
    assert figures["keys"] == 20 and figures["underlined"] > 0
    assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["max_ms"]


def test_typing_benchmark_runs_and_journals_while_typing(qapp):
    from tests.benchmarks.ui import measure_typing_keystroke

    figures = measure_typing_keystroke(chars=40)
    assert figures["chars"] == 40
    assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["max_ms"]
    assert figures["journal_writes"] >= 1  # 40 keystrokes at a typing pace span more than the max wait
