"""Check the GitLab fake's REST answers against GitLab's OpenAPI description (`specs/gitlab/gitlab-openapi-v3.json`).

Two habits of that description (generated from GitLab's Grape API) are followed: list endpoints name the
schema of ONE element (each element of a list answer is validated against it), and creations that answer
201 are described under 200. A third cannot be followed: it types most fields as strings and declares none
nullable, so GitLab's own answers (integers, booleans, nulls) break it. `violations` therefore reduces each
problem to (field, kind), so that the fake is faulted only for kinds of violation GitLab's recorded answers
do not share.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

from openapi_schema_validator import OAS30Validator


class GitLabResponses:
    """Response schemas by method, path template and status."""

    def __init__(self, spec_path: Path) -> None:
        self.spec: dict[str, Any] = json.loads(spec_path.read_text(encoding="utf-8"))
        self.components = self.spec["components"]

        def literal_first(template: str) -> tuple[int, int]:
            segments = template.strip("/").split("/")
            return (-sum(1 for s in segments if not s.startswith("{")), len(segments))

        self.routes = [
            (re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"), template)
            for template in sorted(self.spec["paths"], key=literal_first)
        ]
        self.validators: dict[tuple[str, str, int], OAS30Validator | None] = {}

    def operation(self, method: str, raw_path: str) -> str | None:
        """The template of an actual (still URL-encoded) path; None when the description has no such route."""
        for pattern, template in self.routes:
            if pattern.match(raw_path) and method.lower() in self.spec["paths"][template]:
                return template
        return None

    def validator(self, method: str, template: str, status: int) -> OAS30Validator | None:
        key = (method, template, status)
        if key not in self.validators:
            responses = self.spec["paths"][template][method.lower()]["responses"]
            response = responses.get(str(status)) or (responses.get("200") if status == 201 else None)
            schema = (((response or {}).get("content") or {}).get("application/json") or {}).get("schema")
            self.validators[key] = None if schema is None else OAS30Validator({**schema, "components": self.components})
        return self.validators[key]

    def problems(self, method: str, raw_path: str, status: int, body: Any) -> list[str] | None:
        """Schema violations of one JSON answer; None when the description cannot judge it."""
        template = self.operation(method, raw_path)
        if template is None:
            return None
        validator = self.validator(method, template, status)
        if validator is None:
            return None
        items = body if isinstance(body, list) and validator.schema.get("type") != "array" else [body]
        return [f"{method} {template} {status}: {'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
                for item in items for e in validator.iter_errors(item)]

    def violations(self, method: str, raw_path: str, status: int, body: Any) -> set[tuple[str, str]] | None:
        """Problems as (field path without list indices, kind): "null" where the description allows none,
        "<json type> for <declared type>" for a type mismatch, else the validator's message."""
        template = self.operation(method, raw_path)
        validator = None if template is None else self.validator(method, template, status)
        if validator is None:
            return None
        items = body if isinstance(body, list) and validator.schema.get("type") != "array" else [body]
        found: set[tuple[str, str]] = set()
        for item in items:
            for error in validator.iter_errors(item):
                field = "/".join(str(p) for p in error.absolute_path if not isinstance(p, int))
                if error.validator == "nullable" or error.instance is None:
                    kind = "null"
                elif error.validator == "type":
                    kind = f"{_json_type(error.instance)} for {error.validator_value}"
                else:
                    kind = error.message[:120]
                found.add((field, kind))
        return found


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


@functools.lru_cache(maxsize=1)
def load(spec_path: Path) -> GitLabResponses:
    """The description, loaded once per process."""
    return GitLabResponses(spec_path)
