"""``--precision POLICY.yaml``: per-operator bit widths chosen by the user (or a search).

Format::

    default: {weight_bits: 8, input_bits: 8}        # optional; else the architecture's
    operators:                                      # optional; first matching glob wins
      "/top/*": {weight_bits: 4}
      "emb*": {weight_bits: 4}

Patterns match the IR node name or any ONNX node it came from (fnmatch
globs).  Allowed keys: weight_bits (1-16), input_bits (1-16), output_bits
(1-16).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

from pimsim.spec.errors import SpecError

KEYS = {"weight_bits", "input_bits", "output_bits"}


@dataclass(frozen=True)
class PrecisionPolicy:
    default: dict[str, int] = field(default_factory=dict)
    operators: tuple[tuple[str, dict[str, int]], ...] = ()

    def for_node(self, name: str, sources: list[str]) -> dict[str, int]:
        for pattern, rule in self.operators:
            if any(fnmatch.fnmatchcase(n, pattern) for n in [name, *sources]):
                return rule
        return {}


def _rule(data, where: str, path: str) -> dict[str, int]:
    if not isinstance(data, dict):
        raise SpecError(path, f"{where}: expected a mapping of bit widths")
    for key, value in data.items():
        if key not in KEYS:
            raise SpecError(path, f"{where}.{key}: unknown key (allowed: {', '.join(sorted(KEYS))})")
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 16:
            raise SpecError(path, f"{where}.{key}={value}: must be an integer from 1 to 16")
    return dict(data)


def policy_from_dict(data, path: str) -> PrecisionPolicy:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SpecError(path, "expected a mapping with 'default' and/or 'operators'")
    unknown = set(data) - {"default", "operators"}
    if unknown:
        raise SpecError(path, f"{sorted(unknown)[0]}: unknown key (allowed: default, operators)")
    ops = data.get("operators") or {}
    if not isinstance(ops, dict):
        raise SpecError(path, "operators: expected a mapping of name pattern -> bit widths")
    rules = tuple((str(k), _rule(v, f"operators.{k}", path)) for k, v in ops.items())
    return PrecisionPolicy(_rule(data.get("default") or {}, "default", path), rules)


def load_policy(path: str) -> PrecisionPolicy:
    from pimsim.spec.io import read_yaml

    return policy_from_dict(read_yaml(path), path)
