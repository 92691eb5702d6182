"""Checkpoints that rebuild without pickled code: ``torch.load(path, weights_only=True)`` works on them.

Layout (a plain dict of strings, numbers, lists and tensors)::

    {"format": "recsys-checkpoint-v1", "model": "dlrm", "config": {...constructor kwargs...},
     "dataset": DatasetSpec.to_dict(), "state_dict": {...}, "metrics": {...}}
"""

from __future__ import annotations

from pathlib import Path

from recsys_models.errors import UserError
from recsys_models.io import atomic_path

FORMAT = "recsys-checkpoint-v1"


def save_checkpoint(path, model_name: str, model, spec, config: dict, metrics: dict | None = None) -> None:
    """Write atomically (temp file + rename) so an interrupted run never leaves a half checkpoint."""
    import torch

    payload = {"format": FORMAT, "model": model_name, "config": dict(config), "dataset": spec.to_dict(),
               "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
               "metrics": dict(metrics or {})}
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def _load_failure(exc: Exception) -> str:
    """Why ``torch.load(weights_only=True)`` refused: short, and never advising ``weights_only=False``."""
    import re

    found = re.search(r"Unsupported global: GLOBAL ([\w.]+)", str(exc))
    if found:
        return f"refused: it holds pickled objects ({found.group(1)}) that only an unsafe load would run"
    return f"not a torch checkpoint file: {type(exc).__name__}"


def read_payload(path, what: str = "recsys checkpoint") -> dict:
    """``torch.load(weights_only=True)`` of a checkpoint file: tensors and plain data only, never code.

    Every failure is a one-line ``UserError`` naming the file (shared by every checkpoint kind).
    """
    import torch

    path = Path(path)
    if not path.is_file():
        raise UserError(path, f"{what} not found")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means "not our checkpoint"
        raise UserError(path, f"not a readable {what} ({_load_failure(exc)})") from None
    if not isinstance(payload, dict):
        raise UserError(path, f"not a {what} (no mapping of fields at the top level)")
    return payload


def _check_payload(path, payload: dict) -> None:
    """The fields :func:`load_checkpoint` uses, with their types: a one-line error naming the first bad one."""
    from recsys_models.baselines import MODELS

    if payload.get("format") != FORMAT:
        found = payload.get("format")
        hint = " (a supernet checkpoint? use recsys supernet or recsys search)" if "supernet" in str(found) else ""
        raise UserError(path, f"not a recsys checkpoint (format {found!r}, expected {FORMAT!r}){hint}")
    for key, kind in (("model", str), ("config", dict), ("dataset", dict), ("state_dict", dict)):
        if key not in payload:
            raise UserError(path, f"checkpoint lacks {key!r} (not written by recsys train, or damaged)")
        if not isinstance(payload[key], kind):
            raise UserError(path, f"checkpoint field {key!r} is a {type(payload[key]).__name__}, expected a "
                                  f"{kind.__name__}")
    if payload["model"].lower() not in MODELS:
        raise UserError(path, f"checkpoint of unknown model {payload['model']!r} (known: {', '.join(MODELS)})")


def load_checkpoint(path):
    """Rebuild ``(model, payload)`` from a checkpoint; the model is in eval mode.

    A damaged or foreign checkpoint (missing fields, another model's state, NaN weights) is a one-line
    ``UserError`` naming the file.
    """
    import torch

    from recsys_models.baselines import build_model
    from recsys_models.data.specs import DatasetSpec

    payload = read_payload(path)
    _check_payload(path, payload)
    try:
        spec = DatasetSpec.from_dict(payload["dataset"])
        model = build_model(payload["model"], spec.n_int, spec.table_sizes, **payload["config"])
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(path, f"checkpoint's dataset or config fields do not build a model: "
                              f"{type(exc).__name__}: {' '.join(str(exc).split())}") from None
    try:
        model.load_state_dict(payload["state_dict"])
    except (RuntimeError, TypeError) as exc:
        first = " ".join(str(exc).split())[:200]
        raise UserError(path, f"weights do not fit a {payload['model']} with this config (another model's "
                              f"state?): {first}") from None
    bad = [k for k, v in payload["state_dict"].items() if torch.is_tensor(v) and v.is_floating_point()
           and not bool(torch.isfinite(v).all())]
    if bad:
        raise UserError(path, f"weights hold NaN or infinite values ({bad[0]}{' and others' if len(bad) > 1 else ''})"
                              ": a diverged training run?")
    model.eval()
    return model, payload
