"""Atomic file writing for the model tools: a temporary file beside the target, then a rename.

An interrupted export, training run or search never leaves a half-written file.
(``recsys_models`` may not import ``pimsim``, whose ``pimsim.spec.io`` does the same for the
hardware tools.)  The result gets the ordinary permissions of a new file (0666 less the umask),
not the owner-only mode of ``tempfile.mkstemp``.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def companion(output, suffix: str) -> Path:
    """``supernet.pt`` -> ``supernet.last.pt`` / ``supernet.timing.json``: files written beside ``-o``."""
    out = Path(output)
    return out.with_name(f"{out.stem}{suffix}")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: str | Path, suffix: str = ".tmp") -> Iterator[str]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``, on error it is removed."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=suffix)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)


def atomic_write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")


def atomic_write_json(path: str | Path, payload) -> None:
    """Sorted keys, indent 2, no NaN (write ``None`` for missing numbers), trailing newline."""
    atomic_write_text(path, json.dumps(payload, indent=2, sort_keys=True, allow_nan=False) + "\n")


def check_regular_file(path: str | Path) -> None:
    """Refuse, from ``stat`` alone, anything but a regular file: a FIFO or device would block the ``open``.

    (The same rule as ``pimsim.spec.io.check_regular_file``, which this package may not import.)
    """
    from recsys_models.errors import UserError

    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise UserError(path, "no such file") from None
    except OSError as exc:
        raise UserError(path, f"cannot read: {exc.strerror or exc}") from None
    except ValueError:
        raise UserError(repr(str(path)), "a path cannot contain a null byte") from None
    if stat.S_ISDIR(mode):
        raise UserError(path, "is a directory, expected a file")
    if stat.S_ISFIFO(mode):
        raise UserError(path, "is a named pipe (FIFO), expected a regular file (refused before opening: reading it "
                              "could block)")
    if not stat.S_ISREG(mode):
        raise UserError(path, "is not a regular file (a device or socket)")
