"""``pimsim``: simulate mappings, roll up area and power, sweep design spaces.

This is the only pimsim module allowed to reach the compiler (for sweeps that
recompile each design point); the library below it never does.
"""

from __future__ import annotations

from collections.abc import Sequence

from pimsim import __version__
from pimsim.spec.cli_support import dispatch

SUBCOMMANDS = {
    "run": ("pimsim.cli.run", "simulate a mapping.json and report latency, energy, area and power"),
    "area": ("pimsim.cli.area", "area and peak-power roll-up of an architecture"),
    "sweep": ("pimsim.cli.sweep", "compile and simulate every point of a design-space sweep into one table"),
    "plot": ("pimsim.cli.plot", "scatter two metrics of sweep results with the Pareto front highlighted"),
    "infer": ("pimsim.cli.infer", "run a mapping functionally: outputs through bit-sliced crossbars and ADCs"),
    "compare": ("pimsim.cli.compare", "compare two mappings or reports: speedup, area, energy, power-efficiency ratios"),
}


def main(argv: Sequence[str] | None = None) -> int:
    return dispatch("pimsim", "Cycle-level ReRAM PIM simulator for recommender models.", SUBCOMMANDS, argv,
                    version=__version__)


if __name__ == "__main__":
    raise SystemExit(main())
