"""What a number field accepts as it is typed, and the hint saying so (Decap's `value_type`, `min`, `max`, `step`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


def _bound(options: Mapping[str, Any], key: str) -> int | float | None:
    value = options.get(key)
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def allows_negative(options: Mapping[str, Any]) -> bool:
    """Whether a minus sign can lead to a valid value (no `min`, or a negative one)."""
    low = _bound(options, "min")
    return low is None or low < 0


def typing_pattern(options: Mapping[str, Any]) -> str:
    """A regular expression every prefix of a valid number matches: digits, a sign where a negative value is
    possible, and a decimal point unless `value_type: int`."""
    sign = "[-+]?" if allows_negative(options) else r"\+?"
    if options.get("value_type") == "int":
        return rf"{sign}\d*"
    return rf"{sign}\d*(?:\.\d*)?"


def accepts_typing(text: str, options: Mapping[str, Any]) -> bool:
    """Whether `text` is (the start of) a number the field takes."""
    return re.fullmatch(typing_pattern(options), text.strip()) is not None


def number_hint(options: Mapping[str, Any]) -> str:
    """The range hint shown under the field: kind of number, bounds and step ("Whole number from 1 to 10, step 2")."""
    low, high, step = _bound(options, "min"), _bound(options, "max"), _bound(options, "step")
    kind = {"int": "Whole number", "float": "Number (decimals allowed)"}.get(str(options.get("value_type")), "Number")
    if low is not None and high is not None:
        text = f"{kind} from {low} to {high}"
    elif low is not None:
        text = f"{kind}, at least {low}"
    elif high is not None:
        text = f"{kind}, at most {high}"
    else:
        text = kind
    if step is not None and step != 1:
        text += f", in steps of {step}"
    return text + " (Up/Down to step)"


def range_problem(value: Any, options: Mapping[str, Any]) -> str | None:
    """Why a parsed number is outside `min`/`max`, or None."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    low, high = _bound(options, "min"), _bound(options, "max")
    if low is not None and value < low:
        return f"{value} is below the minimum {low}"
    if high is not None and value > high:
        return f"{value} is above the maximum {high}"
    return None
