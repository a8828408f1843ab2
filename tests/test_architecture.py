"""The architecture's rules, checked on the code itself (ARCHITECTURE.md, "Layers").

- the import contracts in ``.importlinter`` hold, and they do fail when a module adds a forbidden
  import (checked on a copy of the tree with one planted import, so a contract that can never
  break is caught too);
- no import circle between the project's modules, counting imports inside functions;
- the item's and the assignment's state columns are written only by their lifecycle modules.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_import_contracts_hold() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 4 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "planted", "contract"),
    [
        # a domain reaching for the worker processes
        ("marketplace/routing/service.py", "import workers.cron", "never imports the process entry points"),
        # a service reaching for the web layer
        ("marketplace/review/service.py", "import marketplace.web.auth", "never import the web layer"),
        # an earlier stage calling a later one
        ("marketplace/projects/models.py", "import marketplace.review.intake", "in one direction"),
        # the floor calling a domain
        ("marketplace/db.py", "import marketplace.accounts.service", "in one direction"),
    ],
)
def test_a_forbidden_import_breaks_a_contract(
    tmp_path: Path, module: str, planted: str, contract: str
) -> None:
    for name in ("marketplace", "workers"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    target = tmp_path / module
    target.write_text(target.read_text() + f"\n{planted}  # planted by the test\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0, result.stdout
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, result.stdout


def _cycles(graph: grimp.ImportGraph) -> Iterator[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    yield sorted(component)


def _without_package_inits(graph: grimp.ImportGraph) -> grimp.ImportGraph:
    """A package's ``__init__`` importing its own submodules (re-exports) is not a circle of
    concepts; every other import, inside functions too, counts."""
    for module in list(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.startswith(module + ".") and graph.find_children(module):
                graph.remove_import(importer=module, imported=imported)
    return graph


def test_no_import_circle_between_modules() -> None:
    graph = _without_package_inits(grimp.build_graph("marketplace", "workers", cache_dir=None))
    assert list(_cycles(graph)) == []


def test_the_cycle_finder_finds_a_planted_circle() -> None:
    graph = grimp.ImportGraph()
    for name in ("a", "a.b", "a.c", "a.d"):
        graph.add_module(name)
    graph.add_import(importer="a.b", imported="a.c")
    graph.add_import(importer="a.c", imported="a.d")
    graph.add_import(importer="a.d", imported="a.b")
    assert list(_cycles(graph)) == [["a.b", "a.c", "a.d"]]


#: Columns with a lifecycle, the enum of their values, and the one module allowed to write them.
OWNED_COLUMNS = {
    "ItemState": "marketplace/projects/item_lifecycle.py",
    "AssignmentState": "marketplace/routing/assignment_lifecycle.py",
    "Acceptance": "marketplace/routing/assignment_lifecycle.py",
}


def _state_writes(path: Path) -> Iterator[tuple[int, str]]:
    """Assignments ``x.<column> = <Enum>.<member>`` (or a conditional of them) in ``path``."""
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Assign):
            continue
        if not any(isinstance(target, ast.Attribute) for target in node.targets):
            continue
        for name in ast.walk(node.value):
            if (
                isinstance(name, ast.Attribute)
                and isinstance(name.value, ast.Name)
                and name.value.id in OWNED_COLUMNS
            ):
                yield node.lineno, name.value.id


def test_lifecycle_columns_have_one_writer() -> None:
    strays = []
    for path in sorted((ROOT / "marketplace").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        for line, enum in _state_writes(path):
            if OWNED_COLUMNS[enum] != relative:
                strays.append(f"{relative}:{line} writes a {enum}")
    assert strays == []
