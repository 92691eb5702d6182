"""The compiler's entry points for the CLI, sweeps and the search's hardware-cost oracle.

Cheap to import: onnx and numpy-heavy modules load on the first call.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np
    from pimsim.spec.arch import ArchSpec
    from pimsim.spec.mapping import Mapping


class Compiled(NamedTuple):
    """A compile's result: the mapping and its constant tensors (value name -> array), which
    :func:`write_compiled` writes to the ``.weights.npz`` sidecar.  Unpacks as ``mapping, weights``."""

    mapping: "Mapping"
    weights: "dict[str, np.ndarray]"

    def write(self, path) -> "Mapping":
        """:func:`write_compiled` of this mapping and its weights."""
        return write_compiled(self.mapping, path, self.weights)


def compile_graph(onnx_path, arch: "ArchSpec", strategy: str = "optimized", precision_policy=None,
                  batch: int | None = None, verify_each: bool = False, area_budget_mm2: float | None = None,
                  shapes_only: bool = False, dims: "Sequence[str]" = (), sample: "dict[str, np.ndarray] | None" = None,
                  name: str | None = None, objective: str = "throughput", pipeline: str = "auto"):
    """Frontend + passes: the placed IR and the options (with report notes).

    ``dims``: ``--dim`` specs (``NAME=N``, ``INPUT[AXIS]=N``); ``sample``: input arrays whose shapes bind every
    symbolic dimension (``--inputs``); ``name``: the model's name in reports and mappings (default: the file's
    stem).  See ``compiler.frontend.dims``.  ``pipeline``: ``layer``, ``element`` (``pimsim.spec.mapping``:
    whether an operator may start on the rows of its input that exist) or ``auto`` (the default:
    :func:`default_pipeline`).
    """
    from dataclasses import replace

    from compiler.frontend.dims import parse_dims
    from compiler.frontend.load import load_graph
    from compiler.passes.optimize import OBJECTIVES
    from compiler.passes.pipeline import CompileOptions, run_passes
    from compiler.precision_policy import PrecisionPolicy, load_policy

    if strategy not in ("naive", "optimized"):
        raise ValueError(f"strategy must be 'naive' or 'optimized', got {strategy!r}")
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    if pipeline not in ("auto", "layer", "element"):
        raise ValueError(f"pipeline must be 'auto', 'layer' or 'element', got {pipeline!r}")
    policy = precision_policy
    if isinstance(policy, (str, Path)):
        policy = load_policy(str(policy))
    elif policy is not None and not isinstance(policy, PrecisionPolicy):
        from compiler.precision_policy import policy_from_dict

        policy = policy_from_dict(policy, "<precision policy>")
    opts = CompileOptions(strategy=strategy, policy=policy, verify_each=verify_each, area_budget_mm2=area_budget_mm2,
                          objective=objective, pipeline=pipeline)
    graph = load_graph(str(onnx_path), shapes_only=shapes_only, binding=parse_dims(dims, batch, sample))
    if pipeline == "auto":
        opts.pipeline = default_pipeline(graph)
    if name is not None:
        graph.meta = replace(graph.meta, name=name)
    return run_passes(graph, arch, opts), opts


def default_pipeline(graph) -> str:
    """``element`` for a model with convolutions or pooling (sliding windows), else ``layer``.

    Row-granular inter-layer pipelining is what the CNN accelerators this simulator is compared with do by
    default: ISAAC starts a layer as soon as the rows it needs exist and sizes each layer's buffer for them
    (Shafiee et al., ISCA 2016, Sec. 3 and Fig. 3), and MNSIM 2.0 pipelines by default (thu-nics/MNSIM-2.0
    ``main.py``: ``-DisPipe`` "Disable inner layer pipeline in latency modeling, default: false", so
    ``calculate_model_latency(mode=1)``, window-granular); holding every feature map whole instead makes the
    cited 16 KiB tile buffer of ``configs/neurosim_vgg8_chip.yaml`` refuse VGG-8 (a 128 KiB first feature map)
    and ResNet-18 (a 147 KiB image).  A model without sliding windows has nothing that streams by rows, and
    ``layer`` keeps its mappings as they were."""
    windowed = any(n.op_type in ("Conv", "ConvTranspose", "pim.Im2Col", "MaxPool", "AveragePool")
                   for n in graph.nodes)
    return "element" if windowed else "layer"


def compile_onnx_with_weights(onnx_path, arch: "ArchSpec", strategy: str = "optimized", precision_policy=None,
                              batch: int | None = None, area_budget_mm2: float | None = None,
                              shapes_only: bool = False, dims: "Sequence[str]" = (),
                              sample: "dict[str, np.ndarray] | None" = None, name: str | None = None,
                              objective: str = "throughput",
                              pipeline: str = "auto") -> Compiled:
    """The mapping and its constant tensors: :func:`compile_onnx`'s options, the weights kept."""
    from compiler.passes.emit import to_mapping

    graph, opts = compile_graph(onnx_path, arch, strategy, precision_policy, batch, area_budget_mm2=area_budget_mm2,
                                shapes_only=shapes_only, dims=dims, sample=sample, name=name, objective=objective,
                                pipeline=pipeline)
    return Compiled(*to_mapping(graph, arch, opts))


