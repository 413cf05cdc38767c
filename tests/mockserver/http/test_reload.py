"""Hot reload inside granian's workers: a worker builds the version the master built, whatever the files hold later."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from mockserver import MockConfig, create_app
from mockserver.errors import SpecLoadError
from mockserver.http.reload import Generation, Reloader, SwappingApp, publish_load_keys, read_load_keys
from mockserver.spec.loadcache import pinned
from mockserver.spec.loading import load_spec

from ..conftest import PETSTORE

BROKEN = "openapi: 3.1.0\npaths: [\n"


@pytest.fixture
def spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # records of this test only
    path = tmp_path / "petstore.yaml"
    path.write_text(PETSTORE.read_text())
    return path


def _name(app: Any) -> str:
    served = app.app if isinstance(app, SwappingApp) else app  # a worker's app: the Flask app it serves now
    response = served.test_client().get("/api/v1/pets/2", auth=("key", ""))
    assert response.status_code == 200, response.get_data(as_text=True)
    return str(response.get_json()["name"])


def test_a_worker_builds_the_masters_version_after_a_broken_edit(spec: Path, tmp_path: Path) -> None:
    def build() -> Flask:
        return create_app([spec], MockConfig(journal=False))

    first = build()
    assert _name(first) == "Tom"
    generation = Generation()
    keys = tmp_path / "keys.json"
    swapper = Reloader(first, build, [spec.parent], restart=lambda: publish_load_keys(swapper.current, keys))
    worker = SwappingApp(first, build, generation, poll_s=3600, pins=keys)  # swapped by hand below

    spec.write_text(PETSTORE.read_text().replace("Tom", "Thomas"))
    assert swapper.reload({str(spec)})  # the master built the new version and published its keys
    spec.write_text(BROKEN)  # a broken edit before this (slow) worker rebuilt
    assert worker.swap()
    assert _name(worker) == "Thomas"  # not "Tom": the version the master serves
    assert not swapper.reload({str(spec)})  # the master keeps it too


def test_a_worker_without_published_keys_reads_the_files(spec: Path, tmp_path: Path) -> None:
    def build() -> Flask:
        return create_app([spec], MockConfig(journal=False))

    worker = SwappingApp(build(), build, Generation(), poll_s=3600, pins=tmp_path / "none.json")
    spec.write_text(PETSTORE.read_text().replace("Tom", "Thomas"))
    assert worker.swap() and _name(worker) == "Thomas"
    spec.write_text(BROKEN)
    assert not worker.swap() and _name(worker) == "Thomas"  # a failed build keeps the current app


def test_the_generation_the_master_writes_is_what_a_forked_worker_reads() -> None:
    generation = Generation()
    assert generation.value == 0
    child = os.fork()
    if child == 0:  # the worker: waits (60 s at most) to see the master's 2, answers with 3
        deadline = time.monotonic() + 60
        while generation.value != 2 and time.monotonic() < deadline:
            time.sleep(0.001)
        generation.value = 3
        os._exit(0 if generation.value == 3 else 1)
    generation.value = 2
    assert os.waitpid(child, 0)[1] == 0
    assert generation.value == 3  # written by the other process: the memory is shared, not copied
    generation.value = 2**40 + 5
    assert generation.value == 2**40 + 5


def test_pinned_loads_the_record_not_the_file(spec: Path) -> None:
    loaded = load_spec(spec)
    assert loaded.load_key is not None
    spec.write_text(BROKEN)
    with pinned({str(spec): loaded.load_key}):
        again = load_spec(spec)
    assert again.document == loaded.document and again.load_key == loaded.load_key
    with pytest.raises(SpecLoadError, match="invalid YAML"):  # outside, the file decides again
        load_spec(spec)


def test_published_keys_round_trip_and_damaged_ones_are_ignored(spec: Path, tmp_path: Path) -> None:
    keys = tmp_path / "keys.json"
    publish_load_keys(create_app([spec], MockConfig(journal=False)), keys)
    read = read_load_keys(keys)
    assert list(read) == [str(spec.resolve())] and len(read[str(spec.resolve())]) == 64
    keys.write_text("{not json")
    assert read_load_keys(keys) == {} and read_load_keys(None) == {}
