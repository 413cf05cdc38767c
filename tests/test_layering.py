"""Import rules (ARCHITECTURE.md): mockserver never imports contracts; only app/views/server touch Flask."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLASK_MODULES = {"app.py", "views.py", "server.py", "pytest_plugin.py", "corevalidation.py", "admin.py", "proxy.py"}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out


def test_mockserver_never_imports_contracts() -> None:
    for path in (ROOT / "mockserver").glob("*.py"):
        assert "contracts" not in imports(path), path.name


def test_only_the_edge_modules_import_flask() -> None:
    for path in (ROOT / "mockserver").glob("*.py"):
        if path.name not in FLASK_MODULES:
            assert not {"flask", "werkzeug"} & imports(path), f"{path.name} imports Flask/werkzeug"


def test_nothing_imports_the_cli() -> None:
    for package in ("mockserver", "contracts"):
        for path in (ROOT / package).glob("*.py"):
            if path.name == "cli.py":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom):
                    assert not (node.module or "").endswith("cli"), f"{path} imports the CLI"
