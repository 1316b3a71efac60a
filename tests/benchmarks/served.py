"""A fake host served by a spawned child process (like a real host on another machine), for open_site.py.

The child runs `serve(conn, *args)`: it seeds a fake, serves it on 127.0.0.1, sends one greeting (its URL,
or whatever the parent needs to connect) and then answers commands with `answer_commands`. The parent side,
`served_host`, connects a backend from that greeting and yields a HostUnderTest; its work (GraphQL
execution, tree walks) then does not compete with the client for this process's interpreter lock, and the
peak memory reported is the client's.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from editor_app.backends.base import Backend


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


@contextmanager
def served_host(serve: Callable[..., None], args: tuple[Any, ...],
                connect: Callable[[Any], Backend]) -> Iterator[HostUnderTest]:
    """Parent side: start `serve(conn, *args)` in a child, `connect(greeting)`, and stop both at the end."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=serve, args=(child, *args), daemon=True)
    process.start()
    lock = threading.Lock()

    def ask(*command: Any) -> Any:
        with lock:
            parent.send(command)
            return parent.recv()

    try:
        backend = connect(parent.recv())
        try:
            yield HostUnderTest(
                backend=backend,
                answered=lambda: ask("answered"),
                change_file=lambda path, data: ask("change", path, data),
            )
        finally:
            backend.close()
            ask("stop")
    finally:
        process.join(timeout=10)
        if process.is_alive():
            process.terminate()  # only this benchmark's own child, by its handle
            process.join(timeout=5)
