"""YAML mistakes in a config.yml explained to a site owner: where (line, column, the line with a caret) and why.

`syntax_problem(text, file, error)` turns a parser error into a `Problem` with a hint for the usual causes
(an unquoted `: ` or an apostrophe inside single quotes in a value, a tab used for indentation, a bracket
never closed, a line indented too far); `template_problem` recognises a Liquid/Jekyll template given instead
of the generated config; `duplicate_key_problems` names each repeated key by its full option path and gives
both lines.
"""

from __future__ import annotations

import re
from typing import Any

import yaml as pyyaml

from editor_app.config.yaml12 import compose_fast
from editor_app.errors import Problem

# Liquid/Jekyll tags, and their variables (`{{ site.x }}`): never Decap's own `{{slug}}`-style templates.
_TEMPLATE_TAG = re.compile(r"{%-?\s*\w[^%]*%}|{{-?\s*(?:site|page|jekyll)\.[\w.]+[^}]*}}|{{-?\s*\.Site\b[^}]*}}")
_APOSTROPHE_IN_QUOTES = re.compile(r"(?::|^\s*-)\s+'[^']*'[^\s,\]}#]")
_QUOTED_WITH_APOSTROPHE = re.compile(r"(?P<key>[\w-]+):\s+'(?P<value>[^'\n]*'[^'\n]*)'(?=\s*(?:[,}\]#]|$))")
_COLON_IN_VALUE = re.compile(r"^\s*(?:-\s+)?[^\s:#'\"{\[][^:#]*:\s+(?P<value>[^'\"\s{\[|>&*!#][^#]*?:(?:\s|$))")
_FLOW_COLON = re.compile(r"[{,]\s*[^\s:{},'\"]+:\s+[^,{}'\"]*?:\s")


def source_excerpt(text: str, line: int, column: int | None, hint: str = "") -> str:
    """The config's line `line` (1-based) indented, a caret under `column`, and the hint when there is one."""
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return f"  hint: {hint}" if hint else ""
    source = lines[line - 1]
    shown = [f"    {source}"]
    if column is not None:
        # Keep the line's own tabs before the caret so it stands under the same character.
        prefix = "".join(ch if ch == "\t" else " " for ch in source[: max(column - 1, 0)])
        shown.append(f"    {prefix}^")
    if hint:
        shown.append(f"  hint: {hint}")
    return "\n".join(shown)


def _line(text: str, line: int) -> str:
    lines = text.split("\n")
    return lines[line - 1] if 1 <= line <= len(lines) else ""


def _key_and_value(source: str) -> tuple[str, str]:
    """`key` and `value` of a `key: value` line (a list item's dash and a trailing comment left out)."""
    body = re.sub(r"^\s*(?:-\s+)?", "", source)
    key, _, value = body.partition(": ")
    value = re.sub(r"\s+#.*$", "", value).strip()
    return key.strip(), value


def _hint(text: str, line: int, column: int, problem: str, context: str, context_line: int | None) -> str:
    source = _line(text, line)
    if "'\\t'" in problem or "\t" in source[: max(column, 1)]:
        if source[: len(source) - len(source.lstrip())].count("\t"):
            return "a tab is used for indentation; YAML allows only spaces there: replace the tab with spaces"
        return "a tab stands where YAML expects a space: replace it with a space"
    key, value = _key_and_value(source)
    if _APOSTROPHE_IN_QUOTES.search(source):
        quoted = _QUOTED_WITH_APOSTROPHE.search(source)
        if quoted is None:
            return ("a value in single quotes contains an apostrophe, which ends the quote: put the value in "
                    "double quotes or write the apostrophe twice ('')")
        name, inner = quoted.group("key"), quoted.group("value")
        doubled = inner.replace("'", "''")
        return (f"the value in single quotes contains an apostrophe, which ends the quote: put it in double "
                f"quotes ({name}: \"{inner}\") or write the apostrophe twice ({name}: '{doubled}')")
    if "mapping values are not allowed" in problem and _COLON_IN_VALUE.search(source):
        return f"a value that contains ': ' must be quoted: {key}: \"{value}\""
    if "got ':'" in problem and _FLOW_COLON.search(source):
        return "a value inside { } that contains ': ' must be quoted"
    if "mapping values are not allowed" in problem:
        return "this line is indented further than the keys above it, or a value before it lacks quotes"
    if context_line is not None and ("flow mapping" in context or "flow sequence" in context):
        bracket = "{" if "mapping" in context else "["
        closing = "}" if bracket == "{" else "]"
        return f"the '{bracket}' opened on line {context_line} is not closed with '{closing}' (or needs a ',')"
    if "block end" in problem or "block mapping" in context:
        return "the indentation of this line does not match the lines above it"
    if "found undefined alias" in problem or "found undefined anchor" in problem:
        return "an alias (*name) is used before its anchor (&name) is defined"
    return ""


