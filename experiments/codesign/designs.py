"""Committed designs (``results/designs/<dataset>-<space>-<kind>/``): what the experiment re-trains and prices.

One directory per design, each file in the format of the tool that owns it:

- ``arch.json``: the NASRec architecture with per-operator precisions (``recsys_models.space.arch_to_json``;
  ``recsys supernet standalone|export --arch`` read it);
- ``pim_arch.yaml``: the chip (an arch document; ``pimsim area``, ``pimcompile --arch`` read it);
- ``design.json``: dataset and its schema (dense inputs, table sizes, hash size), space and its menus, kind
  (``searched``: the accuracy-only search's choice; ``co-designed``: model + precision + chip), training seeds,
  the search's settings and budgets, and sha256 digests of the search history and of the supernet checkpoint.

``load_design`` refuses, in one line naming the file, a design whose schema differs from its dataset's (another
dataset or hash size), whose architecture is not in its space, or whose chip the arch spec rejects.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from experiments.codesign.pricing import UserError, validate_arch_doc

FORMAT = "codesign-design/1"
KINDS = ("searched", "co-designed")
HASH_SIZE = 10_000
"""Rows per embedding table of every model of the experiment (the samples have < 14k rows; docs/results.md)."""


@dataclass(frozen=True)
class Design:
    """A committed design; ``arch`` is the NASRec JSON, ``pim_arch`` the chip's arch document."""

    name: str
    dataset: str
    space: str
    menus: dict[str, list[int]]
    kind: str
    arch: dict
    pim_arch: dict
    seeds: list[int]
    hw_point: dict[str, Any] | None = None
    search: dict[str, Any] = field(default_factory=dict)


def dataset_schema(dataset: str, hash_size: int = HASH_SIZE) -> dict[str, Any]:
    from recsys_models.data.specs import dataset_spec

    spec = dataset_spec(dataset, hash_size)
    return {"n_int": spec.n_int, "table_sizes": list(spec.table_sizes), "hash_size": hash_size}


def space_of(space: str, menus: dict[str, list[int]]):
    from recsys_models.space import get_space

    return get_space(space, **{k: tuple(v) for k, v in menus.items()})


def save_design(d: Design, root: Path) -> Path:
    out = root / d.name
    out.mkdir(parents=True, exist_ok=True)
    meta = {"format": FORMAT, "dataset": d.dataset, "schema": dataset_schema(d.dataset), "space": d.space,
            "menus": d.menus, "kind": d.kind, "seeds": d.seeds, "hw_point": d.hw_point, "search": d.search}
    (out / "design.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    (out / "arch.json").write_text(json.dumps(d.arch, indent=1, sort_keys=True) + "\n")
    (out / "pim_arch.yaml").write_text(yaml.safe_dump(d.pim_arch, sort_keys=False))
    return out


def _read(path: Path, parse) -> Any:
    try:
        return parse(path.read_text())
    except OSError as exc:
        raise UserError(path, exc.strerror or "cannot be read") from None
    except (ValueError, yaml.YAMLError) as exc:
        raise UserError(path, f"not valid: {str(exc).splitlines()[0]}") from None


def _check_meta(meta: Any, where: Path) -> None:
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise UserError(where, f"not a design file (expected \"format\": \"{FORMAT}\")")
    for key in ("dataset", "schema", "space", "menus", "kind", "seeds"):
        if key not in meta:
            raise UserError(where, f"field {key!r} missing")
    if meta["kind"] not in KINDS:
        raise UserError(where, f"kind {meta['kind']!r}: expected one of {', '.join(KINDS)}")
    seeds = meta["seeds"]
    if not isinstance(seeds, list) or not seeds or not all(isinstance(s, int) for s in seeds):
        raise UserError(where, f"seeds {seeds!r}: expected a non-empty list of integers")


def load_design(directory: str | Path) -> Design:
    """The design in ``directory``, checked against its dataset's schema, its space and the arch spec."""
    from recsys_models.space import ArchError, arch_from_json

    root = Path(directory)
    where = root / "design.json"
    meta = _read(where, json.loads)
    _check_meta(meta, where)
    try:
        expected = dataset_schema(meta["dataset"], int(meta["schema"].get("hash_size", HASH_SIZE)))
    except ValueError as exc:
        raise UserError(where, str(exc)) from None
    if meta["schema"] != expected:
        diff = sorted(k for k in expected if meta["schema"].get(k) != expected[k])
        raise UserError(where, f"does not match dataset {meta['dataset']!r}: {', '.join(diff)} differ "
                               f"(written for another dataset or hash size)")
    try:
        space = space_of(meta["space"], meta["menus"])
    except (ValueError, TypeError) as exc:
        raise UserError(where, f"space {meta['space']!r} with menus {meta['menus']}: {exc}") from None
    arch = _read(root / "arch.json", json.loads)
    try:
        arch_from_json(arch, space)
    except ArchError as exc:
        raise UserError(root / "arch.json", f"not in the design's space ({meta['space']}): {exc}") from None
    pim_arch = _read(root / "pim_arch.yaml", yaml.safe_load)
    validate_arch_doc(pim_arch, root / "pim_arch.yaml")
    return Design(root.name, meta["dataset"], meta["space"], meta["menus"], meta["kind"], arch, pim_arch,
                  list(meta["seeds"]), meta.get("hw_point"), meta.get("search", {}))


def load_designs(root: str | Path) -> list[Design]:
    """Every design under ``root`` (sorted by name); an error if there is none."""
    base = Path(root)
    if not base.is_dir():
        raise UserError(base, "no such directory of designs")
    found = sorted(p.parent for p in base.glob("*/design.json"))
    if not found:
        raise UserError(base, "holds no design (expected <name>/design.json)")
    return [load_design(p) for p in found]
