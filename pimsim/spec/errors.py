"""The one error type users see, and its one-line rendering.

Every tool reports bad input as ``error: <file>: <what is wrong>`` and exits
non-zero without a traceback (unless ``--debug``).  Library code raises
:class:`SpecError` with the file it was reading; the command-line wrappers
print :meth:`SpecError.one_line`.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence


class SpecError(Exception):
    """Bad user input: a file that is missing, malformed or inconsistent.

    Parameters
    ----------
    path : str
        The file the problem is in (or the command-line option, when no file).
    message : str
        What is wrong, naming the field or item (``crossbar.rows=300: must be
        a power of two``).
    """

    def __init__(self, path: str, message: str):
        self.path = str(path)
        self.message = " ".join(str(message).split())  # keep it on one line
        super().__init__(f"{self.path}: {self.message}")

    def one_line(self) -> str:
        return f"error: {self.path}: {self.message}"


def _model_at(model, loc: tuple):
    """The pydantic model class that holds the last key of ``loc`` (walking nested models), or ``None``."""
    import typing

    def models_in(annotation):
        if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
            return [annotation]
        return [m for arg in typing.get_args(annotation) for m in models_in(arg)]

    current = model
    for key in loc[:-1]:
        if current is None:
            return None
        if isinstance(key, int) or key not in getattr(current, "model_fields", {}):
            continue  # a list index, a dict key or a union tag: the model stays the element's
        found = models_in(current.model_fields[key].annotation)
        current = found[0] if len(found) == 1 else None
    return current


def describe_validation_error(exc, data, model=None) -> str:
    """The first pydantic error as ``field.path=value: problem``, with a suggestion for a misspelt key.

    A misspelt required key gives two errors, the unknown key and the missing one (``pe.crossbar.rowz``
    and ``pe.crossbar.rows``); they are reported as one: ``pe.crossbar.rowz: unknown key (did you mean
    rows?)``.  With ``model`` (the document's pydantic class), an unknown optional key is matched against
    the fields of its section too.
    """
    import difflib

    errors = exc.errors()
    extra = [e for e in errors if e["type"] == "extra_forbidden"]
    missing = [tuple(e["loc"]) for e in errors if e["type"] == "missing"]
    for err in extra:
        loc = tuple(err["loc"])
        siblings = [m[-1] for m in missing if m[:-1] == loc[:-1]]
        fields = list(getattr(_model_at(model, loc), "model_fields", {})) if model is not None else []
        close = difflib.get_close_matches(str(loc[-1]), [str(s) for s in siblings or fields], n=1, cutoff=0.6)
        if close and (siblings or err is errors[0]):
            return f"{_field_path(loc)}: unknown key (did you mean {close[0]}?)"
    err = errors[0]
    loc = tuple(err["loc"])
    path = _field_path(loc)
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        return f"{path}: unknown key"
    if err["type"] == "missing":
        return f"{path}: required field missing"
    value = _value_at(data, loc)
    if value is not None and not isinstance(value, (dict, list)):
        return f"{path}={value}: {msg}" if path else msg
    return f"{path}: {msg}" if path else msg


def _field_path(loc: tuple) -> str:
    return ".".join(str(p) for p in loc if not str(p).startswith("function-"))


def _value_at(data, loc: tuple):
    cur = data
    for key in loc:
        try:
            cur = cur[key]
        except (KeyError, IndexError, TypeError):
            return None
    return cur


def did_you_mean(word: str, choices: Sequence[str], quote: str = "") -> str:
    """`` (did you mean X?)`` for the closest choice (difflib ratio >= 0.6), or ``""``."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {quote}{close[0]}{quote}?)" if close else ""
