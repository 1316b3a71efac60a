"""Real `git http-backend` behind a loopback HTTP server, configured like each Git host, with faults.

The repository served is a real bare repository. With `store=` it mirrors a fake host's in-memory
`GitStore` (same SHA-1s) before every request, so what the fake's API wrote is what the next Git fetch sees.

Per host (../shared/reference/git-over-https.md): the token form checked on every request, protocol v2
or v1 only, and whether `filter` and wants by id are allowed (`uploadpack.allowFilter`,
`uploadpack.allowAnySHA1InWant`: GitHub, GitLab, Gitea yes; Bitbucket, Azure no; Azure speaks v1 only).
The server counts requests and response bytes, can add latency, and injects faults into pack responses.
"""

from __future__ import annotations

import base64
import os
import re
import socket
import subprocess
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from tests.fakes.git_store import GitStore, commit_body, tree_body

GIT = "git"


def _basic(header: str | None) -> tuple[str, str] | None:
    if not header or not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return user, password


def _bearer(header: str | None) -> str | None:
    return header[7:] if header and header.startswith("Bearer ") else None


def github_auth(header: str | None, token: str) -> bool:
    """Basic, any username, token as password; Bearer is refused (401)."""
    basic = _basic(header)
    return basic is not None and bool(basic[0]) and basic[1] == token


def gitlab_auth(header: str | None, token: str) -> bool:
    """Basic `oauth2:<token>`."""
    return _basic(header) == ("oauth2", token)


def bitbucket_auth(header: str | None, token: str) -> bool:
    """Basic `x-token-auth:<token>` (OAuth and access tokens)."""
    return _basic(header) == ("x-token-auth", token)


def gitea_auth(header: str | None, token: str) -> bool:
    """Basic with the token as password (any user) or as username; or Bearer."""
    basic = _basic(header)
    if basic is not None:
        return basic[1] == token or (basic[0] == token and basic[1] in ("", "x-oauth-basic"))
    return _bearer(header) == token


def azure_auth(header: str | None, token: str) -> bool:
    """Bearer (Entra) or Basic with any non-empty username and the PAT as password."""
    basic = _basic(header)
    if basic is not None:
        return bool(basic[0]) and basic[1] == token
    return _bearer(header) == token


@dataclass(frozen=True)
class HostGit:
    """How one host's Git endpoint behaves."""

    name: str
    protocol_v2: bool
    filters: bool
    auth: Callable[[str | None, str], bool]

    def config(self) -> dict[str, str]:
        if self.filters:
            return {"uploadpack.allowFilter": "true", "uploadpack.allowAnySHA1InWant": "true"}
        if self.name == "azure":
            return {"uploadpackfilter.blob:limit.allow": "false"}
        return {}


HOSTS = {
    "github": HostGit("github", True, True, github_auth),
    "gitlab": HostGit("gitlab", True, True, gitlab_auth),
    "gitea": HostGit("gitea", True, True, gitea_auth),
    "bitbucket": HostGit("bitbucket", False, False, bitbucket_auth),
    "azure": HostGit("azure", False, False, azure_auth),
}


@dataclass
class GitRequest:
    """One request as the server saw it."""

    method: str
    path: str
    command: str  # "info/refs", "ls-refs", "fetch" or "upload-pack"
    status: int
    authorization: str | None
    request_bytes: int
    response_bytes: int
    wants: int = 0
    seconds: float = 0.0  # time spent in git http-backend
    deepen: str = ""  # "deepen", "deepen-since" or "" (how the client limited history)


