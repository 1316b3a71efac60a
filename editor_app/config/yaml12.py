"""YAML as Decap reads it (the `yaml` npm package, YAML 1.2 core schema): two loaders that agree.

- `round_trip_yaml()`: a ruamel.yaml round-trip instance (comments, quoting, order, line numbers kept);
  timestamps are NOT resolved, so dates stay strings and are written back exactly.
- `load_fast(text)`: PyYAML's C loader with a YAML 1.2 core resolver (`yes`/`on` stay strings,
  `0777` is decimal, no timestamps) for reading thousands of entries quickly.
"""

from __future__ import annotations

import re
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.resolver import VersionedResolver

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Yaml12Resolver(VersionedResolver):
    """ruamel's 1.2 resolver minus timestamps (the yaml npm core schema has none)."""

    @property
    def versioned_resolver(self) -> Any:
        table = super().versioned_resolver
        return {
            ch: [(tag, rx) for tag, rx in entries if str(tag) != _TIMESTAMP] for ch, entries in table.items()
        }


class _Yaml12Constructor(RoundTripConstructor):
    """Round-trip constructor; explicit `!!timestamp` values stay text too."""


_Yaml12Constructor.add_constructor(_TIMESTAMP, lambda loader, node: loader.construct_scalar(node))


def round_trip_yaml() -> YAML:
    """A fresh ruamel round-trip YAML 1.2 instance (preserve quotes, no timestamp resolution)."""
    y = YAML(typ="rt")
    y.Resolver = _Yaml12Resolver
    y.Constructor = _Yaml12Constructor
    y.preserve_quotes = True
    y.allow_duplicate_keys = False
    y.width = 1_000_000_000  # never re-wrap long strings an editor did not touch
    return y


class _FastResolver(pyyaml.resolver.Resolver):
    """YAML 1.2 core schema implicit types for PyYAML."""


_FastResolver.yaml_implicit_resolvers = {}
_FastResolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_FastResolver.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
_FastResolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)
_FastResolver.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_FastResolver.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])


class _FastConstructor(pyyaml.constructor.SafeConstructor):
    """SafeConstructor with YAML 1.2 ints (0o/0x, plain decimals) and timestamps as text."""

    def construct_yaml_int(self, node: Any) -> int:
        value = self.construct_scalar(node)
        text = str(value)
        if text.startswith("0o"):
            return int(text[2:], 8)
        if text.startswith("0x"):
            return int(text[2:], 16)
        return int(text)

    def construct_yaml_float(self, node: Any) -> float:
        text = str(self.construct_scalar(node)).lower()
        if text.endswith("inf"):
            return float("-inf") if text.startswith("-") else float("inf")
        if text == ".nan":
            return float("nan")
        return float(text)

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        """Refuse duplicate keys, as the yaml npm package (and ruamel) do."""
        pairs = node.value if isinstance(node, pyyaml.MappingNode) else ()
        keys = [k.value for k, _ in pairs]
        if len(set(keys)) != len(keys):  # rare: only then look for which key, skipping merge keys
            seen: set[Any] = set()
            for key_node, _ in pairs:
                if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key_node, pyyaml.ScalarNode):
                    continue
                if key_node.value in seen:
                    raise pyyaml.constructor.ConstructorError(
                        "while constructing a mapping", node.start_mark,
                        f"found duplicate key {key_node.value!r}", key_node.start_mark,
                    )
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml: the pure-Python parser
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class FastLoader(_FastConstructor, _FastResolver, _SafeLoader):
    """libyaml's parser (when PyYAML has it) + YAML 1.2 core schema: the mixins come first in the MRO."""


def _construct_int(loader: FastLoader, node: pyyaml.Node) -> int:
    return loader.construct_yaml_int(node)


def _construct_float(loader: FastLoader, node: pyyaml.Node) -> float:
    return loader.construct_yaml_float(node)


def _construct_timestamp_as_text(loader: FastLoader, node: pyyaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


FastLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
FastLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
FastLoader.add_constructor(_TIMESTAMP, _construct_timestamp_as_text)


def load_fast(text: str) -> Any:
    """Parse YAML text into plain dict/list/str/int/float/bool/None values, quickly."""
    return pyyaml.load(text, Loader=FastLoader)
