"""The sdist and wheel as a user gets them: clean metadata, the specs as package data, and the
installed ``apitwin`` serving, linting and running the README's contract test under each pytest."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import requests

from ..conftest import ROOT, free_port, wait_until_healthy
from .conftest import PYTEST_SERIES, Dist, Venv, run

pytestmark = pytest.mark.slow

SHIPPED = ["crossingminds.yaml", "dataiku-apinode.yaml", "dataiku-dss.yaml", "featurebase.yaml", "tecton.yaml"]


def test_twine_check_is_clean(dist: Dist) -> None:
    done = run([sys.executable, "-m", "twine", "check", "--strict", dist.sdist, dist.wheel])
    assert done.stdout.count("PASSED") == 2, done.stdout


def test_the_specs_are_data_of_mockserver_not_a_package_named_specs(dist: Dist) -> None:
    with zipfile.ZipFile(dist.wheel) as wheel:
        names = set(wheel.namelist())
        top_level = wheel.read(next(n for n in names if n.endswith(".dist-info/top_level.txt"))).decode().split()
    assert sorted(top_level) == ["contracts", "mockserver"]
    assert not any(n.startswith("specs/") for n in names)
    assert {f"mockserver/specs/{name}" for name in SHIPPED} <= names
    fragments = sorted(p.name for p in (ROOT / "specs" / "dataiku-dss").glob("*.yaml"))
    assert fragments and {f"mockserver/specs/dataiku-dss/{name}" for name in fragments} <= names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    with tarfile.open(dist.sdist) as sdist:
        members = {m.name.split("/", 1)[1] for m in sdist.getmembers() if "/" in m.name}
    assert {"LICENSE", "README.md", "pyproject.toml", *(f"specs/{n}" for n in SHIPPED)} <= members


def test_version_and_where_the_specs_are(newest: Venv) -> None:
    version = run([newest.apitwin, "--version"]).stdout
    assert re.fullmatch(r"apitwin, version \d+\.\d+\.\d+\S*\n", version), version
    listed = [Path(line) for line in run([newest.apitwin, "specs"]).stdout.splitlines()]
    assert [p.name for p in listed] == SHIPPED
    for path in listed:
        assert path.is_file() and path.is_relative_to(newest.path), path  # in the venv, not in this checkout
        assert path.parent.name == "specs" and path.parent.parent.name == "mockserver"


def test_serve_with_no_argument_serves_the_five_specs(newest: Venv) -> None:
    port = free_port()
    proc = subprocess.Popen([str(newest.apitwin), "serve", "--port", str(port), "--workers", "1", "--no-reload"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"}, cwd=newest.path)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, proc, "apitwin serve")
        response = requests.post(base + "/public/api/v1/churn-scoring/predict-churn/predict",
                                 json={"features": {"customer_age": 42}}, auth=("any-key", ""), timeout=30)
        assert response.status_code == 200, response.text
        assert "result" in response.json()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    served = [line for line in out.splitlines() if " operations at " in line]
    assert len(served) == 5, out


def test_lint_passes_the_shipped_specs_and_fails_a_broken_one(newest: Venv, tmp_path: Path) -> None:
    shipped = run([newest.apitwin, "specs"]).stdout.split()
    done = subprocess.run([str(newest.apitwin), "lint", *shipped], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n"
                      "      responses: {'200': {description: ok}}\n")  # no operationId
    done = subprocess.run([str(newest.apitwin), "lint", str(broken)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "operation-id" in done.stdout
    done = subprocess.run([str(newest.apitwin), "lint", str(tmp_path / "missing.yaml")], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 3 and done.stderr.strip().count("\n") == 0 and "no such file" in done.stderr


def readme_contract_test() -> str:
    """The README's contract test, as a user copies it."""
    blocks: list[str] = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    (block,) = [b for b in blocks if 'from_fixture("apitwin_schema")' in b]
    return block


@pytest.mark.parametrize("series", list(PYTEST_SERIES))
def test_the_readme_contract_test_passes_under_each_pytest(venvs: dict[str, Venv], series: str,
                                                           tmp_path: Path) -> None:
    venv = venvs[series]
    (tmp_path / "test_contract.py").write_text(readme_contract_test())
    # the README's tip for a quicker run: a hypothesis profile that caps the examples
    (tmp_path / "conftest.py").write_text(
        'from hypothesis import settings\n\nsettings.register_profile("quick", max_examples=5)\n')
    spec = run([venv.python, "-c", "from mockserver import default_spec_paths as d; "
                "print(next(p for p in d() if p.name == 'dataiku-apinode.yaml'))"]).stdout.strip()
    done = subprocess.run([str(venv.python), "-m", "pytest", "-v", "-p", "no:cacheprovider", "--hypothesis-seed=1",
                           "--hypothesis-profile=quick", f"--apitwin-contract-spec={spec}", "test_contract.py"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=240)
    assert re.search(rf"platform .* pytest-{re.escape(series)}\.\d+", done.stdout), done.stdout
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert re.search(r"\b1 passed, 10 subtests passed\b", done.stdout), done.stdout[-2000:]
    # each operation reported under its own name, as schemathesis names it (what pytest 9.2 broke)
    subtests = re.findall(r"^test_contract\.py::test_api\[(\w+ /\S+)\] SUBPASSED", done.stdout, re.M)
    assert len(subtests) == 10 and "POST /public/api/v1/{serviceId}/{endpointId}/predict" in subtests, done.stdout
