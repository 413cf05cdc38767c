"""The load cache (mockserver/spec/loadcache.py): a start from a record is the start from the files, or no record.

A record is used only for the exact files it was made from; a changed file, a corrupt record or
another version of apitwin means a load from the files. Concurrent loads never leave a broken record.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mockserver import SpecLoadError, load_spec
from mockserver.spec import loadcache, loading

from ..conftest import make_spec, write_spec

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


def _two_files(folder: Path, name: str = "a") -> Path:
    """A spec whose path item lives in a second file."""
    spec = make_spec(components={})
    item = spec["paths"]["/items/{id}"]
    schema = {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"},
                                                                    "name": {"type": "string", "default": name}}}
    item["get"]["responses"]["200"]["content"]["application/json"]["schema"] = schema
    write_spec(folder, {"item": item}, "paths.yaml")
    spec["paths"]["/items/{id}"] = {"$ref": "paths.yaml#/item"}
    return write_spec(folder, spec)


#: the pointer of the schema's ``name`` property in the bundled document
NAME = "/paths/~1items~1{id}/get/responses/200/content/application~1json/schema/properties/name"


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here, a load that reads the files instead of a record fails."""
    def refuse(*args: Any) -> Any:
        raise AssertionError("parsed the files: the record was not used")

    monkeypatch.setattr(loading, "parse_document", refuse)


def _records(cache: Path) -> list[Path]:
    return sorted((cache / "apitwin" / "loaded").glob(f"*{loadcache.SUFFIX}"))


def test_an_unchanged_spec_loads_from_its_record_as_it_loaded_from_its_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _two_files(tmp_path)
    first = load_spec(path)
    _no_parsing(monkeypatch)
    second = load_spec(path)
    assert second.document == first.document
    assert second.files == first.files and second.content_key == first.content_key is not None
    assert second.locate(NAME) == first.locate(NAME)
    assert first.locate(NAME)[0] == (tmp_path / "paths.yaml").resolve()


