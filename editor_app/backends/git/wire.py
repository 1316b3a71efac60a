"""Git's smart HTTP wire format for reading: pkt-lines, the request bodies, and a streaming response parser.

Only what a reader needs: protocol v2 `ls-refs` and `fetch` (https://git-scm.com/docs/gitprotocol-v2),
and protocol v0/v1 ref advertisement and `git-upload-pack` negotiation in one round
(https://git-scm.com/docs/gitprotocol-pack, https://git-scm.com/docs/gitprotocol-http). Nothing here sends
a request; `GitReader` does, so each command costs exactly one HTTP request.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

FLUSH = b"0000"
DELIM = b"0001"
AGENT = b"editor-app"

# Markers the parser yields for the special packets.
FLUSH_PKT = "flush"
DELIM_PKT = "delim"
END_PKT = "response-end"

SIDEBAND_DATA = 1
SIDEBAND_PROGRESS = 2
SIDEBAND_ERROR = 3


class WireError(Exception):
    """The server's bytes do not follow the protocol (a bug or a damaged response)."""


class RemoteError(Exception):
    """The server reported an error in-band (`ERR ...` or side-band channel 3)."""


def pkt_line(payload: bytes) -> bytes:
    """One pkt-line: four hex digits of length (including themselves), then the payload."""
    if len(payload) > 65516:
        raise ValueError("pkt-line payload too long")
    return f"{len(payload) + 4:04x}".encode("ascii") + payload


def pkt_lines(lines: Iterable[bytes]) -> bytes:
    return b"".join(pkt_line(line) for line in lines)


class PktReader:
    """Incremental pkt-line parser: feed it bytes as they arrive, take complete packets out."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> Iterator[bytes | str]:
        """Add `data`; yield each complete packet's payload, or a marker string for flush/delim/end."""
        self._buffer += data
        while len(self._buffer) >= 4:
            try:
                length = int(self._buffer[:4], 16)
            except ValueError as exc:
                raise WireError(f"bad pkt-line length {bytes(self._buffer[:4])!r}") from exc
            if length < 4:
                del self._buffer[:4]
                yield (FLUSH_PKT, DELIM_PKT, END_PKT, "reserved")[length]
                continue
            if len(self._buffer) < length:
                return
            payload = bytes(self._buffer[4:length])
            del self._buffer[:length]
            yield payload

    @property
    def pending(self) -> int:
        """Bytes received that do not yet form a whole packet (non-zero at the end means truncation)."""
        return len(self._buffer)


def ls_refs_v2(ref_prefixes: Iterable[str]) -> bytes:
    """Body of a v2 `ls-refs` command limited to the given prefixes (symrefs for HEAD's target)."""
    args = [b"symrefs\n"] + [b"ref-prefix " + prefix.encode() + b"\n" for prefix in ref_prefixes]
    return pkt_lines([b"command=ls-refs\n", b"agent=" + AGENT + b"\n"]) + DELIM + pkt_lines(args) + FLUSH


@dataclass(frozen=True)
class FetchRequest:
    """What to ask for in one fetch: wants, haves, the client's shallow commits, depth and filter."""

    wants: tuple[str, ...]
    haves: tuple[str, ...] = ()
    shallow: tuple[str, ...] = ()
    depth: int | None = None
    deepen_since: int | None = None
    filter_spec: str | None = None


def fetch_v2(request: FetchRequest) -> bytes:
    """Body of a v2 `fetch` command that ends the negotiation at once (`done`): one request, one pack."""
    args = [b"no-progress\n", b"ofs-delta\n"]
    args += [b"shallow " + oid.encode() + b"\n" for oid in request.shallow]
    if request.depth is not None:
        args.append(b"deepen %d\n" % request.depth)
    if request.deepen_since is not None:
        args.append(b"deepen-since %d\n" % request.deepen_since)
    if request.filter_spec:
        args.append(b"filter " + request.filter_spec.encode() + b"\n")
    args += [b"want " + oid.encode() + b"\n" for oid in request.wants]
    args += [b"have " + oid.encode() + b"\n" for oid in request.haves]
    args.append(b"done\n")
    return pkt_lines([b"command=fetch\n", b"agent=" + AGENT + b"\n"]) + DELIM + pkt_lines(args) + FLUSH


# v0/v1 capabilities we use when the server offers them; side-band-64k is required (the pack is framed).
V1_CAPABILITIES = (b"multi_ack_detailed", b"side-band-64k", b"ofs-delta", b"no-progress", b"shallow")


def fetch_v1(request: FetchRequest, server_capabilities: frozenset[bytes]) -> bytes:
    """Body of a stateless v0/v1 upload-pack request: wants, shallows, depth, haves, `done`."""
    if b"side-band-64k" not in server_capabilities:
        raise WireError("the server does not offer side-band-64k")
    caps = [cap for cap in V1_CAPABILITIES if cap in server_capabilities] + [b"agent=" + AGENT]
    lines: list[bytes] = []
    for index, oid in enumerate(request.wants):
        suffix = b" " + b" ".join(caps) if index == 0 else b""
        lines.append(b"want " + oid.encode() + suffix + b"\n")
    lines += [b"shallow " + oid.encode() + b"\n" for oid in request.shallow]
    if request.depth is not None:
        lines.append(b"deepen %d\n" % request.depth)
    if request.deepen_since is not None:
        if b"deepen-since" not in server_capabilities:
            raise WireError("the server does not offer deepen-since")
        lines.append(b"deepen-since %d\n" % request.deepen_since)
    body = pkt_lines(lines) + FLUSH
    body += pkt_lines([b"have " + oid.encode() + b"\n" for oid in request.haves])
    return body + pkt_line(b"done\n")


