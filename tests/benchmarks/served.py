"""A fake host served by a spawned child process (like a real host on another machine), for open_site.py.

The child runs `serve(conn, *args)`: it seeds a fake, serves it on 127.0.0.1, sends one greeting (its URL,
or whatever the parent needs to connect) and then answers commands with `answer_commands`. The parent side,
`served_host`, connects a backend from that greeting and yields a HostUnderTest; its work (GraphQL
execution, tree walks) then does not compete with the client for this process's interpreter lock, and the
peak memory reported is the client's.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from editor_app.backends.base import Backend

ANSWER_TIMEOUT = 300.0  # seconds a live child may take to seed and greet (10,000 entries) or to answer


@dataclass
class HostUnderTest:
    """A backend over a served fake, how many requests the fake answered, and a way to change a file there."""

    backend: Backend
    answered: Callable[[], int]
    change_file: Callable[[str, bytes], None]


def answer_commands(conn: Connection, greeting: Any, answered: Callable[[], int],
                    change: Callable[[str, bytes], None]) -> None:
    """Child side: send `greeting`, then answer "answered" (requests so far) and "change" until "stop"."""
    conn.send(greeting)
    while True:
        command, *args = conn.recv()
        if command == "answered":
            conn.send(answered())
        elif command == "change":
            change(args[0], args[1])
            conn.send(True)
        else:
            conn.send(True)
            return


class ServedHostDied(RuntimeError):
    """The child serving the fake exited while the parent waited for it; carries the child's stderr."""


def _child_main(serve: Callable[..., None], stderr_path: str, conn: Connection, *args: Any) -> None:
    """Child side: send fd 2 to `stderr_path` (so the parent can show why this process died), then serve."""
    fd = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 2)
    os.close(fd)
    try:
        serve(conn, *args)
    except BaseException:
        traceback.print_exc()  # multiprocessing prints it too, but only after this process has lost its pipe
        sys.stderr.flush()
        raise


def _receive(conn: Connection, process: BaseProcess, stderr_path: str, waiting_for: str,
             timeout: float = ANSWER_TIMEOUT) -> Any:
    """The child's next message; ServedHostDied at once when the child has exited instead (never waits on a
    dead child), TimeoutError when a live child says nothing for `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if conn.poll(0.05):
                return conn.recv()
        except EOFError:
            pass  # the child's end closed: it exited, the message below says how
        if not process.is_alive() or conn.closed:
            process.join(timeout=5)
            try:
                with open(stderr_path, encoding="utf-8", errors="replace") as file:
                    stderr = file.read().strip()
            except OSError:
                stderr = ""
            raise ServedHostDied(
                f"the served host (child pid {process.pid}) exited with code {process.exitcode} while waiting for "
                f"{waiting_for}; its stderr:\n{stderr or '(empty)'}"
            )
        if time.monotonic() > deadline:
            raise TimeoutError(f"the served host (child pid {process.pid}) sent no {waiting_for} in {timeout:.0f} s")


@contextmanager
def served_host(serve: Callable[..., None], args: tuple[Any, ...],
                connect: Callable[[Any], Backend]) -> Iterator[HostUnderTest]:
    """Parent side: start `serve(conn, *args)` in a child, `connect(greeting)`, and stop both at the end.

    The parent never blocks on a dead child: every wait polls the pipe and the child's liveness, and a child
    that exits early fails the caller at once with ServedHostDied carrying the child's stderr.
    """
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    with tempfile.TemporaryDirectory(prefix="served-host-") as tmp:
        stderr_path = os.path.join(tmp, "child-stderr.txt")
        process = context.Process(target=_child_main, args=(serve, stderr_path, child, *args), daemon=True)
        process.start()
        child.close()  # the child holds its own copy; with ours closed a dead child means EOF, not silence
        lock = threading.Lock()

        def ask(*command: Any) -> Any:
            with lock:
                with contextlib.suppress(OSError):  # a dead child's pipe: _receive says how it died
                    parent.send(command)
                return _receive(parent, process, stderr_path, f"an answer to {command[0]!r}")

        try:
            backend = connect(_receive(parent, process, stderr_path, "its greeting"))
            try:
                yield HostUnderTest(
                    backend=backend,
                    answered=lambda: ask("answered"),
                    change_file=lambda path, data: ask("change", path, data),
                )
            except BaseException:
                backend.close()
                with contextlib.suppress(ServedHostDied, TimeoutError):  # the first error is the one to see
                    if process.is_alive():
                        ask("stop")
                raise
            backend.close()
            ask("stop")
        finally:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()  # only this benchmark's own child, by its handle
                process.join(timeout=5)
            parent.close()
