"""YAML as Decap reads it (the `yaml` npm package, YAML 1.2 core schema): two loaders that agree.

- `round_trip_yaml()`: a ruamel.yaml round-trip instance (comments, quoting, order, line numbers kept);
  timestamps are NOT resolved, so dates stay strings and are written back exactly.
- `load_fast(text)`: PyYAML's C loader with a YAML 1.2 core resolver (`yes`/`on` stay strings,
  `0777` is decimal, no timestamps) for reading thousands of entries quickly.
- `check_alias_expansion(text)`: refuses a document whose aliases expand to more than `MAX_ALIAS_NODES`
  values (a "billion laughs" file of 400 bytes is 10^9 values once walked); both loaders run it first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
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


# PyYAML's stubs type add_constructor for its own constructor classes only.
_CONSTRUCTOR: Any = _FastConstructor
_CONSTRUCTOR.add_constructor("tag:yaml.org,2002:int", _FastConstructor.construct_yaml_int)
_CONSTRUCTOR.add_constructor("tag:yaml.org,2002:float", _FastConstructor.construct_yaml_float)
_CONSTRUCTOR.add_constructor(_TIMESTAMP, pyyaml.constructor.SafeConstructor.construct_scalar)

try:
    from yaml._yaml import CParser as _CParser

    _HAS_LIBYAML = True
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _HAS_LIBYAML = False


if _HAS_LIBYAML:

    class FastLoader(_CParser, _FastConstructor, _FastResolver):
        """libyaml parser + YAML 1.2 core schema."""

        def __init__(self, stream: Any) -> None:
            _CParser.__init__(self, stream)
            _FastConstructor.__init__(self)
            _FastResolver.__init__(self)

else:  # pragma: no cover - PyYAML without libyaml

    class FastLoader(  # type: ignore[no-redef]
        pyyaml.reader.Reader, pyyaml.scanner.Scanner, pyyaml.parser.Parser, pyyaml.composer.Composer,
        _FastConstructor, _FastResolver,
    ):
        """Pure-Python parser + YAML 1.2 core schema."""

        def __init__(self, stream: Any) -> None:
            pyyaml.reader.Reader.__init__(self, stream)
            pyyaml.scanner.Scanner.__init__(self)
            pyyaml.parser.Parser.__init__(self)
            pyyaml.composer.Composer.__init__(self)
            _FastConstructor.__init__(self)
            _FastResolver.__init__(self)


# PyYAML's stubs list only its own loader classes; FastLoader is one of them plus the YAML 1.2 schema.
_LOADER: Any = FastLoader

# The values aliases may add to a document (each alias counts the values of what it repeats). Real configs
# repeat a few field lists (hundreds of values); the yaml package Decap uses caps aliases in the same spirit.
MAX_ALIAS_NODES = 100_000


# Every alias follows a line start, a space, a flow indicator or ':'; a '*' elsewhere ("a*b", "**") is text.
_MAYBE_ALIAS = re.compile(r"(?:^|[\s\[{,:])\*", re.MULTILINE)


class AliasBombError(pyyaml.MarkedYAMLError):
    """A document whose aliases expand to more values than `MAX_ALIAS_NODES`; `problem_mark` is the alias."""


def _expansion_check(events: Iterable[Any], limit: int) -> None:
    sizes: dict[str, int] = {}
    stack: list[list[Any]] = []  # [anchor, values so far] per open collection
    added = 0
    for event in events:
        kind = type(event).__name__
        if kind in ("MappingStartEvent", "SequenceStartEvent"):
            stack.append([event.anchor, 1])
            continue
        if kind in ("MappingEndEvent", "SequenceEndEvent"):
            anchor, size = stack.pop()
        elif kind == "ScalarEvent":
            anchor, size = event.anchor, 1
        elif kind == "AliasEvent":
            anchor, size = None, sizes.get(event.anchor, 1)
            added += size
            if added > limit:
                raise AliasBombError(
                    None, None,
                    f"the aliases (*{event.anchor} and others) repeat more than {limit:,} values; a document "
                    "this size cannot need that many (a \"billion laughs\" file?), so it is not read",
                    event.start_mark,
                )
        else:
            continue
        if anchor is not None:
            sizes[anchor] = size
        if stack:
            stack[-1][1] += size


def check_alias_expansion(text: str, limit: int = MAX_ALIAS_NODES) -> None:
    """Raise `AliasBombError` (with the line of the alias) when the aliases of `text` expand too far."""
    if "*" not in text or _MAYBE_ALIAS.search(text) is None:
        return  # no alias at all: the common case costs one scan
    try:
        _expansion_check(pyyaml.parse(text, Loader=_LOADER), limit)
    except AliasBombError:
        raise
    except pyyaml.YAMLError:
        # libyaml refuses what ruamel (the reference for configs) may accept: count with ruamel's parser.
        from ruamel.yaml.error import YAMLError as RuamelError

        try:
            _expansion_check(YAML(typ="rt").parse(text), limit)
        except RuamelError:
            return  # not YAML at all: the loader reports the syntax error itself


def load_fast(text: str) -> Any:
    """Parse YAML text into plain dict/list/str/int/float/bool/None values, quickly (aliases bounded)."""
    check_alias_expansion(text)
    return pyyaml.load(text, Loader=_LOADER)


def compose_fast(text: str) -> Any:
    """The node graph of YAML text (libyaml), nothing constructed: for finding where things are."""
    return pyyaml.compose(text, Loader=_LOADER)
