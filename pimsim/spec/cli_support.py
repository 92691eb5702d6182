"""Command-line plumbing shared by ``pimsim``, ``pimcompile`` and ``recsys``.

One behaviour for the three commands (docs/cli.md, "Conventions"):

- Subcommands are modules with ``add_arguments(parser)`` and ``main(args) -> int``; the
  modules import nothing heavy at the top, so parsing, ``--help`` and every usage error
  answer before numba, torch or onnxruntime is imported (``benchmarks/cli_latency.py``).
- Argument values are checked *while parsing* by the types in :mod:`pimsim.spec.cli_types`
  (bounded numbers, input files that must be regular files of the right kind, writable
  outputs), and outputs that resolve to an input of the same command are refused before
  anything runs (:func:`check_outputs_are_not_inputs`).
- A usage mistake is one line naming the (sub)command, with a "did you mean" for a
  misspelt subcommand, flag or choice: ``error: pimsim run: unrecognized arguments:
  --btach (did you mean --batch?) (see pimsim run --help)``.
- Bad input is one line ``error: <file or flag>: <problem>`` and exit 2; ``--debug``
  (accepted anywhere on the line) shows the traceback instead; Ctrl-C exits 130; a reader
  that closes the pipe (``pimsim run m.json | head``) ends the command quietly with 141,
  the status a shell reports for SIGPIPE.  ``error: internal error`` is kept for bugs.
- ``--help`` lists every option with its default; ``--version`` prints the version.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Protocol, cast

from pimsim.spec.cli_types import InputFile, OutputPath
from pimsim.spec.errors import SpecError, did_you_mean

EXIT_USAGE = 2
EXIT_INPUT = 2
EXIT_INTERNAL = 1
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 128 + 13
"""128 + SIGPIPE: what a shell reports for ``yes | head``; ``set -o pipefail`` scripts see the usual status."""

DEBUG_FLAG = "--debug"


class DefaultsHelpFormatter(argparse.HelpFormatter):
    """Every option's help ends with its default (unless the help already says it or there is none)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (default in (None, False, argparse.SUPPRESS) or isinstance(action, argparse._StoreTrueAction)
                or "default" in text or action.option_strings == [] and action.nargs in ("*", "+")):
            return text
        shown = ",".join(map(str, default)) if isinstance(default, (list, tuple)) else default
        return f"{text} (default: {shown})".strip()


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line (``error: <command>: <problem>``), like every other error."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", DefaultsHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"error: {self.prog}: {explain_usage_error(self, message)} (see {self.prog} --help)\n")


def explain_usage_error(parser: argparse.ArgumentParser, message: str) -> str:
    """argparse's message, shortened (``argument --x: v: problem`` -> ``--x v: problem``), with a suggestion."""
    choice = re.match(r"argument (.+?): invalid choice: '(.*)' \(choose from (.*)\)$", message)
    if choice:
        flag, given, options = choice.groups()
        names = re.findall(r"'([^']*)'", options)
        hint = did_you_mean(given, names)
        label = "unknown subcommand" if flag in ("COMMAND", "ACTION", "{" + ",".join(names) + "}") else flag
        return f"{label} {given!r}{hint or ''}; choose from {', '.join(names)}"
    typed = re.match(r"argument (.+?): (.*)$", message)
    if typed:
        return f"{typed.group(1)}: {typed.group(2)}"
    return message


def add_debug_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(DEBUG_FLAG, action="store_true",
                        help="show tracebacks instead of one-line errors (accepted anywhere on the line)")


def add_version_flag(parser: argparse.ArgumentParser, prog: str, version: str) -> None:
    parser.add_argument("--version", action="version", version=f"{prog} {version}")


def split_debug(argv: Sequence[str]) -> tuple[list[str], bool]:
    """Remove ``--debug`` wherever it is (before a ``--``), so it works in any position."""
    argv = list(argv)
    stop = argv.index("--") if "--" in argv else len(argv)
    debug = DEBUG_FLAG in argv[:stop]
    return [a for i, a in enumerate(argv) if not (i < stop and a == DEBUG_FLAG)], debug


