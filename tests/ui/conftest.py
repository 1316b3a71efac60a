"""Fixtures for the UI tests: a task runner that finishes its work before the test's widgets go away."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication

from editor_app.ui.tasks import TaskRunner


@pytest.fixture
def runner(qtbot) -> TaskRunner:
    """A runner on its own pool; at teardown it waits for its tasks and delivers their results."""
    pool = QThreadPool()
    pool.setMaxThreadCount(2)
    task_runner = TaskRunner(pool)
    yield task_runner
    pool.waitForDone(10000)
    QApplication.processEvents()
    qtbot.waitUntil(lambda: task_runner.running == 0, timeout=10000)
