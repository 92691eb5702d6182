"""Atomic file writing for the model tools: a temporary file beside the target, then a rename.

An interrupted export, training run or search never leaves a half-written file.  Text goes through
``pimsim.spec.io.atomic_write_text`` and input files are checked by ``pimsim.spec.io.check_regular_file``, the
project's one implementation of each.  What is the model tools' own: :func:`atomic_path`, a temporary *path*
for writers that take a file name (``torch.save``, ``torch.onnx.export``), and :func:`atomic_write_json`'s
readable format (indent 2, where ``pimsim.spec.io`` writes canonical one-line JSON).  The result gets the
ordinary permissions of a new file (0666 less the umask), not the owner-only mode of ``tempfile.mkstemp``.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pimsim.spec.errors import SpecError
from pimsim.spec.io import atomic_write_text as shared_atomic_write_text
from pimsim.spec.io import check_regular_file as shared_check_regular_file
from pimsim.spec.io import new_file_mode
from recsys_models.errors import UserError


def companion(output, suffix: str) -> Path:
    """``supernet.pt`` -> ``supernet.last.pt`` / ``supernet.timing.json``: files written beside ``-o``."""
    out = Path(output)
    return out.with_name(f"{out.stem}{suffix}")


@contextmanager
def atomic_path(path: str | Path, suffix: str = ".tmp") -> Iterator[str]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``, on error it is removed."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=suffix)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, new_file_mode())
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)


def atomic_write_text(path: str | Path, text: str) -> None:
    """``pimsim.spec.io.atomic_write_text``: UTF-8, flushed to disk, renamed into place."""
    shared_atomic_write_text(path, text)


def atomic_write_json(path: str | Path, payload) -> None:
    """Sorted keys, indent 2, no NaN (write ``None`` for missing numbers), trailing newline."""
    atomic_write_text(path, json.dumps(payload, indent=2, sort_keys=True, allow_nan=False) + "\n")


def check_regular_file(path: str | Path) -> None:
    """Refuse, from ``stat`` alone, anything but a readable regular file (``pimsim.spec.io.check_regular_file``):
    a FIFO or device would block the ``open``.  Its ``SpecError`` becomes the model tools' ``UserError``."""
    try:
        shared_check_regular_file(path)
    except SpecError as exc:
        raise UserError(exc.path, exc.message) from None
