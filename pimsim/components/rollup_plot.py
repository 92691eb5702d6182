"""Stacked-bar figure of a roll-up's chip-level area, peak power and leakage by component (``pimsim area --plot``).

Each bar is one quantity (area mm^2, peak power W, leakage W) split into the component
roles of ``Rollup.breakdown_*``, largest first, so the dominant component
(ISAAC: the ADCs in power, the I/O link and ADCs in area) reads at a glance.
"""

from __future__ import annotations

import io
from pathlib import Path

from pimsim.spec.io import atomic_write_bytes
from pimsim.spec.units import mw_to_w


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
    cmap = plt.get_cmap("tab20")
    for ax, values, label in ((axes[0], area, "chip area (mm2)"), (axes[1], power, "chip peak power (W)"),
                              (axes[2], leak, "chip leakage (W)")):
        bottom = 0.0
        for i, role in enumerate(roles):
            ax.bar(0, values[role], bottom=bottom, color=cmap(i % 20), label=role)
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
