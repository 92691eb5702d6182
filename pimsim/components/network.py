"""On-chip interconnect (tile bus, mesh router with its links) and the chip I/O link.

Sources:
- Bus: ISAAC Table 6, eDRAM-to-IMA bus of 384 wires, 7 mW, 0.090 mm^2;
  1 mW of it leakage (puma-simulator constants.py: "same as isaac", 6 + 1 mW).
- Router: ISAAC Table 6, 32-bit flit, 8 ports, 42 mW and 0.150 mm^2, one
  router shared by 4 tiles (PIMSYN DATE'24 Table III repeats the 42 mW);
  1.98 % of it leakage (puma-simulator 8-port router: 1.04 of 52.52 mW).
- I/O link, ``kind: rated``: arch spec ``chip.io_link`` (ISAAC/PUMA
  HyperTransport: 10.4 W, 22.88 mm^2, 6.4 GB/s; ``leakage_mw`` default 0,
  puma-simulator's split).  ``kind: serdes``: lanes of a SerDes PHY, default
  figures O'Mahony et al., IEEE JSSC 45(12) 2010 (45 nm, 47 x 10 Gb/s,
  1.4 pJ/bit, 3.2 mm^2 active area; ``pimsim.spec.arch.SERDES_DEFAULTS``).

Equations (f = 1.2 GHz, ISAAC's clock, where the table was taken):
    bus     E_bit  = (7 - 1) mW / (384 wires * f) = 0.0130 pJ per bit moved; P_leak = 1 mW * wires/384
            A      = 90000 um^2 * wires / 384 * area_factor
    router  E_hop  = 0.98 * 42 mW / (8 ports * f) * (flit/32) * (ports/8) = 4.29 pJ per 32-bit flit-hop
            P_leak = 0.0198 * 42 mW * (flit/32) * (ports/8)
            A      = 150000 um^2 * (flit/32) * (ports/8) * area_factor
    io link E_bit  = (P_link - P_leak) / bandwidth   (mW / (Gbit/s) = pJ/bit);  serdes P_leak = static_fraction x P

Assumptions:
- Full activity: every bus wire toggles each cycle; every router port
  forwards one flit per cycle.  (hwcomponents-library quotes 0.054 pJ/bit for
  the bus and 20.74 pJ per 256 bits for the router; those come from other
  activity assumptions and do not integrate back to ISAAC's 7 mW and 42 mW,
  so this model does not use them.)
- A hop's energy includes the link to the next router (ISAAC's figure covers
  router and links).  Router energy and area grow linearly with flit width
  and with ports (upper bound: a crossbar grows with ports^2).
- The I/O link is at its rated power at peak; its figures are not node-scaled
  (off-chip signalling energy is set by the channel and swing, not the node).
- Leakage of the bus and router scales with ``leakage_factor``.
"""

from __future__ import annotations

from dataclasses import dataclass

from pimsim.components import isaac_table as T
from pimsim.components.base import ComponentModel
from pimsim.components.memory import StreamModel
from pimsim.components.scaling import area_factor, energy_factor, leakage_factor
from pimsim.spec.units import cycle_ns, energy_pj_from_power, gbps_to_bits_per_cycle, mm2_to_um2, ns_per_bit

_ISAAC_CYCLE_NS = cycle_ns(T.CLOCK_MHZ)
BUS_PJ_PER_BIT = energy_pj_from_power(T.BUS_POWER_MW - T.BUS_LEAKAGE_MW, _ISAAC_CYCLE_NS) / T.BUS_WIRES
ROUTER_PJ_PER_FLIT_HOP = (1.0 - T.ROUTER_STATIC_FRACTION) * energy_pj_from_power(T.ROUTER_POWER_MW,
                                                                                 _ISAAC_CYCLE_NS) / T.ROUTER_PORTS
SERDES_SOURCE = ("O'Mahony et al., IEEE JSSC 45(12) 2010: 47 x 10 Gb/s, 1.4 pJ/bit, 3.2 mm^2 (45 nm); "
                 "arch spec chip.io_link lanes")


@dataclass(frozen=True, kw_only=True)
class BusModel(ComponentModel):
    width_bits: int


@dataclass(frozen=True, kw_only=True)
class RouterModel(ComponentModel):
    flit_bits: int
    ports: int
    tiles_per_router: int


def build_bus(arch) -> BusModel:
    wires, node = arch.tile.bus_width_bits, arch.technology.node_nm
    return BusModel(
        role="bus", model_name=f"isaac_bus({wires} wires)", source=f"{T.SOURCE}; leakage: {T.PUMA_SOURCE}",
        area_um2=T.BUS_AREA_UM2 * wires / T.BUS_WIRES * area_factor(T.NODE_NM, node),
        leakage_mw=T.BUS_LEAKAGE_MW * wires / T.BUS_WIRES * leakage_factor(T.NODE_NM, node),
        energies_pj={"transfer_bit": BUS_PJ_PER_BIT * energy_factor(T.NODE_NM, node)},
        latencies_cycles={"transfer_bit": 1},
        peak_interval_ns={"transfer_bit": cycle_ns(arch.clock_mhz) / wires}, width_bits=wires,
    )


def build_router(arch) -> RouterModel:
    r, node = arch.tile.router, arch.technology.node_nm
    size = (r.flit_bits / T.ROUTER_FLIT_BITS) * (r.ports / T.ROUTER_PORTS)
    return RouterModel(
        role="router", model_name=f"isaac_router({r.flit_bits}-bit flit, {r.ports} ports)",
        source=f"{T.SOURCE}; leakage: {T.PUMA_SOURCE}",
        area_um2=T.ROUTER_AREA_UM2 * size * area_factor(T.NODE_NM, node),
        leakage_mw=T.ROUTER_STATIC_FRACTION * T.ROUTER_POWER_MW * size * leakage_factor(T.NODE_NM, node),
        energies_pj={"hop": ROUTER_PJ_PER_FLIT_HOP * size * energy_factor(T.NODE_NM, node)},
        latencies_cycles={"hop": r.hop_latency_cycles},
        peak_interval_ns={"hop": cycle_ns(arch.clock_mhz) / r.ports},
        flit_bits=r.flit_bits, ports=r.ports, tiles_per_router=r.tiles_per_router,
    )


def build_io_link(arch) -> StreamModel:
    io = arch.chip.io_link
    per_bit = energy_pj_from_power(io.power_mw - io.leakage_mw, ns_per_bit(io.bandwidth_gbps))
    if io.kind == "serdes":
        name = (f"serdes({io.lanes} x {io.lane_gbps:g} Gb/s, {io.energy_pj_per_bit:g} pJ/b, "
                f"{io.static_fraction:g} static)")
        source = SERDES_SOURCE
    else:
        name = f"rated_link({io.bandwidth_gbps:g} Gb/s, {io.power_mw:g} mW, {io.leakage_mw:g} mW static)"
        source = "arch spec chip.io_link (ISAAC Table 6 / puma-simulator constants.py: HyperTransport)"
    return StreamModel(
        role="io_link", model_name=name, source=source,
        area_um2=mm2_to_um2(io.area_mm2), leakage_mw=io.leakage_mw, energies_pj={"transfer_bit": per_bit},
        latencies_cycles={"transfer_bit": 1}, peak_interval_ns={"transfer_bit": ns_per_bit(io.bandwidth_gbps)},
        bandwidth_bits_per_cycle=gbps_to_bits_per_cycle(io.bandwidth_gbps, arch.clock_mhz), onchip=True,
    )
