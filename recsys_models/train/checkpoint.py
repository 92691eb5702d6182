"""Checkpoints that rebuild without pickled code: ``torch.load(path, weights_only=True)`` works on them.

One format for every model (the baselines, ``nasrec_subnet`` searched models, the ``nasrec_supernet``), a plain dict
of strings, numbers, lists and tensors::

    {"format": "recsys-checkpoint-v1", "model": "dlrm", "config": {...constructor kwargs...},
     "dataset": DatasetSpec.to_dict(), "state_dict": {...}, "metrics": {...},
     "train_state": {...}}            # only in a resume file (optimizer, scheduler, data position, RNG, history)

Tensors are saved from the CPU and load onto any device (``map_location``). The bytes depend only on the content:
the file is serialised in memory (``torch.save`` names the archive after the file, and the atomic write's temporary
name is random) and then written atomically, so identical runs write identical files.
"""

from __future__ import annotations

import io
from pathlib import Path

from recsys_models.errors import UserError
from recsys_models.io import atomic_path

FORMAT = "recsys-checkpoint-v1"
REQUIRED = {"model": str, "config": dict, "dataset": dict, "state_dict": dict}


def _cpu(value):
    """Tensors moved to the CPU, recursively (optimizer states hold nested dicts and lists)."""
    import torch

    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, dict):
        return {k: _cpu(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_cpu(v) for v in value)
    return value


def payload_bytes(payload: dict) -> bytes:
    """``torch.save`` of ``payload`` into memory: the same content gives the same bytes."""
    import torch

    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return buffer.getvalue()


def write_payload(path, payload: dict) -> None:
    """Write atomically (temp file + rename) so an interrupted run never leaves a half checkpoint."""
    data = payload_bytes(payload)
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(data)


def save_checkpoint(path, model_name: str, model, spec, config: dict, metrics: dict | None = None,
                    train_state: dict | None = None) -> None:
    """Write ``model``'s checkpoint; ``train_state`` makes it a resume file."""
    payload = {"format": FORMAT, "model": model_name, "config": dict(config), "dataset": spec.to_dict(),
               "state_dict": _cpu(dict(model.state_dict())), "metrics": dict(metrics or {})}
    if train_state is not None:
        payload["train_state"] = _cpu(train_state)
    write_payload(path, payload)


def _load_failure(exc: Exception) -> str:
    """Why ``torch.load(weights_only=True)`` refused: short, and never advising ``weights_only=False``."""
    import re

    found = re.search(r"Unsupported global: GLOBAL ([\w.]+)", str(exc))
    if found:
        return f"refused: it holds pickled objects ({found.group(1)}) that only an unsafe load would run"
    return f"not a torch checkpoint file: {type(exc).__name__}"


def read_payload(path, what: str = "recsys checkpoint") -> dict:
    """``torch.load(weights_only=True)`` of a checkpoint file: tensors and plain data only, never code.

    Every failure is a one-line ``UserError`` naming the file (shared by every checkpoint kind). Tensors land on
    the CPU; callers move the model where they need it.
    """
    import torch

    path = Path(path)
    if not path.is_file():
        raise UserError(path, f"{what} not found" if not path.exists() else f"not a regular file, expected a {what}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means "not our checkpoint"
        raise UserError(path, f"not a readable {what} ({_load_failure(exc)})") from None
    if not isinstance(payload, dict):
        raise UserError(path, f"not a {what} (no mapping of fields at the top level)")
    return payload


def check_payload(path, payload: dict) -> dict:
    """The format marker and the fields every checkpoint has, with their types; ``UserError`` naming a gap."""
    if payload.get("format") != FORMAT:
        raise UserError(path, f"not a recsys checkpoint (expected format {FORMAT!r})")
    for key, kind in REQUIRED.items():
        if not isinstance(payload.get(key), kind):
            raise UserError(path, f"checkpoint field {key!r} is missing or not a {kind.__name__}")
    return payload


def load_state(model, state_dict: dict, path) -> None:
    """``model.load_state_dict`` with a one-line error naming the checkpoint when the tensors do not fit."""
    try:
        model.load_state_dict(state_dict)
    except RuntimeError as exc:
        first = str(exc).splitlines()
        detail = " ".join(first[1:2]).strip() or first[0]
        raise UserError(path, f"weights do not fit the model the checkpoint describes ({detail})") from None


def build_from_payload(path, payload: dict):
    """The model a checked payload describes, weights loaded, in eval mode, on the CPU."""
    from recsys_models.baselines import MODEL_NAMES, build_model
    from recsys_models.data.specs import DatasetSpec

    name = payload["model"]
    if name not in MODEL_NAMES:
        hint = "; a supernet is read by recsys supernet and recsys search" if "supernet" in name else ""
        raise UserError(path, f"checkpoint of model {name!r}, which is not one of {', '.join(MODEL_NAMES)}{hint}")
    try:
        spec = DatasetSpec.from_dict(payload["dataset"])
        model = build_model(name, spec.n_int, spec.table_sizes, **payload["config"])
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(path, f"checkpoint's model description is unusable: {exc}") from None
    load_state(model, payload["state_dict"], path)
    return model.eval(), spec


def load_checkpoint(path, device=None):
    """Rebuild ``(model, payload)`` from a checkpoint; the model is in eval mode, on ``device`` (default CPU)."""
    payload = check_payload(path, read_payload(path))
    model, _ = build_from_payload(path, payload)
    if device is not None:
        model = model.to(device)
    return model, payload
