"""Design spaces and the sweep file (``configs/sweeps/*.yaml``): what is held fixed, what varies.

A *design space* (:class:`DesignSpaceFile`, ``docs/schemas/design-space.schema.json``)
names a base architecture (preset or ``arch.yaml``), ``fixed:`` overrides
applied to every point (the iso parameters, as in CiMLoop's
``variables_iso``) and the axes that vary: ``vary:`` axes form a Cartesian
product, each ``zip:`` group is one axis whose member parameters step
together.  Parameters are dotted paths into the arch YAML
(``pe.crossbar.rows``, ``pe.adc.bits``, ``clock_mhz``); a value may also be a
whole section or list that replaces the base's (``chip.io_link: {kind:
serdes, lanes: 8}``, ``chip.tile_kinds: [...]``, ``tile.buffer: {...}``).

It is the one design-space format of the project: a sweep file is a design
space plus ONNX workloads and compile/simulate settings (:class:`SweepFile`),
and ``recsys search --hw-space`` reads a design-space file, or the design
space of a sweep file, with :func:`load_design_space`.  The search's former
``base:``/``axes:`` format is refused with a one-line migration message.

Expansion is deterministic: workloads outermost, then axes in file order with
the last one varying fastest (``itertools.product`` order).  Every point's
architecture is validated here, before any work starts, so a value out of
range fails with one line naming the point and the parameter.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pimsim.spec.arch import PRESETS, ArchSpec, arch_from_dict, load_arch, set_arch_param, validation_message
from pimsim.spec.errors import SpecError
from pimsim.spec.io import check_regular_file, read_yaml
from pimsim.sweep.shard import parse_shard, shard  # noqa: F401 - part of this module's interface

SWEEP_SCHEMA_VERSION = 1

Scalar = int | float | str | bool
Value = Scalar | list[Any] | dict[str, Any] | None
"""A parameter value: a scalar field, a whole section (mapping) or list that replaces the base's, or null (no
tile kinds)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WorkloadSpec(_Strict):
    onnx: str = Field(min_length=1, description="ONNX model path, relative to the sweep file")
    name: str | None = Field(None, description="column value naming the workload (default: file stem)")


class CompileSettings(_Strict):
    """Arguments passed to the injected compile function for every point."""

    strategy: Literal["naive", "optimized"] = "optimized"
    precision_policy: str | None = Field(None, description="precision policy YAML, relative to the sweep file")
    weights: bool = Field(False, description="ignored, accepted so that older sweep files load: "
                                              "a sweep only simulates, which needs no constant tensors")


class SimulateSettings(_Strict):
    batch: int = Field(1, ge=1, description="queries streamed through the pipeline per point")


class DesignSpaceFile(_Strict):
    """A design space (``pimsim sweep`` inside a sweep file, ``recsys search --hw-space``): see the module docstring."""

    model_config = ConfigDict(title="design space")
    schema_version: Literal[1]
    name: str = Field("", description="short name (a sweep file requires one)")
    description: str = ""
    base_arch: str = Field(min_length=1, description="preset name or arch.yaml path (relative to this file)")
    fixed: dict[str, Value] = Field(default_factory=dict, description="dotted arch path -> value at every point")
    vary: dict[str, list[Value]] = Field(default_factory=dict,
                                         description="dotted arch path -> values (axes of a Cartesian product)")
    zip: list[dict[str, list[Value]]] = Field(default_factory=list,
                                              description="groups of paths whose values step together (one axis)")

    @field_validator("vary")
    @classmethod
    def _nonempty_axes(cls, v: dict[str, list[Scalar]]) -> dict[str, list[Scalar]]:
        for name, values in v.items():
            _check_values(f"vary.{name}", values)
        return v

    @field_validator("zip")
    @classmethod
    def _zip_groups(cls, v: list[dict[str, list[Scalar]]]) -> list[dict[str, list[Scalar]]]:
        for i, group in enumerate(v):
            if not group:
                raise ValueError(f"zip[{i}]: empty group")
            lengths = {name: len(values) for name, values in group.items()}
            if len(set(lengths.values())) != 1:
                raise ValueError(f"zip[{i}]: value lists must have equal lengths, got {lengths}")
            for name, values in group.items():  # a member may repeat a value; the combinations may not
                if not values:
                    raise ValueError(f"zip[{i}].{name}: empty value list")
            if len({json.dumps(c, sort_keys=True) for c in zip(*group.values())}) != len(next(iter(group.values()))):
                raise ValueError(f"zip[{i}]: repeated value combination")
        return v


