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
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from pimsim.spec.errors import SpecError, describe_validation_error

KEYS = {"weight_bits", "input_bits", "output_bits"}

Bits = Annotated[StrictInt, Field(ge=1, le=16)]


class PolicyRule(BaseModel):
    """Bit widths for the operators a rule matches (any subset of the three)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    weight_bits: Bits | None = Field(None, description="bits of each static weight (crossbar operators)")
    input_bits: Bits | None = Field(None, description="bits of each input activation")
    output_bits: Bits | None = Field(None, description="bits of each output activation")


class PolicyFile(BaseModel):
    """The precision-policy YAML (``pimcompile --precision``): the schema docs/schemas/precision-policy.schema.json."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="precision policy")
    default: PolicyRule | None = Field(None, description="bit widths for every operator (else the architecture's)")
    operators: dict[str, PolicyRule] | None = Field(
        None, description="fnmatch glob on the IR or ONNX node name -> bit widths; the first matching glob wins")


@dataclass(frozen=True)
class PrecisionPolicy:
    default: dict[str, int] = field(default_factory=dict)
    operators: tuple[tuple[str, dict[str, int]], ...] = ()

    def for_node(self, name: str, sources: list[str]) -> dict[str, int]:
        for pattern, rule in self.operators:
            if any(fnmatch.fnmatchcase(n, pattern) for n in [name, *sources]):
                return rule
        return {}


def _rule(rule: PolicyRule | None) -> dict[str, int]:
    return {} if rule is None else rule.model_dump(exclude_none=True)


def policy_from_dict(data, path: str) -> PrecisionPolicy:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SpecError(path, "expected a mapping with 'default' and/or 'operators'")
    try:
        doc = PolicyFile.model_validate(data)
    except ValidationError as exc:
        raise SpecError(path, _message(exc, data)) from None
    rules = tuple((str(k), _rule(v)) for k, v in (doc.operators or {}).items())
    return PrecisionPolicy(_rule(doc.default), rules)


def _message(exc: ValidationError, data) -> str:
    """The schema's first complaint, phrased as before: bit widths are integers from 1 to 16."""
    err = exc.errors()[0]
    if str(err["loc"][-1]) in KEYS and err["type"] not in ("extra_forbidden", "missing"):
        where = ".".join(str(p) for p in err["loc"])
        value = data
        for key in err["loc"]:
            value = value[key] if isinstance(value, dict) and key in value else None
        return f"{where}={value}: must be an integer from 1 to 16"
    return describe_validation_error(exc, data, PolicyFile)


def load_policy(path: str) -> PrecisionPolicy:
    from pimsim.spec.io import read_yaml

    return policy_from_dict(read_yaml(path), path)
