"""Run the shell and Python snippets of a document as a reader would, in order, on small inputs.

Fenced blocks tagged ``sh``, ``bash`` or ``python`` are run; untagged blocks (usage
synopses, printed output, diagrams) are not.  A block may be preceded by directives, one
HTML comment each, that adapt it to a test run:

- ``<!-- doc-test: skip: REASON -->``: not run (say why: it installs, or runs the test suite);
- ``<!-- doc-test: replace: OLD => NEW -->``: run with OLD replaced by NEW (large inputs by small
  ones: ``--steps 2000 => --steps 2``);
- ``<!-- doc-test: setup: COMMAND -->``: a shell command run first (write a small data file);
- ``<!-- doc-test: same-as: PATH -->`` (on a ``yaml`` block): the block holds the same data as the file
  (comments may differ), which is how a configuration quoted in the docs stays the one shipped.

Blocks run in a scratch copy of the checkout (its files linked, ``build/`` empty, ``../shared/data``
linked when present), where ``.venv/bin/{pimsim,pimcompile,recsys,python}`` and the bare command names
run this interpreter on this checkout.  ``tests/tools/test_docs.py`` runs every document of
``tests.tools.doc_blocks.DOCS``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RUNNABLE = {"sh": "sh", "bash": "sh", "python": "python"}
DIRECTIVE = re.compile(r"^<!-- doc-test: (?P<kind>skip|replace|setup|same-as): (?P<arg>.*) -->$")
TOOLS = {"pimsim": "pimsim.cli", "pimcompile": "compiler.cli", "recsys": "recsys_models.cli"}
COPIED = {"configs"}
"""Copied, not linked: their files name ../../build/... relative to themselves."""


@dataclass
class Snippet:
    doc: str
    line: int
    lang: str
    code: str
    skip: str = ""
    replace: list[tuple[str, str]] = field(default_factory=list)
    setup: list[str] = field(default_factory=list)
    same_as: str = ""

    def adapted(self) -> str:
        code = self.code
        for old, new in self.replace:
            if old not in code:
                raise AssertionError(f"{self.doc}:{self.line}: doc-test replace target {old!r} not in the block")
            code = code.replace(old, new)
        return code


def snippets(doc: str) -> list[Snippet]:
    """The fenced blocks of ``doc`` with their directives."""
    lines = (REPO / doc).read_text().splitlines()
    out, pending, i = [], [], 0
    while i < len(lines):
        line = lines[i]
        directive = DIRECTIVE.match(line.strip())
        if directive:
            pending.append((directive["kind"], directive["arg"].strip()))
        elif line.strip().startswith("```"):
            lang = line.strip()[3:].strip()
            end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == "```")
            snippet = Snippet(doc, i + 1, lang, "\n".join(lines[i + 1:end]) + "\n")
            for kind, arg in pending:
                if kind == "skip":
                    snippet.skip = arg
                elif kind == "replace":
                    old, new = (part.strip() for part in arg.split("=>", 1))
                    snippet.replace.append((old, new))
                elif kind == "setup":
                    snippet.setup.append(arg)
                else:
                    snippet.same_as = arg
            out.append(snippet)
            pending, i = [], end
        elif line.strip():
            pending = []
        i += 1
    return out


def scratch_checkout(root: Path) -> Path:
    """``root/repo``: the checkout's entries linked (not ``build``/``.venv``), command wrappers in ``.venv/bin``."""
    repo = root / "repo"
    repo.mkdir()
    for entry in REPO.iterdir():
        if entry.name in COPIED:  # relative paths inside them must resolve in the scratch checkout, not the real one
            shutil.copytree(entry, repo / entry.name)
        elif entry.name not in {"build", ".venv", ".git"} and not entry.name.startswith("."):
            (repo / entry.name).symlink_to(entry)
    shared = REPO.parent / "shared"
    if shared.exists():
        (root / "shared").symlink_to(shared)
    bin_dir = repo / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name, module in TOOLS.items():
        script = bin_dir / name
        script.write_text(f"#!/bin/sh\nexec {sys.executable} -c 'import sys; from {module} import main; "
                          f"sys.exit(main())' \"$@\"\n")
        script.chmod(0o755)
    python = bin_dir / "python"  # a wrapper, not a link: a linked venv interpreter would not find its venv
    python.write_text(f"#!/bin/sh\nexec {sys.executable} \"$@\"\n")
    python.chmod(0o755)
    return repo


def run_snippet(snippet: Snippet, repo: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PATH": f"{repo / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
           "COLUMNS": "100", "MPLBACKEND": "Agg"}
    setup = "".join(f"{command}\n" for command in snippet.setup)
    code = snippet.adapted()
    if RUNNABLE[snippet.lang] == "python":
        path = repo / "build" / f"snippet_{snippet.line}.py"
        path.parent.mkdir(exist_ok=True)
        path.write_text(code)
        script = f"set -e\n{setup}python {path}\n"
    else:
        script = f"set -e -o pipefail\n{setup}{code}"
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=repo, env=env, timeout=timeout)


def check_same_as(snippet: Snippet) -> None:
    """A quoted configuration holds the shipped file's data (comments aside)."""
    import yaml

    shipped = yaml.safe_load((REPO / snippet.same_as).read_text())
    assert yaml.safe_load(snippet.code) == shipped, (f"{snippet.doc}:{snippet.line}: the quoted {snippet.same_as} "
                                                     "holds other values than the file")
