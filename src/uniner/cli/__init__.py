"""The ``uniner`` command line: a thin layer over the library.

Each module in this package that defines ``register(subparsers)`` adds one command; the
command's work is a public library function, so everything the CLI does can be done from
Python too. Heavy imports (torch, transformers) happen inside the commands, so ``uniner
--help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from uniner.errors import UninerError, UninerWarning


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="uniner", description="Open named-entity recognition by targeted distillation."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "register"):
            module.register(sub)
    return parser


_python_show_warning = warnings.showwarning


def _show_warning(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    """uniner's own warnings as one plain line; others as Python shows them."""
    if issubclass(category, UninerWarning):
        print(f"uniner: warning: {message}", file=sys.stderr)
    else:
        _python_show_warning(message, category, *args, **kwargs)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a known failure prints ``uniner: error: ...`` and exits with 2."""
    args = build_parser().parse_args(argv)
    warnings.showwarning = _show_warning
    try:
        result = args.func(args)
    except (UninerError, ValueError, TypeError, FileNotFoundError) as err:
        if os.environ.get("UNINER_DEBUG"):
            raise
        print(f"uniner: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("uniner: interrupted", file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
