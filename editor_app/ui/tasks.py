"""The one background-task runner: work runs on a QThreadPool, results come back as signals on the GUI thread.

Workers never touch widgets: `work` receives a `progress(done, total, text)` callable that only emits a
signal; `on_success`, `on_failure` and `on_progress` run on the thread that owns the runner (the GUI thread).
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal, Slot

from editor_app.ui.signals import emit

ProgressCallback = Callable[[int, int, str], None]

class TaskFailure:
    """An exception raised by background work, with its formatted traceback for a details view."""

    def __init__(self, error: BaseException) -> None:
        self.error = error
        self.details = "".join(traceback.format_exception(type(error), error, error.__traceback__))

    def __str__(self) -> str:
        return str(self.error) or type(self.error).__name__


class _TaskSignals(QObject):
    """Carries one task's results; lives on the GUI thread, so its slots run there (queued connections)."""

    succeeded = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int, str)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.on_success: Callable[[Any], None] | None = None
        self.on_failure: Callable[[TaskFailure], None] | None = None
        self.on_progress: Callable[[int, int, str], None] | None = None
        self.on_done: Callable[[_TaskSignals], None] | None = None
        self.succeeded.connect(self._deliver_success)
        self.failed.connect(self._deliver_failure)
        self.progressed.connect(self._deliver_progress)

    @Slot(object)
    def _deliver_success(self, result: object) -> None:
        if self.on_done is not None:
            self.on_done(self)
        if self.on_success is not None:
            self.on_success(result)

    @Slot(object)
    def _deliver_failure(self, failure: TaskFailure) -> None:
        if self.on_done is not None:
            self.on_done(self)
        if self.on_failure is None:
            raise failure.error
        self.on_failure(failure)

    @Slot(int, int, str)
    def _deliver_progress(self, done: int, total: int, text: str) -> None:
        if self.on_progress is not None:
            self.on_progress(done, total, text)


def _run_task(work: Callable[..., Any], signals: _TaskSignals, wants_progress: bool) -> None:
    """The body of a pooled task (a plain callable: PySide then owns no QRunnable wrapper to get wrong)."""
    try:
        if wants_progress:
            result = work(lambda done, total, text: emit(signals.progressed, done, total, text))
        else:
            result = work()
    except BaseException as error:  # every failure goes back to the GUI thread; none is swallowed
        emit(signals.failed, TaskFailure(error))
        return
    emit(signals.succeeded, result)


class TaskRunner(QObject):
    """Runs callables off the GUI thread; keeps track of running tasks so tests and shutdown can wait."""

    busy_changed = Signal(bool)

    def __init__(self, pool: QThreadPool | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._running: set[_TaskSignals] = set()

    @property
    def running(self) -> int:
        """How many tasks have not reported back yet."""
        return len(self._running)

    def run(
        self,
        work: Callable[..., Any],
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[TaskFailure], None] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
    ) -> None:
        """Run `work()` (or `work(progress)` when `on_progress` is given) on the pool."""
        signals = _TaskSignals(self)
        signals.on_success, signals.on_failure, signals.on_progress = on_success, on_failure, on_progress
        signals.on_done = self._finish
        self._running.add(signals)
        if len(self._running) == 1:
            emit(self.busy_changed, True)
        self._pool.start(functools.partial(_run_task, work, signals, on_progress is not None))

    def _finish(self, signals: _TaskSignals) -> None:
        self._running.discard(signals)
        signals.deleteLater()
        if not self._running:
            emit(self.busy_changed, False)

    def wait(self, msecs: int = 30000) -> bool:
        """Block until the pool is idle (shutdown, tests); queued results still need the event loop."""
        return self._pool.waitForDone(msecs)


def run_in_background(
    runner: TaskRunner,
    work: Callable[..., Any],
    on_success: Callable[[Any], None] | None = None,
    on_failure: Callable[[TaskFailure], None] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> None:
    """Run `work` on `runner`'s pool and report back on the GUI thread (see TaskRunner.run)."""
    runner.run(work, on_success, on_failure, progress)
