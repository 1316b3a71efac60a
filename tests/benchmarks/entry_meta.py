"""Benchmark: "last changed by / when" of a collection's entries, against a fake host on 127.0.0.1.

    .venv/bin/python tests/benchmarks/entry_meta.py --host github --entries 1000 --visible 30

Prints ONE JSON line with the HTTP requests the host answered and the seconds taken for:
- `visible_rows`: the Commit date / Commit author columns of the rows on screen (`--visible`);
- `sort_by_updated`: every other row, which sorting by commit date needs;
- `reopen`: a new session over the same disk cache asking for all of them again (keyed by blob id);
and, for comparison, `decap_requests`: Decap CMS asks one `commits?path=` per entry when it sorts by commit
date (`gh.<sha>.meta` cached per blob), so its count for a cold collection is the number of entries.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from editor_app.config.loader import parse_config_text  # noqa: E402 - after the sys.path fix
from editor_app.workspace.cache import ContentCache  # noqa: E402
from editor_app.workspace.journal import DraftsJournal  # noqa: E402
from editor_app.workspace.workspace import Workspace  # noqa: E402
from tests.benchmarks.open_site import CONFIG, HOSTS, measure  # noqa: E402


def run(host_name: str, entries: int, visible: int, latency_ms: float = 0.0) -> dict[str, Any]:
    """The three phases through the real Workspace; figures per phase."""
    site = parse_config_text(CONFIG.format(host=host_name))
    with tempfile.TemporaryDirectory(prefix="entry-meta-bench-") as tmp, HOSTS[host_name](entries, latency_ms) as host:
        cache = ContentCache(Path(tmp) / "cache")

        def workspace() -> Workspace:
            ws = Workspace(host.backend, site, cache, DraftsJournal(Path(tmp) / "drafts"),
                           read_batch=host.backend.read_batch_hint)
            ws.open()
            ws.load_collection("posts")
            return ws

        ws = workspace()
        paths = [entry.path for entry in ws.entries("posts")]
        on_screen = paths[:visible]
        shown, rows = measure(host, lambda: ws.entries_meta("posts", on_screen))
        everything, sort = measure(host, lambda: ws.entries_meta("posts", paths))
        assert len(shown) == len(on_screen) and len(everything) == len(paths), "some entries have no history"
        ws = workspace()
        again, reopen = measure(host, lambda: ws.entries_meta("posts", paths))
        assert again == everything
    return {
        "host": host_name, "entries": entries, "visible": visible, "paths_per_request": host.backend.file_meta_batch(),
        "visible_rows": rows, "sort_by_updated": sort, "reopen": reopen,
        "total_requests": rows["requests"] + sort["requests"], "decap_requests": entries,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parse the command line, run, print one JSON line; returns the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", choices=sorted(HOSTS), default="github")
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--visible", type=int, default=30)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args(argv)
    figures = run(args.host, args.entries, args.visible, args.latency_ms)
    print(json.dumps(figures, ensure_ascii=False))
    return figures


if __name__ == "__main__":
    main()
