"""Architecture rules from the design: no import cycles, and imports run one way.

Module-level imports only (imports inside functions and ``TYPE_CHECKING`` blocks are
how code defers work on purpose, and cannot form an import-time cycle).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _packages() -> list[tuple[str, Path]]:
    found = [("retinue", REPO / "kernel" / "src" / "retinue")]
    for init in sorted(REPO.glob("plugins/*/src/*/__init__.py")) + sorted(
        REPO.glob("contrib/*/src/*/__init__.py")
    ):
        found.append((init.parent.name, init.parent))
    return found


def _modules(package: str, root: Path) -> dict[str, Path]:
    modules = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join([package, *parts])] = path
    return modules


def _imports(module: str, path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in tree.body:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            yield target
            yield from (f"{target}.{alias.name}" for alias in node.names)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize(("package", "root"), _packages(), ids=lambda p: getattr(p, "name", p))
def test_no_import_cycles(package: str, root: Path) -> None:
    modules = _modules(package, root)
    graph = {
        name: {target for target in _imports(name, path) if target in modules and target != name}
        for name, path in modules.items()
    }
    cycles = _cycles(graph)
    assert not cycles, f"{package} has import cycles at module level: {cycles}"


def test_the_kernel_never_imports_a_plugin() -> None:
    plugin_packages = tuple(f"{name}" for name, _ in _packages() if name != "retinue")
    offenders = []
    for module, path in _modules("retinue", REPO / "kernel" / "src" / "retinue").items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):  # anywhere, also inside functions
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            offenders += [f"{module} imports {n}" for n in names if n.startswith(plugin_packages)]
    assert not offenders, "imports run one way (plugins -> kernel): " + "; ".join(offenders)


def test_the_cycle_check_sees_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