class StoreMirror:
    """Writes a `GitStore`'s objects (as loose objects) and branch refs into a bare repository."""

    def __init__(self, store: GitStore, path: Path) -> None:
        self.store = store
        self.path = path
        self._written: set[str] = set()

    def sync(self) -> None:
        with self.store.lock:
            blobs = [(sha, "blob", data) for sha, data in self.store.blobs.items() if sha not in self._written]
            trees = [
                (sha, "tree", tree_body(list(e))) for sha, e in self.store.trees.items() if sha not in self._written
            ]
            commits = [
                (sha, "commit", commit_body(c.tree, c.parents, c.author, c.committer, c.message))
                for sha, c in self.store.commits.items()
                if sha not in self._written
            ]
            refs = dict(self.store.refs)
        for sha, kind, body in blobs + trees + commits:
            self._write_loose(sha, kind, body)
        heads = self.path / "refs" / "heads"
        wanted = {name.removeprefix("heads/"): sha for name, sha in refs.items() if name.startswith("heads/")}
        for path in list(heads.rglob("*")):
            if path.is_file() and path.relative_to(heads).as_posix() not in wanted:
                path.unlink()
        for name, sha in wanted.items():
            ref = heads / name
            ref.parent.mkdir(parents=True, exist_ok=True)
            if not ref.is_file() or ref.read_text().strip() != sha:
                temp = ref.with_name(ref.name + ".lock")
                temp.write_text(sha + "\n")
                os.replace(temp, ref)

    def _write_loose(self, sha: str, kind: str, body: bytes) -> None:
        path = self.path / "objects" / sha[:2] / sha[2:]
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = path.with_name(path.name + ".tmp")
            temp.write_bytes(zlib.compress(f"{kind} {len(body)}\0".encode() + body, 1))
            os.replace(temp, path)
        self._written.add(sha)


