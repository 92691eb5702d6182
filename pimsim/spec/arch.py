"""The architecture spec (``arch.yaml``): what hardware the simulator models.

Hierarchy: chip -> tiles on a 2-D mesh -> processing elements (PEs, ISAAC's
"IMAs") -> ReRAM crossbars with their DACs, sample-and-holds, ADCs and
shift-and-add units.  Each tile also has a buffer (eDRAM or SRAM), a bus, a
share of a NoC router and a digital vector unit; embedding tables live in
on-chip ReRAM or off-chip DRAM.

This module owns the file format: typed, frozen pydantic models with every
unit in its field name, unknown keys rejected, and cross-field rules checked.
It is deliberately free of numba and torch so that every tool can import it.
The energy/area *models* that price these parameters live in
``pimsim.components``; this file only says what the hardware is.

Assumptions: one clock (``clock_mhz``) drives every digital unit and is the
simulator's time base; analog latencies given in ns are converted to cycles
of that clock once, at load (``pimsim.spec.units.ns_to_cycles``).
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pimsim.spec.errors import SpecError

ARCH_SCHEMA_VERSION = 1
SUPPORTED_NODES_NM = (22, 32, 45)
"""Nodes with technology-scaling data in ``pimsim.components.scaling``."""

PRESETS = ("isaac", "default", "puma")


def _is_power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TechnologySpec(_Strict):
    node_nm: int = Field(description="CMOS node of the peripheral circuits, nm")

    @field_validator("node_nm")
    @classmethod
    def _known_node(cls, v: int) -> int:
        if v not in SUPPORTED_NODES_NM:
            raise ValueError(f"no technology-scaling data for {v} nm (supported: {list(SUPPORTED_NODES_NM)})")
        return v


class CrossbarSpec(_Strict):
    rows: int = Field(ge=2, le=4096, description="word lines (inputs) per crossbar")
    cols: int = Field(ge=2, le=4096, description="bit lines (outputs) per crossbar")
    cell_bits: int = Field(ge=1, le=8, description="bits stored per ReRAM cell")
    read_latency_ns: float = Field(gt=0, le=1.0e5, description="one analog read of all rows, ns")
    write_latency_ns_per_row: float = Field(gt=0, le=1.0e6, description="programming one row, ns")
    signed_encoding: Literal["differential", "offset"] = Field(
        "differential", description="signed weights as a +/- column pair, or with an offset column"
    )

    @field_validator("rows", "cols")
    @classmethod
    def _pow2(cls, v: int) -> int:
        if not _is_power_of_two(v):
            raise ValueError(f"{v}: must be a power of two")
        return v


class AdcSpec(_Strict):
    bits: int = Field(ge=1, le=16, description="ADC resolution, bits")
    sample_rate_msps: float = Field(gt=0, le=1.0e5, description="conversions per microsecond (MS/s)")
    per_crossbar: int = Field(ge=1, description="ADCs per crossbar; the columns share them equally")
    model: Literal["isaac_sar", "murmann_survey"] = Field(
        "isaac_sar", description="energy/area scaling law (see docs/hardware-model.md)"
    )


class DacSpec(_Strict):
    bits: int = Field(ge=1, le=8, description="input bits applied per crossbar read")


class BufferSpec(_Strict):
    kind: Literal["edram", "sram"]
    capacity_bytes: int = Field(gt=0, le=1 << 34)
    width_bits: int = Field(gt=0, le=4096, description="bits per access")
    banks: int = Field(1, ge=1, le=64)


class RouterSpec(_Strict):
    flit_bits: int = Field(gt=0, le=4096, description="link width: bits moved per hop per cycle")
    ports: int = Field(ge=2, le=16)
    tiles_per_router: int = Field(1, ge=1, le=16, description="tiles sharing one router (ISAAC: 4)")
    hop_latency_cycles: int = Field(ge=1, le=1000)


class VectorUnitSpec(_Strict):
    lanes: int = Field(ge=1, le=4096, description="element operations per cycle")


class IoLinkSpec(_Strict):
    bandwidth_gbps: float = Field(gt=0, description="off-chip link bandwidth, Gbit/s")
    power_mw: float = Field(ge=0, description="link power (ISAAC HyperTransport: 10400 mW)")
    area_mm2: float = Field(ge=0)


class DramSpec(_Strict):
    bandwidth_gbps: float = Field(gt=0, description="off-chip DRAM bandwidth, Gbit/s")
    energy_pj_per_bit: float = Field(gt=0)
    latency_ns: float = Field(gt=0, description="access latency before the first bit")


class EmbeddingSpec(_Strict):
    location: Literal["onchip", "dram"] = Field(description="where embedding tables are stored")
    dram: DramSpec | None = None
    onchip_capacity_bytes: int = Field(
        0, ge=0, description="on-chip ReRAM memory for tables, whole chip (split over tiles); needed when onchip"
    )

    @model_validator(mode="after")
    def _dram_given(self) -> "EmbeddingSpec":
        if self.location == "dram" and self.dram is None:
            raise ValueError("location=dram needs a dram: section")
        if self.location == "onchip" and self.onchip_capacity_bytes == 0:
            raise ValueError("location=onchip needs onchip_capacity_bytes > 0 (its area is priced)")
        return self


class PeSpec(_Strict):
    crossbars: int = Field(ge=1, le=1024)
    crossbar: CrossbarSpec
    adc: AdcSpec
    dac: DacSpec
    input_register_bytes: int = Field(gt=0)
    output_register_bytes: int = Field(gt=0)
    shift_add_units: int = Field(ge=1)


class TileSpec(_Strict):
    pes: int = Field(ge=1, le=1024)
    buffer: BufferSpec
    bus_width_bits: int = Field(gt=0, description="buffer-to-PE bus wires")
    router: RouterSpec
    vector_unit: VectorUnitSpec
    output_register_bytes: int = Field(gt=0)
    shift_add_units: int = Field(ge=1)
    sigmoid_units: int = Field(0, ge=0)
    maxpool_units: int = Field(0, ge=0)


class ChipSpec(_Strict):
    tiles: int = Field(ge=1, le=1 << 16)
    mesh_cols: int = Field(ge=1, description="tiles per mesh row; rows = ceil(tiles / mesh_cols)")
    io_link: IoLinkSpec


class PrecisionSpec(_Strict):
    weight_bits: int = Field(ge=1, le=16, description="default weight precision")
    input_bits: int = Field(ge=1, le=16, description="default activation (input) precision")


class ArchSpec(_Strict):
    schema_version: Literal[1]
    name: str = Field(min_length=1)
    description: str = ""
    source: str = Field(min_length=1, description="citation of the design this describes")
    technology: TechnologySpec
    clock_mhz: float = Field(gt=0, le=1.0e4)
    chip: ChipSpec
    tile: TileSpec
    pe: PeSpec
    embedding: EmbeddingSpec
    precision: PrecisionSpec

    @model_validator(mode="after")
    def _cross_field(self) -> "ArchSpec":
        xbar, adc = self.pe.crossbar, self.pe.adc
        if xbar.cols % adc.per_crossbar:
            raise ValueError(f"pe.adc.per_crossbar={adc.per_crossbar}: must divide pe.crossbar.cols={xbar.cols}")
        if self.chip.mesh_cols > self.chip.tiles:
            raise ValueError(f"chip.mesh_cols={self.chip.mesh_cols}: more than chip.tiles={self.chip.tiles}")
        if self.chip.tiles % self.tile.router.tiles_per_router:
            raise ValueError(
                f"tile.router.tiles_per_router={self.tile.router.tiles_per_router}: must divide chip.tiles"
            )
        return self

    # Derived quantities used throughout; kept here so there is one definition.
    @property
    def cols_per_adc(self) -> int:
        return self.pe.crossbar.cols // self.pe.adc.per_crossbar

    @property
    def mesh_rows(self) -> int:
        return -(-self.chip.tiles // self.chip.mesh_cols)

    @property
    def crossbars_per_chip(self) -> int:
        return self.chip.tiles * self.tile.pes * self.pe.crossbars

    def tile_xy(self, tile: int) -> tuple[int, int]:
        """Mesh coordinates (x, y) of a tile index (row-major)."""
        return tile % self.chip.mesh_cols, tile // self.chip.mesh_cols

    def xy_route(self, src: int, dst: int) -> list[tuple[int, int]]:
        """Directed mesh links (from_tile, to_tile) of the X-then-Y (dimension-order) route.

        One definition for the compiler's placement cost and the simulator's NoC model.
        """
        (x, y), (dx, dy) = self.tile_xy(src), self.tile_xy(dst)
        cols, links = self.chip.mesh_cols, []
        while x != dx:
            nx = x + (1 if dx > x else -1)
            links.append((y * cols + x, y * cols + nx))
            x = nx
        while y != dy:
            ny = y + (1 if dy > y else -1)
            links.append((y * cols + x, ny * cols + x))
            y = ny
        return links

    def sha256(self) -> str:
        """Hash of the canonical JSON form: names the architecture a mapping was made for."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def validation_message(exc: ValidationError, data, model=None) -> str:
    """The first pydantic error as ``field.path=value: problem`` (a misspelt key gets a suggestion):
    :func:`pimsim.spec.errors.describe_validation_error`."""
    from pimsim.spec.errors import describe_validation_error

    return describe_validation_error(exc, data, model)


