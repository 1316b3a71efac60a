"""`emit(signal, *args)`: emit a Python-defined Qt signal without PySide6 6.12.0's refcount bug.

PySide6 6.12.0's `SignalInstance.emit()` returns `True`/`False` without taking a reference, so every
`.emit(...)` called from Python takes one reference away from the bool. After a few thousand emits
(typing in a form does that quickly) Python aborts with "Fatal Python error: bool_dealloc". Giving the
reference back is harmless on a fixed PySide (a surplus reference on a bool is never freed), so every
emit from Python in this app goes through here.
"""

from __future__ import annotations

import ctypes
from typing import Any

_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None


def emit(signal: Any, *args: Any) -> None:
    """Emit `signal` with `args` and return the reference PySide's emit() failed to take."""
    result = signal.emit(*args)
    if isinstance(result, bool):
        _incref(result)
