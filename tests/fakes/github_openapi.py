"""Check the GitHub fake's REST answers against GitHub's OpenAPI description."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

from openapi_schema_validator import OAS30Validator


class OpenApiResponses:
    """Response schemas of api.github.com.json by method, path template and status."""

    def __init__(self, spec_path: Path) -> None:
        self.spec: dict[str, Any] = json.loads(spec_path.read_text(encoding="utf-8"))
        self.components = self.spec["components"]
        self.routes: list[tuple[re.Pattern[str], str]] = []
        # the most literal segments first, so ".../commits/{ref}/status" wins over ".../commits/{ref}"
        def specificity(template: str) -> tuple[int, int]:
            segments = template.strip("/").split("/")
            return (-sum(1 for s in segments if not s.startswith("{")), len(segments))

        for template in sorted(self.spec["paths"], key=specificity):
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
            # a trailing parameter (a ref, "branch:path", "base...head") may hold slashes
            pattern = re.sub(r"\[\^/\]\+$", ".+", pattern)
            self.routes.append((re.compile(pattern + "$"), template))
        self.validators: dict[tuple[str, str, int], OAS30Validator | None] = {}

    def operation(self, method: str, path: str) -> str | None:
        """The path template an actual path belongs to (None when the spec has no such route)."""
        for pattern, template in self.routes:
            if pattern.match(path) and method.lower() in self.spec["paths"][template]:
                return template
        return None

    def _resolve(self, node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#/components/"):
            section, name = node["$ref"].split("/")[2:4]
            node = self.components[section][name]
        return node

    def validator(self, method: str, template: str, status: int) -> OAS30Validator | None:
        """A validator for one operation's JSON response (None when the spec gives no schema)."""
        key = (method, template, status)
        if key not in self.validators:
            responses = self.spec["paths"][template][method.lower()]["responses"]
            response = self._resolve(responses.get(str(status)))
            schema = (((response or {}).get("content") or {}).get("application/json") or {}).get("schema")
            self.validators[key] = None if schema is None else OAS30Validator(
                {**schema, "components": self.components})
        return self.validators[key]

    def problems(self, method: str, path: str, status: int, body: Any) -> list[str] | None:
        """Schema violations of one answer; None when the spec cannot judge it."""
        template = self.operation(method, path)
        if template is None:
            return None
        validator = self.validator(method, template, status)
        if validator is None:
            return None
        return [f"{method} {template} {status}: {'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
                for e in validator.iter_errors(body)]


@functools.lru_cache(maxsize=1)
def load(spec_path: Path) -> OpenApiResponses:
    """The description, loaded once per process (it is 13 MB)."""
    return OpenApiResponses(spec_path)