def compile_onnx(onnx_path, arch: "ArchSpec", strategy: str = "optimized", precision_policy=None,
                 batch: int | None = None, area_budget_mm2: float | None = None,
                 shapes_only: bool = False, dims: "Sequence[str]" = (), sample: "dict[str, np.ndarray] | None" = None,
                 name: str | None = None, objective: str = "throughput") -> "Mapping":
    """Compile an ONNX model for ``arch``: the mapping alone (what cost-only callers, sweeps and the search's
    oracle need); :func:`compile_onnx_with_weights` also returns the constant tensors for :func:`write_compiled`.

    Parameters
    ----------
    onnx_path : path to the .onnx file (opset 11-28; lookup tables in external data are not loaded)
    arch : the target architecture (``pimsim.spec.arch.load_arch``)
    strategy : "optimized" (default) or "naive" (issue 6's baseline)
    precision_policy : None, a YAML path, a dict, or a ``PrecisionPolicy``
    batch : fix a symbolic batch dimension (default 1: per-query mapping)
    area_budget_mm2 : optimized only: chip area the mapping may occupy (tiles, estimated by
        ``pimsim.cost.area``); None = the whole chip
    shapes_only : accept absent external-data files (price a model from its shapes alone)
    dims : ``--dim`` specs binding symbolic dimensions (``"batch_size=8"``, ``"indices_0[0]=40"``)
    sample : input arrays (``--inputs``) whose shapes bind every symbolic dimension
    name : the model's name in reports and mappings (default: the ONNX file's stem)
    objective : optimized only: "throughput" (default; the fastest stream within 5 % of the least energy),
        "latency", "energy" or "edp" -- what picks among candidate placements (``compiler.passes.optimize``)
    """
    return compile_onnx_with_weights(onnx_path, arch, strategy, precision_policy, batch, area_budget_mm2,
                                     shapes_only, dims, sample, name, objective).mapping


def write_compiled(mapping: "Mapping", path, weights: "dict[str, np.ndarray] | None" = None) -> "Mapping":
    """Write ``mapping`` to ``path`` and, given ``weights`` (:class:`Compiled`'s), them to ``<stem>.weights.npz``
    beside it (both atomically).  :meth:`Compiled.write` writes a compile's result.

    Returns the mapping as written (with ``weights_file``/``weights_sha256`` set when weights were given).
    """
    from compiler.weights_file import write_weights
    from pimsim.spec.mapping import write_mapping

    path = Path(path)
    if weights is not None:
        npz = path.with_name(f"{path.name.removesuffix('.json')}.weights.npz")
        sha = write_weights(npz, weights)
        mapping = mapping.model_copy(update={"weights_file": npz.name, "weights_sha256": sha})
    write_mapping(mapping, path)
    return mapping
