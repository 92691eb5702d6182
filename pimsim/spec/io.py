"""File reading and atomic writing shared by the tools.

Reading: inputs must be regular files (directories, FIFOs and devices are refused from
``stat``, before an ``open`` that could block), text must be UTF-8, YAML is read with a
strict safe loader (a duplicate key, an alias or a non-finite number is an error naming
the line) and JSON may not hold NaN or Infinity.  Writing: outputs go to a temporary
file beside the target and are renamed into place, so an interrupted or failing run
never leaves a half-written file; JSON written or printed is finite (a NaN in a result
is refused naming the field, never emitted as ``NaN``).
"""

from __future__ import annotations

import json
import math
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pimsim.spec.errors import SpecError

MAX_YAML_BYTES = 16 * 1024 * 1024
"""Configuration files are a few kB; a larger YAML file is not one of ours (and would parse for minutes)."""


def new_file_mode() -> int:
    """The permissions an ordinary new file gets: 0666 less the process's umask (``tempfile.mkstemp`` gives
    owner-only 0600, which an atomically renamed output must not keep)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and an atomic rename.

    The file gets the ordinary permissions of a new file (0666 less the umask), not
    the owner-only mode that ``tempfile.mkstemp`` gives the temporary file.  OS errors
    (read-only file system, a directory in the way, disk full) are one-line errors
    naming ``path``.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise SpecError(str(path), f"cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, new_file_mode())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise SpecError(str(path), f"cannot write: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def non_finite_field(obj: Any, prefix: str = "") -> tuple[str, float] | None:
    """``(dotted path, value)`` of the first NaN or infinite float in a JSON-like document, or ``None``."""
    if isinstance(obj, float):
        return None if math.isfinite(obj) else (prefix or "<root>", obj)
    items: Iterable[tuple[Any, Any]]
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, (list, tuple)):
        items = enumerate(obj)
    else:
        return None
    for key, value in items:
        found = non_finite_field(value, f"{prefix}.{key}" if prefix else str(key))
        if found:
            return found
    return None


def require_finite(obj: Any, source: str) -> None:
    """Refuse a result holding NaN or infinity: it comes from an input value out of range, never from a sound one."""
    found = non_finite_field(obj)
    if found:
        raise SpecError(source, f"the result's {found[0]} is {found[1]}, not a finite number: an input value is "
                                "out of range (see the limits in docs/robustness.md)")


def canonical_json(obj: Any) -> str:
    """Deterministic JSON: sorted keys, fixed separators, trailing newline."""
    return json.dumps(obj, sort_keys=True, indent=1, separators=(",", ": "), allow_nan=False) + "\n"


def json_text(obj: Any, source: str) -> str:
    """One line of sorted-key JSON for ``--json`` output; a non-finite number is an error naming ``source``."""
    require_finite(obj, source)
    return json.dumps(obj, sort_keys=True, allow_nan=False)


def atomic_write_json(path: str | Path, obj: Any) -> None:
    require_finite(obj, str(path))
    atomic_write_text(path, canonical_json(obj))


def special_file_problem(mode: int) -> str | None:
    """Why a file of this ``st_mode`` cannot be read as a regular file (``None`` if it can)."""
    if stat.S_ISDIR(mode):
        return "is a directory, expected a file"
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO), expected a regular file (refused before opening: reading it could block)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, expected a regular file"
    if stat.S_ISSOCK(mode):
        return "is a socket, expected a regular file"
    if not stat.S_ISREG(mode):
        return "is not a regular file"
    return None


def check_regular_file(path: str | Path, directory_ok: bool = False) -> os.stat_result:
    """``stat`` the path and refuse anything but a readable regular file (or a directory, when allowed)."""
    name = str(path)
    if "\x00" in name:
        raise SpecError(repr(name), "a path cannot contain a null byte")
    if name == "":
        raise SpecError("''", "empty path")
    try:
        st = os.stat(name)
    except FileNotFoundError:
        raise SpecError(name, "no such file") from None
    except NotADirectoryError:
        raise SpecError(name, "no such file (a parent in the path is a file, not a directory)") from None
    except PermissionError:
        raise SpecError(name, "permission denied") from None
    except OSError as exc:
        raise SpecError(name, f"cannot read: {exc.strerror or exc}") from None
    if directory_ok and stat.S_ISDIR(st.st_mode):
        return st
    problem = special_file_problem(st.st_mode)
    if problem:
        raise SpecError(name, problem)
    if not os.access(name, os.R_OK):
        raise SpecError(name, "permission denied")
    return st


def read_bytes(path: str | Path, limit: int | None = None, what: str = "file") -> bytes:
    """The bytes of a regular file (checked first); ``limit`` refuses larger files, naming the size."""
    st = check_regular_file(path)
    if limit is not None and st.st_size > limit:
        raise SpecError(str(path), f"{st.st_size} bytes: too large for a {what} (at most {limit} bytes)")
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise SpecError(str(path), f"cannot read: {exc.strerror or exc}") from None


def read_text(path: str | Path, limit: int | None = None, what: str = "text file") -> str:
    """Read a UTF-8 text file, turning OS errors into one-line SpecErrors."""
    data = read_bytes(path, limit, what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        from pimsim.spec.filekinds import KINDS, sniff

        kind = sniff(path)
        hint = f": this is {KINDS[kind].name} ({KINDS[kind].advice})" if kind else ""
        raise SpecError(str(path), f"not a text file (invalid UTF-8){hint}") from None


def _strict_loader():
    """A SafeLoader that refuses duplicate keys, aliases and non-finite numbers, naming the line."""
    import yaml
    from yaml.constructor import ConstructorError

    class StrictLoader(yaml.SafeLoader):
        def construct_mapping(self, node, deep=False):
            seen: dict = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    duplicate = key in seen
                except TypeError:  # an unhashable key: the base class reports it
                    break
                if duplicate:
                    raise ConstructorError(None, None, f"duplicate key {key!r} (first on line {seen[key]})",
                                           key_node.start_mark)
                seen[key] = key_node.start_mark.line + 1
            return super().construct_mapping(node, deep=deep)

        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise yaml.composer.ComposerError(None, None, f"alias *{event.anchor} is not allowed "
                                                  "(write the value out)", event.start_mark)
            return super().compose_node(parent, index)

        def construct_yaml_float(self, node):
            value = super().construct_yaml_float(node)
            if not math.isfinite(value):
                raise ConstructorError(None, None, f"{node.value}: only finite numbers are allowed",
                                       node.start_mark)
            return value

    StrictLoader.add_constructor("tag:yaml.org,2002:float", StrictLoader.construct_yaml_float)
    StrictLoader.add_constructor("tag:yaml.org,2002:map", StrictLoader.construct_yaml_map)
    return StrictLoader


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML text strictly (:func:`read_yaml`); ``source`` names it in errors."""
    import yaml

    loader = None
    try:
        loader = _strict_loader()(text)
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or " ".join(str(exc).split()) or "invalid syntax"
        raise SpecError(source, f"not valid YAML: {where}{problem}") from None
    except RecursionError:
        raise SpecError(source, "not valid YAML: nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()


def read_yaml(path: str | Path) -> Any:
    """Parse a YAML file with the strict safe loader; errors name the line."""
    return parse_yaml(read_text(path, MAX_YAML_BYTES, "YAML configuration file"), str(path))


def _no_constant(name: str):
    raise ValueError(f"{name} is not a finite number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} overflows a 64-bit float")
    return value


def parse_json(text: str, source: str) -> Any:
    """Parse JSON text; NaN, Infinity and numbers that overflow a float are errors naming ``source``."""
    try:
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise SpecError(source, f"not valid JSON: line {exc.lineno}: {exc.msg}") from None
    except ValueError as exc:
        raise SpecError(source, f"not valid JSON: {exc}") from None
    except RecursionError:
        raise SpecError(source, "not valid JSON: nested too deeply") from None


def read_json(path: str | Path) -> Any:
    return parse_json(read_text(path), str(path))
