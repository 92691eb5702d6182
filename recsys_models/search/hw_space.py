"""The hardware half of the co-design space: declared axes over an arch.yaml.

A hardware-space file (``configs/search/*.yaml``) names a base architecture
(a preset or an arch.yaml path) and a list of values per axis; an axis is a
dotted path into the arch document (``pe.crossbar.rows``, ``pe.adc.bits``,
``pe.adc.per_crossbar``, ``pe.crossbars``, ``tile.pes``, ``chip.tiles``, ...),
or several paths joined by ``+`` that always take the same value (square
crossbars: ``pe.crossbar.rows+pe.crossbar.cols``)::

    base: default
    axes:
      pe.crossbar.rows+pe.crossbar.cols: [64, 128, 256]
      pe.adc.bits: [6, 8]

A point of the space is ``{axis: value}``; the arch it stands for is the base
with those values substituted, validated by ``pimsim.spec`` (reached through
``hardware_cost``, the one module allowed to import it).  Points whose
combination is invalid (an ADC count that does not divide the columns) are
never sampled: the sampler redraws them.  This mirrors the TORS supernet's
"versatile PIM configurations" (``recsys_search_space.md`` A.1), whose exact
axes are not published; these are the project's own.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recsys_models.errors import UserError

MAX_INVALID_DRAWS = 200


def _set_path(doc: dict, dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    cur = doc
    for p in parts[:-1]:
        cur = cur[p]
    cur[parts[-1]] = value


def _has_path(doc: dict, dotted: str) -> bool:
    cur = doc
    for p in dotted.split("."):
        if not isinstance(cur, dict) or p not in cur:
            return False
        cur = cur[p]
    return not isinstance(cur, dict)


@dataclass(frozen=True)
class HwSpace:
    """Parsed hardware space: base arch document plus ``axis -> values``."""

    source: str
    base: str
    base_doc: dict
    axes: tuple[tuple[str, tuple], ...]

    def apply(self, point: dict[str, Any]) -> dict:
        """The arch document of a point (a deep copy of the base with the axis values)."""
        doc = copy.deepcopy(self.base_doc)
        for axis, value in point.items():
            for path in axis.split("+"):
                _set_path(doc, path, value)
        return doc

    def is_valid(self, point: dict[str, Any]) -> bool:
        from recsys_models.search.hardware_cost import arch_from_doc

        try:
            arch_from_doc(self.apply(point), self.source)
        except UserError:
            return False
        return True

    def sample(self, rng: random.Random) -> dict[str, Any]:
        for _ in range(MAX_INVALID_DRAWS):
            point = {axis: rng.choice(values) for axis, values in self.axes}
            if self.is_valid(point):
                return point
        raise UserError(self.source, "no valid architecture found in 200 draws; the axes conflict")

    def mutate(self, point: dict[str, Any], rng: random.Random) -> dict[str, Any]:
        """Re-draw one axis (to a different value when it has one)."""
        for _ in range(MAX_INVALID_DRAWS):
            axis, values = rng.choice(self.axes)
            others = [v for v in values if v != point[axis]] or list(values)
            new = {**point, axis: rng.choice(others)}
            if self.is_valid(new):
                return new
        return dict(point)

    def size(self) -> int:
        n = 1
        for _, values in self.axes:
            n *= len(values)
        return n


def _parse_axes(raw: Any, doc: dict, where: str) -> tuple[tuple[str, tuple], ...]:
    from recsys_models.search.hardware_cost import arch_from_doc

    if not isinstance(raw, dict) or not raw:
        raise UserError(where, "axes: expected a non-empty mapping of arch path -> list of values")
    axes = []
    for axis, values in raw.items():
        for path in str(axis).split("+"):
            if not _has_path(doc, path):
                raise UserError(where, f"axes.{axis}: {path!r} is not a field of the base architecture")
        if not isinstance(values, list) or not values:
            raise UserError(where, f"axes.{axis}: expected a non-empty list of values")
        for v in values:
            trial = copy.deepcopy(doc)
            for path in str(axis).split("+"):
                _set_path(trial, path, v)
            try:
                arch_from_doc(trial, where)
            except UserError as exc:
                raise UserError(where, f"axes.{axis}={v}: {exc.message}") from None
        axes.append((str(axis), tuple(values)))
    return tuple(axes)


def load_hw_space(path: str | Path) -> HwSpace:
    """Read and validate a hardware-space YAML; errors are one line naming the item."""
    import yaml

    from recsys_models.search.hardware_cost import base_arch_doc

    where = str(path)
    p = Path(path)
    if not p.is_file():
        raise UserError(where, "no such file")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise UserError(where, "not a text file (invalid UTF-8)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise UserError(where, f"not valid YAML{f': line {mark.line + 1}' if mark else ''}") from None
    if not isinstance(data, dict):
        raise UserError(where, "expected a mapping with keys 'base' and 'axes'")
    unknown = set(data) - {"base", "axes", "description"}
    if unknown:
        raise UserError(where, f"{sorted(unknown)[0]}: unknown key (expected base, axes, description)")
    base = data.get("base", "default")
    if not isinstance(base, str) or not base:
        raise UserError(where, f"base={base}: expected a preset name or an arch.yaml path")
    if not base.startswith(("/", ".")) and base.endswith((".yaml", ".yml")):
        base = str((p.parent / base).resolve())  # a relative arch path is relative to this file
    try:
        doc = base_arch_doc(base)
    except UserError as exc:
        if exc.path != base:  # an error inside the arch file names that file
            raise
        raise UserError(where, f"base={base}: {exc.message}") from None
    return HwSpace(where, base, doc, _parse_axes(data.get("axes"), doc, where))
