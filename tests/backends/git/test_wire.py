"""pkt-line framing and request bodies, byte for byte."""

from __future__ import annotations

import pytest

from editor_app.backends.git import wire


def test_packets_split_across_chunks_come_out_whole() -> None:
    stream = wire.pkt_line(b"hello\n") + wire.DELIM + wire.pkt_line(b"\x01PACK") + wire.FLUSH
    reader = wire.PktReader()

    packets = [packet for byte in stream for packet in reader.feed(bytes([byte]))]

    assert packets == [b"hello\n", wire.DELIM_PKT, b"\x01PACK", wire.FLUSH_PKT]
    assert reader.pending == 0


def test_a_garbled_length_is_a_wire_error() -> None:
    with pytest.raises(wire.WireError, match="bad pkt-line length"):
        list(wire.PktReader().feed(b"zz01hello"))


def test_v2_fetch_body_asks_for_depth_filter_wants_haves_and_ends_the_negotiation() -> None:
    body = wire.fetch_v2(wire.FetchRequest(wants=("a" * 40,), haves=("b" * 40,), shallow=("c" * 40,), depth=1,
                                           filter_spec="blob:none"))

    lines = [p for p in wire.PktReader().feed(body) if isinstance(p, bytes)]
    assert lines[0] == b"command=fetch\n"
    assert lines[2:] == [b"no-progress\n", b"ofs-delta\n", b"shallow " + b"c" * 40 + b"\n", b"deepen 1\n",
                         b"filter blob:none\n", b"want " + b"a" * 40 + b"\n", b"have " + b"b" * 40 + b"\n", b"done\n"]


def test_v1_body_offers_only_capabilities_the_server_has() -> None:
    body = wire.fetch_v1(wire.FetchRequest(wants=("a" * 40, "d" * 40)), frozenset({b"side-band-64k", b"ofs-delta"}))

    first = next(p for p in wire.PktReader().feed(body) if isinstance(p, bytes))
    assert first == b"want " + b"a" * 40 + b" side-band-64k ofs-delta agent=editor-app\n"
    assert body.endswith(wire.pkt_line(b"done\n"))
    with pytest.raises(wire.WireError, match="side-band-64k"):
        wire.fetch_v1(wire.FetchRequest(wants=("a" * 40,)), frozenset({b"ofs-delta"}))


def test_an_err_line_is_a_remote_error() -> None:
    with pytest.raises(wire.RemoteError, match="not our ref"):
        wire.parse_ls_refs_v2([b"ERR upload-pack: not our ref " + b"a" * 40])