class SweepFile(DesignSpaceFile):
    """A sweep: a design space, the ONNX workloads run at every point, and the compile/simulate settings."""

    model_config = ConfigDict(title="sweep")
    name: str = Field(min_length=1)
    workloads: list[WorkloadSpec] = Field(min_length=1)
    compile: CompileSettings = CompileSettings()
    simulate: SimulateSettings = SimulateSettings()


OLD_SPACE_KEYS = {"base", "axes"}
MIGRATION = ("base:/axes: is the former hardware-space format; write it as a design space: schema_version: 1, "
             "base_arch: (was base), vary: (was axes), each 'A+B' axis as a zip: group of A and B "
             "(docs/search.md, Hardware spaces)")


def _check_values(where: str, values: list) -> None:
    if not values:
        raise ValueError(f"{where}: empty value list")
    if len({json.dumps(x) for x in values}) != len(values):
        raise ValueError(f"{where}: repeated value (each point would run twice)")


@dataclass(frozen=True)
class Workload:
    name: str
    onnx_path: str
    onnx_sha256: str


@dataclass(frozen=True)
class SweepPoint:
    """One design point: a workload on one architecture."""

    index: int
    workload: Workload
    axis_values: dict[str, Scalar | None]
    arch: ArchSpec
    arch_sha256: str
    point_hash: str


@dataclass(frozen=True)
class Sweep:
    """A loaded, validated and expanded sweep."""

    path: str
    spec: SweepFile
    axis_names: tuple[str, ...]
    points: tuple[SweepPoint, ...] = field(repr=False)
    precision_policy_path: str | None = None
    """Absolute path of ``compile.precision_policy`` (resolved against the sweep file)."""


def load_sweep(path: str | Path) -> Sweep:
    """Read, validate and expand a sweep file; every error is one line naming the item."""
    path = str(path)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise SpecError(path, "expected a mapping with workloads:, base_arch: and vary: at the top level")
    if data.get("schema_version") != SWEEP_SCHEMA_VERSION:
        raise SpecError(path, f"schema_version={data.get('schema_version')}: unsupported "
                              f"(this tool reads {SWEEP_SCHEMA_VERSION})")
    try:
        spec = SweepFile.model_validate(data)
    except ValidationError as exc:
        raise SpecError(path, validation_message(exc, data, SweepFile)) from None
    return expand(spec, path)


def load_design_space(path: str | Path) -> tuple[DesignSpaceFile, dict[str, Any]]:
    """Read a design-space file, or the design space of a sweep file (its workloads and settings are the sweep's):
    the parsed file and the base arch document with ``fixed:`` applied, parameter names checked.  Every error is
    one line naming the item; the former ``base:``/``axes:`` format gets the migration message."""
    path = str(path)
    data = read_yaml(path)
    if isinstance(data, dict) and OLD_SPACE_KEYS & set(data) and "base_arch" not in data:
        raise SpecError(path, MIGRATION)
    if not isinstance(data, dict):
        raise SpecError(path, "expected a mapping with schema_version:, base_arch: and vary: or zip: at the top level")
    if data.get("schema_version") != SWEEP_SCHEMA_VERSION:
        raise SpecError(path, f"schema_version={data.get('schema_version')}: unsupported "
                              f"(this tool reads {SWEEP_SCHEMA_VERSION})")
    model = SweepFile if "workloads" in data else DesignSpaceFile
    try:
        spec = model.model_validate(data)
    except ValidationError as exc:
        raise SpecError(path, validation_message(exc, data, model)) from None
    base = _load_base(spec, path)
    _check_axis_names(spec, base, path)
    for name, value in spec.fixed.items():
        set_param(base, name, value)
    arch_from_dict(base, f"{path}: fixed")
    return spec, base


