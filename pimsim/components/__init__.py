"""Hardware component models: area, leakage, per-action energy and latency, each with a cited source.

Entry point (pure Python, cheap, no numba)::

    from pimsim.components import build_components
    comps = build_components(arch)          # arch: pimsim.spec.arch.ArchSpec
    comps.adc.energy_pj("convert")          # pJ for one conversion
    comps.crossbar.latency_cycles("read")   # cycles of arch.clock_mhz

Every model (``pimsim.components.base.ComponentModel``, frozen) has
``energy_pj(action) -> float`` (pJ, one action of ONE instance),
``latency_cycles(action) -> int`` (cycles of ``arch.clock_mhz``),
``area_um2``, ``leakage_mw`` (one instance), ``source`` (citation),
``model_name`` (which law priced it, with parameters), ``actions`` (tuple),
``peak_interval_ns`` (ns between actions of one instance at full activity)
and ``peak_power_mw``.  An unknown action raises ``ComponentError`` (a
``ValueError``); no action is ever priced 0 by default.

``ComponentSet`` attributes, their actions, and what one action means:

=====================  =====================  ==============================================
attribute              actions                one action is / extras
=====================  =====================  ==============================================
crossbar               read, write_row        one analog read of one crossbar for one input
                                              slice, all rows driven; programming one row.
                                              Extras: rows, cols, cell_bits, signed_encoding,
                                              sign_columns (2 differential, 1 offset)
dac                    drive                  one row driven for one slice (latency 0: inside
                                              the crossbar read). Extra: bits
sample_hold            sample                 one column held for one slice (latency 0)
adc                    convert                one conversion. ``cycles_for_conversions(n)``
                                              = cycles for n back-to-back conversions (rounded
                                              up once). Extras: bits, sample_rate_msps,
                                              conversion_ns, columns_per_adc
shift_add              add                    one shift-and-add of one ADC result (PE level).
                                              Extra: adds_per_cycle (per unit, at peak)
pe_input_register      read, write            one access of ``access_bits`` = rows x dac_bits
pe_output_register     read, write            one partial-sum word
tile_buffer            read, write            one access of ``width_bits`` (latency = bank
                                              cycle). Extras: kind, capacity_bytes, banks
bus                    transfer_bit           one bit over the buffer-to-PE bus (``width_bits``
                                              bits move per cycle, latency 1 per transfer)
router                 hop                    one flit (``flit_bits``) over one hop incl. link;
                                              latency = hop_latency_cycles. Extra:
                                              tiles_per_router
vector_unit            add mul div compare    one element operation of that class
                       nonlinear copy         (``pimsim.spec.mapping.VECTOR_OP_CLASSES``);
                                              ``lanes`` ops per cycle;
                                              ``cycles_for_elements(n, op)``
tile_shift_add         add                    one tile-level add
tile_output_register   read, write            one word
maxpool                compare                one compare
embedding_storage      read_bit               one bit of an embedding table read; latency =
                                              first-bit access latency. Extras:
                                              bandwidth_bits_per_cycle, onchip,
                                              ``cycles_for_bits(n)``
io_link                transfer_bit           one bit over the chip I/O link;
                                              bandwidth_bits_per_cycle, ``cycles_for_bits(n)``
=====================  =====================  ==============================================

``pimsim.components.catalog.instances(arch)`` gives how many instances of
each role sit in a PE, a tile or the chip; ``pimsim.components.rollup``
builds the area/peak-power report from the same models, so at full activity
event energies x event rates equal the roll-up powers (validation V4).
Equations, parameters, units and sources: ``docs/hardware-model.md``.
"""

from __future__ import annotations

from pimsim.components.base import ComponentError, ComponentModel
from pimsim.components.catalog import ComponentSet, build_components, instances

__all__ = ["ComponentError", "ComponentModel", "ComponentSet", "build_components", "instances"]
