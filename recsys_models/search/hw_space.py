"""The hardware half of the co-design space: a design space over an arch.yaml.

``--hw-space`` reads the project's one design-space format, the one ``pimsim
sweep`` reads (``pimsim.sweep.space.DesignSpaceFile``,
``docs/schemas/design-space.schema.json``): a base architecture, ``fixed:``
overrides, ``vary:`` axes and ``zip:`` groups (parameters that step together,
e.g. square crossbars), parameters being dotted arch paths; a value may be a
whole section (``chip.io_link: {kind: serdes, lanes: 8}``) or list
(``chip.tile_kinds``).  A sweep file is accepted too (its workloads and
compile/simulate settings are the sweep's; the search prices its own
candidates)::

    schema_version: 1
    base_arch: default
    vary:
      pe.adc.bits: [6, 8]
    zip:
      - pe.crossbar.rows: [64, 128, 256]
        pe.crossbar.cols: [64, 128, 256]

A point of the space is ``{parameter: value}`` (every parameter of every
axis); the arch it stands for is the base (``fixed:`` applied) with those
values set, validated by ``pimsim.spec`` (reached through ``hardware_cost``,
the one module allowed to import pimsim).  Unlike a sweep, which expands the
whole product and refuses an invalid point, the search samples the space:
combinations that are invalid together (an ADC count that does not divide the
columns, tile kinds that do not add up to the tile count) are never sampled,
the sampler redraws them.  This mirrors the TORS supernet's "versatile PIM
configurations" (``recsys_search_space.md`` A.1), whose exact axes are not
published; the shipped spaces' axes are the project's own.
"""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recsys_models.errors import UserError

MAX_INVALID_DRAWS = 200
MAX_SPACE_POINTS = 10**12
"""Hardware points a space may declare: the search samples it, so size itself costs nothing, but a product above
10^12 is a typo (a co-design search evaluates about 10^3 candidates)."""
MAX_AXIS_VALUES = 1024
"""Values per axis: every value is validated against the base architecture when the file is read."""

Step = dict[str, Any]


@dataclass(frozen=True)
class HwSpace:
    """Parsed hardware space: base arch document (``fixed:`` applied) plus, per axis, its ``{param: value}`` steps."""

    source: str
    base: str
    base_doc: dict
    axes: tuple[tuple[str, tuple[Step, ...]], ...]

    def apply(self, point: dict[str, Any]) -> dict:
        """The arch document of a point (a deep copy of the base with the parameter values)."""
        from recsys_models.oracles.hardware_cost import set_arch_params

        doc = copy.deepcopy(self.base_doc)
        set_arch_params(doc, point)
        return doc

    def is_valid(self, point: dict[str, Any]) -> bool:
        from recsys_models.oracles.hardware_cost import arch_from_doc

        try:
            arch_from_doc(self.apply(point), self.source)
        except UserError:
            return False
        return True

    def sample(self, rng: random.Random) -> dict[str, Any]:
        for _ in range(MAX_INVALID_DRAWS):
            point: dict[str, Any] = {}
            for _, steps in self.axes:
                point.update(rng.choice(steps))
            if self.is_valid(point):
                return point
        raise UserError(self.source, f"no valid architecture found in {MAX_INVALID_DRAWS} draws; the axes conflict")

    def mutate(self, point: dict[str, Any], rng: random.Random) -> dict[str, Any]:
        """Re-draw one axis (to a different step when it has one)."""
        for _ in range(MAX_INVALID_DRAWS):
            _, steps = rng.choice(self.axes)
            current = {k: point.get(k) for k in steps[0]}
            others = [s for s in steps if s != current] or list(steps)
            new = {**point, **rng.choice(others)}
            if self.is_valid(new):
                return new
        return dict(point)

    def size(self) -> int:
        n = 1
        for _, steps in self.axes:
            n *= len(steps)
        return n


def _step_label(axis: str, step: Step) -> str:
    def text(v: Any) -> str:
        return json.dumps(v, sort_keys=True) if isinstance(v, (dict, list)) else str(v)

    if len(step) == 1:
        return f"{axis}={text(next(iter(step.values())))}"
    return ", ".join(f"{k}={text(v)}" for k, v in step.items())


def _check_steps(axes: list[tuple[str, list[Step]]], doc: dict, where: str) -> tuple[tuple[str, tuple], ...]:
    """Every step alone on the base must be a valid arch (a combination may still be invalid: never sampled)."""
    from recsys_models.oracles.hardware_cost import arch_from_doc, set_arch_params

    for axis, steps in axes:
        if len(steps) > MAX_AXIS_VALUES:
            raise UserError(where, f"{axis}: {len(steps)} values, more than {MAX_AXIS_VALUES} "
                                   "(each is validated against the base architecture)")
        for step in steps:
            trial = copy.deepcopy(doc)
            set_arch_params(trial, step)
            try:
                arch_from_doc(trial, where)
            except UserError as exc:
                raise UserError(where, f"{_step_label(axis, step)}: {exc.message}") from None
    return tuple((axis, tuple(steps)) for axis, steps in axes)


def load_hw_space(path: str | Path) -> HwSpace:
    """Read and validate a design-space (or sweep) file as a search space; errors are one line naming the item."""
    from recsys_models.oracles.hardware_cost import load_design_space

    where = str(path)
    spec, doc, axes = load_design_space(where)
    size = 1
    for _, steps in axes:
        size *= len(steps)
    if size > MAX_SPACE_POINTS:
        raise UserError(where, f"{size:.3g} hardware points: more than {MAX_SPACE_POINTS:.0e} (a typo?)")
    return HwSpace(where, spec.base_arch, doc, _check_steps(axes, doc, where))
