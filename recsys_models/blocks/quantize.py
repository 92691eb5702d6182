"""Quantise a trained model to given precisions: calibration, optional quantisation-aware fine-tuning.

``quantize_model(model, precision, train_batches)`` returns a fake-quantised copy of ``model`` (the float model is
left as it was) whose ONNX export carries QDQ/QCDQ pairs (``recsys_models.blocks.quant``). ``precision`` is an
``OpPrecision`` applied to every quantised operator, or, for a NASRec ``SubnetModel``, an ``Arch`` of the same
structure carrying per-operator precisions (the co-design search's output). Which operators are quantised:
NASRec operators as listed in ``recsys_models.blocks.ops.SLOTS`` (the FM, dense->sparse and logit layers stay
float); in any other model (the hand-crafted baselines) every ``nn.Linear``, weights and input, through
``QuantLinear`` (embedding tables and activation x activation products stay float: the compiler's defaults apply).

Steps of a ``QuantRecipe`` (the compared recipes and the measurements that chose ``DEFAULT_RECIPE`` are in
docs/accuracy.md, "Quantisation recipe"):

1. weight scales: per tensor or per output channel, from max|W| or the MSE-optimal clip;
2. activation ranges: ``ema`` (an exponential moving average of the batch max|x|, updated while fine-tuning: the
   recipe the supernet trains with), or calibrated once on ``calib_batches`` training batches with the float
   activations (``max``, ``percentile`` of |x|, or ``mse`` clipping; Wu et al. 2020, arXiv 2004.09602, Sec. 4.2;
   Nagel et al. 2021, arXiv 2106.08295, Sec. 3.4) and then frozen; ``unsigned`` gives a slot whose calibration
   data had no negative value the unsigned code range;
3. ``qat_steps`` of quantisation-aware fine-tuning (Adam, cosine-decayed ``qat_lr``, gradient norm clipped) from
   the trained weights (Krishnamoorthi 2018, arXiv 1806.08342, Sec. 3.2: fine-tune from a float model rather than
   train quantised from scratch); 0 = post-training quantisation only.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from recsys_models.blocks.quant import OpQuant, fake_quant, mse_clip, qrange, weight_scale
from recsys_models.space.choices import Arch, OpPrecision

ACT_RANGES = ("ema", "max", "percentile", "mse")
EQUALIZE_ALPHAS = (0.25, 0.5, 0.75, 1.0)  # migration strengths tried (SmoothQuant's alpha; identity always tried)
EQUALIZE_FLOOR = 1e-5  # channels below this fraction of the largest range are dead (ReLU never fired): s = 1
CALIB_SAMPLES = 1 << 18  # activation values kept per slot for percentile / MSE (seeded subsample)


@dataclass(frozen=True)
class QuantRecipe:
    """How a trained model is quantised (see the module docstring for each step)."""

    name: str
    per_channel: bool = True
    weight_range: str = "max"  # max | mse
    act_range: str = "mse"  # ema | max | percentile | mse
    percentile: float = 99.99
    unsigned: bool = True
    calib_batches: int = 8
    equalize: bool = False
    qat_steps: int = 0
    qat_lr: float = 3e-4
    clip_norm: float = 1.0
    seed: int = 0

    def __post_init__(self):
        if self.act_range not in ACT_RANGES:
            raise ValueError(f"recipe {self.name}: act_range must be one of {ACT_RANGES}, got {self.act_range!r}")
        if self.weight_range not in ("max", "mse"):
            raise ValueError(f"recipe {self.name}: weight_range must be max or mse, got {self.weight_range!r}")
        if not 0 < self.percentile <= 100:
            raise ValueError(f"recipe {self.name}: percentile must be in (0, 100], got {self.percentile}")
        if self.qat_steps < 0 or self.calib_batches < 1:
            raise ValueError(f"recipe {self.name}: qat_steps must be >= 0 and calib_batches >= 1")


# the measured best (benchmarks/quant_recipes.py's ``qat-eq``: lowest mean net validation Δ log loss at 4-bit
# activations over Criteo/Avazu x DLRM/NASRec x 3 seeds; docs/accuracy.md, "Quantisation recipe"): per-channel
# weight scales, MSE-calibrated unsigned-where-possible activation ranges, input-channel equalisation (nn.Linear
# models), then 32 steps of quantisation-aware fine-tuning at lr 1e-4
DEFAULT_RECIPE = QuantRecipe("default", equalize=True, qat_steps=32, qat_lr=1e-4)


class QuantLinear(nn.Module):
    """``nn.Linear`` with fake-quantised input (slot ``in``) and weight (per output channel: axis 0 of [out, in]).

    Shares the wrapped layer's parameters, so its state-dict keys are the layer's plus ``input_gain`` and
    ``quant.*``. After ``equalize`` the input is multiplied by ``input_gain`` = 1/s before its quantiser and the
    weight holds W diag(s): the same function in float, with the input channels brought to comparable ranges
    (a per-element Mul, a digital vector operation, precedes the crossbar product in the export).
    """

    def __init__(self, linear: nn.Linear):
        super().__init__()
        self.weight, self.bias = linear.weight, linear.bias
        self.register_buffer("input_gain", torch.ones(linear.in_features))
        self.quant = OpQuant(("in",))

    @property
    def equalized(self) -> bool:
        return bool((self.input_gain != 1).any())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.equalized:
            x = x * self.input_gain
        return F.linear(self.quant.a(x, "in"), self.quant.w(self.weight, out_axis=0), self.bias)


def quantizers(model: nn.Module) -> list[OpQuant]:
    return [m for m in model.modules() if isinstance(m, OpQuant)]


def attach_quantizers(model: nn.Module) -> nn.Module:
    """Give a model without quantisers (a baseline) a ``QuantLinear`` for every ``nn.Linear``, in place."""
    if quantizers(model):
        return model
    for parent in list(model.modules()):
        for name, child in parent.named_children():
            if type(child) is nn.Linear:
                setattr(parent, name, QuantLinear(child).to(child.weight.device))
    if not quantizers(model):
        raise ValueError(f"{type(model).__name__} has no nn.Linear and no NASRec operator to quantise")
    return model


def set_precision(model: nn.Module, precision: OpPrecision | Arch | None) -> None:
    """Run ``model``'s quantised operators at ``precision`` (``None``: floating point)."""
    from recsys_models.space.sampling import with_uniform_precision
    from recsys_models.supernet.model import SubnetModel, to_samples

    if isinstance(model, SubnetModel):
        if isinstance(precision, Arch):
            arch = precision
            if with_uniform_precision(arch, None, None) != with_uniform_precision(model.arch, None, None):
                raise ValueError("the precision architecture differs from the model's in more than precisions")
        else:
            bits = (precision.weight_bits, precision.act_bits) if precision is not None else (None, None)
            arch = with_uniform_precision(model.arch, *bits)
        model.arch, model.samples = arch, to_samples(arch)  # Block.forward sets each operator's precision from these
        return
    if isinstance(precision, Arch):
        raise ValueError(f"per-operator precisions (an Arch) need a NASRec SubnetModel, not {type(model).__name__}")
    for q in quantizers(model):
        q.precision = precision


