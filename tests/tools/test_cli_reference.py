"""docs/cli.md lists exactly the commands and options the parsers accept (regenerate with
`python tests/tools/cli_reference.py`)."""

from __future__ import annotations

from tests.tools.cli_reference import current_doc_section, render


def test_cli_reference_is_current():
    assert current_doc_section() == render(), "docs/cli.md is stale: run python tests/tools/cli_reference.py"


def test_reference_covers_every_subcommand():
    """Guard against an empty render: each tool's subcommands appear with their own usage line."""
    text = render()
    for needle in ("usage: pimcompile", "usage: pimsim run", "usage: pimsim area", "usage: recsys export"):
        assert needle in text
