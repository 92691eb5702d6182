"""The common shape of every component model, and its error type.

A component model is a frozen record of what one *instance* of a hardware
unit costs: its area, its leakage, and for each named action an energy (pJ)
and a latency (cycles of the architecture clock).  It also records the
action's *peak interval*: the time between two actions of one instance when
the design runs at its full, rated activity (ISAAC: every crossbar read every
100 ns, every ADC converting at 1.28 GS/s).  Peak power is then

    P_peak_mw = leakage_mw + sum_a energy_pj(a) / peak_interval_ns(a)

(1 pJ per ns is 1 mW, ``pimsim.spec.units.power_mw_from_energy``), so the
roll-up's table powers and the simulator's per-event energies are the *same
numbers* and integrate back into each other by construction (validation V4).

Assumptions: energies are per action and independent of data values (no
data-dependent conductance, the constant-G model of reference 2(e)); an
action missing from a model is an error, never zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from pimsim.spec.units import power_mw_from_energy


class ComponentError(ValueError):
    """A model was asked for something it cannot price (unknown action, bad parameter)."""


def frozen_map(d: Mapping) -> Mapping:
    """A read-only copy of ``d`` (component models are immutable)."""
    return MappingProxyType(dict(d))


@dataclass(frozen=True, kw_only=True)
class ComponentModel:
    """One instance of a hardware unit, priced by a named, cited model.

    Attributes
    ----------
    role : str
        What the unit is in the architecture (``adc``, ``tile_buffer``).
    model_name : str
        Which model priced it, with its key parameters (``isaac_sar(8 b, 32 nm)``).
    source : str
        Citation: paper plus table or figure, or the derivation.
    area_um2 : float
        Area of one instance, um^2.
    leakage_mw : float
        Static power of one instance, mW.
    energies_pj : Mapping[str, float]
        Energy of one action, pJ, by action name.
    latencies_cycles : Mapping[str, int]
        Latency of one action in clock cycles, by action name.
    peak_interval_ns : Mapping[str, float]
        ns between two actions of one instance at full rated activity; actions
        not listed do not run at peak (e.g. crossbar writes).
    """

    role: str
    model_name: str
    source: str
    area_um2: float
    leakage_mw: float
    energies_pj: Mapping[str, float]
    latencies_cycles: Mapping[str, int]
    peak_interval_ns: Mapping[str, float] = field(default_factory=lambda: frozen_map({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "energies_pj", frozen_map(self.energies_pj))
        object.__setattr__(self, "latencies_cycles", frozen_map(self.latencies_cycles))
        object.__setattr__(self, "peak_interval_ns", frozen_map(self.peak_interval_ns))
        self._check()

    def _check(self) -> None:
        if self.area_um2 < 0 or self.leakage_mw < 0:
            raise ComponentError(f"{self.role}: negative area or leakage from {self.model_name}")
        for action, e in self.energies_pj.items():
            if not e >= 0:  # also rejects NaN
                raise ComponentError(f"{self.role}.{action}: energy_pj={e} must be >= 0 ({self.model_name})")
        if set(self.latencies_cycles) != set(self.energies_pj):
            raise ComponentError(f"{self.role}: energy and latency action sets differ ({self.model_name})")
        unknown = set(self.peak_interval_ns) - set(self.energies_pj)
        if unknown:
            raise ComponentError(f"{self.role}: peak activity names unknown actions {sorted(unknown)}")

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(self.energies_pj)

    def _unknown(self, action: str) -> ComponentError:
        return ComponentError(
            f"{self.role} ({self.model_name}) has no action {action!r}; actions: {', '.join(self.actions)}"
        )

    def energy_pj(self, action: str) -> float:
        """Energy of one ``action`` of one instance, pJ."""
        try:
            return self.energies_pj[action]
        except KeyError:
            raise self._unknown(action) from None

    def latency_cycles(self, action: str) -> int:
        """Latency of one ``action``, clock cycles."""
        try:
            return self.latencies_cycles[action]
        except KeyError:
            raise self._unknown(action) from None

    @property
    def dynamic_power_mw(self) -> float:
        """Dynamic power of one instance at full rated activity, mW."""
        return sum(power_mw_from_energy(self.energies_pj[a], t) for a, t in self.peak_interval_ns.items())

    @property
    def peak_power_mw(self) -> float:
        """Leakage plus dynamic power at full rated activity, mW (one instance)."""
        return self.leakage_mw + self.dynamic_power_mw