def clip_from_samples(x: torch.Tensor, bits: int, unsigned: bool, method: str, percentile: float) -> float:
    """The activation clip of ``method`` (max, percentile of |x|, mse) for samples ``x`` (any shape)."""
    flat = x.reshape(-1).float()
    if method == "max":
        return float(flat.abs().max())
    if method == "percentile":
        return float(torch.quantile(flat.abs(), percentile / 100.0))
    if method == "mse":
        return float(mse_clip(flat.unsqueeze(0), bits, unsigned)[0])
    raise ValueError(f"activation range method must be max, percentile or mse, got {method!r}")


def _subsample(parts: list[torch.Tensor], limit: int, gen: torch.Generator) -> torch.Tensor:
    flat = torch.cat([p.reshape(-1) for p in parts])
    if flat.numel() <= limit:
        return flat
    return flat[torch.randperm(flat.numel(), generator=gen)[:limit].to(flat.device)]


@torch.no_grad()
def calibrate(model: nn.Module, batches, recipe: QuantRecipe) -> int:
    """Set every activation range from the float activations of ``recipe.calib_batches`` batches; returns the count.

    The max over all observed values decides the signedness (unsigned only if no value was negative and the
    recipe allows it); the clip comes from ``recipe.act_range`` on a seeded subsample of ``CALIB_SAMPLES`` values.
    """
    qs = quantizers(model)
    for q in qs:
        q.observe = {}
    model.eval()
    try:
        for k, (dense, sparse, _) in enumerate(batches):
            if k >= recipe.calib_batches:
                break
            model(dense, sparse)
    finally:
        observed = [(q, q.observe or {}) for q in qs]
        for q in qs:
            q.observe = None
    gen, count = torch.Generator().manual_seed(recipe.seed), 0
    for q, seen in observed:
        for slot, parts in seen.items():
            bits = q.quantized().act_bits
            unsigned = recipe.unsigned and min(float(p.min()) for p in parts) >= 0.0
            sample = _subsample(parts, CALIB_SAMPLES, gen)
            clip = clip_from_samples(sample, bits, unsigned, recipe.act_range, recipe.percentile)
            if recipe.act_range == "max":
                clip = max(float(p.abs().max()) for p in parts)  # the true max, not the subsample's
            q.set_range(slot, bits, clip, unsigned)
            count += 1
        q.track_ranges = False
    return count


