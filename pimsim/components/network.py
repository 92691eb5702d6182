"""On-chip interconnect (tile bus, mesh router with its links) and the chip I/O link.

Sources:
- Bus: ISAAC Table 6, eDRAM-to-IMA bus of 384 wires, 7 mW, 0.090 mm^2.
- Router: ISAAC Table 6, 32-bit flit, 8 ports, 42 mW and 0.150 mm^2, one
  router shared by 4 tiles (PIMSYN DATE'24 Table III repeats the 42 mW).
- I/O link: arch spec ``chip.io_link`` (ISAAC/PUMA HyperTransport: 10.4 W,
  22.88 mm^2, 6.4 GB/s).

Equations (f = 1.2 GHz, ISAAC's clock, where the table was taken):
    bus     E_bit  = 7 mW / (384 wires * f) = 0.0152 pJ per bit moved
            A      = 90000 um^2 * wires / 384 * area_factor
    router  E_hop  = 42 mW / (8 ports * f) * (flit/32) * (ports/8) = 4.375 pJ per 32-bit flit-hop
            A      = 150000 um^2 * (flit/32) * (ports/8) * area_factor
    io link E_bit  = P_link / bandwidth   (mW / (Gbit/s) = pJ/bit)

Assumptions:
- Full activity: every bus wire toggles each cycle; every router port
  forwards one flit per cycle.  (hwcomponents-library quotes 0.054 pJ/bit for
  the bus and 20.74 pJ per 256 bits for the router; those come from other
  activity assumptions and do not integrate back to ISAAC's 7 mW and 42 mW,
  so this model does not use them.)
- A hop's energy includes the link to the next router (ISAAC's figure covers
  router and links).  Router energy and area grow linearly with flit width
  and with ports (upper bound: a crossbar grows with ports^2).
- The I/O link draws its rated power whenever the chip runs (peak = rated).
"""

from __future__ import annotations

from dataclasses import dataclass

from pimsim.components import isaac_table as T
from pimsim.components.base import ComponentModel
from pimsim.components.memory import StreamModel
from pimsim.components.scaling import area_factor, energy_factor
from pimsim.spec.units import cycle_ns, energy_pj_from_power, gbps_to_bits_per_cycle, mm2_to_um2, ns_per_bit

_ISAAC_CYCLE_NS = cycle_ns(T.CLOCK_MHZ)
BUS_PJ_PER_BIT = energy_pj_from_power(T.BUS_POWER_MW, _ISAAC_CYCLE_NS) / T.BUS_WIRES
ROUTER_PJ_PER_FLIT_HOP = energy_pj_from_power(T.ROUTER_POWER_MW, _ISAAC_CYCLE_NS) / T.ROUTER_PORTS


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
        role="bus", model_name=f"isaac_bus({wires} wires)", source=T.SOURCE,
        area_um2=T.BUS_AREA_UM2 * wires / T.BUS_WIRES * area_factor(T.NODE_NM, node), leakage_mw=0.0,
        energies_pj={"transfer_bit": BUS_PJ_PER_BIT * energy_factor(T.NODE_NM, node)},
        latencies_cycles={"transfer_bit": 1},
        peak_interval_ns={"transfer_bit": cycle_ns(arch.clock_mhz) / wires}, width_bits=wires,
    )


def build_router(arch) -> RouterModel:
    r, node = arch.tile.router, arch.technology.node_nm
    size = (r.flit_bits / T.ROUTER_FLIT_BITS) * (r.ports / T.ROUTER_PORTS)
    return RouterModel(
        role="router", model_name=f"isaac_router({r.flit_bits}-bit flit, {r.ports} ports)", source=T.SOURCE,
        area_um2=T.ROUTER_AREA_UM2 * size * area_factor(T.NODE_NM, node), leakage_mw=0.0,
        energies_pj={"hop": ROUTER_PJ_PER_FLIT_HOP * size * energy_factor(T.NODE_NM, node)},
        latencies_cycles={"hop": r.hop_latency_cycles},
        peak_interval_ns={"hop": cycle_ns(arch.clock_mhz) / r.ports},
        flit_bits=r.flit_bits, ports=r.ports, tiles_per_router=r.tiles_per_router,
    )


def build_io_link(arch) -> StreamModel:
    io = arch.chip.io_link
    per_bit = energy_pj_from_power(io.power_mw, ns_per_bit(io.bandwidth_gbps))
    return StreamModel(
        role="io_link", model_name=f"rated_link({io.bandwidth_gbps:g} Gb/s, {io.power_mw:g} mW)",
        source="arch spec chip.io_link (ISAAC Table 6 / puma-simulator constants.py: HyperTransport)",
        area_um2=mm2_to_um2(io.area_mm2), leakage_mw=0.0, energies_pj={"transfer_bit": per_bit},
        latencies_cycles={"transfer_bit": 1}, peak_interval_ns={"transfer_bit": ns_per_bit(io.bandwidth_gbps)},
        bandwidth_bits_per_cycle=gbps_to_bits_per_cycle(io.bandwidth_gbps, arch.clock_mhz), onchip=True,
    )
