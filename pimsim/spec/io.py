"""File reading and atomic writing shared by the tools.

Outputs are written to a temporary file beside the target and renamed into
place, so an interrupted run never leaves a half-written file.  YAML is only
ever read with the safe loader.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pimsim.spec.errors import SpecError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and an atomic rename.

    The file gets the ordinary permissions of a new file (0666 less the umask), not
    the owner-only mode that ``tempfile.mkstemp`` gives the temporary file.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def canonical_json(obj: Any) -> str:
    """Deterministic JSON: sorted keys, fixed separators, trailing newline."""
    return json.dumps(obj, sort_keys=True, indent=1, separators=(",", ": "), allow_nan=False) + "\n"


def atomic_write_json(path: str | Path, obj: Any) -> None:
    atomic_write_text(path, canonical_json(obj))


def read_text(path: str | Path) -> str:
    """Read a UTF-8 text file, turning OS errors into one-line SpecErrors."""
    p = Path(path)
    if not p.exists():
        raise SpecError(str(path), "no such file")
    if p.is_dir():
        raise SpecError(str(path), "is a directory, expected a file")
    try:
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SpecError(str(path), "not a text file (invalid UTF-8)") from None
    except OSError as exc:
        raise SpecError(str(path), f"cannot read: {exc.strerror}") from None


def read_yaml(path: str | Path) -> Any:
    """Parse YAML with the safe loader; syntax errors name the line."""
    import yaml

    text = read_text(path)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid syntax"
        raise SpecError(str(path), f"not valid YAML: {where}{problem}") from None


def read_json(path: str | Path) -> Any:
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(str(path), f"not valid JSON: line {exc.lineno}: {exc.msg}") from None
    except RecursionError:
        raise SpecError(str(path), "not valid JSON: nested too deeply") from None
