"""Command-line values converted without pydantic.

Typer (≥ 0.27) converts every option and argument through a pydantic ``TypeAdapter``,
built on first use: importing pydantic and building the adapters costs more than all of
``rave today``'s own work (see bench/README.md). rave's parameters are plain ``str``,
``int`` (with a minimum), ``bool``, ``Path`` and ``list[str]``, so :func:`install` gives each such
parameter a small converter with the same checks instead. Anything else keeps Typer's
own conversion, and so does everything if a future Typer changes the hook this uses
(``_runtime_param``): only speed depends on it. ``tests/test_cli_params.py`` checks the
messages and that read commands never import pydantic.

:func:`install` also names every value in help by a word: its ``metavar`` (``--limit N``,
``--when WHEN``), else the parameter's name in capitals (``--tag TAG``, ``FILE``), never
Typer's type labels (``<str>``, ``<list[str]>``, ``<int range>``).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer


def _int(value: Any, info: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise typer.BadParameter(f"{value!r} is not a whole number.")
    try:
        number = int(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a whole number.") from None
    low, high = info.min, info.max
    if low is not None and number < low:
        raise typer.BadParameter(f"{number} is below the minimum of {low}.")
    if high is not None and number > high:
        raise typer.BadParameter(f"{number} is above the maximum of {high}.")
    return number


def _str(value: Any, info: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _path(value: Any, info: Any) -> Path:
    path = Path(value)
    if info.allow_dash and str(value) == "-":
        return path
    if info.resolve_path:
        path = Path(os.path.realpath(path))
    label = f"{'directory' if not info.file_okay else 'file'} {str(value)!r}"
    try:
        mode = path.stat().st_mode
    except (OSError, ValueError):  # ValueError: a NUL in the name, which no file can have
        if info.exists:
            raise typer.BadParameter(f"{label} does not exist.") from None
        return path
    if not info.file_okay and stat.S_ISREG(mode):
        raise typer.BadParameter(f"{label} is a file.")
    if not info.dir_okay and stat.S_ISDIR(mode):
        raise typer.BadParameter(f"{label} is a directory.")
    if info.readable and not os.access(path, os.R_OK):
        raise typer.BadParameter(f"{label} is not readable.")
    if info.writable and not os.access(path, os.W_OK):
        raise typer.BadParameter(f"{label} is not writable.")
    return path


_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off"})


def _bool(value: Any, info: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise typer.BadParameter(f"{value!r} is not a yes or a no.")


_CONVERTERS: dict[Any, Callable[[Any, Any], Any]] = {
    bool: _bool,
    int: _int,
    str: _str,
    Path: _path,
    list[str]: _str,
}


class _Converter:
    """Stands in for Typer's runtime parameter: ``coerce(value, param, ctx)``."""

    def __init__(self, convert: Callable[[Any, Any], Any], info: Any) -> None:
        self.convert = convert
        self.info = info

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        multi = param.multiple or param.nargs == -1
        if value is None:
            return () if multi else None
        try:
            if multi:
                if isinstance(value, str):
                    raise typer.BadParameter("Value must be an iterable.")
                return [self.convert(item, self.info) for item in value]
            return self.convert(value, self.info)
        except typer.BadParameter as exc:
            exc.ctx, exc.param = ctx, param
            raise


def _no_type(ctx: Any) -> None:
    return None


def _name_by_a_word(param: Any) -> None:
    """Show ``param`` in help as a word (its metavar, else its name in capitals)."""
    if getattr(param, "is_flag", False) or not param.name:
        return
    if param.metavar is None:
        param.metavar = param.name.upper()
    if param.param_type_name == "argument":
        # an option shows its metavar alone; an argument adds its type ("FILE <file>")
        param.display_type_rich = _no_type


def install(command: Any, ctx: Any = None) -> None:
    """Give every plain parameter of ``command`` and its sub-commands a converter (with
    ``ctx``, the help option too, which Typer makes per context), and a word in help."""
    params = list(getattr(command, "params", ()))
    if ctx is not None and hasattr(command, "get_help_option"):
        params.append(command.get_help_option(ctx))
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is not None:
            _name_by_a_word(param)
        if descriptor is None or getattr(param, "_runtime_param", "absent") is not None:
            continue  # not a Typer parameter, already converted, or a Typer without the hook
        info = descriptor.parameter_info
        try:
            convert = _CONVERTERS.get(descriptor.annotation)
        except TypeError:  # an unhashable annotation
            convert = None
        if convert is not None and getattr(info, "parser", None) is None:
            param._runtime_param = _Converter(convert, info)
    for sub in getattr(command, "commands", {}).values():
        install(sub)
