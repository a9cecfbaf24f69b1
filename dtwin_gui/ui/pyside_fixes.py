"""A guard against a reference-counting defect of the Qt binding, kept in one place.

PySide6 6.12 returns ``None`` from void functions (``painter.setPen(...)``,
``obj.setObjectName(...)``, ...) and ``True`` from ``SignalInstance.emit()`` without taking a
reference to them. On Python 3.12+ these singletons are immortal (PEP 683), so nothing
happens. On Python 3.11 every such call costs the singleton one reference, and after some
minutes of painting the interpreter aborts ("none_dealloc: deallocating None").

:func:`protect_singletons` probes for the defect and, only when it is present on an
interpreter without immortal objects, gives ``None``, ``True`` and ``False`` a reference
count too large to ever be used up — what Python 3.12 does for them by design. It runs when
:mod:`dtwin_gui.ui` is imported, before any widget exists.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

#: Added to each singleton's reference count: about 10^12 calls' worth.
PIN = 1 << 40

_protected = False


class _Probe(QObject):
    ping = Signal()


def binding_drops_references() -> bool:
    """Whether void calls or signal emits lose references to ``None``/``True``."""
    probe = _Probe()
    none_before = sys.getrefcount(None)
    for _ in range(8):
        probe.setObjectName("probe")
    true_before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    return sys.getrefcount(None) < none_before or sys.getrefcount(True) < true_before


def protect_singletons() -> bool:
    """Pin ``None``, ``True`` and ``False`` when needed; True when the pin was applied."""
    global _protected
    if _protected or sys.version_info >= (3, 12) or not binding_drops_references():
        return False
    for singleton in (None, True, False):
        # ob_refcnt is the first field of every object in a release build of CPython.
        ctypes.c_ssize_t.from_address(id(singleton)).value += PIN
    _protected = True
    return True
