"""Generators of bad documents: every schema-violation class applied to every field of a valid one.

A mutation is ``(case_id, document)``.  The classes, each of which the loaders must reject:

- ``unknown``: an extra key in every mapping (the formats forbid unknown keys);
- ``type``: a leaf replaced by a value of the wrong type (string for a number, number for a
  string, mapping for a list, ...);
- ``negative``: a count/size/rate leaf made negative (every numeric field is >= 0);
- ``missing``: a required field deleted (the caller says which fields are required);
- ``null``: a required leaf set to null.

Mutations are deterministic (no randomness), so a failing case id names the same case on every run.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

Path = tuple


def leaves(doc: Any, prefix: Path = ()) -> Iterator[tuple[Path, Any]]:
    """(path, value) of every scalar leaf, depth first, in document order."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from leaves(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from leaves(v, prefix + (i,))
    else:
        yield prefix, doc


def mappings(doc: Any, prefix: Path = ()) -> Iterator[Path]:
    """Paths of every mapping (dict) in the document, the root included."""
    if isinstance(doc, dict):
        yield prefix
        for k, v in doc.items():
            yield from mappings(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from mappings(v, prefix + (i,))


def _at(doc: Any, path: Path) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _copy_along(doc: Any, path: Path) -> tuple[Any, Any]:
    """A copy of ``doc`` sharing everything but the containers on ``path`` (which are copied one level each), and
    the copied parent of ``path[-1]``.  Mutated documents are only serialised, never modified again, so sharing the
    untouched parts is safe -- and a full deepcopy of a compiled mapping per case made the corpus take minutes."""
    out = copy.copy(doc)
    cur = out
    for key in path[:-1]:
        cur[key] = copy.copy(cur[key])
        cur = cur[key]
    return out, cur


def with_value(doc: Any, path: Path, value: Any) -> Any:
    out, parent = _copy_along(doc, path)
    parent[path[-1]] = value
    return out


def without(doc: Any, path: Path) -> Any:
    out, parent = _copy_along(doc, path)
    del parent[path[-1]]
    return out


def name(path: Path) -> str:
    return ".".join(str(p) for p in path) or "<root>"


def wrong_type(value: Any) -> Any:
    """A value of a type the field cannot hold."""
    if isinstance(value, bool):
        return {"not": "a bool"}
    if isinstance(value, (int, float)):
        return "not-a-number"
    if isinstance(value, str):
        return {"not": "a string"}
    return "not-a-container"


def mutate(doc: dict, required: Callable[[Path], bool], numeric_ok: Callable[[Path], bool] = lambda p: True,
           skip: Callable[[Path], bool] = lambda p: False) -> Iterator[tuple[str, dict]]:
    """Every schema-violation class applied to every applicable place of ``doc``."""
    for path in mappings(doc):
        if not skip(path):
            yield f"unknown:{name(path + ('bogus_key',))}", with_value(doc, path + ("bogus_key",), 1)
    for path, value in leaves(doc):
        if skip(path):
            continue
        yield f"type:{name(path)}", with_value(doc, path, wrong_type(value))
        if isinstance(value, (int, float)) and not isinstance(value, bool) and numeric_ok(path):
            yield f"negative:{name(path)}", with_value(doc, path, -abs(value) - 1)
        if required(path) and value is not None:
            yield f"null:{name(path)}", with_value(doc, path, None)
    for path in mappings(doc):
        for key in _at(doc, path):
            full = path + (key,)
            if required(full) and not skip(full):
                yield f"missing:{name(full)}", without(doc, full)
