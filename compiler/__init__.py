"""compiler: ONNX recommender models -> verified operator IR -> crossbar mapping (mapping.json).

Imports only ``pimsim.spec`` from the simulator (the mapping and arch formats).
"""

__version__ = "0.1.0"
