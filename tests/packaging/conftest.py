"""What a user gets from ``pip install apitwin``: the sdist and wheel of this checkout, built once,
installed into fresh virtualenvs, one per supported pytest (9.0, 9.1, 9.2).

The 9.2 virtualenv installs the wheel with every dependency. The 9.0 one installs the
sdist (so the sdist builds and installs) and pytest 9.0, the 9.1 one pytest 9.1, both
without dependencies: they see the 9.2 virtualenv's packages behind their own (a
``.pth`` file), so pytest is the only thing that differs. Installs come from a
wheelhouse (``~/.cache/apitwin-tests/wheelhouse``, or ``$APITWIN_TEST_WHEELHOUSE``)
with ``--no-index``; what it lacks is downloaded from PyPI once (the first run needs the
network, later runs do not). The three are made at the same time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..conftest import ROOT

#: the pytest series apitwin supports, each with the distribution of apitwin its virtualenv installs
PYTEST_SERIES = {"9.2": "wheel", "9.0": "sdist", "9.1": None}
#: the series whose virtualenv has every dependency (the others see its packages behind their own)
FULL = "9.2"
WHEELHOUSE = Path(os.environ.get("APITWIN_TEST_WHEELHOUSE") or Path.home() / ".cache" / "apitwin-tests" / "wheelhouse")
#: pip (ours, and pre-commit's) without byte-compiling what it installs: the full install takes 8 s
#: instead of 26 s; imports compile what they use. pip reads PIP_NO_COMPILE inverted: "0" is --no-compile.
PIP_ENV = {**os.environ, "PIP_NO_COMPILE": "0", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
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


def _install(venv: Venv, requirements: list[str], *, deps: bool) -> None:
    """Install ``requirements`` into ``venv`` from the wheelhouse; fill the wheelhouse from PyPI if it lacks any."""
    pip: list[str | Path] = [sys.executable, "-m", "pip", "--python", venv.python]
    flags = [] if deps else ["--no-deps"]
    offline: list[str | Path] = [*pip, "install", "--quiet", "--no-compile", "--no-index", "--find-links",
                                 WHEELHOUSE, *flags, *requirements]
    if subprocess.run([str(c) for c in offline], capture_output=True, timeout=STEP_TIMEOUT,
                      env=PIP_ENV).returncode == 0:
        return
    # what the wheelhouse lacks (setuptools: the sdist's build backend, installed in pip's build isolation)
    fill_wheelhouse(WHEELHOUSE, [*pip, "download", "--quiet", "--find-links", WHEELHOUSE, *flags, *requirements,
                                 "setuptools>=77"])
    run(offline, env=PIP_ENV)


def fill_wheelhouse(wheelhouse: Path, download: list[str | Path]) -> None:
    """Run ``download`` (a ``pip download`` command) into a folder of its own beside ``wheelhouse``, then move
    what it fetched into the wheelhouse, each file by one rename: another pip reading the wheelhouse meanwhile (the
    other virtualenvs made at the same time, another checkout's test run) sees a file whole or not at all. The
    copy pip makes of the local sdist or wheel never reaches the wheelhouse: in it, another run's pip took it for
    its own, already downloaded, and failed when it was deleted."""
    wheelhouse.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=wheelhouse.parent, prefix=".download-") as private:
        run([*download, "--dest", private], env=PIP_ENV)
        for fetched in Path(private).iterdir():
            if not fetched.name.startswith("apitwin-"):
                os.replace(fetched, wheelhouse / fetched.name)


def _site_packages(venv: Venv) -> Path:
    return Path(run([venv.python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip())


def _make_venv(root: Path, series: str, dist: Dist) -> Venv:
    venv = Venv(root / f"pytest-{series}", series)
    run([sys.executable, "-m", "venv", "--without-pip", venv.path])
    source = {"sdist": [str(dist.sdist)], "wheel": [str(dist.wheel)], None: []}[PYTEST_SERIES[series]]
    _install(venv, [*source, f"pytest~={series}.0"], deps=series == FULL)
    return venv


@pytest.fixture(scope="session")
def venvs(dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Venv]:
    """A fresh virtualenv per supported pytest series (see the module's docstring)."""
    WHEELHOUSE.mkdir(parents=True, exist_ok=True)
    root = tmp_path_factory.mktemp("venvs")
    with ThreadPoolExecutor(len(PYTEST_SERIES)) as pool:
        made = {venv.pytest_series: venv for venv in pool.map(lambda s: _make_venv(root, s, dist), PYTEST_SERIES)}
    behind = _site_packages(made[FULL])
    for series, venv in made.items():
        if series != FULL:
            (_site_packages(venv) / "zz_apitwin_tests_full_venv.pth").write_text(
                f"import site; site.addsitedir({str(behind)!r})\n")
    return made


@pytest.fixture(scope="session")
def newest(venvs: dict[str, Venv]) -> Venv:
    """The virtualenv with the newest supported pytest, apitwin installed from the wheel with its dependencies."""
    return venvs[FULL]
