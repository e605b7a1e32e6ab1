"""The house rules of DESIGN.md that hold for the whole package, checked on its source with `ast`.

Every import counts, wherever it stands: top level, inside a function (the lazy imports that keep `--help`
fast), under `if TYPE_CHECKING:`. A cycle through any of them is a cycle in the design.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = "symphony_bot"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE
MAX_MODULE_LINES = 450
COMMAND_LINE = (f"{PACKAGE}.cli", f"{PACKAGE}.commands")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def imported_modules(path: Path, name: str, known: set[str]) -> Iterator[str]:
    """The package modules the file's import statements name (relative imports resolved). `from p import m`
    names the module `p.m` when m is a module, else `p` itself."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                target = f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                if target in known:
                    yield target


def import_graph() -> dict[str, set[str]]:
    """module -> the package modules it imports (the module named, not the packages above it)."""
    known = modules()
    return {
        name: {target for target in imported_modules(path, name, set(known)) if target != name}
        for name, path in known.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
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
    return sorted(found)


def test_the_graph_sees_lazy_and_type_checking_imports() -> None:
    graph = import_graph()
    assert f"{PACKAGE}.commands.scan" in graph[f"{PACKAGE}.cli"]  # inside a function
    assert f"{PACKAGE}.github.scan" in graph[f"{PACKAGE}.commands.scan"]  # lazy and under TYPE_CHECKING


def test_imports_name_the_module_they_load(tmp_path: Path) -> None:
    source = tmp_path / "example.py"
    source.write_text(
        "from symphony_bot.github import client\n"  # a module: the edge is to it, not to github/__init__
        "from symphony_bot.cache import Cache\n"  # a name: the edge is to its module
        "def later() -> None:\n    import symphony_bot.findings\n    from . import jsondoc\n"
    )
    known = {f"{PACKAGE}.github", f"{PACKAGE}.github.client", f"{PACKAGE}.cache", f"{PACKAGE}.findings"}
    known |= {f"{PACKAGE}.jsondoc"}
    found = set(imported_modules(source, f"{PACKAGE}.example", known))
    assert found == {f"{PACKAGE}.github.client", f"{PACKAGE}.cache", f"{PACKAGE}.findings", f"{PACKAGE}.jsondoc"}


def test_cycles_are_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_no_import_cycle_between_modules() -> None:
    assert cycles(import_graph()) == []


def test_no_module_below_commands_imports_the_command_line() -> None:
    offenders = [
        f"{name} imports {target}"
        for name, targets in import_graph().items()
        if not name.startswith(COMMAND_LINE) and name != f"{PACKAGE}.__main__"
        for target in sorted(targets)
        if target.startswith(COMMAND_LINE)
    ]
    assert offenders == []


def test_no_module_is_over_the_line_limit() -> None:
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in modules().items()}
    assert {name: lines for name, lines in sizes.items() if lines > MAX_MODULE_LINES} == {}


# The package root holds the entry points only; every other module lives in the folder whose job it is.
ROOT_MODULES = {PACKAGE, f"{PACKAGE}.__main__", f"{PACKAGE}.cli"}

# Floors, lowest first: a module may import its own floor or those below, never one above. Pure formats and
# rules at the bottom, then what talks to GitHub, then one contribution, then the Action, then the command line.
FLOORS = (
    {"report", "data", "agents", "workspace"},
    {"issues", "autorun", "registry", "stats"},
    {"github", "sandbox"},
    {"contribution", "site", "demo"},
    {"action"},
    {"commands", "cli", "__main__"},
)


def floor_of(module: str) -> int:
    package = module.split(".")[1]
    return next(level for level, packages in enumerate(FLOORS) if package in packages)


def test_the_package_root_holds_only_the_entry_points() -> None:
    loose = {name for name, path in modules().items() if path.parent == ROOT}
    assert loose == ROOT_MODULES


def test_every_package_has_a_floor() -> None:
    packages = {name.split(".")[1] for name in modules() if name.count(".") >= 1}
    assert packages <= set().union(*FLOORS)


def test_no_import_runs_up_a_floor() -> None:
    upward = [
        f"{name} imports {target}"
        for name, targets in import_graph().items()
        if name != PACKAGE
        for target in sorted(targets)
        if target != PACKAGE and floor_of(target) > floor_of(name)
    ]
    assert upward == []