def set_param(data: dict[str, Any], name: str, value: Value) -> None:
    """Set parameter ``name`` of an arch document: a scalar through ``set_arch_param`` (which names the variant);
    a mapping or list replaces the section or list at that path (which must exist in the base)."""
    if not isinstance(value, (dict, list)):
        set_arch_param(data, name, value)
        return
    parent, _, key = name.rpartition(".")
    holder = _lookup(data, parent) if parent else data
    if not isinstance(holder, dict) or key not in holder:
        raise KeyError(name)
    holder[key] = copy.deepcopy(value)


def column_value(value: Value) -> Scalar | None:
    """An axis value as a results-table cell: scalars as they are, sections and lists as compact JSON."""
    return json.dumps(value, sort_keys=True, separators=(",", ":")) if isinstance(value, (dict, list)) else value


def _resolve(base_dir: Path, name: str) -> Path:
    p = Path(name)
    return p if p.is_absolute() else base_dir / p


def _require_file(sweep_path: str, item: str, target: Path) -> None:
    """A file the sweep names must be a readable regular file (a FIFO or directory is refused unopened)."""
    try:
        check_regular_file(target)
    except SpecError as exc:
        raise SpecError(sweep_path, f"{item}: {exc.message} ({target})") from None


def _load_base(spec: DesignSpaceFile, path: str) -> dict[str, Any]:
    base_dir = Path(path).parent
    name = spec.base_arch
    is_file = name.endswith((".yaml", ".yml")) or "/" in name
    if is_file:
        _require_file(path, f"base_arch={name}", _resolve(base_dir, name))
    if not is_file and name not in PRESETS:
        raise SpecError(path, f"base_arch={name}: unknown architecture preset (presets: {', '.join(PRESETS)}; "
                              "or a .yaml path relative to this file)")
    arch = load_arch(_resolve(base_dir, name) if is_file else name)
    return arch.model_dump(mode="json")


def _load_workloads(spec: SweepFile, path: str) -> list[Workload]:
    base_dir = Path(path).parent
    out, names = [], set()
    for i, w in enumerate(spec.workloads):
        onnx = _resolve(base_dir, w.onnx)
        _require_file(path, f"workloads[{i}].onnx={w.onnx}", onnx)
        name = w.name or onnx.stem
        if name in names:
            raise SpecError(path, f"workloads[{i}]: workload name {name!r} used twice (give name:)")
        names.add(name)
        out.append(Workload(name, str(onnx.resolve()), hashlib.sha256(onnx.read_bytes()).hexdigest()))
    return out


def _load_policy(spec: SweepFile, path: str) -> tuple[str | None, str | None]:
    if spec.compile.precision_policy is None:
        return None, None
    policy = _resolve(Path(path).parent, spec.compile.precision_policy)
    _require_file(path, f"compile.precision_policy={spec.compile.precision_policy}", policy)
    return str(policy.resolve()), hashlib.sha256(policy.read_bytes()).hexdigest()


def _check_axis_names(spec: DesignSpaceFile, base: dict[str, Any], path: str) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    groups: list[tuple[str, dict[str, Any]]] = [("fixed", spec.fixed), ("vary", spec.vary),
                                                *((f"zip[{i}]", g) for i, g in enumerate(spec.zip))]
    for where, group in groups:
        for name, values in group.items():
            if name in seen:
                raise SpecError(path, f"{where}.{name}: parameter already given in {seen[name]}")
            seen[name] = where
            try:
                _check_param_path(base, name, values if where != "fixed" else [values])
            except KeyError as exc:
                raise SpecError(path, f"{where}.{name}: {_unknown_reason(base, name, exc.args[0])}") from None
    axes = tuple(spec.vary) + tuple(n for g in spec.zip for n in g)
    if not axes:
        raise SpecError(path, "empty sweep: vary: and zip: give no axis to sweep")
    return axes


def _check_param_path(base: dict[str, Any], name: str, values: list) -> None:
    """``name`` must reach a field of the base, or a section given only mappings (which replace it)."""
    try:
        set_arch_param(copy.deepcopy(base), name, 0)
    except KeyError as exc:
        section = exc.args[0] == name and isinstance(_lookup(base, name), dict)
        if not section or not all(isinstance(v, dict) for v in values):
            raise


