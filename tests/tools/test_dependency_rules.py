"""The import graph keeps the data flow visible (DEVELOPERS.md, issue 2 item 4).

- pimsim's library imports neither sibling; only pimsim/cli/ may reach the compiler, and
  ``pimsim infer --data`` (pimsim/cli/infer.py) the CTR readers of ``recsys_models.data`` (numpy only).
- pimsim.spec imports neither numba nor torch; onnx only in semantics.py, deferred (see ONNX_IN_SPEC).
- compiler imports from pimsim only pimsim.spec and the numba-free cost models (pimsim.cost and the
  component models under pimsim.components, which pimsim.cost prices with), never the engine, the
  program lowering or the reports; and never torch or recsys_models.
- the cost models import no numba, also indirectly (checked by importing them in a fresh interpreter).
- recsys_models imports compiler/pimsim only in recsys_models/oracles/hardware_cost.py (the hardware oracle's
  gateway), except the light shared helpers, one implementation each (issue 23 item 3): its command line
  (recsys_models/cli/) shares the command-line conventions of the three tools, the numba- and torch-free
  ``pimsim.spec`` modules listed in CLI_SUPPORT; and SHARED_HELPERS: the error type, atomic writing and the
  executor helper.
- experiments (the studies, issue 23 item 2) reach the hardware tools, the oracles and ``recsys_models.search``
  only through experiments/codesign/pricing.py, and no package of the library imports experiments.
- no import cycles between the modules of the three packages and experiments, counting every import, including those inside
  functions (issue 23 item 4): a cycle hidden behind a deferred import still ties two modules into one.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx

REPO = Path(__file__).resolve().parents[2]


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def files(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


def rel(p: Path) -> str:
    return p.relative_to(REPO).as_posix()


def _top(name: str) -> str:
    return name.split(".")[0]


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _targets(node: ast.AST, package: str, modules: set[str]) -> list[str]:
    """Modules one import statement names, relative imports resolved against ``package``; ``from a import b``
    names module ``a.b`` when that is a module, else ``a`` (``b`` is then a name defined in ``a``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:
        up = package.split(".")[:len(package.split(".")) - node.level + 1]
        base = ".".join(up + ([base] if base else []))
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]


def import_graph(root: Path, packages: tuple[str, ...]) -> nx.DiGraph:
    """Module -> module it imports (every import statement, at the top or inside a function), within
    ``packages``.  An import of a module also runs its parent packages' ``__init__``; those edges are left out
    (a package re-exporting its submodules would otherwise close a cycle with each of them)."""
    paths = {module_name(root, p): p for pkg in packages for p in sorted((root / pkg).rglob("*.py"))}
    graph = nx.DiGraph()
    graph.add_nodes_from(paths)
    for mod, path in paths.items():
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            for target in _targets(node, package, set(paths)):
                while target and target not in paths:  # a name inside a module, or a module of another project
                    target = target.rpartition(".")[0]
                if target and target != mod:
                    graph.add_edge(mod, target)
    return graph


def import_cycles(graph: nx.DiGraph) -> list[str]:
    """Each cycle once, written from its smallest module name: ``simple_cycles`` starts a cycle at a node that
    depends on set iteration order, which changes with the string hash seed from run to run."""
    rotated = (c[c.index(min(c)):] + c[:c.index(min(c))] for c in nx.simple_cycles(graph))
    return sorted(" -> ".join([*c, c[0]]) for c in rotated)


def test_no_import_cycles():
    graph = import_graph(REPO, ("pimsim", "compiler", "recsys_models", "experiments"))
    assert graph.has_edge("compiler.frontend.load", "compiler.frontend.registry")  # the walker sees the imports
    assert graph.has_edge("compiler.driver", "compiler.check")  # ... including those inside functions
    assert not import_cycles(graph)


def test_import_cycles_are_found(tmp_path):
    """Guard against a vacuous pass: a cycle through a relative import inside a function is reported."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.sub import b\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from .. import a\n")
    assert import_cycles(import_graph(tmp_path, ("pkg",))) == ["pkg.a -> pkg.sub.b -> pkg.a"]


def test_imports_are_parsed():
    """Guard against a vacuous pass: the walker must see the spec module's real imports."""
    assert "pimsim.spec.errors" in imports_of(REPO / "pimsim/spec/arch.py")
    assert len(files("pimsim")) > 5 and len(files("compiler")) >= 2 and len(files("recsys_models")) >= 2