def arch_from_dict(data, path: str) -> ArchSpec:
    """Validate a parsed arch document; errors name ``path`` and the field."""
    if not isinstance(data, dict):
        raise SpecError(path, "expected a mapping of architecture fields at the top level")
    version = data.get("schema_version")
    if version != ARCH_SCHEMA_VERSION:
        raise SpecError(path, f"schema_version={version}: unsupported (this tool reads {ARCH_SCHEMA_VERSION})")
    try:
        return ArchSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(path, validation_message(exc, data, ArchSpec)) from None


def set_arch_param(data: dict, dotted: str, value) -> None:
    """Set parameter ``a.b.c`` of a parsed arch document in place; the path must already exist.

    Raises ``KeyError`` naming the first unknown component (or ``dotted`` itself when it names a
    section rather than a parameter).  Used by sweeps and by anything that derives a variant.
    """
    parts = dotted.split(".")
    cur = data
    for depth, key in enumerate(parts):
        if not isinstance(cur, dict) or key not in cur:
            raise KeyError(".".join(parts[: depth + 1]))
        if depth == len(parts) - 1:
            if isinstance(cur[key], dict):
                raise KeyError(dotted)
            cur[key] = value
        else:
            cur = cur[key]


def arch_variant(base: "ArchSpec | str", changes: dict) -> ArchSpec:
    """``base`` (a spec or a preset/path) with the dotted parameters in ``changes`` set, validated."""
    spec = base if isinstance(base, ArchSpec) else load_arch(base)
    data = spec.model_dump(mode="json")
    for dotted, value in changes.items():
        set_arch_param(data, dotted, value)
    return arch_from_dict(data, f"{spec.name} with {changes}")


def preset_path(name: str) -> Path:
    return Path(str(resources.files("pimsim.spec.presets").joinpath(f"{name}.yaml")))


def load_arch(name_or_path: str | Path) -> ArchSpec:
    """Load a built-in preset by name (``isaac``, ``default``) or an arch YAML file."""
    from pimsim.spec.io import read_yaml

    text = str(name_or_path)
    looks_like_file = text.endswith((".yaml", ".yml")) or "/" in text or Path(text).exists()
    if not looks_like_file:
        if text not in PRESETS:
            raise SpecError(text, f"unknown architecture preset (presets: {', '.join(PRESETS)}; or give a .yaml path)")
        return arch_from_dict(read_yaml(preset_path(text)), f"preset:{text}")
    return arch_from_dict(read_yaml(text), text)