@torch.no_grad()
def _observe_inputs(model: nn.Module, batches, n: int) -> dict[QuantLinear, torch.Tensor]:
    """The float inputs [rows, in] of every ``QuantLinear`` over ``n`` batches."""
    layers = [m for m in model.modules() if isinstance(m, QuantLinear)]
    for layer in layers:
        layer.quant.observe = {}
    model.eval()
    try:
        for k, (dense, sparse, _) in enumerate(batches):
            if k >= n:
                break
            model(dense, sparse)
    finally:
        seen = {layer: (layer.quant.observe or {}).get("in", []) for layer in layers}
        for layer in layers:
            layer.quant.observe = None
    return {layer: torch.cat([p.reshape(-1, p.shape[-1]) for p in parts]) for layer, parts in seen.items() if parts}


def _product_error(x: torch.Tensor, w: torch.Tensor, s: torch.Tensor, layer: QuantLinear,
                   recipe: QuantRecipe) -> float:
    """Mean squared error of x W^T against Q(x / s) Q(W diag(s))^T at the layer's precision and the recipe's ranges."""
    p, q = layer.quant.quantized(), layer.quant
    xs, ws = x / s, w * s
    unsigned = recipe.unsigned and float(x.min()) >= 0.0
    method = "max" if recipe.act_range == "ema" else recipe.act_range
    clip = clip_from_samples(xs, p.act_bits, unsigned, method, recipe.percentile)
    scale = torch.tensor(max(clip, 1e-8) / qrange(p.act_bits, unsigned)[1], device=x.device)
    xq = fake_quant(xs, scale, p.act_bits, unsigned)
    axis = 0 if q.per_channel else None
    wq = fake_quant(ws, weight_scale(ws, p.weight_bits, axis, recipe.weight_range), p.weight_bits, axis=axis)
    return float((xq @ wq.t() - x @ w.t()).square().mean())


def _migration_scales(x: torch.Tensor, w: torch.Tensor, alpha: float) -> torch.Tensor:
    """s_i = max|x_i|^alpha / max|W_:,i|^(1 - alpha), geometric mean 1 over the live channels; 1 elsewhere.

    A channel whose calibration range (or weight column) is below ``EQUALIZE_FLOOR`` of the largest is left unscaled:
    any s fits its all-zero calibration data, and a tiny s would amplify the quantisation noise that reaches it
    in deployment by 1/s.
    """
    xmax, wmax = x.abs().amax(0), w.abs().amax(0)
    live = (xmax > EQUALIZE_FLOOR * float(xmax.max())) & (wmax > EQUALIZE_FLOOR * float(wmax.max()))
    if not live.any():
        return torch.ones_like(xmax)
    s = torch.ones_like(xmax)
    s[live] = xmax[live] ** alpha / wmax[live] ** (1 - alpha)
    return torch.where(live, s / s[live].log().mean().exp(), s)  # an overall factor would change no code


