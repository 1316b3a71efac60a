"""Parse and index N markdown entries (~10 front-matter fields each): seconds and peak memory.

Run: `.venv/bin/python -m tests.benchmarks.parse_entries [N]` (target: 10,000 entries in < 2 s).
Parsing uses the fast read path (`parse_entry`); indexing computes each entry's slug, summary and
sort keys the way the entry list needs them.
"""

from __future__ import annotations

import random
import resource
import sys
import textwrap
import time

from editor_app.config.loader import parse_site_config
from editor_app.content.formats import parse_entry, resolve_format
from editor_app.content.slugs import slug_from_path
from editor_app.content.templates import summary_for_entry

CONFIG = textwrap.dedent("""\
    backend: {name: test-repo}
    media_folder: static/img
    collections:
      - name: posts
        label: Posts
        folder: content/posts
        summary: "{{title}} — {{date | date('YYYY-MM-DD')}} ({{author | default('anonymous')}})"
        fields:
          - {name: title, label: Title}
          - {name: date, label: Date, widget: datetime}
          - {name: author, label: Author}
          - {name: draft, label: Draft, widget: boolean}
          - {name: tags, label: Tags, widget: list}
          - {name: image, label: Image, widget: image}
          - {name: description, label: Description, widget: text}
          - {name: weight, label: Weight, widget: number}
          - {name: category, label: Category, widget: select, options: [news, garden, kitchen]}
          - {name: layout, label: Layout, widget: hidden}
          - {name: body, label: Body, widget: markdown}
    """)
WORDS = ["garden", "tomato", "compost", "harvest", "seed", "water", "volunteer", "apple", "basil", "frost"]


def make_entries(count: int, seed: int = 7) -> dict[str, str]:
    """`count` markdown files with YAML front matter of ten fields and a short body."""
    rng = random.Random(seed)
    files = {}
    for i in range(count):
        title = " ".join(rng.choice(WORDS) for _ in range(4)).capitalize() + f" {i}"
        files[f"content/posts/2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}-post-{i}.md"] = (
            "---\n"
            f'title: "{title}"\n'
            f"date: 2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}T10:{i % 60:02d}:00.000Z\n"
            f"author: {rng.choice(['Ann', 'Bo', 'Chen', 'Dara'])}\n"
            f"draft: {'true' if i % 5 == 0 else 'false'}\n"
            f"tags:\n  - {rng.choice(WORDS)}\n  - {rng.choice(WORDS)}\n"
            f"image: /static/img/{rng.choice(WORDS)}-{i}.jpg\n"
            f"description: >-\n  A note about {rng.choice(WORDS)} and {rng.choice(WORDS)}\n  in the community garden.\n"
            f"weight: {i % 100}\n"
            f"category: {rng.choice(['news', 'garden', 'kitchen'])}\n"
            "layout: post\n"
            "---\n\n"
            f"# {title}\n\nSome text about the {rng.choice(WORDS)}.\n\n- one\n- two\n"
        )
    return files


def run(count: int = 10_000) -> dict[str, float]:
    """Parse and index `count` generated entries; returns seconds and peak resident MB."""
    site = parse_site_config(CONFIG)
    posts = site.collections[0]
    files = make_entries(count)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    parsed = {path: parse_entry(text, format=resolve_format(posts, path), path=path) for path, text in files.items()}
    parse_seconds = time.perf_counter() - started
    index_started = time.perf_counter()
    index = []
    for path, entry in parsed.items():
        data = entry.data
        index.append((
            slug_from_path(posts, path),
            summary_for_entry(posts.summary or "{{title}}", data, path=path, folder=posts.folder),
            str(data.get("title", "")).lower(),
            str(data.get("date", "")),
        ))
    index.sort(key=lambda row: row[3], reverse=True)
    index_seconds = time.perf_counter() - index_started
    total = time.perf_counter() - started
    assert len(index) == count
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"entries": count, "parse_s": parse_seconds, "index_s": index_seconds, "total_s": total,
            "peak_mb": peak, "rss_before_mb": rss_before}


def main(argv: list[str]) -> int:
    count = int(argv[0]) if argv else 10_000
    figures = run(count)
    print(f"entries: {figures['entries']}")
    print(f"parse:   {figures['parse_s']:.2f} s")
    print(f"index:   {figures['index_s']:.2f} s")
    print(f"total:   {figures['total_s']:.2f} s (target < 2 s for 10,000)")
    print(f"peak:    {figures['peak_mb']:.0f} MB resident (before parsing: {figures['rss_before_mb']:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
