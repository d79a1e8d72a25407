"""The optional compiled extensions and the switch that turns them off.

The extensions are ``pregel/core/_kernels.c`` (message kernels) and ``pregel/io/_edgetext.c``
(the edge-list parser).

``pip install`` builds them where a C compiler exists (``setup.py`` marks them
optional); each has a numpy or scipy fallback giving the same results. Setting
``PREGEL_NO_COMPILED=1`` in the environment before pregel is imported makes every
fallback run (the tests run both ways).
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType


def switched_off() -> bool:
    """Whether ``PREGEL_NO_COMPILED`` asks for the fallbacks.

    Examples
    --------
    >>> isinstance(switched_off(), bool)
    True
    """
    return os.environ.get("PREGEL_NO_COMPILED", "") not in ("", "0")


def load(name: str) -> ModuleType | None:
    """The compiled module ``name`` (a full dotted name), or None when it was not built or is switched off.

    Examples
    --------
    >>> load("pregel._no_such_extension") is None
    True
    """
    if switched_off():
        return None
    try:
        return importlib.import_module(name)
    except ImportError:  # built without a compiler: the fallback does the work
        return None
