"""The pre-commit hook of .pre-commit-hooks.yaml, run by pre-commit in a user's git repository.

pre-commit installs hooks from a git repository at a revision: a snapshot of this checkout
(committed or not, without the tests) is committed in a temporary repository, which a
temporary project names in its .pre-commit-config.yaml. pre-commit's pip installs from the
wheelhouse the ``venvs`` fixture filled.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import ROOT
from .conftest import PIP_ENV, WHEELHOUSE, Venv, run

pytestmark = pytest.mark.slow

GOOD = """openapi: 3.0.3
info: {title: Things, version: "1"}
servers: [{url: http://localhost/api}]
tags: [{name: things}]
security: [{key: []}]
paths:
  /things:
    get:
      operationId: listThings
      summary: List the things
      tags: [things]
      responses:
        "200": {description: the things}
        "401": {description: no key}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
"""


def git(*args: str, cwd: Path) -> str:
    return run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false",
                *args], cwd=cwd).stdout


def snapshot(destination: Path) -> str:
    """This checkout's files (tracked or new, not ignored, tests left out) committed in ``destination``."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                            capture_output=True, text=True, check=True, timeout=60).stdout
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if name.startswith("tests/") or not source.is_file():
            continue
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination / name)
    git("init", "-q", cwd=destination)
    git("add", "-A", cwd=destination)
    git("commit", "-q", "-m", "snapshot", cwd=destination)
    return git("rev-parse", "HEAD", cwd=destination).strip()


def test_the_hook_lints_spec_files_in_a_users_repository(venvs: dict[str, Venv], tmp_path: Path) -> None:
    hooks_repo, project = tmp_path / "apitwin", tmp_path / "project"
    hooks_repo.mkdir()
    project.mkdir()
    rev = snapshot(hooks_repo)
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks_repo}\n    rev: {rev}\n    hooks:\n      - id: apitwin-lint\n")
    (project / "openapi.yaml").write_text(GOOD)
    (project / "notes.yaml").write_text("not: [an, openapi, document]\n")  # not a spec by name: not linted
    git("init", "-q", cwd=project)
    git("add", "-A", cwd=project)
    env = {**PIP_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PIP_NO_INDEX": "1",
           "PIP_FIND_LINKS": str(WHEELHOUSE)}
    command = [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color=never"]

    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "apitwin lint" in done.stdout and "Passed" in done.stdout

    (project / "orders.openapi.yaml").write_text(GOOD.replace("      operationId: listThings\n", ""))
    git("add", "-A", cwd=project)
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Failed" in done.stdout
    assert "orders.openapi.yaml" in done.stdout and "operation-id" in done.stdout
    assert "notes.yaml" not in done.stdout
