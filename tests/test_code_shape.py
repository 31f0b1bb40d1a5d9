"""No function runs over 80 lines, counted from its ``def`` to its last line, in the app, the tests
or the benchmarks: a longer one is split into named helpers, so that each can be read at once."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("mis_wizard", "tests", "benchmarks")
MAX_LINES = 80

def long_functions(root: Path = ROOT, folders: tuple[str, ...] = FOLDERS,
                   limit: int = MAX_LINES) -> list[tuple[str, str, int, int]]:
    """Each function over ``limit`` lines: its file (relative to ``root``), name, first line and length."""
    found = []
    for folder in folders:
        for path in sorted((root / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    if length > limit:
                        found.append((path.relative_to(root).as_posix(), node.name, node.lineno, length))
    return found


def test_no_function_is_over_80_lines() -> None:
    over = [f"{file}:{line} {name} is {length} lines" for file, name, line, length in long_functions()]
    assert not over, f"split these into named helpers of at most {MAX_LINES} lines:\n" + "\n".join(over)


def test_the_count_runs_from_def_to_the_last_line(tmp_path: Path) -> None:
    """The measure itself, on a known file: a decorated 81-line function is caught, an 80-line one is not."""
    body = "\n".join(f"    x{i} = {i}" for i in range(79))
    source = f"import functools\n\n@functools.cache\ndef long():\n{body}\n    return 1\n\n\ndef short():\n{body}\n"
    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "m.py").write_text(source, encoding="utf-8")
    assert long_functions(tmp_path, ("pkg",)) == [("pkg/m.py", "long", 4, 81)]
