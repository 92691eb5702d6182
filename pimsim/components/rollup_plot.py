"""Stacked-bar figure of a roll-up's chip-level area, peak power and leakage by component (``pimsim area --plot``).

Each bar is one quantity (area mm^2, peak power W, leakage W) split into the component
roles of ``Rollup.breakdown_*``, largest first, so the dominant component
(ISAAC: the ADCs in power, the I/O link and ADCs in area) reads at a glance.
Every component has one colour in every figure (:func:`component_colour`), so two
chips' plots compare side by side.
"""

from __future__ import annotations

import io
from pathlib import Path

from pimsim.spec.io import atomic_write_bytes
from pimsim.spec.units import mw_to_w


COMPONENT_ORDER = ("crossbar", "dac", "sample_hold", "adc", "shift_add", "pe_input_register", "pe_output_register",
                   "tile_buffer", "bus", "router", "vector_unit", "tile_shift_add", "tile_output_register", "maxpool",
                   "io_link", "embedding_storage", "noc_link", "leakage", "dram")
"""Every component role the models price, in a fixed order: the i-th gets colour i of matplotlib's tab20."""


def component_colour(role: str) -> str:
    """The one colour of a component in every plot (a hex string); roles outside the list get a stable grey."""
    import matplotlib

    if role in COMPONENT_ORDER:
        return matplotlib.colors.to_hex(matplotlib.colormaps["tab20"](COMPONENT_ORDER.index(role) % 20))
    shade = 0.35 + 0.4 * (sum(map(ord, role)) % 17) / 17  # deterministic, never a tab20 colour
    return matplotlib.colors.to_hex((shade, shade, shade))


def plot_breakdown(rollup, out: str | Path) -> None:
    """Write the figure to ``out`` (format from its suffix; png if none), atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    area = rollup.breakdown_area_mm2()
    power = {k: mw_to_w(v) for k, v in rollup.breakdown_power_mw().items()}
    leak = {k: mw_to_w(v) for k, v in rollup.breakdown_leakage_mw().items()}
    roles = sorted(area, key=lambda r: -(area[r] / rollup.chip_area_mm2 + power[r] / mw_to_w(rollup.chip_power_mw)))
    fig, axes = plt.subplots(1, 3, figsize=(12, 5))
    for ax, values, label in ((axes[0], area, "chip area (square millimetres)"),
                              (axes[1], power, "chip peak power (watts)"), (axes[2], leak, "chip leakage (watts)")):
        bottom = 0.0
        for role in roles:
            ax.bar(0, values[role], bottom=bottom, color=component_colour(role), label=role)
            bottom += values[role]
        ax.set_xticks([])
        ax.set_ylabel(label)
    axes[2].legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=8)
    fig.suptitle(f"{rollup.arch_name}: {rollup.peak_gops:,.0f} GOPS peak, "
                 f"{rollup.gops_per_mm2:.0f} GOPS/mm2, {rollup.gops_per_w:.0f} GOPS/W")
    buf = io.BytesIO()
    fig.savefig(buf, format=Path(out).suffix.lstrip(".") or "png", bbox_inches="tight")
    plt.close(fig)
    atomic_write_bytes(out, buf.getvalue())