@torch.no_grad()
def equalize(model: nn.Module, batches, recipe: QuantRecipe) -> dict[str, float | None]:
    """Per ``QuantLinear``, move input-channel range into the weights where it lowers the product's error.

    For s_i = max|x_i|^alpha / max|W_:,i|^(1 - alpha) (SmoothQuant, Xiao et al. 2023, arXiv 2211.10438, Sec. 4),
    alpha in ``EQUALIZE_ALPHAS``, and the identity, the layer keeps the s with the smallest ``_product_error`` on the
    calibration inputs (a grid search on the layer's output error, as AWQ does: Lin et al. 2024, arXiv 2306.00978,
    Sec. 3.2). Returns the chosen alpha per layer (None: left as it was).
    """
    chosen = {}
    names = {m: n for n, m in model.named_modules()}
    for layer, x in _observe_inputs(model, batches, recipe.calib_batches).items():
        w = layer.weight.detach()
        best, best_err = None, _product_error(x, w, torch.ones(x.shape[1], device=x.device), layer, recipe)
        for alpha in EQUALIZE_ALPHAS:
            s = _migration_scales(x, w, alpha)
            err = _product_error(x, w, s, layer, recipe)
            if err < best_err:
                best, best_err = (alpha, s), err
        chosen[names[layer]] = None if best is None else best[0]
        if best is not None:
            layer.weight.mul_(best[1])
            layer.input_gain.copy_(1.0 / best[1])
    return chosen


@torch.no_grad()
def _init_ema(model: nn.Module, batches, n: int) -> None:
    """EMA ranges from ``n`` training-mode forwards (no weight update): what a training run would have recorded."""
    model.train()
    for k, (dense, sparse, _) in enumerate(batches):
        if k >= n:
            break
        model(dense, sparse)


def finetune(model: nn.Module, batches, steps: int, lr: float, clip_norm: float | None, seed: int) -> None:
    """``steps`` Adam updates of BCE-with-logits, lr cosine-decayed from ``lr`` to 0, cycling over ``batches``."""
    if steps <= 0:
        return
    torch.manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    model.train()
    step, epoch = 0, 0
    while step < steps:
        if hasattr(batches, "set_epoch"):
            batches.set_epoch(epoch)
        for dense, sparse, label in batches:
            for group in opt.param_groups:
                group["lr"] = 0.5 * lr * (1 + math.cos(math.pi * step / steps))
            opt.zero_grad(set_to_none=True)
            loss_fn(model(dense, sparse).reshape(-1), label).backward()
            if clip_norm:
                nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
            opt.step()
            step += 1
            if step >= steps:
                break
        epoch += 1
    model.eval()


def quantize_model(model: nn.Module, precision: OpPrecision | Arch, train_batches,
                   recipe: QuantRecipe = DEFAULT_RECIPE) -> nn.Module:
    """A fake-quantised copy of the trained ``model`` at ``precision``, by ``recipe``; in eval mode.

    Parameters
    ----------
    model : a trained float model (a baseline or a NASRec ``SubnetModel``); not modified.
    precision : one ``OpPrecision`` for every quantised operator, or an ``Arch`` with per-operator precisions.
    train_batches : re-iterable ``(dense, sparse, label)`` training batches (calibration and fine-tuning).
    recipe : the steps (default: ``DEFAULT_RECIPE``).
    """
    if precision is None:
        raise ValueError("quantize_model needs a precision (an OpPrecision or an Arch with precisions)")
    qmodel = attach_quantizers(copy.deepcopy(model))
    set_precision(qmodel, precision)
    for q in quantizers(qmodel):
        q.set_weight_ranges(recipe.per_channel, recipe.weight_range)
    if recipe.equalize:
        equalize(qmodel, train_batches, recipe)
    if recipe.act_range == "ema":
        _init_ema(qmodel, train_batches, recipe.calib_batches)
    else:
        calibrate(qmodel, train_batches, recipe)
    finetune(qmodel, train_batches, recipe.qat_steps, recipe.qat_lr, recipe.clip_norm, recipe.seed)
    return qmodel.eval()


def restore_quantized(model: nn.Module, state_dict: dict, precision: OpPrecision | Arch) -> nn.Module:
    """Rebuild a ``quantize_model`` result from a fresh float ``model`` of the same architecture, the quantised
    model's ``state_dict`` and its ``precision`` (the state holds weights, ranges, gains and scale modes; the
    precision is not part of it). Ranges stay as calibrated (no EMA updates in later training); eval mode."""
    qmodel = attach_quantizers(model)
    set_precision(qmodel, precision)
    qmodel.load_state_dict(state_dict)
    for q in quantizers(qmodel):
        q.track_ranges = False
    return qmodel.eval()
