"""recsys_models: recommender models, CTR data, the NASRec supernet, training, search and ONNX export.

Imports the compiler and simulator only in ``recsys_models.oracles.hardware_cost``.
"""

__version__ = "0.1.0"