def syntax_problem(text: str, file_name: str, error: Any) -> Problem:
    """A `Problem` at the line and column of a ruamel/PyYAML `MarkedYAMLError`, with the excerpt and a hint."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    context_mark = getattr(error, "context_mark", None)
    problem = str(getattr(error, "problem", "") or "")
    context = str(getattr(error, "context", "") or "")
    what = " ".join(p for p in (context, problem) if p) or "invalid YAML"
    if mark is None:
        return Problem(file_name, None, f"invalid YAML: {what}")
    line, column = mark.line + 1, mark.column + 1
    context_line = context_mark.line + 1 if context_mark is not None else None
    hint = _hint(text, line, column, problem, context, context_line)
    return Problem(file_name, line, f"invalid YAML: {what}", column=column,
                   excerpt=source_excerpt(text, line, column, hint))


def template_problem(text: str, file_name: str) -> Problem | None:
    """A Liquid/Jekyll (or Hugo) template tag in the text: the file is a template, not the config itself."""
    match = _TEMPLATE_TAG.search(text)
    if match is None:
        return None
    line = text.count("\n", 0, match.start()) + 1
    column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
    tag = "{% ... %}" if match.group(0).startswith("{%") else "{{ ... }}"
    hint = ("the site generator turns this template into the real config.yml (e.g. in _site/admin/ or public/admin/ "
            "after a build)")
    return Problem(file_name, line, f"this file is a template with `{tag}`; point the app at the generated config.yml",
                   column=column, excerpt=source_excerpt(text, line, column, hint))


def duplicate_key_problems(text: str, file_name: str) -> list[Problem]:
    """Each key repeated in one mapping (merge keys `<<` aside): its full option path and both lines."""
    found: list[Problem] = []
    seen_nodes: set[int] = set()

    def walk(node: Any, path: str) -> None:
        if id(node) in seen_nodes:  # aliases share nodes
            return
        seen_nodes.add(id(node))
        if isinstance(node, pyyaml.MappingNode):
            first: dict[Any, int] = {}
            for key_node, value_node in node.value:
                key_path = path
                if isinstance(key_node, pyyaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                    key_path = f"{path}.{key_node.value}" if path else str(key_node.value)
                    line = key_node.start_mark.line + 1
                    if key_node.value in first:
                        found.append(Problem(
                            file_name, line,
                            f"duplicate key: also set on line {first[key_node.value]}; YAML keeps only one of "
                            "them, so remove or rename one",
                            key_path, column=key_node.start_mark.column + 1,
                            excerpt=source_excerpt(text, line, key_node.start_mark.column + 1),
                        ))
                    else:
                        first[key_node.value] = line
                walk(value_node, key_path)
        elif isinstance(node, pyyaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, f"{path}[{index}]")

    try:
        root = compose_fast(text)
    except pyyaml.YAMLError:
        return found  # ruamel (the reference parser here) accepted the text; libyaml's stricter rules do not apply
    walk(root, "")
    return found
