"""Devices and mixed precision for training and evaluation (``--device``, ``--precision``).

``--device`` is ``cpu``, ``cuda``, ``cuda:N`` or ``auto`` (a GPU when torch sees one, else the CPU with a printed
note). Asking for a GPU that torch cannot see is an error, never a silent fall-back. Under ``torchrun`` a bare
``cuda`` means this process's GPU, ``cuda:$LOCAL_RANK``.

``--precision bf16`` runs the forward pass under ``torch.autocast(dtype=bfloat16)``; ``fp32`` (the default) runs
without autocast. What stays exact under bf16 (see ``recsys_models.blocks.ops._Op.__call__``): every operator
that is quantisation-aware in the current forward (a supernet operator drawn with a precision, a subnet operator
with one) runs with autocast disabled and its inputs upcast to float32 (bf16 -> fp32 is exact), so its integer
codes, the code products and their float32 accumulation are those of the fp32 model given the same inputs.
Autocast touches only the floating-point parts (float operators, the full-supernet warm-up, FM, dense->sparse,
attention softmax, the logit layer); LayerNorm, softmax and the loss run in float32 under autocast's own policy.
Parameters and optimizer state stay float32 (autocast casts per operation), so no loss scaling is needed for bf16.

The command line checks ``--device`` and ``--precision`` while parsing, before torch is imported
(``recsys_models.cli.limits``, ``recsys_models.registry``).
"""

from __future__ import annotations

import contextlib
import os
import sys

from recsys_models.errors import UserError
from recsys_models.registry import DEVICE_PATTERN, DEVICE_SYNTAX


def check_device_text(text: str, flag: str = "--device") -> str:
    """Syntax of a device string given to the library (the command line checks it while parsing:
    ``recsys_models.cli.limits.DEVICE``)."""
    if not isinstance(text, str) or not DEVICE_PATTERN.match(text):
        raise UserError(flag, f"{text!r}: expected {DEVICE_SYNTAX}")
    return text


def local_rank() -> int:
    """This process's rank on its host under ``torchrun`` (0 otherwise)."""
    return int(os.environ.get("LOCAL_RANK", "0"))


def resolve_device(text: str, flag: str = "--device", note=None):
    """The ``torch.device`` for ``text``; ``UserError`` naming ``flag`` when that device is not available.

    ``note`` (default: print to stderr) receives the one line that says ``auto`` fell back to the CPU.
    """
    import torch

    check_device_text(text, flag)
    if text == "cpu":
        return torch.device("cpu")
    available = torch.cuda.is_available()
    if text == "auto":
        if available:
            return torch.device("cuda", local_rank() % torch.cuda.device_count())
        (note or _stderr)(f"note: {flag} auto: torch sees no CUDA GPU, running on the CPU")
        return torch.device("cpu")
    if not available:
        raise UserError(flag, f"{text}: torch sees no CUDA GPU (torch.cuda.is_available() is False); "
                              "use --device cpu or --device auto")
    count = torch.cuda.device_count()
    index = int(text.split(":")[1]) if ":" in text else local_rank()
    if index >= count:
        raise UserError(flag, f"{text}: only {count} CUDA device(s) visible (cuda:0..cuda:{count - 1})")
    return torch.device("cuda", index)


def check_precision_on(device, precision: str, flag: str = "--precision") -> None:
    """bf16 needs a device that runs it: every CPU torch build does; a GPU needs compute capability >= 8.0."""
    import torch

    if precision == "bf16" and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise UserError(flag, f"bf16 is not supported on {torch.cuda.get_device_name(device)}; use fp32")


def autocast(device, precision: str):
    """The forward-pass context for ``precision`` on ``device`` (a no-op for fp32)."""
    if precision == "fp32":
        return contextlib.nullcontext()
    import torch

    return torch.autocast(device_type=device.type, dtype=torch.bfloat16)


def to_device(batch, device, non_blocking: bool = True):
    """A ``(dense, sparse, label)`` batch on ``device`` (a no-op on the CPU)."""
    if device.type == "cpu":
        return batch
    return tuple(t.to(device, non_blocking=non_blocking) for t in batch)


def synchronize(device) -> None:
    """Wait for queued GPU work (timing); nothing on the CPU."""
    if device.type == "cuda":
        import torch

        torch.cuda.synchronize(device)


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)
