"""Command-line plumbing shared by ``pimsim`` and ``pimcompile``.

Subcommands are modules with ``add_arguments(parser)`` and ``main(args) -> int``,
imported lazily so that ``--help`` never imports numba, onnx or torch.
Bad input becomes one line on stderr (``error: <file>: <problem>``) and a
non-zero exit; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from pimsim.spec.errors import SpecError

EXIT_USAGE = 2
EXIT_INPUT = 2
EXIT_INTERNAL = 1
EXIT_INTERRUPTED = 130


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line (``error: <command>: <problem>``), like every other error."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def add_debug_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")


def guarded(entry: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run ``entry(args)``, turning every failure into one line and an exit code."""
    debug = getattr(args, "debug", False)
    try:
        return int(entry(args) or 0)
    except SpecError as exc:
        if debug:
            raise
        print(exc.one_line(), file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        if debug:
            raise
        print("error: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback
        if debug:
            raise
        detail = " ".join(str(exc).split()) or type(exc).__name__
        print(f"error: internal error: {type(exc).__name__}: {detail} (rerun with --debug)", file=sys.stderr)
        return EXIT_INTERNAL


def dispatch(prog: str, description: str, subcommands: dict[str, tuple[str, str]], argv: Sequence[str] | None) -> int:
    """Build a parser with one subparser per ``name -> (module, help)`` and run the chosen one."""
    parser = OneLineParser(prog=prog, description=description)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    modules = {}
    for name, (module_name, help_text) in subcommands.items():
        module = importlib.import_module(module_name)
        modules[name] = module
        p = sub.add_parser(name, help=help_text, description=(module.__doc__ or help_text).strip().splitlines()[0])
        module.add_arguments(p)
        add_debug_flag(p)
    args = parser.parse_args(argv)
    return guarded(modules[args.command].main, args)
