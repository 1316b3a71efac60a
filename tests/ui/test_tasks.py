"""run_in_background: work runs off the GUI thread and reports back on it."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThreadPool

from editor_app.errors import NetworkError
from editor_app.ui.tasks import TaskRunner, run_in_background


def make_runner() -> TaskRunner:
    pool = QThreadPool()
    pool.setMaxThreadCount(2)
    return TaskRunner(pool)


def test_work_runs_on_a_worker_thread_and_success_is_delivered_on_the_gui_thread(qtbot):
    runner = make_runner()
    gui_thread = threading.get_ident()
    seen: dict[str, object] = {}

    def work() -> int:
        seen["worker"] = threading.get_ident()
        return 42

    def on_success(result: int) -> None:
        seen["result"] = result
        seen["callback"] = threading.get_ident()

    run_in_background(runner, work, on_success)
    qtbot.waitUntil(lambda: "result" in seen)
    assert seen["result"] == 42
    assert seen["worker"] != gui_thread
    assert seen["callback"] == gui_thread
    assert runner.running == 0


def test_failure_carries_the_error_and_a_traceback(qtbot):
    runner = make_runner()
    failures = []

    def work() -> None:
        raise NetworkError("github.com did not answer")

    run_in_background(runner, work, lambda _: None, failures.append)
    qtbot.waitUntil(lambda: bool(failures))
    assert isinstance(failures[0].error, NetworkError)
    assert "did not answer" in str(failures[0])
    assert "Traceback" in failures[0].details


def test_progress_is_reported_in_order_on_the_gui_thread(qtbot):
    runner = make_runner()
    progress: list[tuple[int, int, str]] = []
    done = []

    def work(report) -> str:
        for i in range(1, 4):
            report(i, 3, f"parsed {i}")
        return "ok"

    run_in_background(runner, work, done.append, None, lambda *args: progress.append(args))
    qtbot.waitUntil(lambda: bool(done))
    assert progress == [(1, 3, "parsed 1"), (2, 3, "parsed 2"), (3, 3, "parsed 3")]


def test_busy_changes_when_the_first_task_starts_and_the_last_ends(qtbot):
    runner = make_runner()
    states: list[bool] = []
    runner.busy_changed.connect(states.append)
    results = []
    run_in_background(runner, lambda: 1, results.append)
    run_in_background(runner, lambda: 2, results.append)
    qtbot.waitUntil(lambda: len(results) == 2)
    assert states == [True, False]
