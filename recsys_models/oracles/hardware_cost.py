"""The gateway from recsys_models to the hardware tools: the search's hardware oracle.

This is the ONE module of ``recsys_models`` allowed to import ``compiler`` and
``pimsim`` (``tests/tools/test_dependency_rules.py`` enforces it).  Everything
the model side needs from the hardware side goes through here:

- arch documents: :func:`base_arch_doc` / :func:`arch_from_doc` (validated by
  ``pimsim.spec.arch``, errors re-raised as one-line ``UserError``);
- hardware cost of an ONNX model on an arch: :func:`price_onnx`, which compiles
  with ``compiler.api.compile_onnx`` (strategy ``optimized`` or ``naive``) and
  simulates with ``pimsim.api.simulate``; nothing is estimated here, every
  number comes from the compiler's mapping and the simulator's report, read as
  typed records (``Report.figures``, ``Report.busiest``'s ``ResourceLoad``s,
  ``pimsim.api.chip_facts``); a composed candidate's figures come from the
  simulator's equations too (``pimsim.report.figures.stream_figures``);
- :class:`CostCache`: results keyed by (model digest -- the search uses the
  arch hash incl. precisions --, arch-document digest, strategy, batch), kept in memory and, optionally, as one JSON file per key
  on disk so that worker processes and later runs share them.

A model the compiler cannot map or the simulator cannot run raises; it is
never priced as zero.  (Other helpers add gateway functions here, e.g. a
functional ``pim_forward``; keep them additive.)
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pimsim.report.figures import ChipFacts, Figures
from pimsim.spec.errors import SpecError
from recsys_models.errors import UserError
from recsys_models.io import atomic_write_text

REPORT_METRICS = ("latency_ns", "throughput_inferences_per_s", "energy_per_inference_pj", "power_mw", "area_mm2")
ENERGY_PARTS = ("energy_dynamic_per_inference_pj", "energy_static_per_inference_pj")
"""Keys copied from ``pimsim``'s report into a candidate's metrics."""


def base_arch_doc(name_or_path: str) -> dict:
    """The JSON-able document of a preset (``default``, ``isaac``) or an arch.yaml."""
    from pimsim.spec.arch import load_arch

    try:
        return load_arch(name_or_path).model_dump(mode="json")
    except SpecError as exc:
        raise UserError(exc.path, exc.message) from None


def arch_from_doc(doc: dict, where: str):
    """Validate an arch document into a ``pimsim.spec.arch.ArchSpec``."""
    from pimsim.spec.arch import arch_from_dict

    try:
        return arch_from_dict(doc, where)
    except SpecError as exc:
        raise UserError(exc.path, exc.message) from None


def load_design_space(path: str) -> tuple[Any, dict, list[tuple[str, list[dict]]]]:
    """A design-space (or sweep) file: ``pimsim.sweep.space.load_design_space`` (the parsed file and the base arch
    document with ``fixed:`` applied) and its axes as ``(name, [{param: value}, ...])``."""
    from pimsim.sweep.space import axis_steps
    from pimsim.sweep.space import load_design_space as load

    try:
        spec, base = load(path)
    except SpecError as exc:
        raise UserError(exc.path, exc.message) from None
    return spec, base, axis_steps(spec)


def set_arch_params(doc: dict, values: dict[str, Any]) -> None:
    """Set dotted parameters (scalars, or sections/lists that replace the base's) in an arch document, as
    ``pimsim sweep`` does (``pimsim.sweep.space.set_param``)."""
    from pimsim.sweep.space import set_param

    for name, value in values.items():
        set_param(doc, name, value)


def arch_digest(doc: dict) -> str:
    return hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]


def _report_metrics(report: Any, mapping: Any) -> dict[str, float]:
    """A candidate's metrics from the simulator's typed figures (``pimsim.report.figures.Figures``)."""
    out = _figure_metrics(report.figures(), float(_mapping_crossbars(mapping)))
    out["flops"] = float(mapping_macs(mapping))
    return out


def _figure_metrics(fig: Figures, crossbars: float) -> dict[str, float]:
    """``REPORT_METRICS`` and ``ENERGY_PARTS`` (static + dynamic = energy_per_inference_pj) of ``fig``, its power
    efficiency and the crossbar count, in that order."""
    out = {k: float(getattr(fig, k)) for k in REPORT_METRICS + ENERGY_PARTS}
    out["inferences_per_s_per_w"] = fig.inferences_per_s_per_w
    out["crossbars"] = crossbars
    return out


def _mapping_crossbars(mapping: Any) -> int:
    """Distinct physical crossbars holding weights: ``pimsim.spec.occupancy.crossbars_used``, the definition
    ``pimcompile --report`` uses."""
    from pimsim.spec.occupancy import crossbars_used

    return len(crossbars_used(mapping))


def price_onnx(onnx_path: str | Path, arch_doc: dict, strategy: str = "optimized", batch: int = 1,
               precision_policy: Any = None) -> dict[str, float]:
    """Compile ``onnx_path`` for ``arch_doc`` and simulate it; the report's metrics per inference.

    Parameters
    ----------
    onnx_path : ONNX model (precisions as QDQ pairs are read by the compiler).
    arch_doc : arch document (see :func:`base_arch_doc`).
    strategy : ``"optimized"`` (the compiler's mixed-precision, PIM-aware mapping) or ``"naive"``.
    batch : inferences simulated together (throughput and energy are per inference).
    """
    mapping, report = _compile_and_simulate(onnx_path, arch_doc, strategy, batch, precision_policy)
    return _report_metrics(report, mapping)


def _compile_and_simulate(onnx_path, arch_doc: dict, strategy: str, batch: int, precision_policy: Any = None,
                          objective: str = "throughput"):
    """(mapping, report); compiler and simulator errors become one-line ``UserError``s."""
    from compiler.api import compile_onnx
    from pimsim.api import simulate

    arch = arch_from_doc(arch_doc, "arch")
    try:
        # the mapping is per query (compile batch 1); the simulator runs ``batch`` queries through it
        mapping = compile_onnx(str(onnx_path), arch, strategy=strategy, precision_policy=precision_policy,
                               batch=1, objective=objective)
        return mapping, simulate(mapping, batch=batch)
    except SpecError as exc:
        raise UserError(exc.path, exc.message) from None


class CostCache:
    """Hardware metrics keyed by (model digest, arch digest, strategy, batch); memory plus optional disk.

    The disk layer writes one small JSON per key atomically (``recsys_models.io.atomic_write_text``: a
    temporary file and a rename), so concurrent workers never see a half-written entry.
    """

    def __init__(self, directory: str | Path | None = None):
        self.directory = Path(directory) if directory else None
        self.memory: dict[str, dict] = {}
        self.hits = self.misses = 0

    @staticmethod
    def key(graph_digest: str, arch_doc: dict, strategy: str, batch: int) -> str:
        return f"{graph_digest}-{arch_digest(arch_doc)}-{strategy}-b{batch}"

    def get(self, key: str) -> dict | None:
        if key in self.memory:
            self.hits += 1
            return self.memory[key]
        if self.directory is not None:
            path = self.directory / f"{key}.json"
            if path.exists():
                self.memory[key] = json.loads(path.read_text())
                self.hits += 1
                return self.memory[key]
        self.misses += 1
        return None

    def put(self, key: str, metrics: dict) -> None:
        self.memory[key] = metrics
        if self.directory is not None:
            atomic_write_text(self.directory / f"{key}.json", json.dumps(metrics, sort_keys=True))


def write_mapping(onnx_path: str | Path, arch_doc: dict, out_path: str | Path, strategy: str = "optimized") -> None:
    """Compile ``onnx_path`` for ``arch_doc``; write mapping.json and its weights sidecar (atomically)."""
    from compiler.api import compile_onnx_with_weights

    arch = arch_from_doc(arch_doc, "arch")
    try:
        compile_onnx_with_weights(str(onnx_path), arch, strategy=strategy, batch=1).write(out_path)
    except SpecError as exc:
        raise UserError(exc.path, exc.message) from None


# ---------------------------------------------------------------------------
# Functional PIM inference (owned by the functional-simulation work, issue 11)

PIM_BATCH_ROWS = 4096
"""Rows executed per functional-simulation call (bounds memory; the result does not depend on it)."""


def pim_forward(mapping_path: str | Path, dense, sparse, ideal: bool = False, variation_sigma: float = 0.0,
                stuck_at_rate: float = 0.0, seed: int = 0, progress: bool = False, **overrides) -> "Any":
    """Click probabilities ``[N]`` of the model as executed by the mapped crossbars (``pimsim.functional``).

    Parameters
    ----------
    mapping_path : a mapping.json compiled from this model's ONNX export (weights sidecar next to it).
    dense, sparse : ``[N, n_int]`` float and ``[N, n_cat]`` int arrays (numpy or torch), fed to the
        mapping's first two graph inputs (by name ``dense``/``sparse`` when present).
    ideal, variation_sigma, stuck_at_rate, seed, overrides : see ``pimsim.functional.infer``.
    """
    import numpy as np
    from tqdm import tqdm

    from pimsim.functional import FunctionalSettings, prepare

    try:
        model = prepare(str(mapping_path), FunctionalSettings(ideal, variation_sigma, stuck_at_rate, seed,
                                                              **overrides))
    except SpecError as exc:
        raise UserError(exc.path, exc.message) from None
    names = list(model.mapping.inputs)
    if len(names) != 2:
        raise UserError(mapping_path, f"expected two graph inputs (dense, sparse), found {names}")
    if set(names) == {"dense", "sparse"}:
        names = ["dense", "sparse"]
    dense, sparse = np.asarray(dense), np.asarray(sparse)
    out, starts = [], range(0, len(dense), PIM_BATCH_ROWS)
    for s in tqdm(starts, desc="pim", unit="chunk", leave=False, disable=None if progress else True):
        chunk = {names[0]: dense[s:s + PIM_BATCH_ROWS], names[1]: sparse[s:s + PIM_BATCH_ROWS]}
        out.append(np.asarray(model.run(chunk)[model.mapping.outputs[0]], dtype=np.float64).reshape(-1))
    return np.concatenate(out) if out else np.zeros(0)


# ---------------------------------------------------------------------------
# Composed oracle: one unit (see ``recsys_models.oracles.units``) priced alone, then composed

UNIT_OBJECTIVE = "edp"
"""What picks the optimized mapping of a unit compiled alone (``compile_onnx(objective=...)``).  Not the whole
model's ``throughput``: a unit alone has the whole chip's spare crossbars, and under ``throughput`` it spreads its
copies over them (more DAC and input-register energy, accepted because its energy-delay product does not get
worse), which the whole model, whose units share the chip, does not; ``edp`` refuses that spreading where it buys
little time.  Measured on 32 NASRec-Full candidates (``benchmarks/composed_oracle.py --n 0 --validate 32
--unit-objective throughput`` and ``edp``, docs/search.md), against the whole model's optimized mapping: dynamic
energy at most 58.9 % (throughput) and 33.0 % (edp) off, Kendall tau of latency 0.98 and 1.00, of power 0.73
and 0.83."""


def price_unit(onnx_path: str | Path, arch_doc: dict, batch: int, strategy: str = "naive",
               objective: str = UNIT_OBJECTIVE) -> dict[str, float]:
    """Compile one unit with ``strategy`` (``optimized``: under ``objective``) for ``arch_doc`` and simulate
    ``batch`` queries; its cost with the chip I/O split out.

    Returns (per query): ``energy_pj`` (dynamic energy without leakage and without the chip I/O link),
    ``io_in_pj``/``io_out_pj`` (the I/O link carrying the unit's inputs/outputs), ``entry_cycles`` (first
    operator start: inputs in through the I/O link and delivered), ``span_cycles`` (first operator start to
    last operator end), ``exit_cycles`` (last operator end to the result out of the chip), ``period_cycles``
    (the busiest resource other than the I/O link: busy cycles per server per query), ``io_in_period_cycles``
    (the busier direction of the I/O link, per query: despite its name both directions count, as they always
    did -- the former test on the resource's printed name, ``"in" in name``, matched ``io_link[out]`` too --,
    kept so that cached and recorded results stay the same; both directions among the run's ten busiest
    resources only, ``pimsim.report.summary.busiest_resources``), ``input_tail_cycles`` (per input, the longest chain from it to
    the unit's end: :func:`input_tails`), ``crossbars`` and ``flops``.
    """
    return _unit_cost(*_compile_and_simulate(onnx_path, arch_doc, strategy, batch, objective=objective))


def _unit_cost(mapping: Any, report: Any) -> dict[str, float]:
    """The unit's cost from the simulator's typed report: energies (``Report.energy_*``), the busiest resources'
    loads (``pimsim.report.figures.ResourceLoad``) and the chip's I/O energy per bit (``pimsim.api.chip_facts``)."""
    from pimsim.api import chip_facts as pimsim_chip_facts

    io_bit_pj = pimsim_chip_facts(mapping.arch).io_link_pj_per_bit
    bits = {v.name: v.size_bits for v in mapping.values}
    io_in = sum(bits[n] for n in mapping.inputs) * io_bit_pj
    io_out = sum(bits[n] for n in mapping.outputs) * io_bit_pj
    io_link = report.energy_io_link_per_inference_pj
    if abs(io_link - io_in - io_out) > 1e-6 * max(io_in + io_out, 1.0):
        raise RuntimeError(f"unit {mapping.model.name}: I/O link energy {io_link} pJ is not its "
                           f"inputs and outputs ({io_in + io_out} pJ); cannot split it out")
    spans = [s for s in report.operators if s[2] > s[1]] or report.operators
    first, last = min(s[1] for s in spans), max(s[2] for s in spans)
    period, io_period = 0.0, 0.0
    for load in report.busiest:  # the ten busiest resources of the run
        per_server = load.cycles_per_query(report.makespan_cycles, report.batch)
        if load.resource_class == "io_link":  # either direction (see price_unit)
            io_period = max(io_period, per_server)
        else:
            period = max(period, per_server)
    return {
        "energy_pj": report.energy_on_chip_dynamic_per_inference_pj,
        "io_in_pj": io_in, "io_out_pj": io_out,
        "entry_cycles": float(first), "span_cycles": float(last - first),
        "input_tail_cycles": input_tails(mapping, report.operators),
        "exit_cycles": float(report.latency_cycles - last),
        "period_cycles": period, "io_in_period_cycles": io_period,
        "crossbars": float(_mapping_crossbars(mapping)),
        "crossbars_one_copy": float(_one_copy_crossbars(mapping)),
        "flops": float(mapping_macs(mapping)),
    }


def _one_copy_crossbars(mapping: Any) -> int:
    """Distinct physical crossbars holding the first copy (``replica`` 0) of the weights: what the unit needs at
    least, whatever replicas the optimized strategy added (equal to the crossbar count of a naive mapping)."""
    return len({(b.tile, b.pe, b.crossbar) for op in mapping.operators for b in getattr(op, "blocks", None) or []
                if b.replica == 0})


def input_tails(mapping: Any, spans: list[tuple[str, int, int]]) -> list[float]:
    """Per graph input of a unit (in the mapping's input order), the cycles from the moment its first consumer may
    start to the unit's end: the longest chain of operators that depends on it, each charged its simulated
    duration (``finish - start`` of the one-query run, ``pimsim.report.summary.operator_spans``) and each edge
    producer -> consumer the consumer's wait after its *last* producer finished (its input transfer; waits for an
    input that is ready later belong to that input's chain, not this one).  An input read by no operator has 0.

    Run alone, a unit receives every input at once; in a candidate its inputs are ready at different times, and
    one that arrives late but feeds a short chain (the dense inputs of a dot-product unit, whose long chain is
    the token projection) must not be charged the unit's whole span after its arrival (``compose.compose``).
    """
    ops = mapping.operators
    timing = [(int(s), int(f)) for _, s, f in spans]
    producer = {v: i for i, op in enumerate(ops) for v in op.outputs}
    consumers: dict[str, list[int]] = {}
    for i, op in enumerate(ops):
        for v in op.inputs:
            consumers.setdefault(v, []).append(i)
    # when each operator's last producing operator finished (graph inputs and constants: not an operator)
    last_in = [max((timing[producer[v]][1] for v in op.inputs if v in producer), default=timing[i][0])
               for i, op in enumerate(ops)]
    tail = [0.0] * len(ops)
    for i in reversed(range(len(ops))):  # the compiler emits operators in topological order
        start, finish = timing[i]
        after = 0.0
        for v in ops[i].outputs:
            for c in consumers.get(v, []):
                if c <= i:
                    raise RuntimeError(f"unit {mapping.model.name}: operators are not in topological order")
                after = max(after, max(0, timing[c][0] - last_in[c]) + tail[c])
        tail[i] = (finish - start) + after
    return [max((tail[c] for c in consumers.get(v, [])), default=0.0) for v in mapping.inputs]


def mapping_macs(mapping: Any) -> int:
    """Multiply-accumulates per query of a mapping's matrix products (static and dynamic): the FLOPs convention of
    ``recsys_models.oracles.flops`` counted on the compiled operators instead of the ONNX graph."""
    return sum(op.m * op.k * op.n * (op.count if op.kind == "dynamic_mvm" else 1)
               for op in mapping.operators if op.kind in ("mvm", "dynamic_mvm"))


def chip_facts(arch_doc: dict) -> ChipFacts:
    """What composition needs from the chip itself: ``pimsim.api.chip_facts`` (clock, area, whole-chip leakage,
    crossbar count) of the arch document."""
    from pimsim.api import chip_facts as pimsim_chip_facts

    return pimsim_chip_facts(arch_from_doc(arch_doc, "arch"))


def composed_metrics(latency_cycles: float, period_cycles: float, dynamic_pj: float, crossbars: float,
                     chip: ChipFacts, batch: int) -> dict[str, float]:
    """The report's metrics for a stream of ``batch`` queries, makespan = latency + (batch - 1) x period, by the
    simulator's own equations (``pimsim.report.figures.stream_figures``) on ``chip`` (:func:`chip_facts`)."""
    from pimsim.report.figures import stream_figures

    fig = stream_figures(latency_cycles, latency_cycles + (batch - 1) * period_cycles, dynamic_pj, chip.leakage_mw,
                         chip.clock_mhz, chip.area_mm2, batch)
    return _figure_metrics(fig, crossbars)
