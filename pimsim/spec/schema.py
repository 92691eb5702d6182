"""Generate the JSON Schemas of arch.yaml and mapping.json into docs/schemas/.

Run ``python -m pimsim.spec.schema docs/schemas``; a test checks the committed
files equal what this produces, so the documented schema never drifts.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pimsim.spec.arch import ArchSpec
from pimsim.spec.io import atomic_write_json
from pimsim.spec.mapping import Mapping

SCHEMAS = {"arch.schema.json": ArchSpec, "mapping.schema.json": Mapping}


def schema_documents() -> dict[str, dict]:
    return {name: model.model_json_schema() for name, model in SCHEMAS.items()}


def main(argv: list[str] | None = None) -> int:
    outdir = Path((argv or sys.argv[1:] or ["docs/schemas"])[0])
    for name, doc in schema_documents().items():
        atomic_write_json(outdir / name, doc)
        print(outdir / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