@dataclass
class Advertisement:
    """Refs (name -> id) and, for v0/v1, the server's capabilities."""

    refs: dict[str, str] = field(default_factory=dict)
    symrefs: dict[str, str] = field(default_factory=dict)
    capabilities: frozenset[bytes] = frozenset()


def _check_err(payload: bytes) -> None:
    if payload.startswith(b"ERR "):
        raise RemoteError(payload[4:].decode("utf-8", "replace").strip())


def parse_ls_refs_v2(packets: Iterable[bytes | str]) -> Advertisement:
    """Parse a v2 `ls-refs` response: `<id> <name>[ symref-target:<t>]` lines up to a flush."""
    result = Advertisement()
    for packet in packets:
        if isinstance(packet, str):
            if packet == FLUSH_PKT:
                return result
            raise WireError(f"unexpected {packet} packet in ls-refs")
        _check_err(packet)
        parts = packet.rstrip(b"\n").split(b" ")
        if len(parts) < 2:
            raise WireError(f"bad ls-refs line {packet!r}")
        name = parts[1].decode()
        result.refs[name] = parts[0].decode("ascii")
        for attribute in parts[2:]:
            if attribute.startswith(b"symref-target:"):
                result.symrefs[name] = attribute[len(b"symref-target:") :].decode()
    raise WireError("ls-refs response ended without a flush")


def parse_advertisement_v1(packets: Iterable[bytes | str]) -> Advertisement:
    """Parse `GET info/refs?service=git-upload-pack` (v0/v1): service line, flush, refs with capabilities."""
    result = Advertisement()
    seen_service = False
    for packet in packets:
        if isinstance(packet, str):
            if packet == FLUSH_PKT and not seen_service:
                seen_service = True
                continue
            if packet == FLUSH_PKT:
                return result
            raise WireError(f"unexpected {packet} packet in the ref advertisement")
        _check_err(packet)
        if not seen_service and packet.startswith(b"# service="):
            continue
        if packet.startswith(b"version "):
            raise WireError("the server answered with protocol v2 where v0/v1 was expected")
        seen_service = True
        line = packet.rstrip(b"\n")
        if b"\0" in line:
            line, caps = line.split(b"\0", 1)
            result.capabilities = frozenset(caps.split())
            for cap in result.capabilities:
                if cap.startswith(b"symref="):
                    source, _, target = cap[len(b"symref=") :].partition(b":")
                    result.symrefs[source.decode()] = target.decode()
        oid, _, name = line.partition(b" ")
        if name != b"capabilities^{}":
            result.refs[name.decode()] = oid.decode("ascii")
    raise WireError("ref advertisement ended without a flush")


@dataclass
class FetchResponseParser:
    """Consumes a fetch response (v2 sections, or v1 shallow-update + ACK/NAK), sends pack bytes to `sink`."""

    protocol_v2: bool
    shallow: set[str] = field(default_factory=set)
    unshallow: set[str] = field(default_factory=set)
    done: bool = False
    _section: str = ""

    def take(self, packet: bytes | str) -> bytes | None:
        """Handle one packet; return pack bytes it carries, if any."""
        if isinstance(packet, str):
            if packet == FLUSH_PKT and (self._section == "packfile" or not self.protocol_v2):
                if self._section == "packfile":
                    self.done = True
                return None
            if packet in (FLUSH_PKT, DELIM_PKT):
                self._section = ""
                return None
            if packet == END_PKT:
                return None
            raise WireError(f"unexpected {packet} packet in a fetch response")
        _check_err(packet)
        if self._section == "packfile" or (not self.protocol_v2 and packet[:1] in (b"\x01", b"\x02", b"\x03")):
            self._section = "packfile"
            return self._sideband(packet)
        if self.protocol_v2 and not self._section:
            self._section = packet.rstrip(b"\n").decode("ascii", "replace")
            return None
        line = packet.rstrip(b"\n")
        if line.startswith(b"shallow "):
            self.shallow.add(line[8:].decode("ascii"))
        elif line.startswith(b"unshallow "):
            self.unshallow.add(line[10:].decode("ascii"))
        elif line.startswith((b"ACK", b"NAK", b"ready")) or self._section in ("acknowledgments", "wanted-refs"):
            pass
        else:
            raise WireError(f"unexpected line {line[:80]!r} in a fetch response")
        return None

    def _sideband(self, packet: bytes) -> bytes | None:
        channel = packet[0]
        if channel == SIDEBAND_DATA:
            return packet[1:]
        if channel == SIDEBAND_ERROR:
            raise RemoteError(packet[1:].decode("utf-8", "replace").strip())
        if channel == SIDEBAND_PROGRESS:
            return None
        raise WireError(f"unknown side-band channel {channel}")
