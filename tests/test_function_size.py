"""No function in the package is longer than 80 lines (the design guide's limit).

A long function is a sign of two jobs in one; the limit keeps each step of the pipeline
readable on one screen. Counted from the ``def`` line to the last line of the body.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "zhenggai"
LIMIT = 80


def long_functions(root: Path = PACKAGE) -> list[str]:
    """``path:function (N lines)`` for every function over the limit."""
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                length = (node.end_lineno or node.lineno) - first + 1
                if length > LIMIT:
                    found.append(f"{path.relative_to(root)}:{node.name} ({length} lines)")
    return found


def test_no_function_over_80_lines() -> None:
    assert long_functions() == []


def test_the_counter_sees_a_long_function(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(LIMIT))
    (tmp_path / "m.py").write_text(f"def f():\n{body}\n", encoding="utf-8")
    assert long_functions(tmp_path) == [f"m.py:f ({LIMIT + 1} lines)"]
