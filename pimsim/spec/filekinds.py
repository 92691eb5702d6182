"""Recognise the project's file formats from their first bytes, to answer a wrong file with the right advice.

A mapping given to ``pimsim area`` should not be reported as "name: required field
missing" but as ``this is a mapping.json, expected an arch.yaml (did you mean `pimsim
run`?)``.  :func:`sniff` reads at most :data:`HEAD_BYTES` of a regular file and looks
for each format's signature: magic bytes for binary formats (ONNX protobuf, zip-based
checkpoints and ``.npz``, Parquet, gzip) and the characteristic top-level keys of the
text formats.  It never parses a whole file and never raises: a file it does not
recognise is ``None`` and is left to the real reader.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

HEAD_BYTES = 1 << 16


@dataclass(frozen=True)
class Kind:
    name: str
    """How messages call it (``a mapping.json``)."""
    advice: str
    """What to do with it instead: usually the command that reads it."""


KINDS = {
    "onnx": Kind("an ONNX model", "did you mean `pimcompile`?"),
    "arch": Kind("an arch.yaml", "did you mean `pimsim area` or `pimcompile --arch`?"),
    "mapping": Kind("a mapping.json", "did you mean `pimsim run`?"),
    "report": Kind("a pimsim run --json report", "did you mean `pimsim compare`?"),
    "trace": Kind("a Chrome trace", "open it in https://ui.perfetto.dev"),
    "sweep": Kind("a sweep file", "did you mean `pimsim sweep`?"),
    "hw-space": Kind("a design-space file", "did you mean `recsys search --hw-space` (or add workloads: to sweep it "
                                            "with `pimsim sweep`)?"),
    "precision-policy": Kind("a precision policy", "did you mean `pimcompile --precision`?"),
    "results": Kind("a sweep results table", "did you mean `pimsim plot`?"),
    "checkpoint": Kind("a PyTorch checkpoint", "did you mean `recsys evaluate` or `recsys export`?"),
    "npz": Kind("a NumPy .npz archive", "did you mean `pimsim infer --inputs`?"),
    "nasrec-arch": Kind("a NASRec architecture JSON", "did you mean `recsys supernet eval --arch` or `recsys space --check`?"),
    "gzip": Kind("a gzip-compressed file (CTR data?)", "did you mean `--data` of recsys train or evaluate?"),
}


def _zip_kind(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if any(n.endswith("data.pkl") for n in names):
        return "checkpoint"
    if names and all(n.endswith(".npy") for n in names):
        return "npz"
    return None


def _keys(text: str, json_like: bool) -> set[str]:
    if json_like:
        return set(re.findall(r'"([A-Za-z_]\w*)"\s*:', text))
    return set(re.findall(r"^([A-Za-z_][\w.+]*)\s*:", text, flags=re.MULTILINE))


def _text_kind(text: str) -> str | None:
    stripped = text.lstrip()
    json_like = stripped.startswith(("{", "["))
    keys = _keys(text, json_like)
    if json_like:
        if "traceEvents" in keys:
            return "trace"
        if {"operators", "arch_sha256"} <= keys:
            return "mapping"
        if {"latency_ns", "energy_per_inference_pj"} <= keys:
            return "report"
        if "macro" in keys and ("micro" in keys or "config" in keys):
            return "nasrec-arch"
        return None
    first = stripped.split("\n", 1)[0]
    if "point_hash" in first and "," in first:
        return "results"
    if "workloads" in keys and ("vary" in keys or "zip" in keys or "base_arch" in keys):
        return "sweep"
    if "base_arch" in keys and ("vary" in keys or "zip" in keys):
        return "hw-space"  # a design space: a sweep file without workloads
    if "axes" in keys and ("base" in keys or "description" in keys):
        return "hw-space"  # the former hardware-space format (its loader says how to migrate)
    if {"pe", "tile", "chip"} <= keys:
        return "arch"
    if keys and keys <= {"default", "operators"}:
        return "precision-policy"
    return None


def sniff(path: str | Path) -> str | None:
    """The kind (a key of :data:`KINDS`) of a regular file, or ``None`` when not recognised."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:
        return None
    if head.startswith(b"PAR1"):
        return "results"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path)
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        # ModelProto starts with field 1 (ir_version, varint: 0x08) or, from some exporters, field 8 / 7
        return "onnx" if head[:1] in (b"\x08", b"\x3a", b"\x42") else None
    return _text_kind(text)


def wrong_kind_message(found: str, expected: str) -> str:
    """``this is a mapping.json, expected an arch.yaml (did you mean `pimsim run`?)``."""
    got, want = KINDS[found], KINDS.get(expected)
    wanted = want.name if want else expected
    return f"this is {got.name}, expected {wanted} ({got.advice})"
