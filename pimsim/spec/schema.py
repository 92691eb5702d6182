"""Generate the JSON Schemas of arch.yaml and mapping.json into docs/schemas/.

Run ``python -m pimsim.spec.schema docs/schemas``; a test checks the committed
files equal what this produces, so the documented schema never drifts.  The
schemas of the other configuration formats (sweep, precision policy, hardware
space) come from their own packages' models: ``python tests/tools/json_schemas.py``
writes all five.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pimsim.spec.arch import ArchSpec
from pimsim.spec.io import atomic_write_json
from pimsim.spec.mapping import Mapping

SCHEMAS = {"arch.schema.json": ArchSpec, "mapping.schema.json": Mapping}
DRAFT = "https://json-schema.org/draft/2020-12/schema"
"""pydantic generates JSON Schema draft 2020-12."""


def schema_id(file_name: str) -> str:
    """A stable identifier of one of the project's schemas (a URN: the project publishes no URL)."""
    return f"urn:pim-recsys:schema:{file_name.removesuffix('.schema.json')}"


def document(file_name: str, model) -> dict:
    """The model's JSON Schema with ``$schema`` and ``$id`` first."""
    return {"$schema": DRAFT, "$id": schema_id(file_name), **model.model_json_schema()}


def schema_documents() -> dict[str, dict]:
    return {name: document(name, model) for name, model in SCHEMAS.items()}


def main(argv: list[str] | None = None) -> int:
    outdir = Path((argv or sys.argv[1:] or ["docs/schemas"])[0])
    for name, doc in schema_documents().items():
        atomic_write_json(outdir / name, doc)
        print(outdir / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
