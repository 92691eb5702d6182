"""The weight-sharing NASRec supernet with mixed-precision operators, and its subnets.

API used by the search (issue 9) and the CLI::

    from recsys_models.space import get_space, sample_arch, nasrec_best
    from recsys_models.supernet import (Supernet, SupernetTrainConfig, train_supernet, load_supernet, save_supernet,
                                        evaluate_subnet, SubnetData, build_standalone, train_standalone,
                                        export_subnet_onnx)
    from recsys_models.data import dataset_spec, CTRData

    spec = dataset_spec("criteo", hash_size=10_000)
    net = Supernet(get_space("full"), spec)                      # all operators at the largest widths
    train_supernet(net, CTRData("criteo", path, "train", batch_size=512, shuffle=True),
                   SupernetTrainConfig(steps=2000, warmup_steps=500), checkpoint="supernet.pt")
    net = load_supernet("supernet.pt")                          # torch.load(weights_only=True) underneath
    arch = sample_arch(net.space, numpy.random.default_rng(0))
    logits = net(dense, sparse, arch)                           # [B]: the subnet's forward with shared weights
    evaluate_subnet(net, arch, SubnetData(train=..., val=...), finetune_steps=500)
        # -> {"logloss", "auc", "rows"}: inherited weights, logit layer fine-tuned on a copy (net unchanged)
    model = build_standalone(arch, spec, supernet=net)          # SubnetModel; equals net(..., arch) bit for bit
    model, history, timing = train_standalone(arch, spec, train_batches, val_batches)  # from scratch, LN off
    export_subnet_onnx(arch, "criteo", "m.onnx", batch=None, model=model)
        # opset 18; each quantised operator's weights and inputs as QuantizeLinear[/Clip]/DequantizeLinear

Design notes (weight slicing, precision, what differs from NASRec): docs/supernet.md.
"""

from __future__ import annotations

from recsys_models.supernet.model import Supernet, SubnetModel
from recsys_models.supernet.onnx_qdq import count_qdq, export_subnet_onnx
from recsys_models.supernet.subnet import SubnetData, build_standalone, evaluate_subnet, train_standalone
from recsys_models.supernet.train import (
    SupernetTrainConfig,
    cosine_lr,
    full_sample,
    load_supernet,
    save_supernet,
    train_supernet,
    training_sample,
)

__all__ = [
    "SubnetData", "SubnetModel", "Supernet", "SupernetTrainConfig", "build_standalone", "cosine_lr", "count_qdq",
    "evaluate_subnet", "export_subnet_onnx", "full_sample", "load_supernet", "save_supernet", "train_standalone",
    "train_supernet", "training_sample",
]
