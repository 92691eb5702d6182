"""Upper bounds on a mapping's per-query counts, each with its reason: absurd values are refused, not simulated.

``pimsim.spec.mapping`` checks lower bounds and structure; these small validators add the
upper bounds (issue 20: a mapping with 2^40 input vectors per query hung the simulator's
lowering).  They read the typed operators only, so they run on any mapping before it is
lowered (``pimsim run``, ``compare``, ``infer`` and ``pimsim.api.estimate_simulation``
call :func:`check_mapping_limits`).  Each bound is far above any recommender model's
figure, so no real mapping meets it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pimsim.spec.errors import SpecError


@dataclass(frozen=True)
class FieldLimit:
    kinds: tuple[str, ...]
    field: str
    value: int
    why: str


MAPPING_LIMITS = (
    FieldLimit(("mvm", "dynamic_mvm"), "m", 1 << 16,
               "input vectors per query: 1 for a Gemm on [batch, features], a sequence length for attention; the "
               "simulator lowers each vector and input bit slice into its own crossbar phase, and 2^16 vectors of "
               "8 slices already take seconds per block"),
    FieldLimit(("mvm", "dynamic_mvm"), "k", 1 << 24,
               "weight rows (input features): 2^24 rows need 131,072 crossbars of 128 rows, more than any chip"),
    FieldLimit(("mvm", "dynamic_mvm"), "n", 1 << 24,
               "weight columns (output features): the same bound as the rows"),
    FieldLimit(("mvm",), "replicas", 1 << 16, "weight copies: more than the crossbars of the largest preset"),
    FieldLimit(("dynamic_mvm",), "count", 1 << 20, "independent products per query (attention heads, groups)"),
    FieldLimit(("embedding",), "tables", 1 << 16, "tables per operator: recommender models have tens"),
    FieldLimit(("embedding",), "rows", 1 << 40, "rows per table: a trillion, 10^5 times Criteo's largest"),
    FieldLimit(("embedding",), "dim", 1 << 16, "embedding dimension: published models use 4-512"),
    FieldLimit(("embedding",), "lookups", 1 << 20, "rows read per table per query (the pooling factor)"),
    FieldLimit(("copy",), "bits", 1 << 43, "bits copied per query: 2^43 bits are 1 TB"),
)
MAX_VECTOR_OPS = 1 << 40
"""Element operations of one class per query in a ``vector`` operator: 2^40 is about 15 minutes of a 1.2 GHz
vector unit with 1,024 lanes, per query."""
MAX_VALUE_ELEMENTS = 1 << 40
"""Elements of one value per query: 2^40 8-bit elements are 1 TB."""


def check_mapping_limits(mapping, source: str) -> None:
    """Refuse a mapping whose per-query counts exceed :data:`MAPPING_LIMITS`, naming the operator and field."""
    for op in mapping.operators:
        for limit in MAPPING_LIMITS:
            if op.kind in limit.kinds and getattr(op, limit.field) > limit.value:
                raise SpecError(source, f"operator {op.name}: {limit.field}={getattr(op, limit.field)}: more than "
                                        f"{limit.value:,} ({limit.why})")
        for klass, count in (getattr(op, "ops", None) or {}).items():
            if count > MAX_VECTOR_OPS:
                raise SpecError(source, f"operator {op.name}: ops.{klass}={count}: more than {MAX_VECTOR_OPS:,} "
                                        "element operations per query")
    for value in mapping.values:
        n = 1
        for d in value.shape:
            n *= d
        if n > MAX_VALUE_ELEMENTS:
            raise SpecError(source, f"value {value.name}: shape {value.shape} has {n:,} elements per query, more "
                                    f"than {MAX_VALUE_ELEMENTS:,} (1 TB at 8 bits)")
