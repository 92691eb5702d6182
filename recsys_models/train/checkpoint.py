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


SUPERNET_HINT = " (a supernet checkpoint? use recsys supernet or recsys search)"


def supernet_hint(*fields) -> str:
    return SUPERNET_HINT if any("supernet" in str(f) for f in fields) else ""


def check_payload(path, payload: dict) -> dict:
    """The format marker and the fields every checkpoint has, with their types; ``UserError`` naming the first gap."""
    if payload.get("format") != FORMAT:
        found = payload.get("format")
        raise UserError(path, f"not a recsys checkpoint (format {found!r}, expected {FORMAT!r})"
                              f"{supernet_hint(found, payload.get('model'))}")
    for key, kind in REQUIRED.items():
        if key not in payload:
            raise UserError(path, f"checkpoint lacks {key!r} (not written by recsys, or damaged)")
        if not isinstance(payload[key], kind):
            raise UserError(path, f"checkpoint field {key!r} is a {type(payload[key]).__name__}, expected a "
                                  f"{kind.__name__}")
    return payload


def load_state(model, state_dict: dict, path, name: str = "model") -> None:
    """``model.load_state_dict`` with one-line errors naming the checkpoint: tensors that do not fit (another model's
    state, another config) or that hold NaN/Inf (a diverged run, which would evaluate to a NaN metric)."""
    import torch

    try:
        model.load_state_dict(state_dict)
    except (RuntimeError, TypeError) as exc:
        lines = str(exc).splitlines() or [type(exc).__name__]
        detail = " ".join((lines[1] if len(lines) > 1 else lines[0]).split())  # the first missing/unexpected key
        raise UserError(path, f"weights do not fit a {name} with this config (another model's state?): "
                              f"{detail[:200]}") from None
    bad = [k for k, v in state_dict.items() if torch.is_tensor(v) and v.is_floating_point()
           and not bool(torch.isfinite(v).all())]
    if bad:
        raise UserError(path, f"weights hold NaN or infinite values ({bad[0]}{' and others' if len(bad) > 1 else ''})"
                              ": a diverged training run?")


def build_from_payload(path, payload: dict):
    """The model a checked payload describes, weights loaded, in eval mode, on the CPU; ``(model, DatasetSpec)``."""
    from recsys_models.baselines import build_model
    from recsys_models.data.specs import DatasetSpec
    from recsys_models.registry import MODEL_NAMES

    name = payload["model"]
    if name.lower() not in MODEL_NAMES:
        raise UserError(path, f"checkpoint of unknown model {name!r} (known: {', '.join(MODEL_NAMES)})"
                              f"{supernet_hint(name)}")
    try:
        spec = DatasetSpec.from_dict(payload["dataset"])
        model = build_model(name, spec.n_int, spec.table_sizes, **payload["config"])
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(path, f"checkpoint's dataset or config fields do not build a model: "
                              f"{type(exc).__name__}: {' '.join(str(exc).split())}") from None
    load_state(model, payload["state_dict"], path, name)
    return model.eval(), spec


def load_checkpoint(path, device=None):
    """Rebuild ``(model, payload)`` from a checkpoint; the model is in eval mode, on ``device`` (default CPU).

    A damaged or foreign checkpoint (missing fields, another model's state, NaN weights) is a one-line
    ``UserError`` naming the file.
    """
    payload = check_payload(path, read_payload(path))
    model, _ = build_from_payload(path, payload)
    if device is not None:
        model = model.to(device)
    return model, payload
