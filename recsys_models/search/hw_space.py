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
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from recsys_models.errors import UserError

MAX_INVALID_DRAWS = 200
MAX_SPACE_POINTS = 10**12
"""Hardware points a space may declare: the search samples it, so size itself costs nothing, but a product above
10^12 is a typo (a co-design search evaluates about 10^3 candidates)."""
MAX_AXIS_VALUES = 1024
"""Values per axis: every value is validated against the base architecture when the file is read."""

Scalar = int | float | str | bool


class HwSpaceFile(BaseModel):
    """The hardware-space YAML (``recsys search --hw-space``): docs/schemas/hw-space.schema.json."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="hardware space")
    description: str = Field("", description="free text")
    base: str = Field("default", min_length=1,
                      description="architecture preset (default, isaac, puma) or arch.yaml path relative to this file")
    axes: dict[str, Annotated[list[Scalar], Field(min_length=1)]] = Field(
        min_length=1, description="dotted arch.yaml path (several joined by '+' step together) -> values")


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


def _parse_axes(raw: dict, doc: dict, where: str) -> tuple[tuple[str, tuple], ...]:
    from recsys_models.search.hardware_cost import arch_from_doc

    axes = []
    for axis, values in raw.items():
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


def _leaf_paths(doc: dict, prefix: str = "") -> list[str]:
    out = []
    for key, value in doc.items():
        path = f"{prefix}{key}"
        out += _leaf_paths(value, path + ".") if isinstance(value, dict) else [path]
    return out


def _check_axis_paths(axes: dict, doc: dict, where: str) -> None:
    import difflib

    for axis, values in axes.items():
        for path in str(axis).split("+"):
            if not _has_path(doc, path):
                close = difflib.get_close_matches(path, _leaf_paths(doc), n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise UserError(where, f"axes.{axis}: {path!r} is not a field of the base architecture{hint}")
        if len(values) > MAX_AXIS_VALUES:
            raise UserError(where, f"axes.{axis}: {len(values)} values, more than {MAX_AXIS_VALUES} "
                                   "(each is validated against the base architecture)")


def load_hw_space(path: str | Path) -> HwSpace:
    """Read and validate a hardware-space YAML; errors are one line naming the item."""
    from recsys_models.search.hardware_cost import base_arch_doc, read_config_yaml

    where = str(path)
    p = Path(path)
    data = read_config_yaml(p)
    if not isinstance(data, dict):
        raise UserError(where, "expected a mapping with keys 'base' and 'axes'")
    try:
        spec = HwSpaceFile.model_validate(data)
    except ValidationError as exc:
        raise UserError(where, _message(exc, data)) from None
    base = spec.base
    if not base.startswith(("/", ".")) and base.endswith((".yaml", ".yml")):
        base = str((p.parent / base).resolve())  # a relative arch path is relative to this file
    try:
        doc = base_arch_doc(base)
    except UserError as exc:
        if exc.path != base:  # an error inside the arch file names that file
            raise
        raise UserError(where, f"base={base}: {exc.message}") from None
    _check_axis_paths(spec.axes, doc, where)
    size = 1
    for values in spec.axes.values():
        size *= len(values)
    if size > MAX_SPACE_POINTS:
        raise UserError(where, f"{size:.3g} hardware points: more than {MAX_SPACE_POINTS:.0e} (a typo?)")
    return HwSpace(where, base, doc, _parse_axes(spec.axes, doc, where))


def _message(exc: ValidationError, data: dict) -> str:
    """pydantic's complaint in the file's terms (what the former hand-written checks said)."""
    import difflib

    errors = exc.errors()
    extra = [e for e in errors if e["type"] == "extra_forbidden"]
    err = extra[0] if extra else errors[0]
    loc = [str(p) for p in err["loc"]]
    if loc[:1] == ["axes"] and (len(loc) == 1 or err["type"] in ("too_short", "list_type")):
        name = f"axes.{loc[1]}" if len(loc) > 1 else "axes"
        what = "a non-empty list of values" if len(loc) > 1 else "a non-empty mapping of arch path -> list of values"
        return f"{name}: expected {what}"
    if loc == ["base"]:
        return f"base={data.get('base')}: expected a preset name or an arch.yaml path"
    if err["type"] == "extra_forbidden":
        close = difflib.get_close_matches(loc[-1], list(HwSpaceFile.model_fields), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}? " if close else ""
        return f"{loc[-1]}: unknown key ({hint}expected base, axes, description)"
    return f"{'.'.join(loc)}: {err['msg']}"
