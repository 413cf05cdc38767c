"""Import rules (ARCHITECTURE.md), from the AST of every module: imports inside functions and under
``TYPE_CHECKING`` count too.

* no import cycle anywhere in ``mockserver`` or ``contracts``;
* mockserver's layers only import downwards: base (``errors``, ``config``, ``files``, ``shipped``) <- ``spec`` <-
  ``pipeline`` <- ``modes`` <- ``http`` <- the public surface (``mockserver/__init__``, ``pytest_plugin``);
* only ``http`` imports Flask, werkzeug, gunicorn, granian or waitress, plus one documented exception
  (``pytest_plugin``);
* ``contracts`` imports only mockserver's declared public modules; mockserver never imports ``contracts``;
  nothing imports the CLI.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("mockserver", "contracts")

#: mockserver's layers, lowest first: a module may import its own layer and those below
LAYERS = {"base": 0, "spec": 1, "pipeline": 2, "modes": 3, "http": 4, "public": 5}
BASE = {"mockserver.errors", "mockserver.config", "mockserver.files", "mockserver.shipped"}
PUBLIC = {"mockserver", "mockserver.pytest_plugin"}
#: what contracts may import from mockserver
DECLARED_PUBLIC = {"mockserver", "mockserver.spec", "mockserver.files"}
FRAMEWORKS = {"flask", "werkzeug", "gunicorn", "granian", "waitress"}
FRAMEWORK_EXCEPTIONS = {"mockserver.pytest_plugin"}


def module_files(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    """Dotted module name -> file, for every module of ``packages`` under ``root``."""
    out: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def imported_names(module: str, path: Path) -> Iterator[str]:
    """Every absolute name ``module`` imports (``from x import y`` yields ``x.y`` and ``x``), anywhere in the file."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def import_graph(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, set[str]]:
    """module -> the modules of ``packages`` it imports (a package means its ``__init__``)."""
    modules = module_files(root, packages)
    return {module: {name for name in imported_names(module, path) if name in modules and name != module}
            for module, path in modules.items()}


def external_imports(root: Path, module: str) -> set[str]:
    """The top-level names of everything ``module`` imports."""
    path = module_files(root)[module]
    return {name.split(".")[0] for name in imported_names(module, path)}


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
        for target in sorted(graph.get(node, ())):
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


def layer(module: str) -> int | None:
    """The layer of a mockserver module (None outside mockserver)."""
    if module in PUBLIC:
        return LAYERS["public"]
    if module in BASE:
        return LAYERS["base"]
    parts = module.split(".")
    if parts[0] == "mockserver" and len(parts) > 1 and parts[1] in LAYERS:
        return LAYERS[parts[1]]
    return None


def wrong_way_imports(graph: dict[str, set[str]]) -> list[str]:
    """Every import against the layers or into mockserver's internals from contracts."""
    problems = []
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            if module.startswith("mockserver"):
                own, theirs = layer(module), layer(target)
                if target.startswith("contracts"):
                    problems.append(f"{module} imports {target}: mockserver never imports contracts")
                elif own is None or theirs is None:
                    problems.append(f"{module} or {target} belongs to no layer")
                elif theirs > own:
                    problems.append(f"{module} imports {target}: a higher layer")
            elif target.startswith("mockserver") and target not in DECLARED_PUBLIC:
                problems.append(f"{module} imports {target}: not a public module of mockserver")
            if target == "contracts.cli":
                problems.append(f"{module} imports the CLI")
    return problems


def test_no_import_cycle_in_mockserver_or_contracts() -> None:
    assert cycles(import_graph(ROOT)) == []


def test_imports_follow_the_layers() -> None:
    assert wrong_way_imports(import_graph(ROOT)) == []


def test_only_the_http_edge_imports_the_web_frameworks() -> None:
    for module in module_files(ROOT, ("mockserver",)):
        if module.startswith("mockserver.http") or module in FRAMEWORK_EXCEPTIONS:
            continue
        assert not FRAMEWORKS & external_imports(ROOT, module), f"{module} imports a web framework"


def test_every_mockserver_module_has_a_layer() -> None:
    assert [m for m in module_files(ROOT, ("mockserver",)) if layer(m) is None] == []


# -- the checks themselves catch what they are for ---------------------------------------------------------------

def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("hidden", ["plain", "in-function", "type-checking"])
def test_a_cycle_is_found_however_it_is_hidden(tmp_path: Path, hidden: str) -> None:
    back = {
        "plain": "from . import a\n",
        "in-function": "def f():\n    from .a import x\n",
        "type-checking": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import x\n",
    }[hidden]
    root = _package(tmp_path, {"mockserver/__init__.py": "", "mockserver/a.py": "from .b import y\nx = 1\n",
                               "mockserver/b.py": back + "y = 2\n"})
    assert cycles(import_graph(root, ("mockserver",))) == [["mockserver.a", "mockserver.b"]]


def test_a_wrong_way_import_is_found(tmp_path: Path) -> None:
    root = _package(tmp_path, {
        "mockserver/__init__.py": "", "mockserver/errors.py": "",
        "mockserver/spec/__init__.py": "", "mockserver/spec/loading.py": "from ..pipeline import request\n",
        "mockserver/pipeline/__init__.py": "", "mockserver/pipeline/request.py": "from ..errors import E\n",
        "contracts/__init__.py": "", "contracts/lint.py": "def f():\n    from mockserver.pipeline import request\n",
    })
    assert wrong_way_imports(import_graph(root)) == [
        "contracts.lint imports mockserver.pipeline: not a public module of mockserver",
        "contracts.lint imports mockserver.pipeline.request: not a public module of mockserver",
        "mockserver.spec.loading imports mockserver.pipeline: a higher layer",
        "mockserver.spec.loading imports mockserver.pipeline.request: a higher layer",
    ]
