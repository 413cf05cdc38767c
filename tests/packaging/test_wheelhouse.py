"""The tests' wheelhouse is shared by every test run on the machine: what fills it must never show another run
a file that will go away (two checkouts' suites at once once failed so: one run's pip took the apitwin wheel
the other had put in the wheelhouse for its own, and the other deleted it while it was being copied)."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .conftest import fill_wheelhouse

#: a stand-in for ``pip download``: writes what pip would into ``--dest`` (a dependency, and the copy of the
#: local apitwin wheel pip makes), and records that folder
FAKE_DOWNLOAD = """
import sys
from pathlib import Path
dest = Path(sys.argv[sys.argv.index("--dest") + 1])
(dest / "dep-1.0-py3-none-any.whl").write_bytes(b"dep")
(dest / "apitwin-0.1.0-py3-none-any.whl").write_bytes(b"ours")
with open(sys.argv[1], "a") as seen:
    seen.write(str(dest) + "\\n")
"""


def _download(record: Path) -> list[str | Path]:
    return [sys.executable, "-c", FAKE_DOWNLOAD, record]


def test_the_wheelhouse_gets_the_dependencies_and_never_the_local_wheel(tmp_path: Path) -> None:
    wheelhouse, record = tmp_path / "wheelhouse", tmp_path / "destinations.txt"

    fill_wheelhouse(wheelhouse, _download(record))

    assert sorted(p.name for p in wheelhouse.iterdir()) == ["dep-1.0-py3-none-any.whl"]
    assert (wheelhouse / "dep-1.0-py3-none-any.whl").read_bytes() == b"dep"
    (destination,) = record.read_text().split()
    assert Path(destination) != wheelhouse  # pip wrote elsewhere: nothing half-made or passing through in it
    assert not Path(destination).exists()  # and that folder is gone
    assert sorted(p.name for p in tmp_path.iterdir()) == ["destinations.txt", "wheelhouse"]


def test_fills_at_once_each_download_into_a_folder_of_their_own(tmp_path: Path) -> None:
    wheelhouse, record = tmp_path / "wheelhouse", tmp_path / "destinations.txt"

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: fill_wheelhouse(wheelhouse, _download(record)), range(4)))

    assert len(set(record.read_text().split())) == 4
    assert sorted(p.name for p in wheelhouse.iterdir()) == ["dep-1.0-py3-none-any.whl"]
