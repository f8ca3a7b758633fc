"""The package's import graph: no cycle, and no private name used across modules.

Every import that runs counts, top-level or inside a function: a lazy import that
closes a cycle is still two modules that each need the other. Imports under ``if
TYPE_CHECKING:`` do not count: they only name a type for annotations (a model's
``frames()`` method naming ``RollupFrames``, whose module takes a ``Rollup``). A private
name (``_x``) is private to its module: another module that needs it needs a public
name instead.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "zhenggai"


def _module_name(path: Path) -> str:
    parts = ["zhenggai", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _target(base: str, name: str | None) -> str:
    """The module an import names: ``from base import name`` is a submodule when one exists."""
    if name is not None and f"{base}.{name}" in MODULES:
        return f"{base}.{name}"
    return base


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(module: str, *, type_only_too: bool = False) -> tuple[set[str], list[str]]:
    """Modules of this package that ``module`` imports, and the private names it uses from them.

    ``type_only_too``: count imports under ``if TYPE_CHECKING:`` as well (the layer rule does)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    deps: set[str] = set()
    private: list[str] = []
    aliases: dict[str, str] = {}  # local name → module of ours
    type_only = set() if type_only_too else {
        id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and _is_type_checking(node.test)
        for stmt in node.body for n in ast.walk(stmt)}
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("zhenggai"):
                    deps.add(a.name)
                    if a.asname:
                        aliases[a.asname] = a.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("zhenggai"):
            for a in node.names:
                target = _target(node.module, a.name)
                deps.add(target)
                if target != node.module:
                    aliases[a.asname or a.name] = target
                elif a.name.startswith("_") and not a.name.startswith("__"):
                    private.append(f"{module}: from {node.module} import {a.name}")
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and node.attr.startswith("_") and not node.attr.startswith("__")):
            private.append(f"{module}: {aliases[node.value.id]}.{node.attr}")
    deps.discard(module)
    return deps, private


GRAPH = {m: _imports(m)[0] for m in MODULES}


def _cycle() -> list[str] | None:
    """One import cycle as a path of module names, or None."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for d in sorted(GRAPH.get(m, ())):
            if state.get(d) == 1:
                return [*stack[stack.index(d):], d]
            if d not in state and (found := visit(d)):
                return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(GRAPH):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_the_walker_sees_the_package() -> None:
    assert {"zhenggai.checking.files", "zhenggai.core.results", "zhenggai.rollup.county"} <= MODULES.keys()
    assert "zhenggai.core.results" in GRAPH["zhenggai.checking.files"]
    assert "zhenggai.rollup.model" in GRAPH["zhenggai.rollup.county"]


def test_no_import_cycle() -> None:
    cycle = _cycle()
    assert cycle is None, " → ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(GRAPH, "zhenggai.core.results", {*GRAPH["zhenggai.core.results"], "zhenggai.checking.files"})
    assert _cycle() is not None


def test_no_private_name_used_across_modules() -> None:
    private = [p for m in MODULES for p in _imports(m)[1]]
    assert private == []


def test_the_private_name_finder_finds_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "fake.py"
    fake.write_text("from zhenggai.core.parse import _squash\nfrom zhenggai.intake import xls\nxls._records\n",
                    encoding="utf-8")
    monkeypatch.setitem(MODULES, "zhenggai.fake", fake)
    assert _imports("zhenggai.fake")[1] == [
        "zhenggai.fake: from zhenggai.core.parse import _squash", "zhenggai.fake: zhenggai.intake.xls._records"]


def test_core_modules_do_not_import_the_cli() -> None:
    cli = {"zhenggai.cli.app", "zhenggai.cli.i18n", "zhenggai.cli.render", "zhenggai.__main__"}
    offenders = [m for m, deps in GRAPH.items() if m not in cli and deps & cli]
    assert offenders == []


# The pipeline, bottom to top: each stage may import only itself and the stages below it,
# type-only imports included (a name in an annotation is still a dependency a reader follows).
# cli and web are the two faces; cli starts web (``serve``), nothing imports either.
LAYERS = ("core", "intake", "forms", "checking", "progress", "rollup", "outputs", "api", "web", "cli")


def _layer(module: str) -> int | None:
    """Index in LAYERS of ``zhenggai.<layer>...``; None for the package root and ``__main__``."""
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def _upward(graph: dict[str, set[str]]) -> list[str]:
    found = []
    for m, deps in sorted(graph.items()):
        here = _layer(m)
        for d in sorted(deps):
            there = _layer(d)
            if here is not None and there is not None and there > here:
                found.append(f"{m} → {d}")
    return found


FULL_GRAPH = {m: _imports(m, type_only_too=True)[0] for m in MODULES}


def test_every_module_sits_in_a_layer() -> None:
    loose = [m for m in MODULES if _layer(m) is None and m not in {"zhenggai", "zhenggai.__main__"}]
    assert loose == []


def test_imports_point_down_the_pipeline() -> None:
    assert _upward(FULL_GRAPH) == []


def test_the_layer_rule_catches_an_upward_import(monkeypatch: pytest.MonkeyPatch) -> None:
    """A planted upward import (a reader needing the rollup writer) is caught, type-only too."""
    fake_graph = {**FULL_GRAPH, "zhenggai.intake.reader": {*FULL_GRAPH["zhenggai.intake.reader"],
                                                           "zhenggai.outputs.rollup_workbook"}}
    assert _upward(fake_graph) == ["zhenggai.intake.reader → zhenggai.outputs.rollup_workbook"]


def test_comparing_rounds_does_not_load_the_file_reader() -> None:
    """progress.compare is pure (texts and numbers in, findings out): it must not pull in the
    readers through the feedback list (reading the list lives in forms.feedback_reader)."""
    import subprocess
    import sys

    code = ("import sys, zhenggai.progress.compare; "
            "print(sorted(m for m in sys.modules if m.startswith(('zhenggai.intake', 'python_calamine'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
