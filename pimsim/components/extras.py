"""Extra components listed in the arch spec (``pe/tile/chip.extra_components``): Accelergy's ERT/ART idea.

Each entry gives, per instance, an area (its "area reference table"), a
leakage power, and an energy per named action (its "energy reference
table"), with the citation of those figures.  The roll-up counts the area
and leakage of every instance (PUMA's instruction memories, register files
and control units are about 75 % of its core area, so a design without them
under-states area and static power), and rates each action at its declared
``peak_per_cycle`` for the peak-power column.

What the simulator charges: an action's energy only when the compiler or
the simulator emits that action.  Today neither emits any action of an
extra component, so their dynamic energy in ``pimsim run`` is zero and only
their leakage (static power x run time) is charged; ``docs/hardware-model.md``
keeps this list of emitted actions current.

Equations (ef, af, lf: node factors from ``node_nm`` -- the node the figures
were characterised at -- to the arch's periphery node, 1 when unset):
    energy_pj(action) = E_action x ef;   area_um2 = A x af;   leakage_mw = P_leak x lf
    peak_interval_ns(action) = cycle_ns / peak_per_cycle       (actions with peak_per_cycle > 0)
Latency of an action: 1 cycle (no action is emitted yet; a later emitter sets its own timing).
"""

from __future__ import annotations

from pimsim.components.base import ComponentModel
from pimsim.components.scaling import area_factor, energy_factor, leakage_factor
from pimsim.spec.arch import ExtraComponentSpec
from pimsim.spec.units import cycle_ns

EXTRA_LEVELS = ("pe", "tile", "chip")


def extra_role(level: str, name: str) -> str:
    """Role of an extra component in reports: ``<level>.<name>`` (never clashes with a built-in role)."""
    return f"{level}.{name}"


def build_extra(arch, level: str, spec) -> ComponentModel:
    node = arch.technology.node_nm
    at = node if spec.node_nm is None else spec.node_nm
    ef, af, lf = energy_factor(at, node), area_factor(at, node), leakage_factor(at, node)
    tick = cycle_ns(arch.clock_mhz)
    scaled = f", scaled {at:g} -> {node:g} nm" if at != node else ""
    return ComponentModel(
        role=extra_role(level, spec.name),
        model_name=f"extra({spec.name}, {len(spec.actions)} actions{scaled})",
        source=spec.source,
        area_um2=spec.area_um2 * af,
        leakage_mw=spec.leakage_mw * lf,
        energies_pj={a.name: a.energy_pj * ef for a in spec.actions},
        latencies_cycles={a.name: 1 for a in spec.actions},
        peak_interval_ns={a.name: tick / a.peak_per_cycle for a in spec.actions if a.peak_per_cycle > 0},
    )


def extra_specs(arch) -> list[tuple[str, ExtraComponentSpec]]:
    """(level, spec) of every extra component of a single-kind arch, PE first."""
    return ([("pe", e) for e in arch.pe.extra_components] + [("tile", e) for e in arch.tile.extra_components]
            + [("chip", e) for e in arch.chip.extra_components])
