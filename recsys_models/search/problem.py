"""The co-design search problem: a NASRec architecture with per-operator precisions, plus a PIM configuration.

A candidate is the JSON-able dict ``{"arch": <arch JSON>, "hw": {axis: value}}``
(``hw`` is empty when no ``--hw-space`` is given).  Sampling and one-key
mutation of the model half are ``recsys_models.space``'s (NASRec B.3 rules);
the hardware half re-draws one axis of the hardware space.  With a hardware
space, a mutation touches the model or the hardware with probability 1/2 each
(an assumption: the TORS paper does not publish its co-design mutation rule).

The engine draws from a ``random.Random``; the space helpers take a NumPy
generator, so each call seeds one from the engine's generator, which keeps the
whole search reproducible from ``--seed``.
"""

from __future__ import annotations

import hashlib
import json
import random

import numpy as np

from recsys_models.search.hw_space import HwSpace
from recsys_models.space import arch_from_json, arch_hash, arch_to_json, mutate, sample_arch


def _np(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.getrandbits(64))


def candidate_key(arch_json: dict, hw: dict) -> str:
    """Stable identity of a candidate: the arch hash plus a digest of the hardware point."""
    hw_text = json.dumps(hw, sort_keys=True, separators=(",", ":"))
    return f"{arch_hash(arch_from_json(arch_json))}-{hashlib.sha256(hw_text.encode()).hexdigest()[:8]}"


class CoDesignProblem:
    """Implements ``engine.Problem`` for the NASRec space (optionally quantised) x a hardware space."""

    def __init__(self, space, hw_space: HwSpace | None = None, quantized: bool = True, p_model: float = 0.5):
        self.space, self.hw_space, self.quantized = space, hw_space, quantized
        self.p_model = 1.0 if hw_space is None else p_model

    def sample(self, rng: random.Random) -> dict:
        arch = sample_arch(self.space, _np(rng), quantized=self.quantized)
        hw = self.hw_space.sample(rng) if self.hw_space else {}
        return {"arch": arch_to_json(arch, self.space), "hw": hw}

    def mutate(self, cand: dict, rng: random.Random) -> dict:
        if rng.random() < self.p_model:
            arch = arch_from_json(cand["arch"], self.space)
            child = mutate(arch, self.space, _np(rng))
            if not self.quantized and child.quantized:  # a float-only search never gains precisions
                return cand
            return {"arch": arch_to_json(child, self.space), "hw": cand["hw"]}
        return {"arch": cand["arch"], "hw": self.hw_space.mutate(cand["hw"], rng)}

    def key(self, cand: dict) -> str:
        return candidate_key(cand["arch"], cand["hw"])
