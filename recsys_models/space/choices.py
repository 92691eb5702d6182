"""The NASRec search space (Full and Small) with AutoRAC-style per-operator precision choices, as typed choices.

Source: NASRec official code ``facebookresearch/NasRec`` (commit 79bf6f99), summarised in
``../shared/reference/recsys_search_space.md`` A.2-A.5: 7 blocks; NASRec-Full (``xlarge``) dense operators FC,
Dot-Product, Gating, Sum and sparse operators Attention, EFC; NASRec-Small (``autoctr``) FC, Dot-Product and EFC;
dense widths {16..1024}, sparse widths {16, 32, 48, 64}; up to 4 dense and 4 sparse inputs per block drawn from the raw
input (index 0) and every earlier block; one left and one right dense input for the binary operators; per-block
``dense_sparse_interact`` and ``deep_fm`` switches.

Extension (AutoRAC, arXiv 2505.10748, abstract only): "mixed-precision interaction operations". The AutoRAC menus are
not published; ours are per block, for the chosen dense operator and the chosen sparse operator, a weight bit width and
an activation bit width from configurable menus (defaults weights {2, 4, 8}, activations {4, 6, 8}: issue 24 asks
for 4/6/8-bit activations, since input bits set the number of bit-serial slices).
Assumption: ``None`` precision means floating point (no quantisation), used by the published NASRec architectures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from recsys_models.registry import DEFAULT_ACT_BITS, DEFAULT_WEIGHT_BITS  # the CLI reads them without torch

# Node tables in NASRec's ``active_nodes`` numbering (A.2): dense nodes first, then sparse nodes.
FULL_NODES = ("fc", "dot", "gating", "sum", "attention", "efc")
SMALL_NODES = ("fc", "dot", "efc")
DENSE_OPS = frozenset({"fc", "dot", "gating", "sum"})
SPARSE_OPS = frozenset({"attention", "efc"})
NASREC_CONFIG_KEY = {"full": "xlarge", "small": "autoctr"}

DEFAULT_DENSE_WIDTHS = (16, 32, 64, 128, 256, 512, 768, 1024)
DEFAULT_SPARSE_WIDTHS = (16, 32, 48, 64)
EMBEDDING_DIM = 16  # NASRec SuperNet(embedding_dim=16) [A.2]
DS_INTERACT_TOKENS = 8  # DS_INTERACT_NUM_SPLITS = 8 [A.4]


@dataclass(frozen=True)
class SearchSpace:
    """One search space: the operator menus, width menus, connectivity limits and precision menus.

    Attributes
    ----------
    name : "full" or "small" (NASRec-Full / NASRec-Small).
    nodes : operator names in NASRec ``active_nodes`` order.
    num_blocks : number of choice blocks (7 in every NASRec script).
    dense_widths, sparse_widths : width menus; the supernet allocates the largest of each.
    max_inputs : cap on dense/sparse inputs per block ("a maximum of 4 connections for each choice block").
    weight_bits, act_bits : precision menus (bits); empty menus mean the space has no precision choices.
    """

    name: str
    nodes: tuple[str, ...]
    num_blocks: int = 7
    dense_widths: tuple[int, ...] = DEFAULT_DENSE_WIDTHS
    sparse_widths: tuple[int, ...] = DEFAULT_SPARSE_WIDTHS
    max_inputs: int = 4
    weight_bits: tuple[int, ...] = DEFAULT_WEIGHT_BITS
    act_bits: tuple[int, ...] = DEFAULT_ACT_BITS

    def __post_init__(self):
        for menu in ("dense_widths", "sparse_widths", "weight_bits", "act_bits"):
            values = getattr(self, menu)
            if list(values) != sorted(set(values)) or any(v <= 0 for v in values):
                raise ValueError(f"search space {self.name}: {menu}={values} must be positive, sorted and unique")
        if any(b > 8 for b in self.weight_bits + self.act_bits):
            raise ValueError(f"search space {self.name}: bit widths above 8 are not supported (int8 QDQ export)")
        if self.num_blocks < 1 or self.max_inputs < 1:
            raise ValueError(f"search space {self.name}: num_blocks and max_inputs must be >= 1")

    @property
    def dense_ops(self) -> tuple[str, ...]:
        return tuple(n for n in self.nodes if n in DENSE_OPS)

    @property
    def sparse_ops(self) -> tuple[str, ...]:
        return tuple(n for n in self.nodes if n in SPARSE_OPS)

    @property
    def has_precision(self) -> bool:
        return bool(self.weight_bits) and bool(self.act_bits)

    @property
    def max_dense_width(self) -> int:
        return self.dense_widths[-1]

    @property
    def max_sparse_width(self) -> int:
        return self.sparse_widths[-1]


def get_space(name: str, **overrides) -> SearchSpace:
    """The NASRec-Full (``"full"``/``"xlarge"``) or NASRec-Small (``"small"``/``"autoctr"``) space.

    ``overrides`` replace menus, e.g. ``dense_widths=(16, 32)`` for fast tests or ``weight_bits=(4, 8)``.
    """
    aliases = {"full": "full", "xlarge": "full", "small": "small", "autoctr": "small"}
    if name not in aliases:
        raise ValueError(f"unknown search space {name!r}: expected full or small")
    canonical = aliases[name]
    nodes = FULL_NODES if canonical == "full" else SMALL_NODES
    return SearchSpace(name=canonical, nodes=nodes, **overrides)


@dataclass(frozen=True)
class OpPrecision:
    """Bit widths of one operator: its weights and its input activations (bits)."""

    weight_bits: int
    act_bits: int


@dataclass(frozen=True)
class BlockArch:
    """The choices of one block (1-based block i sees candidate inputs 0..i-1; 0 is the raw input).

    ``dense_idx``/``sparse_idx`` are stored sorted: the weight-sharing supernet places every candidate at a fixed
    offset of the concatenation, so NASRec's listed order carries no meaning.
    """

    dense_idx: tuple[int, ...]
    sparse_idx: tuple[int, ...]
    dense_left_idx: int
    dense_right_idx: int
    dense_op: str
    sparse_op: str
    dense_width: int
    sparse_width: int
    dense_sparse_interact: bool
    deep_fm: bool
    dense_precision: OpPrecision | None = None
    sparse_precision: OpPrecision | None = None

    @property
    def sparse_tokens(self) -> int:
        """Tokens of this block's sparse output: the sparse width plus 8 dense->sparse tokens when switched on."""
        return self.sparse_width + (DS_INTERACT_TOKENS if self.dense_sparse_interact else 0)


@dataclass(frozen=True)
class Arch:
    """A full architecture: the space it belongs to and one ``BlockArch`` per block."""

    space: str
    blocks: tuple[BlockArch, ...] = field(default_factory=tuple)

    @property
    def quantized(self) -> bool:
        return any(b.dense_precision is not None or b.sparse_precision is not None for b in self.blocks)
