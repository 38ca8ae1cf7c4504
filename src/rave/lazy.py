"""Re-exports imported on first use, for packages whose ``__init__`` names what their
modules define (``rave.services``, ``rave.queries``, ``rave.scoring``): a command then
loads only the modules it uses. The package imports the names under ``TYPE_CHECKING``
too, so the type checker sees them as usual."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def exports(package: str, where: Mapping[str, str]) -> Callable[[str], Any]:
    """The module ``__getattr__`` of ``package``: ``where`` maps each name to the module
    that defines it; a name is imported once, then kept in the package."""

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(where[name]), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
