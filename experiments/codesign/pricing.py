"""Every hardware figure of the experiment, and its one gateway to the oracles and the search.

The oracle modules (``recsys_models.oracles``: ``hardware_cost`` ...) and the search (``recsys_models.search``)
are reached from ``experiments.codesign`` through this module alone (tests/tools/test_dependency_rules.py).

Pricing a design (``price``): the ONNX model is compiled with ``compiler.api.compile_onnx`` (strategy ``naive`` or
``optimized``, per query) for the chip document, and ``batch`` queries are simulated with ``pimsim.api.simulate``.
Nothing is estimated here; every number is the simulator report's (``pimsim.report.model.Report.to_json_dict``):

- latency: one query alone (``latency_ns``);
- throughput: steady state after the pipeline fill (``throughput_steady_inferences_per_s``,
  ``pimsim.report.throughput``), the stream rate with the fill (``throughput_inferences_per_s``) kept beside it;
- energy per inference: dynamic + static (leakage over the makespan), both parts kept;
- area: whole chip (``area_mm2``) and compute only (``compute_area_mm2``: the chip without the I/O link);
- power efficiency, two definitions (docs/results.md repeats them beside the numbers):
  ``inferences_per_j`` = 1e12 / energy per inference (pJ, static included), and
  ``steady_inferences_per_s_per_w`` = steady throughput / average chip power at that rate, where
  P = E_dynamic x throughput_steady + P_static (``power_static_mw``: the leakage the stream averaged), static
  included; hand: inf/s / (pJ/inf x inf/s x 1e-12 + mW x 1e-3) -> inf/s/W.

A model the compiler or simulator rejects is returned as ``{"infeasible": reason}``, never priced as zero.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from recsys_models.errors import UserError
from recsys_models.oracles import hardware_cost
from recsys_models.search.hw_space import HwSpace, load_hw_space
from pimsim.spec.units import inferences_per_s_per_w as units_inferences_per_s_per_w

KEYS = ("latency_ns", "throughput_inferences_per_s", "throughput_steady_inferences_per_s",
        "energy_per_inference_pj", "energy_dynamic_per_inference_pj", "energy_static_per_inference_pj",
        "power_mw", "power_static_mw", "power_dynamic_mw", "area_mm2", "compute_area_mm2", "tiles_used",
        "tiles_total")
"""Report fields copied into a priced row (all deterministic; the report's wall times are left out)."""

__all__ = ["HwSpace", "UserError", "base_arch_doc", "load_hw_space", "price", "arch_digest"]


def base_arch_doc(name_or_path: str) -> dict:
    """A preset (``default``, ``isaac``) or arch.yaml as a validated arch document."""
    return hardware_cost.base_arch_doc(name_or_path)


def arch_digest(doc: dict) -> str:
    return hardware_cost.arch_digest(doc)


FIGURES_VERSION = 2
"""What ``price`` returns, versioned for the price cache: 2 added ``static_energy_breakdown_pj``."""


def price(onnx_path: str | Path, arch_doc: dict, strategy: str, batch: int) -> dict[str, Any]:
    """The report's figures for ``batch`` queries of ``onnx_path`` on ``arch_doc`` (see the module docstring)."""
    from compiler.api import compile_onnx
    from pimsim.api import simulate
    from pimsim.spec.errors import SpecError

    arch = hardware_cost.arch_from_doc(arch_doc, "pim_arch")
    try:
        mapping = compile_onnx(str(onnx_path), arch, strategy=strategy, batch=1)
        report = simulate(mapping, batch=batch).to_json_dict()
    except (SpecError, UserError) as exc:
        # the ONNX file is a temporary: its path would make the row differ from run to run
        return {"infeasible": " ".join(str(exc).replace(str(onnx_path), Path(onnx_path).name).split())}
    out: dict[str, Any] = {k: report[k] for k in KEYS}
    out["flops"] = float(hardware_cost.mapping_macs(mapping))
    out["energy_breakdown_pj"] = report["energy_breakdown_pj"]
    out["static_energy_breakdown_pj"] = report["static_energy_breakdown_pj"]
    out["area_breakdown_mm2"] = report["area_breakdown_mm2"]
    out.update(efficiency(out))
    return out


def efficiency(m: dict[str, Any]) -> dict[str, float]:
    """The two power-efficiency figures of the module docstring from a priced row."""
    steady = m["throughput_steady_inferences_per_s"] or m["throughput_inferences_per_s"]
    power_w = m["energy_dynamic_per_inference_pj"] * 1e-12 * steady + m["power_static_mw"] * 1e-3
    return {"inferences_per_j": 1e12 / m["energy_per_inference_pj"],
            "steady_inferences_per_s_per_w": steady / power_w}


def validate_arch_doc(doc: Any, where: str | Path) -> None:
    """Raise a one-line ``UserError`` naming ``where`` if the arch spec rejects ``doc``."""
    if not isinstance(doc, dict):
        raise UserError(where, "not an arch document (a mapping)")
    try:
        hardware_cost.arch_from_doc(doc, str(where))
    except UserError as exc:
        raise UserError(where, exc.message) from None


def search_api():
    """``(SearchOptions, run_search, best_designs, parse_objective)`` of ``recsys_models.search``."""
    from recsys_models.search.report import best_designs
    from recsys_models.search.runner import SearchOptions, parse_objective, run_search

    return SearchOptions, run_search, best_designs, parse_objective


def inferences_per_s_per_w(throughput_per_s: float, power_mw: float) -> float:
    """The search's power-efficiency metric (stream throughput over average power, ``pimsim.spec.units``)."""
    return units_inferences_per_s_per_w(throughput_per_s, power_mw)
