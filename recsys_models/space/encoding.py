"""Architecture <-> JSON in NASRec's config format, plus an optional ``precision`` list; validation and hashing.

Format (NASRec ``nasrec/configs/*/ea_*_best_1shot.json`` keys, facebookresearch/NasRec@79bf6f99)::

    {"config": "xlarge" | "autoctr", "num_blocks": 7,
     "macro": [{"dense_idx": [...], "sparse_idx": [...], "dense_left_idx": [j], "dense_right_idx": [j]}, ...],
     "micro": [{"active_nodes": [dense_node, sparse_node], "dense_in_dims": d, "sparse_in_dims": s,
                "dense_sparse_interact": 0|1, "deep_fm": 0|1}, ...],
     "precision": [{"dense": {"weight_bits": 4, "act_bits": 8}, "sparse": {...}}, ...]   # ours; optional}

NASRec's files also carry ``use_layernorm`` and ``test_loss``; they are accepted and ignored, as is ``source``.
Validation errors are ``ArchError`` naming the item, e.g. ``macro[3].dense_idx: input 5 is not an earlier block``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from pathlib import Path

from recsys_models.space.choices import NASREC_CONFIG_KEY, Arch, BlockArch, OpPrecision, SearchSpace, get_space

_KNOWN_KEYS = {"config", "num_blocks", "macro", "micro", "precision", "use_layernorm", "test_loss", "source", "space"}
_MACRO_KEYS = {"dense_idx", "sparse_idx", "dense_left_idx", "dense_right_idx"}
_MICRO_KEYS = {"active_nodes", "dense_in_dims", "sparse_in_dims", "dense_sparse_interact", "deep_fm"}


class ArchError(ValueError):
    """An invalid architecture encoding; the message names the offending item."""


def _precision_json(p: OpPrecision | None):
    return None if p is None else {"weight_bits": p.weight_bits, "act_bits": p.act_bits}


def arch_to_json(arch: Arch, space: SearchSpace | None = None) -> dict:
    """The JSON-ready dict of ``arch`` (NASRec keys; ``precision`` only when some operator is quantised)."""
    space = space or get_space(arch.space)
    nodes = space.nodes
    out = {"config": NASREC_CONFIG_KEY[arch.space], "num_blocks": len(arch.blocks)}
    out["macro"] = [
        {"dense_idx": list(b.dense_idx), "sparse_idx": list(b.sparse_idx),
         "dense_left_idx": [b.dense_left_idx], "dense_right_idx": [b.dense_right_idx]}
        for b in arch.blocks
    ]
    out["micro"] = [
        {"active_nodes": [nodes.index(b.dense_op), nodes.index(b.sparse_op)], "dense_in_dims": b.dense_width,
         "sparse_in_dims": b.sparse_width, "dense_sparse_interact": int(b.dense_sparse_interact),
         "deep_fm": int(b.deep_fm)}
        for b in arch.blocks
    ]
    if arch.quantized:
        out["precision"] = [
            {"dense": _precision_json(b.dense_precision), "sparse": _precision_json(b.sparse_precision)}
            for b in arch.blocks
        ]
    return out


def arch_to_json_str(arch: Arch) -> str:
    """Canonical JSON text (sorted keys, no spaces): the basis of ``arch_hash``."""
    return json.dumps(arch_to_json(arch), sort_keys=True, separators=(",", ":"))


def arch_hash(arch: Arch) -> str:
    """A 16-hex-digit SHA-256 prefix of the canonical JSON; equal architectures hash equally."""
    return hashlib.sha256(arch_to_json_str(arch).encode()).hexdigest()[:16]


def _require(cond: bool, where: str, problem: str) -> None:
    if not cond:
        raise ArchError(f"{where}: {problem}")


def _int_list(value, where: str) -> list[int]:
    _require(isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value),
             where, f"expected a list of integers, got {value!r}")
    return value


def _inputs(value, where: str, block: int, space: SearchSpace) -> tuple[int, ...]:
    idx = _int_list(value, where)
    _require(1 <= len(idx) <= space.max_inputs, where, f"needs 1..{space.max_inputs} inputs, got {len(idx)}")
    _require(len(set(idx)) == len(idx), where, f"repeated input in {idx}")
    for j in idx:
        _require(0 <= j < block, where, f"input {j} is not the raw input (0) or an earlier block (1..{block - 1})")
    return tuple(sorted(idx))


def _single(value, where: str, block: int) -> int:
    idx = _int_list(value, where)
    _require(len(idx) == 1, where, f"expected exactly one input, got {idx}")
    _require(0 <= idx[0] < block, where, f"input {idx[0]} is not the raw input (0) or an earlier block")
    return idx[0]


def _switch(value, where: str) -> bool:
    _require(value in (0, 1) and not isinstance(value, float), where, f"expected 0 or 1, got {value!r}")
    return bool(value)


def _precision(value, where: str, space: SearchSpace) -> OpPrecision | None:
    if value is None:
        return None
    _require(isinstance(value, dict) and set(value) == {"weight_bits", "act_bits"}, where,
             f"expected {{weight_bits, act_bits}} or null, got {value!r}")
    _require(value["weight_bits"] in space.weight_bits, f"{where}.weight_bits",
             f"{value['weight_bits']!r} not in the menu {list(space.weight_bits)}")
    _require(value["act_bits"] in space.act_bits, f"{where}.act_bits",
             f"{value['act_bits']!r} not in the menu {list(space.act_bits)}")
    return OpPrecision(value["weight_bits"], value["act_bits"])


def _block(i: int, macro, micro, prec, space: SearchSpace) -> BlockArch:
    block = i + 1
    for name, item, keys in (("macro", macro, _MACRO_KEYS), ("micro", micro, _MICRO_KEYS)):
        _require(isinstance(item, dict), f"{name}[{i}]", "expected an object")
        _require(set(item) == keys, f"{name}[{i}]", f"keys {sorted(item)} differ from {sorted(keys)}")
    nodes = _int_list(micro["active_nodes"], f"micro[{i}].active_nodes")
    _require(len(nodes) == 2 and all(0 <= n < len(space.nodes) for n in nodes), f"micro[{i}].active_nodes",
             f"expected [dense node, sparse node] indices into {list(space.nodes)}, got {nodes}")
    dense_op, sparse_op = space.nodes[nodes[0]], space.nodes[nodes[1]]
    _require(dense_op in space.dense_ops and sparse_op in space.sparse_ops, f"micro[{i}].active_nodes",
             f"{nodes} = ({dense_op}, {sparse_op}) is not one dense and one sparse operator")
    _require(micro["dense_in_dims"] in space.dense_widths, f"micro[{i}].dense_in_dims",
             f"{micro['dense_in_dims']!r} not in {list(space.dense_widths)}")
    _require(micro["sparse_in_dims"] in space.sparse_widths, f"micro[{i}].sparse_in_dims",
             f"{micro['sparse_in_dims']!r} not in {list(space.sparse_widths)}")
    prec = prec or {"dense": None, "sparse": None}
    _require(isinstance(prec, dict) and set(prec) == {"dense", "sparse"}, f"precision[{i}]",
             "expected {dense, sparse}")
    return BlockArch(
        dense_idx=_inputs(macro["dense_idx"], f"macro[{i}].dense_idx", block, space),
        sparse_idx=_inputs(macro["sparse_idx"], f"macro[{i}].sparse_idx", block, space),
        dense_left_idx=_single(macro["dense_left_idx"], f"macro[{i}].dense_left_idx", block),
        dense_right_idx=_single(macro["dense_right_idx"], f"macro[{i}].dense_right_idx", block),
        dense_op=dense_op, sparse_op=sparse_op,
        dense_width=micro["dense_in_dims"], sparse_width=micro["sparse_in_dims"],
        dense_sparse_interact=_switch(micro["dense_sparse_interact"], f"micro[{i}].dense_sparse_interact"),
        deep_fm=_switch(micro["deep_fm"], f"micro[{i}].deep_fm"),
        dense_precision=_precision(prec["dense"], f"precision[{i}].dense", space),
        sparse_precision=_precision(prec["sparse"], f"precision[{i}].sparse", space),
    )


def arch_from_json(data: Any, space: SearchSpace | None = None) -> Arch:
    """Decode and validate an architecture (a dict or JSON text); raises ``ArchError`` naming the bad item.

    ``space`` defaults to the one named by ``config``; when given, the file's ``config`` must agree with it.
    """
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise ArchError(f"not JSON: {exc}") from None
    _require(isinstance(data, dict), "architecture", "expected a JSON object")
    unknown = set(data) - _KNOWN_KEYS
    _require(not unknown, "architecture", f"unknown keys {sorted(unknown)}")
    _require("config" in data, "config", "missing (xlarge or autoctr)")
    _require(isinstance(data["config"], str), "config", f"{data['config']!r}: expected xlarge or autoctr")
    try:
        named = get_space(data["config"])
    except ValueError as exc:
        raise ArchError(f"config: {exc}") from None
    space = space or named
    _require(space.name == named.name, "config", f"{data['config']!r} does not match the {space.name} space")
    macro, micro = data.get("macro"), data.get("micro")
    for key, value in (("macro", macro), ("micro", micro)):
        _require(isinstance(value, list) and len(value) == space.num_blocks, key,
                 f"expected a list of {space.num_blocks} blocks")
    _require(data.get("num_blocks", space.num_blocks) == space.num_blocks, "num_blocks",
             f"{data.get('num_blocks')!r} != {space.num_blocks}")
    prec = data.get("precision") or [None] * space.num_blocks
    _require(isinstance(prec, list) and len(prec) == space.num_blocks, "precision",
             f"expected a list of {space.num_blocks} entries")
    blocks = tuple(_block(i, macro[i], micro[i], prec[i], space) for i in range(space.num_blocks))
    return Arch(space=space.name, blocks=blocks)


def load_arch(path: str | Path, space: SearchSpace | None = None) -> Arch:
    """Read an architecture JSON file; errors are ``ArchError`` prefixed with the file name."""
    path = Path(path)
    try:
        return arch_from_json(path.read_text(encoding="utf-8"), space)
    except OSError as exc:
        raise ArchError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ArchError(f"{path}: not a text file (invalid UTF-8)") from None
    except ArchError as exc:
        raise ArchError(f"{path}: {exc}") from None
