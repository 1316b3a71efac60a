"""Real entry samples: the files Decap's dev-test site seeds in `window.repoFiles` (index.html)."""

from __future__ import annotations

import re

from tests.conftest import shared_path

_ENTRY = re.compile(
    r"""(["'])(?P<name>[^"'\n]+)\1:\s*\{\s*(?:path:\s*'(?P<path>[^']*)',\s*)?content:\s*"""
    r"""(?P<q>["'])(?P<body>(?:\\.|(?!(?P=q)).)*)(?P=q)(?P<after>\s*\+)?""",
    re.DOTALL,
)
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.DOTALL)
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def decode_js_string(literal: str) -> str:
    """The value of a JavaScript string literal's contents (escapes as JavaScript reads them)."""

    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "ux" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _SIMPLE.get(code, code)

    return _ESCAPE.sub(replace, literal)


def repo_file_samples() -> dict[str, str]:
    """{file name or path: content} of every literal entry in index.html's `window.repoFiles`."""
    html = shared_path("fixtures", "decap-dev-test", "index.html").read_text(encoding="utf-8")
    samples: dict[str, str] = {}
    for match in _ENTRY.finditer(html):
        if match.group("after"):
            continue  # built by string concatenation in a loop; see generated_posts()
        key = match.group("path") or match.group("name")
        samples[key] = decode_js_string(match.group("body"))
    return samples


def generated_posts(date: str = "2024-05-06") -> dict[str, str]:
    """The 20 posts and 5 FAQ items index.html generates in loops, for a fixed date."""
    posts = {
        f"_posts/{date}-post-number-{i}.md": f'---\ntitle: "This is post # {i}"\ndraft: {str(i % 2 == 0).lower()}'
        f"\ndate: {date}T00:00:00.000Z\n---\n\n# The post is number {i}\n\nAnd this is yet another identical post body"
        for i in range(1, 21)
    }
    posts.update({
        f"_faqs/{date}-faq-number-{i}.md": f'---\ntitle: "This FAQ item # {i}"\ndate: {date}T00:00:00.000Z\n---\n\n'
        "# Loren ipsum dolor sit amet"
        for i in range(1, 6)
    })
    return posts
