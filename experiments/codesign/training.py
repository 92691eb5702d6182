"""Accuracy of a design: trained from scratch with one recipe per seed, scored on the sample's test split.

Recipe (every row, hand-crafted and searched alike): Adam, lr 3e-3, batch 256, one epoch, gradient norm clipped at
1.0 (``recsys train``'s defaults for the samples, docs/models.md; the clip is what kept NASRec-Small architectures
with FM branches from diverging, 2.3-2.5 log loss without it, 0.484 with it, in the former table's runs). Searched
NASRec models are built standalone with LayerNorm per space (``standalone_layernorm``): off for NASRec-Small
(NASRec's standalone setting, B.4 of ../shared/reference/recsys_search_space.md), on for NASRec-Full, as in the
supernet. NASRec turns it off for 36 M training rows; on the samples' 8-11 k rows (31-44 steps) NASRec-Full's
7-block stacks diverge without it: every committed design, seeds 0-2, ``benchmarks/layernorm_standalone.py``
(docs/accuracy.md, "LayerNorm in standalone NASRec models"): Full designs 0.72-3.78 mean test log loss off,
0.44-0.48 on; Small designs mixed (searched ones +0.022 and +0.034 worse with it, co-designed ones 0.007 and 0.014
better), so Small keeps NASRec's setting. A design with per-operator
precisions (co-designed) is trained in floating point and then brought to its precisions by
``recsys_models.blocks.quantize.quantize_model`` with ``DEFAULT_RECIPE`` (``qat-eq``: equalisation, MSE-calibrated
ranges, 32 QAT steps; chosen in docs/accuracy.md, "Quantisation recipe"). Hand-crafted models are scored in float
(the compiler maps them at its uniform 8 bits; docs/accuracy.md measures w8a8 within +0.0015 of float for DLRM).

Seeds set the initialisation and the batch order; the splits are fixed (8:1:1 of the sample, ``recsys_models.data``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

RECIPE: dict[str, Any] = {"optimizer": "adam", "lr": 3e-3, "batch": 256, "epochs": 1, "clip_norm": 1.0,
          "quantize": "DEFAULT_RECIPE (qat-eq)", "layernorm": {"small": False, "full": True}}


def standalone_layernorm(spec: "ModelSpec") -> bool:
    """Whether ``spec``'s standalone model has LayerNorm (``RECIPE["layernorm"]`` by space; hand-crafted: no)."""
    return spec.space is not None and bool(RECIPE["layernorm"][spec.space])


@dataclass(frozen=True)
class ModelSpec:
    """What to train: a hand-crafted baseline by name, or a NASRec architecture (JSON) in a space."""

    dataset: str
    name: str  # baseline name, or the design's name
    arch: dict | None = None
    space: str | None = None
    menus: dict | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _build(spec: ModelSpec, seed: int, layernorm: bool | None = None):
    import torch

    from experiments.codesign.designs import HASH_SIZE, space_of
    from recsys_models.baselines import build_model
    from recsys_models.data.specs import dataset_spec
    from recsys_models.space import arch_from_json, with_uniform_precision
    from recsys_models.supernet.subnet import build_standalone

    ds = dataset_spec(spec.dataset, HASH_SIZE)
    if spec.arch is None:
        torch.manual_seed(seed)
        return build_model(spec.name, ds.n_int, ds.table_sizes), None
    assert spec.space is not None and spec.menus is not None
    arch = arch_from_json(spec.arch, space_of(spec.space, spec.menus))
    norm = standalone_layernorm(spec) if layernorm is None else layernorm
    model = build_standalone(with_uniform_precision(arch, None, None), ds, layernorm=norm, seed=seed)
    return model, (arch if arch.quantized else None)


def train_and_score(spec: ModelSpec, splits: dict, seed: int, layernorm: bool | None = None) -> dict[str, float]:
    """Test log loss and AUC of ``spec`` trained from scratch with ``seed`` (see the module docstring);
    ``layernorm`` overrides the recipe's choice for a NASRec design (``benchmarks/layernorm_standalone.py``)."""
    import torch

    from recsys_models.blocks.quantize import DEFAULT_RECIPE, quantize_model
    from recsys_models.data.dataset import TensorBatches
    from recsys_models.train.loop import TrainConfig, evaluate, train_model

    torch.set_num_threads(1)  # a shared 2-core machine: one thread per process
    model, quantized = _build(spec, seed, layernorm)
    train = TensorBatches(*splits["train"], batch_size=RECIPE["batch"], shuffle=True, seed=seed)
    train_model(model, train, TrainConfig(epochs=RECIPE["epochs"], lr=RECIPE["lr"], seed=seed,
                                          clip_norm=RECIPE["clip_norm"]), progress=False)
    if quantized is not None:
        model = quantize_model(model, quantized, train, DEFAULT_RECIPE)
    m = evaluate(model.eval(), TensorBatches(*splits["test"], batch_size=4096))
    return {"log_loss": float(m["logloss"]), "auc": float(m["auc"])}


def load_splits(dataset: str, data: str) -> dict:
    from experiments.codesign.designs import HASH_SIZE
    from recsys_models.data.dataset import load_split

    return {s: load_split(dataset, data, s, hash_size=HASH_SIZE) for s in ("train", "val", "test")}


def export_onnx(spec: ModelSpec, path) -> Any:
    """The model's ONNX (fresh seed-0 weights: the mapping and its cost do not depend on weight values, so the
    hardware columns do not depend on training); precisions as QDQ pairs for an architecture that has them;
    LayerNorm as the design is trained (``standalone_layernorm``)."""
    import torch

    from experiments.codesign.designs import HASH_SIZE, space_of
    from recsys_models.baselines import build_model
    from recsys_models.data.specs import dataset_spec
    from recsys_models.export.onnx_export import export_model
    from recsys_models.space import arch_from_json
    from recsys_models.supernet.model import SubnetModel
    from recsys_models.supernet.onnx_qdq import export_subnet_onnx

    ds = dataset_spec(spec.dataset, HASH_SIZE)
    if spec.arch is None:
        torch.manual_seed(0)
        return export_model(build_model(spec.name, ds.n_int, ds.table_sizes), path, ds.n_int, ds.table_sizes,
                            batch=1)
    assert spec.space is not None and spec.menus is not None
    arch = arch_from_json(spec.arch, space_of(spec.space, spec.menus))
    torch.manual_seed(0)
    model = SubnetModel(arch, ds, layernorm=standalone_layernorm(spec))
    return export_subnet_onnx(arch, ds, path, batch=1, model=model, verify=False)