@pytest.mark.parametrize(("changed", "old", "new", "where"), [
    ("spec.yaml", "title: Mini", "title: Maxi", ("info", "title")),
    ("paths.yaml", "default: a", "default: b",
     ("paths", "/items/{id}", "get", "responses", "200", "content", "application/json", "schema", "properties", "name",
      "default")),
])
def test_a_changed_file_invalidates_the_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, changed: str,
                                               old: str, new: str, where: tuple[str, ...]) -> None:
    path = _two_files(tmp_path)
    before = load_spec(path)
    file = tmp_path / changed
    assert old in file.read_text()
    file.write_text(file.read_text().replace(old, new))
    after = load_spec(path)
    value: Any = after.document
    for key in where:
        value = value[key]
    assert value == new.split(": ")[1]
    assert after.content_key != before.content_key
    _no_parsing(monkeypatch)  # ...and the new content got its own record
    assert load_spec(path).document == after.document


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped byte", "valid hash, bad payload", "wrong shape"])
def test_a_corrupt_record_is_ignored_and_rewritten(tmp_path: Path, _fresh_cache: Path, damage: str,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    import hashlib
    import marshal

    path = _two_files(tmp_path)
    expected = load_spec(path).document
    [record] = _records(_fresh_cache)
    data = record.read_bytes()
    header = len(b"apitwin-load\n")
    damaged = {
        "garbage": b"\x00\xffnot a record at all",
        "truncated": data[: len(data) // 2],
        "flipped byte": data[:-10] + bytes([data[-10] ^ 0xFF]) + data[-9:],
        "valid hash, bad payload": data[:header] + hashlib.sha256(b"\xfe\x01").digest() + b"\xfe\x01",
        "wrong shape": data[:header] + hashlib.sha256(marshal.dumps({"key": 1})).digest() + marshal.dumps({"key": 1}),
    }[damage]
    record.write_bytes(damaged)
    with caplog.at_level(logging.DEBUG):
        assert load_spec(path).document == expected
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    assert record.read_bytes() == data  # rebuilt, whole


def test_a_record_of_a_spec_moved_with_its_files_still_locates_them(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = _two_files(tmp_path / "one")
    load_spec(path)
    moved = tmp_path / "two"
    (tmp_path / "one").rename(moved)
    _no_parsing(monkeypatch)
    spec = load_spec(moved / "spec.yaml")
    file, _, line = spec.locate(NAME)
    assert file == (moved / "paths.yaml").resolve() and line is not None


def test_warnings_and_strict_refusal_are_the_same_from_a_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    spec = make_spec()
    del spec["info"]
    spec["components"]["schemas"]["Item"]["required"] = ["id", "id"]
    path = write_spec(tmp_path, spec)
    with caplog.at_level(logging.WARNING, logger="apitwin"):
        cold = [str(w) for w in load_spec(path).warnings]
        cold_log = [r.getMessage() for r in caplog.records]
        with pytest.raises(SpecLoadError) as cold_error:
            load_spec(path, strict=True)
    caplog.clear()
    _no_parsing(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="apitwin"):
        warm = [str(w) for w in load_spec(path).warnings]
        warm_log = [r.getMessage() for r in caplog.records]
        with pytest.raises(SpecLoadError) as warm_error:
            load_spec(path, strict=True)
    assert cold and warm == cold and warm_log == cold_log
    assert str(warm_error.value) == str(cold_error.value)


def test_records_of_the_shipped_specs_live_beside_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       _fresh_cache: Path) -> None:
    shipped = tmp_path / "shipped"
    path = _two_files(shipped)
    monkeypatch.setattr(loadcache, "shipped_specs_folder", lambda: shipped)
    load_spec(path)
    assert list((shipped / ".apitwin-loaded").glob(f"*{loadcache.SUFFIX}"))
    assert not _records(_fresh_cache)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another user's empty cache"))
    _no_parsing(monkeypatch)
    assert load_spec(path).content_key is not None


_LOAD = """
import sys
from mockserver import load_spec
for _ in range(3):
    load_spec(sys.argv[1])
"""


def test_concurrent_loads_leave_one_whole_record(tmp_path: Path, _fresh_cache: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = _two_files(tmp_path)
    workers = [subprocess.Popen([sys.executable, "-c", _LOAD, str(path)], cwd=ROOT, stderr=subprocess.PIPE)
               for _ in range(4)]
    for worker in workers:
        _, errors = worker.communicate(timeout=120)
        assert worker.returncode == 0, errors.decode()
    store = _fresh_cache / "apitwin" / "loaded"
    assert len(_records(_fresh_cache)) == 1
    assert not [p for p in store.iterdir() if p.name.startswith(".")], "a temporary file was left"
    _no_parsing(monkeypatch)
    assert load_spec(path).content_key is not None


def test_a_record_of_another_apitwin_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _two_files(tmp_path)
    load_spec(path)
    monkeypatch.setattr(loadcache, "code_fingerprint", lambda: "another version of apitwin")
    parsed: list[Path] = []
    from mockserver.spec.documents import parse_document as real

    def parse(text: str, file: Path) -> Any:
        parsed.append(file)
        return real(text, file)

    monkeypatch.setattr(loading, "parse_document", parse)
    load_spec(path)
    assert parsed == [path.resolve()]


def test_the_fingerprint_covers_apitwins_modules_and_the_validators(monkeypatch: pytest.MonkeyPatch) -> None:
    installed = loadcache._installed(loadcache._DEPENDENCIES)
    assert any(name.startswith("jsonschema_rs-") for name in installed), installed
    assert any(name.lower().startswith("openapi_spec_validator-") for name in installed), installed
    before = loadcache.code_fingerprint()
    loadcache.code_fingerprint.cache_clear()
    monkeypatch.setattr(loadcache, "_installed", lambda names: ["openapi_spec_validator-99.0.dist-info"])
    try:
        assert loadcache.code_fingerprint() != before
    finally:
        loadcache.code_fingerprint.cache_clear()


def test_a_stale_shipped_record_that_cannot_be_rewritten_does_not_hide_the_users(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _fresh_cache: Path) -> None:
    shipped = tmp_path / "shipped"
    path = _two_files(shipped)
    monkeypatch.setattr(loadcache, "shipped_specs_folder", lambda: shipped)
    load_spec(path)  # a record beside the shipped specs
    (shipped / "paths.yaml").write_text((shipped / "paths.yaml").read_text().replace("default: a", "default: b"))
    from mockserver.files import write_atomically as real

    def read_only_package(target: Path, data: bytes) -> Path:
        if shipped in target.parents:
            raise PermissionError(13, "read-only", str(target))
        return real(target, data)

    monkeypatch.setattr(loadcache, "write_atomically", read_only_package)
    changed = load_spec(path)  # the stale record stays beside the specs; the user's cache gets the new one
    assert _records(_fresh_cache)
    _no_parsing(monkeypatch)
    assert load_spec(path).document == changed.document