def _unknown_reason(base: dict[str, Any], name: str, first_bad: str) -> str:
    if first_bad == name and isinstance(_lookup(base, name), dict):
        keys = ", ".join(sorted(_lookup(base, name)))
        return f"a section, not a parameter (its parameters: {keys})"
    parent = first_bad.rpartition(".")[0]
    known = _lookup(base, parent) if parent else base
    hint = f"; {parent or 'the top level'} has: {', '.join(sorted(known))}" if isinstance(known, dict) else ""
    return f"unknown architecture parameter ({first_bad} is not in the arch.yaml format{hint})"


def _lookup(data: dict[str, Any], dotted: str) -> Any:
    cur: Any = data
    for key in dotted.split("."):
        if not isinstance(cur, dict) or key not in cur:
            return None
        cur = cur[key]
    return cur


def axis_steps(spec: DesignSpaceFile) -> list[tuple[str, list[dict[str, Value]]]]:
    """Per axis, its name (a zip group's member names joined by '+') and its ``{param: value}`` steps."""
    steps = [(name, [{name: v} for v in values]) for name, values in spec.vary.items()]
    for group in spec.zip:
        names = list(group)
        steps.append(("+".join(names), [dict(zip(names, combo)) for combo in zip(*group.values())]))
    return steps


def _axis_steps(spec: DesignSpaceFile) -> list[list[dict[str, Value]]]:
    """One list of ``{param: value}`` steps per axis (a zip group is one axis)."""
    return [steps for _, steps in axis_steps(spec)]


def point_hash(workload: Workload, arch_sha256: str, spec: SweepFile, policy_sha256: str | None = None) -> str:
    """What a result depends on: workload bytes, architecture, compile and simulate settings."""
    key = {
        "schema_version": SWEEP_SCHEMA_VERSION,
        "onnx_sha256": workload.onnx_sha256,
        "arch_sha256": arch_sha256,
        "compile": spec.compile.model_dump(mode="json", exclude={"precision_policy"}),
        "precision_policy_sha256": policy_sha256,
        "simulate": spec.simulate.model_dump(mode="json"),
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


def _point_arch(base: dict, values: dict[str, Value], index: int, path: str) -> ArchSpec:
    data = copy.deepcopy(base)
    for name, value in values.items():
        set_param(data, name, value)
    try:
        return ArchSpec.model_validate(data)
    except ValidationError as exc:
        where = ", ".join(f"{k}={v}" for k, v in values.items())
        raise SpecError(path, f"point {index} ({where}): {validation_message(exc, data, ArchSpec)}") from None


def point_count(spec: SweepFile) -> int:
    """Points the sweep expands to (workloads x the product of the axes), computed without expanding."""
    n = len(spec.workloads)
    for values in spec.vary.values():
        n *= len(values)
    for group in spec.zip:
        n *= len(next(iter(group.values())))
    return n


def expand(spec: SweepFile, path: str) -> Sweep:
    """Validate names and values, then list every point in a fixed order."""
    from pimsim.spec.limits import MAX_SWEEP_POINTS

    count = point_count(spec)
    if count > MAX_SWEEP_POINTS.value:
        raise SpecError(path, f"{count:,} points: more than {MAX_SWEEP_POINTS.value:,} in one sweep "
                              f"({MAX_SWEEP_POINTS.why})")
    base = _load_base(spec, path)
    axes = _check_axis_names(spec, base, path)
    for name, value in spec.fixed.items():
        set_param(base, name, value)
    arch_from_dict(base, f"{path}: fixed")  # a bad fixed: value fails once, not per point
    workloads = _load_workloads(spec, path)
    policy_path, policy_sha = _load_policy(spec, path)
    archs: list[tuple[dict[str, Scalar | None], ArchSpec, str]] = []
    for i, combo in enumerate(itertools.product(*_axis_steps(spec))):
        values = {k: v for step in combo for k, v in step.items()}
        arch = _point_arch(base, values, i, path)
        archs.append(({k: column_value(v) for k, v in values.items()}, arch, arch.sha256()))
    points: list[SweepPoint] = []
    for workload in workloads:
        for cells, arch, sha in archs:
            key = point_hash(workload, sha, spec, policy_sha)
            points.append(SweepPoint(len(points), workload, cells, arch, sha, key))
    hashes = {p.point_hash for p in points}
    if len(hashes) != len(points):
        raise SpecError(path, "two points give the same architecture (an axis value has no effect?)")
    return Sweep(path, spec, axes, tuple(points), policy_path)
