"""Write the JSON Schema of every configuration format into docs/schemas/ (``python tests/tools/json_schemas.py``).

arch.yaml and mapping.json come from ``pimsim.spec.schema``; the sweep file and the design space
(``recsys search --hw-space``, a sweep file without workloads) from ``pimsim.sweep.space``, the
precision policy from ``compiler.precision_policy`` (each package owns its format).  ``tests/tools/test_json_schemas.py`` fails when a committed schema is stale and
validates every shipped configuration against its schema.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "docs" / "schemas"


def documents() -> dict[str, dict]:
    from compiler.precision_policy import PolicyFile
    from pimsim.spec.schema import document, schema_documents
    from pimsim.sweep.space import DesignSpaceFile, SweepFile

    docs = schema_documents()
    for name, model in (("sweep.schema.json", SweepFile), ("precision-policy.schema.json", PolicyFile),
                        ("design-space.schema.json", DesignSpaceFile)):
        docs[name] = document(name, model)
    return docs


CONFIGS = {"arch.schema.json": ["pimsim/spec/presets/*.yaml"], "sweep.schema.json": ["configs/sweeps/*.yaml"],
           "design-space.schema.json": ["configs/search/*.yaml"], "precision-policy.schema.json": ["configs/precision/*.yaml"]}
"""Which shipped files each schema describes (they carry a ``# yaml-language-server: $schema=`` line)."""


def write() -> None:
    from pimsim.spec.io import atomic_write_json

    for name, doc in documents().items():
        atomic_write_json(OUT / name, doc)
        print(f"wrote {OUT.relative_to(REPO) / name}")


if __name__ == "__main__":
    write()
