"""`editor-app --self-test`: prove a build works end to end (main window on the sandbox, an entry, its preview,
the embedded browser), then exit 0, or non-zero naming the step that failed."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QEventLoop, QUrl
from PySide6.QtWidgets import QApplication

PROBE_PAGE = "<html><head><title>self-test</title></head><body><p id='probe'>embedded browser works</p></body></html>"


class SelfTestFailure(Exception):
    """A self-test step failed; the message says which and why."""


@dataclass
class StepResult:
    """One step's name, outcome and duration."""

    name: str
    ok: bool
    seconds: float
    message: str = ""


def wait_until(app: QApplication, predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Process events until `predicate()` holds; SelfTestFailure after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SelfTestFailure(f"timed out after {timeout:.0f} s waiting for {what}")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.005)


def check_embedded_browser(app: QApplication, timeout: float = 30.0) -> str:
    """Load a local page in a QWebEngineView and read it back with JavaScript."""
    from PySide6.QtWebEngineWidgets import QWebEngineView

    view = QWebEngineView()
    view.resize(320, 200)
    state: dict[str, object] = {}
    view.loadFinished.connect(lambda ok: state.setdefault("loaded", ok))
    view.setHtml(PROBE_PAGE, QUrl("http://127.0.0.1/self-test/"))
    try:
        wait_until(app, lambda: "loaded" in state, timeout, "the embedded browser to load a local page")
        if not state["loaded"]:
            raise SelfTestFailure("the embedded browser could not load a local page")
        view.page().runJavaScript(
            "document.getElementById('probe').textContent", 0, lambda result: state.setdefault("text", result)
        )
        wait_until(app, lambda: "text" in state, timeout, "JavaScript in the embedded browser")
        if state["text"] != "embedded browser works":
            raise SelfTestFailure(f"the embedded browser's JavaScript returned {state['text']!r}")
        return "loaded a local page and ran JavaScript"
    finally:
        # The page must be gone before the app releases the web profile at exit.
        view.close()
        view.deleteLater()
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


class SelfTest:
    """Runs named steps in order, stopping at the first failure; `report()` lists what happened."""

    def __init__(self, app: QApplication, print_line: Callable[[str], None] = print) -> None:
        self.app = app
        self.results: list[StepResult] = []
        self._print = print_line

    def step(self, name: str, action: Callable[[], str | None]) -> bool:
        """Run one step; returns whether it passed (exceptions become a failed step with their message)."""
        started = time.perf_counter()
        try:
            message = action() or ""
        except Exception as error:  # the self-test reports every failure as a readable line and an exit code
            result = StepResult(name, False, time.perf_counter() - started, f"{type(error).__name__}: {error}")
        else:
            result = StepResult(name, True, time.perf_counter() - started, message)
        self.results.append(result)
        mark = "ok  " if result.ok else "FAIL"
        self._print(
            f"self-test: {mark} {name} ({result.seconds:.2f} s){' — ' + result.message if result.message else ''}"
        )
        return result.ok

    @property
    def passed(self) -> bool:
        """Whether every step run passed."""
        return all(result.ok for result in self.results)

    def exit_code(self) -> int:
        """0 when all passed, 1 otherwise."""
        return 0 if self.results and self.passed else 1
