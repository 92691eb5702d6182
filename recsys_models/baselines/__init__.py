"""Registry of the baseline recommender models.

Interface (what the search, export and training code rely on)::

    from recsys_models.baselines import build_model, MODELS
    model = build_model("dlrm", n_int=13, table_sizes=spec.table_sizes, embedding_dim=16)
    logits = model(dense, sparse)      # dense [B, n_int] float32, sparse [B, n_cat] int64 -> logits [B, 1]

``MODELS`` maps a lower-case name to the ``nn.Module`` class; every constructor takes
``(n_int, table_sizes, **config)`` with JSON-serialisable config values, so a checkpoint only needs
``{"model": name, "n_int": ..., "table_sizes": [...], "config": {...}}`` plus the state dict
(see ``recsys_models.train.checkpoint``). Models return **logits**; apply ``torch.sigmoid`` for
probabilities (the ONNX export does).

Names: ``dlrm``, ``deepfm``, ``dcnv2``, ``autoint``, ``xdeepfm``, ``widedeep``, ``lr`` (logistic regression).
"""

from __future__ import annotations

from collections.abc import Sequence

from recsys_models.baselines.models import DLRM, AutoInt, DCNv2, DeepFM, LogisticRegression, WideDeep, XDeepFM

MODELS = {
    "dlrm": DLRM,
    "deepfm": DeepFM,
    "dcnv2": DCNv2,
    "autoint": AutoInt,
    "xdeepfm": XDeepFM,
    "widedeep": WideDeep,
    "lr": LogisticRegression,
}


def build_model(name: str, n_int: int, table_sizes: Sequence[int], **config):
    """Construct a registered model; raises ``KeyError`` naming the known models for an unknown ``name``."""
    key = name.lower()
    if key not in MODELS:
        raise KeyError(f"unknown model {name!r}; known models: {', '.join(MODELS)}")
    return MODELS[key](int(n_int), [int(s) for s in table_sizes], **config)
