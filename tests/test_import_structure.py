"""Architecture rules from the design: no import cycles, and imports run one way.

Every import counts: module level, inside functions, in ``TYPE_CHECKING`` blocks, and
string literals naming a kernel module (``importlib.import_module("retinue.x")``,
lazy export tables, ``"module:attr"`` provider targets).  A deferred import still
ties two modules together; deferring it only hides the tie from the reader.

Per distribution: no cycle between its modules, and the kernel never imports a
plugin.  In the kernel, every module sits in one layer of :data:`KERNEL_LAYERS`
(the design's "Kernel layers") and imports only its own layer or lower ones.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
KERNEL = REPO / "kernel" / "src" / "retinue"

# The design's "Kernel layers", lowest first: module (or package) -> layer.  A module
# not listed here fails the test, so a new module is placed on purpose.
KERNEL_LAYERS: dict[str, tuple[int, str]] = {
    **dict.fromkeys(
        (
            "retinue._errors",
            "retinue.cancellation",
            "retinue._secrets",
            "retinue._specifiers",
            "retinue._markers",
            "retinue._lazy",
            "retinue._state",
            "retinue._version",
            "retinue._kinds",
            "retinue._spans",
            "retinue._message_interceptor",
            "retinue._slots",
        ),
        (1, "foundations"),
    ),
    **dict.fromkeys(
        (
            "retinue.components",
            "retinue.models",
            "retinue.tools",
            "retinue.code",
            "retinue.chat",
            "retinue.runtime",
        ),
        (2, "contracts"),
    ),
    **dict.fromkeys(
        ("retinue.telemetry", "retinue.middleware", "retinue._instrument"), (3, "services")
    ),
    **dict.fromkeys(
        ("retinue.hookspecs", "retinue.plugins", "retinue.registry"), (4, "plugin system")
    ),
    **dict.fromkeys(
        ("retinue.cli", "retinue._new", "retinue.testing", "retinue._builtins"), (5, "surfaces")
    ),
}

# Public re-export modules: they hand on names from every layer (lazily), so they sit
# above the layering.  They may import any kernel module; no layered module imports
# them -- kernel code imports a name from the module that defines it, so the real
# dependency (and its layer) is visible.  The package ``retinue/__init__`` is also the
# composition root: it fills ``retinue._slots``, handing lower layers what they need.
# Subpackage ``__init__``s (``retinue.runtime``...) belong to their package's layer.
FACADES = frozenset(
    {
        "retinue",
        "retinue.exceptions",
        "retinue.code_executor",
        "retinue.memory",
        "retinue.model_context",
    }
)

# A string literal that may name a module: "a.b.c" or "a.b.c:attr.path".
_DOTTED = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+(:[A-Za-z_][\w.]*)?")


@dataclass(frozen=True)
class Import:
    """One import of ``target`` by ``source``, at ``path:line``, and how it is written."""

    source: str
    target: str
    path: Path
    line: int
    how: str

    def where(self) -> str:
        path = self.path.relative_to(REPO) if self.path.is_relative_to(REPO) else self.path
        return f"{path}:{self.line}"


def _packages() -> list[tuple[str, Path]]:
    found = [("retinue", KERNEL)]
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


def _known(name: str, modules: dict[str, Path]) -> str | None:
    """The longest prefix of dotted ``name`` that is one of ``modules``."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def _imports(module: str, path: Path, modules: dict[str, Path]) -> Iterator[Import]:
    """Every import of one of ``modules`` by ``module``, wherever it is written.

    ``from pkg import name`` depends on ``pkg.name`` when that is a module, else on
    ``pkg`` itself.  The implicit import of a parent package (Python runs
    ``pkg/__init__`` before ``pkg.sub``) is not counted: it is what every import of a
    submodule does and says nothing about the importer.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]

    def found(target: str | None, node: ast.AST, how: str) -> Iterator[Import]:
        if target is not None and target != module:
            yield Import(module, target, path, getattr(node, "lineno", 0), how)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield from found(_known(alias.name, modules), node, f"import {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            how = f"from {'.' * node.level}{node.module or ''} import ..."
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                target = submodule if submodule in modules else _known(source, modules)
                yield from found(target, node, how)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _DOTTED.fullmatch(node.value)
        ):
            name = node.value.split(":", 1)[0]
            if name in modules:
                yield from found(name, node, f"the string {node.value!r}")


def _graph(package: str, root: Path) -> tuple[dict[str, set[str]], list[Import]]:
    modules = _modules(package, root)
    edges = [edge for name, path in modules.items() for edge in _imports(name, path, modules)]
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for edge in edges:
        graph[edge.source].add(edge.target)
    return graph, edges


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
        for target in sorted(graph[node]):
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _describe_cycle(component: list[str], edges: list[Import]) -> str:
    members = set(component)
    inside = [e for e in edges if e.source in members and e.target in members]
    lines = "; ".join(
        dict.fromkeys(f"{e.where()} {e.source} -> {e.target} ({e.how})" for e in inside)
    )
    return f"cycle between {', '.join(component)}: {lines}"


def _layer(module: str) -> tuple[int, str] | None:
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        found = KERNEL_LAYERS.get(".".join(parts[:end]))
        if found is not None:
            return found
    return None


def _layer_violations(edges: list[Import]) -> list[str]:
    """File, line and rule of every import that breaks the layering.

    Modules in no layer are left to ``test_every_kernel_module_has_a_layer``.
    """
    problems = []
    for edge in edges:
        source, target = _layer(edge.source), _layer(edge.target)
        if edge.source in FACADES or source is None:
            continue
        if edge.target in FACADES:
            problems.append(
                f"{edge.where()} {edge.source} imports the re-export module {edge.target} "
                f"({edge.how}): import the name from the module that defines it"
            )
        elif target is not None and target[0] > source[0]:
            problems.append(
                f"{edge.where()} {edge.source} ({source[1]}, layer {source[0]}) imports "
                f"{edge.target} ({target[1]}, layer {target[0]}) via {edge.how}: imports run "
                "downward only; hand the lower layer what it needs (a callback or a slot "
                "filled at start-up, see retinue._slots) instead"
            )
    return sorted(set(problems))


@pytest.mark.parametrize(("package", "root"), _packages(), ids=lambda p: getattr(p, "name", p))
def test_no_import_cycles(package: str, root: Path) -> None:
    graph, edges = _graph(package, root)
    cycles = [_describe_cycle(component, edges) for component in _cycles(graph)]
    assert not cycles, f"{package} has import cycles (deferred imports included):\n" + "\n".join(
        cycles
    )


def test_kernel_imports_run_downward_through_the_layers() -> None:
    _, edges = _graph("retinue", KERNEL)
    problems = _layer_violations(edges)
    assert not problems, "kernel layering (see DESIGN 'Kernel layers'):\n" + "\n".join(problems)


def test_every_kernel_module_has_a_layer() -> None:
    unplaced = [
        name for name in _modules("retinue", KERNEL) if name not in FACADES and _layer(name) is None
    ]
    assert not unplaced, f"kernel modules in no layer, add them to KERNEL_LAYERS: {unplaced}"


def test_the_kernel_never_imports_a_plugin() -> None:
    plugin_packages = tuple(f"{name}" for name, _ in _packages() if name != "retinue")
    offenders = []
    for module, path in _modules("retinue", KERNEL).items():
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


def test_the_scan_reads_deferred_type_checking_and_string_imports(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "sub" / "__init__.py").write_text("")
    (root / "sub" / "leaf.py").write_text("")
    (root / "low.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "import importlib\n"
        "if TYPE_CHECKING:\n"
        "    from .high import Thing\n"
        "def later():\n"
        "    from . import mid\n"
        "    return importlib.import_module('pkg.sub.leaf')\n"
        "TARGET = 'pkg.sub:Name'\n"
    )
    (root / "high.py").write_text("import pkg.low\n")
    (root / "mid.py").write_text("from pkg.sub import leaf\n")
    modules = _modules("pkg", root)
    found = {(e.target, e.line) for e in _imports("pkg.low", root / "low.py", modules)}
    assert found == {("pkg.high", 4), ("pkg.mid", 6), ("pkg.sub.leaf", 7), ("pkg.sub", 8)}
    assert {e.target for e in _imports("pkg.mid", root / "mid.py", modules)} == {"pkg.sub.leaf"}
    graph, edges = _graph("pkg", root)
    assert _cycles(graph) == [["pkg.high", "pkg.low"]]
    assert "pkg/low.py:4" in _describe_cycle(["pkg.high", "pkg.low"], edges)


def test_the_layer_check_names_file_line_and_rule() -> None:
    upward = Import("retinue.models._client", "retinue._instrument", KERNEL / "x.py", 7, "import")
    facade = Import("retinue.chat._x", "retinue", KERNEL / "y.py", 3, "from .. import X")
    downward = Import("retinue.plugins", "retinue._errors", KERNEL / "z.py", 1, "import")
    up, through_facade = _layer_violations([upward, facade, downward])
    assert "x.py:7" in up and "contracts, layer 2" in up
    assert "services, layer 3" in up and "downward only" in up
    assert "y.py:3" in through_facade and "re-export module retinue" in through_facade
