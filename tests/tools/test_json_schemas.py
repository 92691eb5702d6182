"""docs/schemas/ holds the JSON Schema of every configuration format, current, with ``$schema`` and ``$id``, and
every configuration the project ships validates against its schema and names it for editors
(``# yaml-language-server: $schema=...``).  Regenerate with ``python tests/tools/json_schemas.py``."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from tests.tools.json_schemas import CONFIGS, OUT, REPO, documents


def test_committed_schemas_are_current():
    for name, doc in documents().items():
        committed = json.loads((OUT / name).read_text())
        assert committed == doc, f"docs/schemas/{name} is stale: run python tests/tools/json_schemas.py"
    assert sorted(p.name for p in OUT.glob("*.json")) == sorted(documents())


def test_every_schema_names_its_draft_and_id():
    for name, doc in documents().items():
        assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert doc["$id"] == f"urn:pim-recsys:schema:{name.removesuffix('.schema.json')}"
        jsonschema.Draft202012Validator.check_schema(doc)


@pytest.mark.parametrize("schema_name", sorted(CONFIGS))
def test_shipped_configs_validate_and_name_their_schema(schema_name):
    schema = documents()[schema_name]
    files = [p for pattern in CONFIGS[schema_name] for p in sorted(REPO.glob(pattern))]
    assert files, f"no files for {schema_name}"
    for path in files:
        first = path.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), f"{path}: first line names no schema"
        target = (path.parent / first.split("=", 1)[1]).resolve()
        assert target == (OUT / schema_name).resolve(), f"{path}: schema line points at {target}"
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)


@pytest.mark.parametrize("schema_name, doc", [
    ("precision-policy.schema.json", {"default": {"weight_bits": 17}}),
    ("precision-policy.schema.json", {"operators": {"*": {"wbits": 4}}}),
    ("design-space.schema.json", {"schema_version": 1, "base_arch": "default", "vary": {"pe.adc.bits": 8}}),
    ("design-space.schema.json", {"base": "default", "axes": {"pe.adc.bits": [8]}}),  # the former format
    ("sweep.schema.json", {"schema_version": 1, "name": "s", "workloads": [], "base_arch": "default"}),
])
def test_schema_and_loader_agree_on_bad_documents(schema_name, doc):
    """The schema is the loader's model: what the loader refuses, the schema refuses too (editors warn early)."""
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, documents()[schema_name])
