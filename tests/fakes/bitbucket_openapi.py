"""Check the Bitbucket fake's JSON answers against Bitbucket Cloud's OpenAPI description.

Reuses the GitHub checker's schema handling; only the routing differs: in Bitbucket's paths only a
trailing `{path}`, `{name}` (a branch) or `{spec}` (`a..b`) may hold slashes.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from tests.fakes.github_openapi import OpenApiResponses

SLASHED = ("{path}", "{name}", "{spec}")


class BitbucketResponses(OpenApiResponses):
    """Response schemas of Bitbucket's description, routed by Bitbucket's path rules."""

    def __init__(self, spec_path: Path) -> None:
        super().__init__(spec_path)

        def specificity(template: str) -> tuple[int, int]:
            segments = template.strip("/").split("/")
            return (-sum(1 for s in segments if not s.startswith("{")), len(segments))

        self.routes = []
        for template in sorted(self.spec["paths"], key=specificity):
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
            if template.endswith(SLASHED):
                pattern = re.sub(r"\[\^/\]\+$", ".*", pattern)
            self.routes.append((re.compile(pattern + "$"), template))


@functools.lru_cache(maxsize=1)
def load(spec_path: Path) -> BitbucketResponses:
    """The description, loaded once per process."""
    return BitbucketResponses(spec_path)
