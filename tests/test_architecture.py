"""The shape of the code: which package may import which, no import cycles,
Whoosh only inside its engine, and no long function without a reason.

Read from the source with :mod:`ast`, so a violation fails here however the
import is written (at the top, inside a function, or relative).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("indexer", "search_app")
MAX_FUNCTION_LINES = 60
LONG_REASON = "# long:"  # on the line above a longer function: why it stays whole

# What each part may import (besides itself, the standard library and third
# parties); the order is the data's path, and nothing imports upwards.
ALLOWED = {
    "indexer.model": set(),
    "indexer.analysis": {"indexer.model"},
    "indexer.extract": {"indexer.model"},
    "indexer.sources": {"indexer.model", "indexer.extract"},
    "indexer.passages": {"indexer.model", "indexer.analysis", "indexer.extract"},
    "indexer.engine": {"indexer.model", "indexer.analysis", "indexer.passages"},
    "indexer.indexing": {
        "indexer.model",
        "indexer.sources",
        "indexer.extract",
        "indexer.passages",
        "indexer.analysis",
        "indexer.engine",
    },
    "indexer.search": {"indexer.model", "indexer.analysis", "indexer.engine", "indexer.indexing"},
    "indexer.cli": {
        "indexer.model",
        "indexer.analysis",
        "indexer.sources",
        "indexer.indexing",
        "indexer.search",
        "indexer.engine",
        "search_app",
    },
    "search_app": {"indexer.model", "indexer.sources", "indexer.extract", "indexer.indexing", "indexer.search"},
}
# An engine's own modules and its library: only the engine imports them; the
# rest go through indexer.engine.backend (which picks an engine by name).
ENGINE_PRIVATE = {
    "indexer.engine.whoosh": ("indexer.engine.whoosh", "whoosh"),
    "indexer.engine.opensearch": ("indexer.engine.opensearch", "opensearchpy"),
}


def modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def imports_of(name: str, path: Path, known: dict[str, Path] | None = None) -> set[str]:
    """Every module ``name`` imports, at any depth, except under ``if
    TYPE_CHECKING``. ``from pkg import mod`` counts as importing ``pkg.mod``
    when that is a module; a package that holds ``name`` is imported
    implicitly anyway and is left out."""
    known = known if known is not None else modules()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
        for n in ast.walk(node)
    }
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {t for t in found if not name.startswith(t + ".")}


def part_of(module: str) -> str | None:
    for part in sorted(ALLOWED, key=len, reverse=True):
        if module == part or module.startswith(part + "."):
            return part
    return None


def test_each_part_imports_only_what_comes_before_it_on_the_datas_path():
    known = modules()
    wrong = []
    for name, path in known.items():
        own = part_of(name)
        if own is None:
            continue
        for target in imports_of(name, path, known):
            other = part_of(target)
            if other is None or other == own:
                continue
            if other not in ALLOWED[own]:
                wrong.append(f"{name} imports {target}")
    assert not wrong, "\n".join(sorted(wrong))


@pytest.mark.parametrize("engine", sorted(ENGINE_PRIVATE))
def test_only_an_engine_touches_its_own_modules_and_library(engine):
    wrong = []
    known = modules()
    for name, path in known.items():
        if name == engine or name.startswith(engine + ".") or name == "indexer.engine.backend":
            continue  # the engine itself, and the one place that picks it by name
        for target in imports_of(name, path, known):
            if any(target == p or target.startswith(p + ".") for p in ENGINE_PRIVATE[engine]):
                wrong.append(f"{name} imports {target}")
    assert not wrong, "\n".join(sorted(wrong))


def test_there_are_no_import_cycles():
    known = modules()
    graph = {
        name: {t for t in imports_of(name, path, known) if t in known and t != name} for name, path in known.items()
    }
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if nxt in trail or state.get(nxt) == 1:
                cycles.append(" -> ".join(trail[trail.index(nxt) :] + [nxt]) if nxt in trail else f"{node} -> {nxt}")
            elif state.get(nxt) is None:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for name in sorted(graph):
        if state.get(name) is None:
            visit(name, [name])
    assert not cycles, "\n".join(cycles)


def long_functions() -> list[str]:
    found = []
    for path in modules().values():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            start = node.lineno  # from the def: decorators (a command's options) are declarations
            length = node.end_lineno - start + 1
            first = min([d.lineno for d in node.decorator_list] + [node.lineno])
            reason = lines[first - 2].strip() if first >= 2 else ""
            if length > MAX_FUNCTION_LINES and not reason.startswith(LONG_REASON):
                found.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_function_is_long_without_a_reason_next_to_it():
    assert not long_functions(), "\n".join(long_functions())


def test_every_package_says_what_comes_in_and_what_goes_out():
    for name, path in modules().items():
        if path.name == "__init__.py":
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
            assert doc and len(doc.split()) >= 25, f"{name}: no docstring of its own"
