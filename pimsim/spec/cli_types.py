"""Argument types that check values while the command line is parsed, before anything heavy is imported.

Used as ``parser.add_argument("--batch", type=Int(1, MAX_BATCH, why=...))`` and
``parser.add_argument("mapping", type=InputFile("mapping"))``.  A bad number is a
usage error naming the subcommand and the flag (``error: pimsim run: --batch: 0: must be
at least 1``); a bad file is ``error: <file>: <problem>``:

- inputs must exist and be regular files (directories, FIFOs, devices and sockets are
  refused from ``stat`` alone, before any ``open`` could block), be readable, and, when the
  kind is given, not be another of the project's formats (:mod:`pimsim.spec.filekinds`);
- outputs must not be directories or special files, their directory must exist or be
  creatable, and it must be writable (a read-only file system is named as such);
- numbers are finite (``nan``/``inf`` are refused everywhere) and within bounds whose
  reasons are in :mod:`pimsim.spec.limits`.

Outputs that resolve to an input are refused by
:func:`pimsim.spec.cli_support.check_outputs_are_not_inputs`, which reads these types.
"""

from __future__ import annotations

import argparse
import math
import os
import stat
from collections.abc import Callable, Sequence
from importlib import resources

from pimsim.spec.errors import SpecError, did_you_mean
from pimsim.spec.io import check_regular_file


def preset_names() -> tuple[str, ...]:
    """The architecture presets shipped in ``pimsim/spec/presets`` (without importing the arch models)."""
    folder = resources.files("pimsim.spec.presets")
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml")))


def _check_text(text: str) -> None:
    if text == "":
        raise argparse.ArgumentTypeError("empty path")
    if "\x00" in text:
        raise argparse.ArgumentTypeError(f"{text!r}: a path cannot contain a null byte")


class InputFile:
    """A file the command reads: exists, regular, readable, and of ``kind`` when the kind is recognisable.

    Parameters
    ----------
    kind : str, optional
        A :data:`pimsim.spec.filekinds.KINDS` key; a file recognised as another kind is refused
        with advice (``this is a mapping.json, expected an arch.yaml (did you mean `pimsim run`?)``).
    also : sequence of str
        Other kinds this argument accepts (``pimsim compare`` takes mappings and reports).
    presets : sequence of str
        Names accepted instead of a path (architecture presets, registered model names).
    preset_noun : str
        What a preset is called in messages (``architecture preset``, ``model``).
    directory_ok : bool
        Accept a directory (``--data DIR`` holding the dataset file).
    """

    def __init__(self, kind: str | None = None, also: Sequence[str] = (), presets: Sequence[str] | Callable = (),
                 preset_noun: str = "architecture preset", directory_ok: bool = False):
        self.kind, self.also, self._presets, self.directory_ok = kind, tuple(also), presets, directory_ok
        self.preset_noun = preset_noun

    def presets(self) -> tuple[str, ...]:
        return tuple(self._presets() if callable(self._presets) else self._presets)

    def __call__(self, text: str) -> str:
        _check_text(text)
        names = self.presets()
        if text in names:
            return text
        if names and not os.path.lexists(text) and "/" not in text and "." not in text:
            raise SpecError(text, f"unknown {self.preset_noun} and no such file{did_you_mean(text, names)} "
                                  f"({self.preset_noun}s: {', '.join(names)}; or a file path)")
        st = check_regular_file(text, self.directory_ok)
        if self.kind and stat.S_ISREG(st.st_mode):
            from pimsim.spec.filekinds import sniff, wrong_kind_message

            found = sniff(text)
            if found and found != self.kind and found not in self.also:
                raise SpecError(text, wrong_kind_message(found, self.kind))
        return text

    def __repr__(self) -> str:  # argparse names the type in some messages
        return f"{self.kind or 'input'} file"


def _nearest_existing(path: str) -> str:
    parent = os.path.dirname(os.path.abspath(path))
    while not os.path.lexists(parent):
        parent = os.path.dirname(parent)
    return parent


def check_writable_location(path: str) -> None:
    """The directory that will hold ``path`` exists (or can be created) and is writable."""
    where = _nearest_existing(path)
    if not os.path.isdir(where):
        raise SpecError(path, f"cannot create it: {where} is a file, not a directory")
    if not os.access(where, os.W_OK | os.X_OK):
        try:
            read_only = bool(os.statvfs(where).f_flag & os.ST_RDONLY)
        except OSError:
            read_only = False
        reason = "read-only file system" if read_only else "permission denied"
        raise SpecError(path, f"cannot write in {where}: {reason}")


