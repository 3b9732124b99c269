#!/usr/bin/env python3
"""List the functions of appraisal/ longer than 80 lines (STYLE.md: a function fits
on a screen), and whether each says why it is long.

A long function says why in a comment starting ``# long:`` within its first lines
(the def line, or the lines just after the docstring's start). Exit status 1 when a
long function does not say why; ``--all`` lists the explained ones too.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 80
MARK = "# long:"
LOOK = 12          # lines from the def in which the reason must appear


def long_functions(root: Path = ROOT / "appraisal") -> list[tuple[str, str, int, int, bool]]:
    """(path, qualified name, first line, length, explained) of every function over LIMIT."""
    out = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        tree = ast.parse(text)
        stack: list[tuple[ast.AST, str]] = [(tree, "")]
        while stack:
            node, prefix = stack.pop()
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    name = f"{prefix}{child.name}"
                    stack.append((child, name + "."))
                    if isinstance(child, ast.ClassDef):
                        continue
                    first = min([child.lineno] + [d.lineno for d in child.decorator_list])
                    length = (child.end_lineno or child.lineno) - first + 1
                    if length > LIMIT:
                        head = lines[first - 1:child.lineno + LOOK]
                        out.append((str(path.relative_to(ROOT)), name, first, length,
                                    any(MARK in line for line in head)))
    return out


def main(argv: list[str]) -> int:
    found = long_functions()
    unexplained = [f for f in found if not f[4]]
    for path, name, line, length, explained in sorted(found, key=lambda f: -f[3]):
        if explained and "--all" not in argv:
            continue
        print(f"{length:4d} lines  {path}:{line}  {name}" + ("  (says why)" if explained else ""))
    print(f"{len(found)} functions over {LIMIT} lines, {len(unexplained)} without a '{MARK}' reason")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
