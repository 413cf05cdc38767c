"""A damaged ``--state-file`` is refused at start, with one line naming it (exit 4), not served as 500s.

Damage: a file that is not a database, a bit-flipped page (``pragma quick_check``), a
resource whose stored body is no longer JSON.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from contracts import cli
from mockserver.modes.store import SQLiteStore

NOTES = Path(__file__).resolve().parents[1] / "data" / "specs" / "notes.yaml"


def _replace(new: Any, _old: Any) -> Any:
    return new


def _filled(path: Path, count: int = 300) -> None:
    store = SQLiteStore(str(path))
    for i in range(count):
        note = {"id": str(i), "title": "x" * 200}
        store.update("notes", f"/notes/{i}", "/notes", functools.partial(_replace, note))
    store.close()
    db = sqlite3.connect(path)
    db.execute("pragma journal_mode=delete")  # everything in the main file, no -wal beside it
    db.close()


def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not a database\n" * 100)


def _flipped_page(path: Path) -> None:
    _filled(path)
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for i in range(2 * page + 8, 2 * page + 200):  # an index or table page: its header and cell pointers
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def _flipped_row(path: Path) -> None:
    _filled(path, 3)
    db = sqlite3.connect(path)
    (body,) = db.execute("select body from resources where path = '/notes/1'").fetchone()
    flipped = chr(ord(body[0]) ^ 0x01) + body[1:]  # one bit: '{' becomes 'z'
    db.execute("update resources set body = ? where path = '/notes/1'", (flipped,))
    db.commit()
    db.close()


@pytest.mark.parametrize("damage", [_garbage, _flipped_page, _flipped_row])
def test_serve_refuses_a_damaged_state_file_with_one_line(tmp_path: Path, damage: Callable[[Path], None],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[Any] = []
    monkeypatch.setattr(cli, "serve", lambda app, **kw: served.append(app))
    state = tmp_path / "state.sqlite"
    damage(state)
    result = CliRunner().invoke(cli.main, ["serve", str(NOTES), "--stateful", "--state-file", str(state),
                                           "--no-reload", "--port", "0"])
    assert result.exit_code == 4, result.output
    assert served == []
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "state.sqlite" in lines[0] and "damaged" in lines[0], result.stderr
    assert "Traceback" not in result.output


def test_a_healthy_state_file_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[Any] = []
    monkeypatch.setattr(cli, "serve", lambda app, **kw: served.append(app))
    state = tmp_path / "state.sqlite"
    _filled(state, 3)
    result = CliRunner().invoke(cli.main, ["serve", str(NOTES), "--stateful", "--state-file", str(state),
                                           "--no-reload", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert len(served) == 1
