"""Area, peak-power and leakage roll-up of an architecture, per PE, tile (kind) and chip; the I/O link apart."""

from __future__ import annotations

import argparse
import json


def add_arguments(p: argparse.ArgumentParser) -> None:
    from pimsim.spec.arch import PRESETS

    p.add_argument("arch", help=f"preset name ({', '.join(PRESETS)}) or arch.yaml path")
    p.add_argument("--json", action="store_true", help="print one JSON object with the stable keys")
    p.add_argument("--plot", metavar="FILE", help="also write a stacked-bar area/power breakdown (png, pdf, svg)")


def main(args: argparse.Namespace) -> int:
    from pimsim.components import ComponentError
    from pimsim.components.rollup import area_rollup, format_rollup
    from pimsim.spec.arch import load_arch
    from pimsim.spec.errors import SpecError

    arch = load_arch(args.arch)
    try:
        rollup = area_rollup(arch)
    except ComponentError as exc:  # a parameter the models cannot price: bad input, not a crash
        raise SpecError(args.arch, str(exc)) from None
    if args.json:
        print(json.dumps(rollup.to_json_dict(), sort_keys=True))
    else:
        print(format_rollup(rollup))
    if args.plot:
        from pimsim.components.rollup_plot import plot_breakdown

        plot_breakdown(rollup, args.plot)
    return 0