class _QuietServer(ThreadingHTTPServer):
    """A client hanging up mid-response (cancel, fault tests) is normal here, not worth a traceback."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class GitHttpServer:
    """Serves `<root>/<repo>` through `git http-backend` on 127.0.0.1, as host `host` would."""

    def __init__(
        self,
        root: Path,
        *,
        host: str = "github",
        token: str = "secret-token",
        repo: str = "owner/site.git",  # its path on the host, as the host names it (Azure: `org/project/_git/repo`)
        store: GitStore | None = None,
        latency: float = 0.0,
    ) -> None:
        self.root = root
        self.host = HOSTS[host]
        self.token = token
        self.repo = repo
        self.latency = latency
        self.requests: list[GitRequest] = []
        self.fault: str | None = None  # "truncate", "drop", "wrong_object", "damage", "status:<code>"
        self.after_refs: Callable[[], None] | None = None  # called once, after refs are served
        # Capabilities left out of the v0/v1 advertisement (a host older or stricter than this git).
        self.hidden_capabilities: set[str] = set()
        # Refuse wanted commits no ref reaches, as hosts do once a force-push's old commits are collected.
        self.hide_unreachable = False
        self.lock = threading.Lock()
        self.repo_path = root / repo
        if not (self.repo_path / "HEAD").exists():
            subprocess.run([GIT, "init", "-q", "--bare", str(self.repo_path)], check=True)
        self.mirror = StoreMirror(store, self.repo_path) if store is not None else None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/{self.repo}"

    def start(self) -> GitHttpServer:
        handler = _make_handler(self)
        self._server = _QuietServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> GitHttpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset_counts(self) -> None:
        with self.lock:
            self.requests.clear()

    @property
    def request_count(self) -> int:
        return len(self.requests)

    @property
    def bytes_sent(self) -> int:
        return sum(r.response_bytes for r in self.requests)

    def run_backend(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> bytes:
        """Run `git http-backend` once (CGI); return its raw output (headers + body)."""
        if self.mirror is not None:
            with self.lock:
                self.mirror.sync()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(self.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": headers.get("content-type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": "127.0.0.1",
            "HOME": str(self.root),
            "GIT_CONFIG_NOSYSTEM": "1",
        }
        if self.host.protocol_v2 and headers.get("git-protocol"):
            env["GIT_PROTOCOL"] = headers["git-protocol"]
        config = self.host.config()
        env["GIT_CONFIG_COUNT"] = str(len(config))
        for index, (key, value) in enumerate(config.items()):
            env[f"GIT_CONFIG_KEY_{index}"] = key
            env[f"GIT_CONFIG_VALUE_{index}"] = value
        started = time.perf_counter()
        result = subprocess.run([GIT, "http-backend"], input=body, env=env, capture_output=True, check=False)
        self.backend_seconds = time.perf_counter() - started
        return result.stdout


def _command_of(path: str, body: bytes) -> str:
    if path.endswith("/info/refs"):
        return "info/refs"
    match = re.search(rb"command=([a-z-]+)", body[:64])
    return match.group(1).decode() if match else "upload-pack"


def _make_handler(server: GitHttpServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def _read_body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                body = bytearray()
                while True:
                    size = int(self.rfile.readline().strip().split(b";")[0], 16)
                    if size == 0:
                        self.rfile.readline()
                        return bytes(body)
                    body += self.rfile.read(size)
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _handle(self, method: str) -> None:
            path, _, query = self.path.partition("?")
            body = self._read_body() if method == "POST" else b""
            if self.headers.get("Content-Encoding", "") in ("gzip", "x-gzip"):
                body = zlib.decompress(body, 16 + zlib.MAX_WBITS)
            command = _command_of(path, body)
            found = re.search(rb"(deepen(?:-since)?) ", body)
            self.deepen_kind = found.group(1).decode() if found else ""
            authorization = self.headers.get("Authorization")
            if server.latency:
                time.sleep(server.latency)
            prefix = "/" + server.repo
            if not path.startswith(prefix + "/"):
                self._reply(404, b"not found\n", command, authorization, len(body))
                return
            if not server.host.auth(authorization, server.token):
                self._reply(401, b"authentication required\n", command, authorization, len(body),
                            extra={"WWW-Authenticate": 'Basic realm="git"'})
                return
            fault = server.fault
            if fault and fault.startswith("status:"):
                self._reply(int(fault[7:]), b"refused\n", command, authorization, len(body))
                return
            is_fetch = command in ("fetch", "upload-pack")
            if is_fetch and server.hide_unreachable:
                gone = _unreachable_wants(server, body)
                if gone:
                    refusal = f"ERR upload-pack: not our ref {gone}\n".encode()
                    payload = f"{len(refusal) + 4:04x}".encode() + refusal
                    self._reply(200, payload, command, authorization, len(body),
                                extra={"Content-Type": "application/x-git-upload-pack-result"})
                    return
            if is_fetch and fault == "wrong_object" and b"deepen" not in body:
                body = _swap_first_want(server, body)
            headers = {k.lower(): v for k, v in self.headers.items()}
            output = server.run_backend(method, "/" + server.repo + path[len(prefix):], query, headers, body)
            head, _, payload = output.partition(b"\r\n\r\n")
            if not payload and b"\n\n" in output:
                head, _, payload = output.partition(b"\n\n")
            status = 200
            reply_headers: dict[str, str] = {}
            for line in head.decode("latin-1").splitlines():
                name, _, value = line.partition(":")
                if name.lower() == "status":
                    status = int(value.strip().split()[0])
                elif name:
                    reply_headers[name.strip()] = value.strip()
            wants = body.count(b"want ")
            if command == "info/refs" and server.hidden_capabilities:
                payload = _hide_capabilities(payload, server.hidden_capabilities)
            if is_fetch and fault in ("truncate", "drop", "damage") and len(payload) > 200:
                if fault == "truncate":
                    payload = payload[: len(payload) * 3 // 5]
                elif fault == "damage":
                    payload = _damage(payload)
                else:
                    self._drop(status, reply_headers, payload, command, authorization, len(body), wants)
                    return
            if command in ("info/refs", "ls-refs") and server.after_refs is not None:
                # The refs are computed; the branch moves before the client can read them and fetch.
                hook, server.after_refs = server.after_refs, None
                hook()
            self._reply(status, payload, command, authorization, len(body), extra=reply_headers, wants=wants)

        def _drop(self, status: int, headers: dict[str, str], payload: bytes, command: str,
                  authorization: str | None, request_bytes: int, wants: int) -> None:
            half = payload[: len(payload) // 2]
            self._record(command, status, authorization, request_bytes, len(half), wants)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(half)
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)

        def _reply(self, status: int, payload: bytes, command: str, authorization: str | None,
                   request_bytes: int, *, extra: dict[str, str] | None = None, wants: int = 0) -> None:
            # Recorded before answering: a client that has its answer finds the request in the log.
            self._record(command, status, authorization, request_bytes, len(payload), wants)
            self.send_response(status)
            for name, value in (extra or {}).items():
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _record(self, command: str, status: int, authorization: str | None, request_bytes: int,
                    response_bytes: int, wants: int) -> None:
            with server.lock:
                server.requests.append(
                    GitRequest(self.command, self.path, command, status, authorization, request_bytes,
                               response_bytes, wants, getattr(server, "backend_seconds", 0.0),
                               getattr(self, "deepen_kind", ""))
                )

    return Handler


def _unreachable_wants(server: GitHttpServer, body: bytes) -> str | None:
    """The first wanted commit that no branch reaches, if any."""
    if server.mirror is not None:
        with server.lock:
            server.mirror.sync()
    git_dir = ["--git-dir", str(server.repo_path)]
    heads = subprocess.run([GIT, *git_dir, "for-each-ref", "--format=%(objectname)", "refs/heads"],
                           capture_output=True, text=True, check=True).stdout.split()
    for want in re.findall(rb"want ([0-9a-f]{40})", body):
        oid = want.decode()
        kind = subprocess.run([GIT, *git_dir, "cat-file", "-t", oid], capture_output=True, text=True).stdout.strip()
        if kind != "commit":
            continue
        reached = any(
            subprocess.run([GIT, *git_dir, "merge-base", "--is-ancestor", oid, head]).returncode == 0 for head in heads
        )
        if not reached:
            return oid
    return None


def _hide_capabilities(payload: bytes, hidden: set[str]) -> bytes:
    """Drop capabilities from a v0/v1 ref advertisement (the first ref line carries them after a NUL)."""
    out = bytearray()
    position = 0
    while position < len(payload):
        length = int(payload[position:position + 4], 16)
        if length < 4:
            out += payload[position:position + 4]
            position += 4
            continue
        line = payload[position + 4:position + length]
        position += length
        if b"\0" in line:
            ref, _, caps = line.rstrip(b"\n").partition(b"\0")
            kept = [c for c in caps.split() if c.split(b"=")[0].decode() not in hidden]
            line = ref + b"\0" + b" ".join(kept) + b"\n"
        out += f"{len(line) + 4:04x}".encode() + line
    return bytes(out)


def _swap_first_want(server: GitHttpServer, body: bytes) -> bytes:
    """Ask git for a different blob than the client did (the client gets content that hashes to another id)."""
    match = re.search(rb"want ([0-9a-f]{40})", body)
    if match is None:
        return body
    asked = match.group(1).decode()
    listing = subprocess.run(
        [GIT, "--git-dir", str(server.repo_path), "cat-file", "--batch-all-objects", "--batch-check"],
        capture_output=True, check=True, text=True,
    ).stdout.split("\n")
    other = next(line.split()[0] for line in listing if " blob " in line and not line.startswith(asked))
    return body.replace(asked.encode(), other.encode(), 1)


def _damage(payload: bytes) -> bytes:
    """Flip a byte inside the pack data (past the PACK header), keeping the pkt-line framing intact."""
    start = payload.find(b"PACK")
    if start < 0:
        return payload
    position = min(start + 40, len(payload) - 30)
    return payload[:position] + bytes([payload[position] ^ 0x55]) + payload[position + 1:]


def with_git(api: Callable[[httpx.Request], httpx.Response], git: GitHttpServer,
             forward: httpx.Client) -> Callable[[httpx.Request], httpx.Response]:
    """One origin for a fake host's API and its Git endpoint (as github.com or a GitLab instance serves both):
    requests under `/<repo>.git/` go to `git` through `forward` (the caller closes it), all others to `api`.
    Serve it with `serve()`."""
    prefix = "/" + git.repo + "/"
    kept = ("authorization", "content-type", "git-protocol", "content-encoding", "accept")

    def handle(request: httpx.Request) -> httpx.Response:
        if not request.url.path.startswith(prefix):
            return api(request)
        base = git.url.removesuffix("/" + git.repo)
        answer = forward.request(
            request.method, base + request.url.raw_path.decode("ascii"), content=request.read(),
            headers={k: v for k, v in request.headers.items() if k.lower() in kept},
        )
        headers = {k: v for k, v in answer.headers.items() if k.lower() in ("content-type", "www-authenticate")}
        headers["Content-Length"] = str(len(answer.content))
        # A stream, not `content=`: an in-process client reads Git answers with `iter_raw`, as from a socket.
        return httpx.Response(answer.status_code, headers=headers, stream=_Body(answer.content))

    return handle


class _Body(httpx.SyncByteStream):
    def __init__(self, data: bytes) -> None:
        self._data = data

    def __iter__(self) -> Iterator[bytes]:
        yield self._data