def _chosen_parsers(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[argparse.ArgumentParser]:
    """The parser chain the arguments went through: the tool, its subcommand, the subcommand's action."""
    chain = [parser]
    while True:
        subs = [a for a in chain[-1]._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            return chain
        chosen = getattr(args, subs[0].dest, None)
        if chosen not in subs[0].choices:
            return chain
        chain.append(subs[0].choices[chosen])


def _unrecognized(parser: argparse.ArgumentParser, extras: list[str]) -> str:
    """``unrecognized arguments: --btach (did you mean --batch?) 3``."""
    options = [s for a in parser._actions for s in a.option_strings]
    words = [w + (did_you_mean(w.split("=", 1)[0], options) if w.startswith("-") else "") for w in extras]
    return f"unrecognized argument{'s' if len(extras) > 1 else ''}: {' '.join(words)}"


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse with ``--debug`` anywhere, unknown flags reported by the subcommand that got them, and the
    file checks of :func:`check_outputs_are_not_inputs`."""
    argv, debug = split_debug(sys.argv[1:] if argv is None else argv)
    try:
        args, extras = parser.parse_known_args(argv)
        chain = _chosen_parsers(parser, args)
        if extras:
            chain[-1].error(_unrecognized(chain[-1], extras))
        args.debug = debug or bool(getattr(args, "debug", False))
        args._parsers = chain
        check_outputs_are_not_inputs(chain, args)
        for _, value, kind in output_arguments(chain, args):
            kind.check_kind(value)
    except SpecError as exc:  # a file argument's check (cli_types) names the file, not the flag
        if debug:
            raise
        print(exc.one_line(), file=sys.stderr)
        raise SystemExit(EXIT_INPUT) from None
    return args


def output_arguments(chain: list[argparse.ArgumentParser], args: argparse.Namespace):
    """``(flag, value, OutputPath type)`` of every output argument given."""
    for parser in chain:
        for action in parser._actions:
            value = getattr(args, action.dest, None)
            if isinstance(action.type, OutputPath) and value is not None:
                for v in value if isinstance(value, list) else [value]:
                    yield "/".join(action.option_strings) or action.dest, v, action.type


def check_outputs_are_not_inputs(chain: list[argparse.ArgumentParser], args: argparse.Namespace) -> None:
    """Refuse, before anything runs, an output (or a file written beside it) that is one of the inputs."""
    inputs = []
    for parser in chain:
        for action in parser._actions:
            value = getattr(args, action.dest, None)
            if value is not None and isinstance(action.type, InputFile):
                values = value if isinstance(value, list) else [value]
                inputs += [("/".join(action.option_strings) or action.dest, v) for v in values if isinstance(v, str)]
    for flag, value, kind in output_arguments(chain, args):
        written = kind.written_files(value)
        for in_flag, given in inputs:
            if any(same_file(w, given) for w in written):
                raise_usage(chain[-1], f"{flag} {value}: would overwrite the input {given} ({in_flag})")


def raise_usage(parser: argparse.ArgumentParser, message: str):
    parser.exit(EXIT_USAGE, f"error: {parser.prog}: {message}\n")


def same_file(a: str, b: str) -> bool:
    """The two paths name one file (same path after resolving links, or the same inode)."""
    try:
        if os.path.realpath(a) == os.path.realpath(b):
            return True
        sa, sb = os.stat(a), os.stat(b)
        return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)
    except (OSError, ValueError):
        return False


def _quiet_stdout() -> None:
    """After the reader closed the pipe: point stdout at /dev/null so the exit-time flush stays silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _report_os_error(exc: OSError) -> str | None:
    """An OS error about a named file (permissions, disk full, read-only file system) is the environment, not a bug."""
    name = exc.filename
    if name is None or exc.strerror is None:
        return None
    return f"error: {name}: {exc.strerror}"


class OneLineError(Protocol):
    """What every exception type in ``user_errors`` provides (``SpecError``, ``recsys_models.errors.UserError``)."""

    def one_line(self) -> str: ...


def guarded(entry: Callable[[argparse.Namespace], int], args: argparse.Namespace,
            user_errors: tuple[type[BaseException], ...] = (SpecError,)) -> int:
    """Run ``entry(args)``, turning every failure into one line and an exit code."""
    debug = getattr(args, "debug", False)
    try:
        code = int(entry(args) or 0)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except user_errors as exc:
        if debug:
            raise
        print(cast(OneLineError, exc).one_line(), file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        if debug:
            raise
        print("error: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except MemoryError as exc:
        if debug:
            raise
        detail = " ".join(str(exc).split()) or "MemoryError"
        prog = getattr(args, "_parsers", [None])[-1]
        print(f"error: {prog.prog if prog else 'memory'}: ran out of memory ({detail}): an input value or size is "
              "too large for this machine", file=sys.stderr)
        return EXIT_INPUT
    except OSError as exc:
        if debug:
            raise
        line = _report_os_error(exc)
        if line is None:
            return _internal(exc)
        print(line, file=sys.stderr)
        return EXIT_INPUT
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback
        if debug:
            raise
        return _internal(exc)


def _internal(exc: BaseException) -> int:
    detail = " ".join(str(exc).split()) or type(exc).__name__
    print(f"error: internal error: {type(exc).__name__}: {detail} (rerun with --debug)", file=sys.stderr)
    return EXIT_INTERNAL


def build_tool(prog: str, description: str, subcommands: dict[str, tuple[str, str]], version: str,
               ) -> tuple[argparse.ArgumentParser, dict[str, ModuleType]]:
    """The tool's parser with one subparser per ``name -> (module, help)``; returns (parser, modules)."""
    parser = OneLineParser(prog=prog, description=description)
    add_version_flag(parser, prog, version)
    add_debug_flag(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    modules: dict[str, ModuleType] = {}
    for name, (module_name, help_text) in subcommands.items():
        module = importlib.import_module(module_name)
        modules[name] = module
        p = sub.add_parser(name, help=help_text, description=(module.__doc__ or help_text).strip().splitlines()[0])
        module.add_arguments(p)
        for leaf in leaf_parsers(p):
            if not any(DEBUG_FLAG in a.option_strings for a in leaf._actions):
                add_debug_flag(leaf)
    return parser, modules


def leaf_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """``parser`` itself, or the parsers of its sub-actions (``recsys supernet train``, ...)."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return [parser]
    return [leaf for child in subs[0].choices.values() for leaf in leaf_parsers(child)]


def dispatch(prog: str, description: str, subcommands: dict[str, tuple[str, str]], argv: Sequence[str] | None,
             version: str = "", user_errors: tuple[type[BaseException], ...] = (SpecError,)) -> int:
    """Build the tool's parser, parse ``argv`` and run the chosen subcommand's ``main``."""
    parser, modules = build_tool(prog, description, subcommands, version)
    args = parse_or_exit_code(parser, argv)
    if isinstance(args, int):
        return args
    return guarded(modules[args.command].main, args, user_errors)


def parse_or_exit_code(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace | int:
    """:func:`parse`, with argparse's exits (usage errors, ``--help``, ``--version``) turned into a return code,
    so ``main(argv)`` always returns."""
    try:
        return parse(parser, argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_USAGE)
