"""Fails when modules of a Titanium package import each other in a cycle (`make lint` runs it).

A cycle means one module is both wiring and a library its children import; it works only in
one import order, which is why such code ends up hiding imports inside functions. Every import
counts, wherever it stands. `from package import name` is an edge to `package.name` when that
is a module, else to `package`.

    python -m scripts.import_cycles [package_dir ...]
"""

import ast
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = (
    "common/titanium_common",
    "auth_service/auth_service",
    "user_service/user_service",
    "webapp/webapp",
    "api_gateway/api_gateway",
)
SKIPPED = {"migrations"}  # Alembic's env.py and revision files are loaded by Alembic, not imported


def modules_of(package_dir: Path) -> dict[str, Path]:
    """Module name -> file, for every module of the package (its __init__ as the package)."""
    found = {}
    for path in sorted(package_dir.rglob("*.py")):
        relative = path.relative_to(package_dir.parent).with_suffix("")
        if SKIPPED.intersection(relative.parts):
            continue
        parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
        found[".".join(parts)] = path
    return found


def imported_modules(module: str, path: Path, known: Iterable[str]) -> set[str]:
    known = set(known)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            for alias in node.names:
                candidate = f"{base}.{alias.name}" if base else alias.name
                targets.add(candidate if candidate in known else base)
    return {target for target in targets if target in known and target != module}


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
    return f"{base}.{node.module}" if node.module else base


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for neighbour in sorted(graph.get(node, ())):
            if neighbour not in index:
                visit(neighbour)
                low[node] = min(low[node], low[neighbour])
            elif neighbour in on_stack:
                low[node] = min(low[node], index[neighbour])
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


def import_graph(package_dir: Path) -> dict[str, set[str]]:
    modules = modules_of(package_dir)
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def main(package_dirs: list[str]) -> int:
    failed = False
    for package_dir in package_dirs or PACKAGES:
        for cycle in cycles(import_graph(REPO / package_dir)):
            failed = True
            print(f"import cycle in {package_dir}: {' <-> '.join(cycle)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
