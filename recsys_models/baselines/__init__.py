"""Registry of the baseline recommender models.

Interface (what the search, export and training code rely on)::

    from recsys_models.baselines import build_model, MODELS
    model = build_model("dlrm", n_int=13, table_sizes=spec.table_sizes, embedding_dim=16)
    logits = model(dense, sparse)      # dense [B, n_int] float32, sparse [B, n_cat] int64 -> logits [B, 1]

``MODELS`` maps a baseline's lower-case name to the ``nn.Module`` class; every constructor takes
``(n_int, table_sizes, **config)`` with JSON-serialisable config values, so a checkpoint only needs
``{"model": name, "n_int": ..., "table_sizes": [...], "config": {...}}`` plus the state dict
(see ``recsys_models.train.checkpoint``). Models return **logits**; apply ``torch.sigmoid`` for
probabilities (the ONNX export does).

Names: ``dlrm``, ``deepfm``, ``dcnv2``, ``autoint``, ``xdeepfm``, ``widedeep``, ``lr`` (logistic regression), and
``nasrec_subnet``: one NASRec architecture as a standalone model (``recsys_models.supernet.SubnetModel``), config
``{"arch": <NASRec JSON with precisions>, "layernorm": false}``, so a searched model's checkpoint has the same format
as a baseline's and loads in ``recsys export``, ``recsys evaluate`` and ``recsys train --init``. It returns logits
``[B]`` (the baselines ``[B, 1]``; every consumer flattens them).
"""

from __future__ import annotations

from collections.abc import Sequence

from recsys_models.registry import BASELINE_NAMES, MODEL_NAMES


class NASRecSubnet:
    """Builder of the ``nasrec_subnet`` entry (imports the supernet package only when used)."""

    def __new__(cls, n_int: int, table_sizes, arch: dict, layernorm: bool = False):
        from recsys_models.space import ArchError, arch_from_json
        from recsys_models.supernet.model import SubnetModel, generic_dataset_spec

        try:
            decoded = arch_from_json(arch)
        except ArchError as exc:
            raise ValueError(f"nasrec_subnet: bad architecture: {exc}") from None
        return SubnetModel(decoded, generic_dataset_spec(n_int, table_sizes), layernorm=bool(layernorm))


def _baselines() -> dict:
    from recsys_models.baselines.models import DLRM, AutoInt, DCNv2, DeepFM, LogisticRegression, WideDeep, XDeepFM

    return {"dlrm": DLRM, "deepfm": DeepFM, "dcnv2": DCNv2, "autoint": AutoInt, "xdeepfm": XDeepFM,
            "widedeep": WideDeep, "lr": LogisticRegression}


def __getattr__(name: str):
    """``MODELS`` (the hand-crafted baselines) and the model classes load torch on first use
    (:mod:`recsys_models.registry` serves argument checks without it)."""
    if name == "MODELS":
        globals()["MODELS"] = models = _baselines()
        return models
    if name in ("DLRM", "AutoInt", "DCNv2", "DeepFM", "LogisticRegression", "WideDeep", "XDeepFM"):
        from recsys_models.baselines import models as classes

        return getattr(classes, name)
    raise AttributeError(f"module 'recsys_models.baselines' has no attribute {name!r}")


def build_model(name: str, n_int: int, table_sizes: Sequence[int], **config):
    """Construct a registered model (a baseline or ``nasrec_subnet``); ``KeyError`` naming the known models for an
    unknown ``name``."""
    key = name.lower()
    if key not in MODEL_NAMES:
        raise KeyError(f"unknown model {name!r}; known models: {', '.join(MODEL_NAMES)}")
    builder = NASRecSubnet if key == "nasrec_subnet" else __getattr__("MODELS")[key]
    return builder(int(n_int), [int(s) for s in table_sizes], **config)


__all__ = ["BASELINE_NAMES", "MODEL_NAMES", "MODELS", "NASRecSubnet", "build_model"]