CLI_SUPPORT = {"pimsim.spec.cli_support", "pimsim.spec.cli_types", "pimsim.spec.errors", "pimsim.spec.limits",
               "pimsim.spec.filekinds"}
"""The command-line conventions shared by pimsim, pimcompile and recsys (no numba, torch or pydantic)."""
CTR_READERS = {"recsys_models.data", "recsys_models.data.specs", "recsys_models.errors"}
"""What ``pimsim infer --data`` may use of recsys_models: the numpy CTR readers."""


def test_pimsim_imports_no_sibling():
    bad = []
    for f in files("pimsim"):
        in_cli = rel(f).startswith("pimsim/cli/")
        for name in imports_of(f):
            readers = rel(f) == "pimsim/cli/infer.py" and name in CTR_READERS
            if (_top(name) == "recsys_models" and not readers) or (_top(name) == "compiler" and not in_cli) \
                    or _top(name) == "torch":
                bad.append(f"{rel(f)} imports {name}")
    assert not bad, bad


ONNX_IN_SPEC = {"pimsim/spec/semantics.py"}
"""The one spec module that may import onnx: standard op types mean what ``onnx.reference`` computes (issue 23:
one implementation per idea, the ONNX project's own).  onnx is a core dependency of the distribution (pyproject
``dependencies``), pure Python plus protobuf, and the import is deferred to the first standard op executed, so
``import pimsim.spec`` and every ``--help`` stay light (``test_cli_help_imports_nothing_heavy``)."""


def test_spec_is_pure_data():
    bad = [f"{rel(f)} imports {n}" for f in files("pimsim/spec") for n in imports_of(f)
           if _top(n) in {"numba", "torch", "compiler", "recsys_models"}
           or (_top(n) == "onnx" and rel(f) not in ONNX_IN_SPEC)
           or (_top(n) == "pimsim" and not n.startswith("pimsim.spec"))]
    assert not bad, bad


def test_semantics_defers_onnx():
    """pimsim.spec.semantics imports onnx only inside functions (a module-level import would load it for every
    mapping reader)."""
    tree = ast.parse((REPO / "pimsim/spec/semantics.py").read_text())
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert not [n for n in top if any(_top(a.name) == "onnx" for a in n.names)
                or (isinstance(n, ast.ImportFrom) and n.module and _top(n.module) == "onnx")]


COMPILER_MAY_IMPORT = ("pimsim.spec", "pimsim.cost", "pimsim.components")
"""The parts of pimsim the compiler may use: formats and the numba-free cost models (issue 16)."""


def _allowed_for_compiler(name: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in COMPILER_MAY_IMPORT)


def test_compiler_imports_only_spec_and_cost_models():
    bad = [f"{rel(f)} imports {n}" for f in files("compiler") for n in imports_of(f)
           if (_top(n) == "pimsim" and not _allowed_for_compiler(n)) or _top(n) in {"recsys_models", "torch", "numba"}]
    assert not bad, bad


def test_compiler_does_import_the_shared_cost_model():
    """Guard against a vacuous rule: the mapper prices with pimsim.cost (no second copy of the model)."""
    used = {n for f in files("compiler") for n in imports_of(f)}
    assert {"pimsim.cost.actions", "pimsim.cost.crossbar", "pimsim.cost.area"} <= used
    assert not (REPO / "compiler/cost/timing.py").exists() and not (REPO / "compiler/cost/energy.py").exists()


