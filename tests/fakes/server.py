"""Serve any fake (an httpx.Request -> httpx.Response callable) in process or on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from tests.fakes.faults import Drop, Hang

Handler = Callable[[httpx.Request], httpx.Response]


def client(fake: Handler, base_url: str = "https://api.github.com", **kwargs: object) -> httpx.Client:
    """An httpx.Client whose requests go to `fake` in process."""
    return httpx.Client(transport=httpx.MockTransport(fake), base_url=base_url, **kwargs)  # type: ignore[arg-type]


def _make_handler(fake: Handler, errors: list[BaseException]) -> type[BaseHTTPRequestHandler]:
    class Adapter(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            host = self.headers.get("Host", "127.0.0.1")
            request = httpx.Request(self.command, f"http://{host}{self.path}",
                                    headers=[(k, v) for k, v in self.headers.items()], content=body)
            try:
                response = fake(request)
            except Hang as hang:
                time.sleep(hang.seconds)
                self.close_connection = True
                return
            except (httpx.TimeoutException, Drop):
                self.close_connection = True
                return
            except BaseException as error:  # the test must see a crashing fake, not a hung client
                errors.append(error)
                self.send_error(500, "fake crashed")
                return
            content = response.read()
            self.send_response(response.status_code)
            skip = {"content-length", "transfer-encoding", "connection", "content-encoding"}
            for key, value in response.headers.multi_items():
                if key.lower() not in skip:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(content)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

    return Adapter


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


@contextmanager
def serve(fake: Handler, host: str = "127.0.0.1") -> Iterator[str]:
    """Run `fake` on a real HTTP server on a free port; yields its base URL; stops on exit.

    A fake that raises fails the test at exit (after answering 500), so crashes are not hidden.
    """
    faults = getattr(fake, "faults", None)
    previous = getattr(faults, "in_process", None)
    if faults is not None:
        faults.in_process = False
    errors: list[BaseException] = []
    server = _Server((host, 0), _make_handler(fake, errors))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        if faults is not None:
            faults.in_process = previous
    if errors:
        raise AssertionError(f"the fake crashed while serving: {errors[0]!r}") from errors[0]
