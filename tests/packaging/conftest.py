"""What a user gets from ``pip install apitwin``: the sdist and wheel of this checkout, built once,
installed into fresh virtualenvs, one per supported pytest (9.0, 9.1, 9.2).

Installs come from a wheelhouse (``~/.cache/apitwin-tests/wheelhouse``, or
``$APITWIN_TEST_WHEELHOUSE``) with ``--no-index``; what it lacks is downloaded from PyPI
once (the first run needs the network, later runs do not). The three virtualenvs are
made at the same time; the 9.0 one installs the sdist (so the sdist builds), the
others the wheel.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..conftest import ROOT

#: the pytest series apitwin supports, each with the distribution installed in its virtualenv
PYTEST_SERIES = {"9.0": "sdist", "9.1": "wheel", "9.2": "wheel"}
WHEELHOUSE = Path(os.environ.get("APITWIN_TEST_WHEELHOUSE") or Path.home() / ".cache" / "apitwin-tests" / "wheelhouse")
STEP_TIMEOUT = 300  # seconds, for one build, download or install


@dataclass(frozen=True)
class Dist:
    sdist: Path
    wheel: Path


@dataclass(frozen=True)
class Venv:
    path: Path
    pytest_series: str

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    @property
    def apitwin(self) -> Path:
        return self.path / "bin" / "apitwin"


def run(command: Sequence[str | Path], *, cwd: Path | None = None, timeout: float = STEP_TIMEOUT,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``command``, fail the test (with its output) when it fails or runs over ``timeout``."""
    try:
        done = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                              env=env)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{' '.join(map(str, command))} ran over {timeout} s")
    if done.returncode != 0:
        pytest.fail(f"{' '.join(map(str, command))} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    """The sdist and the wheel of this checkout (``python -m build``: the wheel is built from the sdist)."""
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--outdir", out, ROOT], cwd=ROOT)
    (sdist,) = out.glob("apitwin-*.tar.gz")
    (wheel,) = out.glob("apitwin-*.whl")
    return Dist(sdist, wheel)


def _install(venv: Venv, requirements: list[str]) -> None:
    """Install ``requirements`` into ``venv`` from the wheelhouse; fill the wheelhouse from PyPI if it lacks any."""
    pip: list[str | Path] = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--python", venv.python]
    offline: list[str | Path] = [*pip, "install", "--quiet", "--no-index", "--find-links", WHEELHOUSE, *requirements]
    if subprocess.run([str(c) for c in offline], capture_output=True, timeout=STEP_TIMEOUT).returncode == 0:
        return
    # what the wheelhouse lacks (setuptools: the sdist's build backend, installed in pip's build isolation)
    run([*pip, "download", "--quiet", "--dest", WHEELHOUSE, "--find-links", WHEELHOUSE, *requirements,
         "setuptools>=77"])
    run(offline)


def _make_venv(root: Path, series: str, dist: Dist) -> Venv:
    venv = Venv(root / f"pytest-{series}", series)
    run([sys.executable, "-m", "venv", "--without-pip", venv.path])
    source = dist.sdist if PYTEST_SERIES[series] == "sdist" else dist.wheel
    _install(venv, [str(source), f"pytest~={series}.0"])
    return venv


@pytest.fixture(scope="session")
def venvs(dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Venv]:
    """A fresh virtualenv per supported pytest series with apitwin installed from the sdist or the wheel."""
    WHEELHOUSE.mkdir(parents=True, exist_ok=True)
    root = tmp_path_factory.mktemp("venvs")
    with ThreadPoolExecutor(len(PYTEST_SERIES)) as pool:
        made = list(pool.map(lambda series: _make_venv(root, series, dist), PYTEST_SERIES))
    return {venv.pytest_series: venv for venv in made}


@pytest.fixture(scope="session")
def newest(venvs: dict[str, Venv]) -> Venv:
    """The virtualenv with the newest supported pytest (installed from the wheel)."""
    return venvs[max(PYTEST_SERIES, key=lambda s: tuple(map(int, s.split("."))))]