def test_cost_models_stay_numba_free():
    """pimsim.cost and pimsim.components, and what they import, load without numba (the compiler's world)."""
    code = ("import sys\n"
            "import pimsim.cost.actions, pimsim.cost.crossbar, pimsim.cost.views, pimsim.cost.buffers, "
            "pimsim.cost.area, pimsim.cost.products, pimsim.components.rollup\n"
            "print(sorted(k for k in ('numba', 'torch', 'pimsim.engine', 'pimsim.program') if k in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_cost_models_import_no_simulator_parts():
    bad = [f"{rel(f)} imports {n}" for f in files("pimsim/cost") + files("pimsim/components") for n in imports_of(f)
           if _top(n) in {"numba", "torch", "compiler", "recsys_models"}
           or n.startswith(("pimsim.engine", "pimsim.program", "pimsim.report", "pimsim.api", "pimsim.sweep"))]
    assert not bad, bad


SHARED_HELPERS = {"recsys_models/errors.py": {"pimsim.spec.errors"}, "recsys_models/io.py": {"pimsim.spec.io", "pimsim.spec.errors"},
                  "recsys_models/search/executor.py": {"pimsim.sweep.executor"},
                  "recsys_models/search/objectives.py": {"pimsim.sweep.pareto"}}
"""The one implementation of an idea that a recsys_models module uses from pimsim (issue 23 item 3): light modules
(no numba, torch or engine), so the model tools stay as light as before."""


def test_recsys_models_reaches_hardware_only_through_hardware_cost():
    allowed = "recsys_models/oracles/hardware_cost.py"
    bad = [f"{rel(f)} imports {n}" for f in files("recsys_models") for n in imports_of(f)
           if _top(n) in {"pimsim", "compiler"} and rel(f) != allowed
           and not (rel(f).startswith("recsys_models/cli/") and n in CLI_SUPPORT)
           and n not in SHARED_HELPERS.get(rel(f), set())]
    assert not bad, bad


SEARCH_ENGINE = ("engine", "objectives", "history", "problem")
"""The search proper (issue 23 item 2): candidates, the evolution engine, objectives and history know no oracle."""


def test_search_engine_needs_no_oracle():
    bad = [f"recsys_models/search/{m}.py imports {n}" for m in SEARCH_ENGINE
           for n in imports_of(REPO / f"recsys_models/search/{m}.py")
           if n.startswith("recsys_models.oracles") or _top(n) == "compiler"]
    assert not bad, bad
    assert "recsys_models.oracles.oracle" in imports_of(REPO / "recsys_models/search/report.py")  # the walker sees


def test_shared_helpers_are_light():
    """The pimsim modules recsys_models shares load without numba, torch, the engine or the compiler."""
    mods = sorted({m for ms in SHARED_HELPERS.values() for m in ms})
    code = "import sys\n" + "".join(f"import {m}\n" for m in mods) + (
        "print(sorted(k for k in ('numba', 'torch', 'onnx', 'compiler', 'pimsim.engine', 'pimsim.program') "
        "if k in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


EXPERIMENT_GATEWAY = "experiments/codesign/pricing.py"


def test_experiments_reach_hardware_and_search_through_pricing():
    bad = [f"{rel(f)} imports {n}" for f in files("experiments") for n in imports_of(f)
           if (_top(n) in {"pimsim", "compiler"} or n.startswith(("recsys_models.search", "recsys_models.oracles")))
           and rel(f) != EXPERIMENT_GATEWAY]
    assert not bad, bad
    assert {"compiler.api", "pimsim.api"} <= imports_of(REPO / EXPERIMENT_GATEWAY)  # the rule is not vacuous


def test_library_does_not_import_experiments():
    bad = [f"{rel(f)} imports {n}" for pkg in ("pimsim", "compiler", "recsys_models") for f in files(pkg)
           for n in imports_of(f) if _top(n) == "experiments"]
    assert not bad, bad


def test_cli_support_is_light():
    """The shared command-line modules import nothing heavy: a usage error answers before numba, torch, numpy or
    pydantic is loaded (benchmarks/cli_latency.py times it)."""
    code = "import sys\n" + "".join(f"import {m}\n" for m in sorted(CLI_SUPPORT)) + (
        "print(sorted(k for k in ('numba', 'torch', 'onnx', 'onnxruntime', 'numpy', 'pydantic', 'yaml') "
        "if k in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_cli_help_imports_nothing_heavy():
    """`--help` must not import numba, torch or onnx (issue 2: answer in under 0.5 s)."""
    code = (
        "import sys, contextlib, io\n"
        "from pimsim.cli import main as p\n"
        "from compiler.cli import main as c\n"
        "from recsys_models.cli import main as r\n"
        "for m in (p, c, r):\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        try: m(['--help'])\n"
        "        except SystemExit: pass\n"
        "print(sorted(k for k in ('numba', 'torch', 'onnx', 'onnxruntime') if k in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