class OutputPath:
    """Base of the output types: what files an output value stands for."""

    is_directory = False

    def written_files(self, value: str) -> list[str]:
        return [value]

    def check_kind(self, value: str) -> None:
        """Checks made after the overwrite check (so ``-o the_input`` is reported as such first)."""


class OutputFile(OutputPath):
    """A file the command writes (atomically).

    Parameters
    ----------
    suffixes : sequence of str
        Accepted endings (``.png``, ``.svg``, ``.pdf``), checked here.
    derived : callable
        ``value -> [other files written beside it]`` (``mapping.json`` -> ``mapping.weights.npz``).
    """

    def __init__(self, suffixes: Sequence[str] = (), derived: Callable[[str], list[str]] | None = None):
        self.suffixes, self.derived = tuple(suffixes), derived

    def check_kind(self, value: str) -> None:
        if self.suffixes and not value.lower().endswith(self.suffixes):
            raise SpecError(value, f"unsupported file type (use {', '.join(self.suffixes)})")

    def __call__(self, text: str) -> str:
        _check_text(text)
        if os.path.lexists(text):
            mode = os.stat(text).st_mode if os.path.exists(text) else 0
            if stat.S_ISDIR(mode):
                raise SpecError(text, "is a directory; give a file name")
            if mode and not stat.S_ISREG(mode):
                raise SpecError(text, "is not a regular file (a pipe or device); give a file name")
        check_writable_location(text)
        return text

    def written_files(self, value: str) -> list[str]:
        return [value, *(self.derived(value) if self.derived else [])]

    def __repr__(self) -> str:
        return "output file"


class OutputDir(OutputPath):
    """A directory the command creates or fills with ``files`` (names inside it)."""

    is_directory = True

    def __init__(self, files: Sequence[str] = ()):
        self.files = tuple(files)

    def __call__(self, text: str) -> str:
        _check_text(text)
        if os.path.exists(text) and not os.path.isdir(text):
            raise SpecError(text, "exists and is not a directory; give a directory")
        check_writable_location(os.path.join(text, "x") if os.path.isdir(text) else text)
        return text

    def written_files(self, value: str) -> list[str]:
        return [os.path.join(value, f) for f in self.files]

    def __repr__(self) -> str:
        return "output directory"


def _number(text: str, kind: type) -> float | int:
    try:
        value = kind(text)
    except ValueError:
        noun = "an integer" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"{text!r}: not {noun}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text}: must be a finite number")
    return value


def _show(bound: float) -> str:
    """A bound as people write it: ``1,000,000``, ``0.5``."""
    return f"{int(bound):,}" if float(bound).is_integer() else f"{bound:g}"


class _Bounded:
    kind: type = float

    def __init__(self, lo: float | None = None, hi: float | None = None, *, lo_open: bool = False,
                 why: str = ""):
        self.lo, self.hi, self.lo_open, self.why = lo, hi, lo_open, why

    def __call__(self, text: str):
        value = _number(text, self.kind)
        if self.lo is not None and (value <= self.lo if self.lo_open else value < self.lo):
            bound = f"greater than {_show(self.lo)}" if self.lo_open else f"at least {_show(self.lo)}"
            raise argparse.ArgumentTypeError(f"{text}: must be {bound}")
        if self.hi is not None and value > self.hi:
            reason = f" ({self.why})" if self.why else ""
            raise argparse.ArgumentTypeError(f"{text}: must be at most {_show(self.hi)}{reason}")
        return value

    def __repr__(self) -> str:
        return "integer" if self.kind is int else "number"


class Int(_Bounded):
    """An integer in ``[lo, hi]``; the upper bound's reason goes in ``why``."""

    kind = int


class Real(_Bounded):
    """A finite float in ``[lo, hi]`` (``(lo, hi]`` with ``lo_open``)."""

    kind = float


def int_list(lo: int, hi: int, why: str = "", allow_empty: bool = True) -> Callable[[str], tuple[int, ...]]:
    """Comma-separated integers, each in ``[lo, hi]`` (``"2,4,8"``), sorted without repeats; an empty string is an
    empty tuple, or refused when ``allow_empty`` is false."""
    one = Int(lo, hi, why=why)

    def parse(text: str) -> tuple[int, ...]:
        items = [t.strip() for t in text.split(",") if t.strip()]
        if not items and not allow_empty:
            raise argparse.ArgumentTypeError(f"{text!r}: needs at least one value")
        return tuple(sorted({one(t) for t in items}))

    parse.__name__ = "comma-separated integers"
    return parse
