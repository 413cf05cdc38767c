"""Every documented operation of the five APIs is in its spec (inventories copied from the vendors' documents).

An operation matches on method and path template (parameter names aside). Where a
spec follows the official client rather than the document (another path, method
or trailing slash), the operation says so with ``x-apitwin-documented-as:
"METHOD /documented/path"``, and that counts as the documented operation.
DSS inventory entries with a ``suggested`` path (the document is evidently wrong)
match on the suggested path.

Operations the document lacks but the official client calls carry ``x-apitwin-source:
client``; they count apart from the documented ones, are never an inventory entry, and the
spec's ``info.description`` lists each (a line with its methods and its path in backticks).
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from pathlib import Path

import pytest

from mockserver import create_app, load_spec
from mockserver.spec import iter_operations

from .conftest import DATA, SPECS

INVENTORIES = {
    "tecton": "tecton.yaml",
    "crossingminds": "crossingminds.yaml",
    "featurebase": "featurebase.yaml",
    "dss": "dataiku-dss.yaml",
    "apinode": "dataiku-apinode.yaml",
}
COUNTS = {"tecton": 28, "crossingminds": 12, "featurebase": 36, "dss": 248, "apinode": 10}


def shape(method: str, path: str) -> tuple[str, str]:
    return method.upper(), re.sub(r"\{[^}]+\}", "{}", path)


def documented(api: str) -> set[tuple[str, str]]:
    entries = json.loads((DATA / "inventory" / f"{api}.json").read_text(encoding="utf-8"))
    out = set()
    for entry in entries:
        target = entry.get("suggested") or entry
        out.add(shape(target["method"], target["path"]))
    return out


def specified(spec_file: Path) -> set[tuple[str, str]]:
    out = set()
    for op in iter_operations(load_spec(spec_file)):
        if op.raw.get("x-apitwin-source") == "client":
            continue  # counted apart: see client_derived
        out.add(shape(op.method, op.path))
        alias = op.raw.get("x-apitwin-documented-as")
        if isinstance(alias, str) and " " in alias:
            method, path = alias.split(" ", 1)
            out.add(shape(method, path.strip()))
    return out


def client_derived(spec_file: Path) -> list[tuple[str, str]]:
    """(METHOD, path template) of the operations marked ``x-apitwin-source: client``."""
    return [(op.method.upper(), op.path) for op in iter_operations(load_spec(spec_file))
            if op.raw.get("x-apitwin-source") == "client"]


def unlisted(spec_file: Path) -> list[tuple[str, str]]:
    """The client-derived operations that no line of info.description lists (methods and `path`)."""
    description = str(load_spec(spec_file).document.get("info", {}).get("description", ""))
    lines = [line for line in description.splitlines() if "`" in line]
    return [(method, path) for method, path in client_derived(spec_file)
            if not any(f"`{path}`" in line and re.search(rf"\b{method}\b", line.split("`")[0]) for line in lines)]


@pytest.mark.parametrize("api", sorted(INVENTORIES))
def test_client_derived_operations_are_listed_and_not_documented(api: str) -> None:
    spec_file = SPECS / INVENTORIES[api]
    assert not unlisted(spec_file), f"not listed in {spec_file.name}'s description: {unlisted(spec_file)}"
    mislabelled = sorted({shape(m, p) for m, p in client_derived(spec_file)} & documented(api))
    assert not mislabelled, f"documented operations marked x-apitwin-source: client: {mislabelled}"


def test_the_listing_check_catches_an_unlisted_client_operation(tmp_path: Path) -> None:
    spec = tmp_path / "one.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1', description: \"- GET `/listed`\\n- POST `/half`\"}\n"
        "paths:\n"
        "  /listed:\n    get: {x-apitwin-source: client, responses: {'200': {description: ok}}}\n"
        "  /half:\n    get: {x-apitwin-source: client, responses: {'200': {description: ok}}}\n"
        "  /unlisted:\n    get: {x-apitwin-source: client, responses: {'200': {description: ok}}}\n",
        encoding="utf-8",
    )
    assert unlisted(spec) == [("GET", "/half"), ("GET", "/unlisted")]
    assert shape("GET", "/listed") not in specified(spec)  # client-derived: not a documented operation


@pytest.mark.parametrize("api", sorted(INVENTORIES))
def test_inventory_is_complete(api: str) -> None:
    assert len(documented(api)) == COUNTS[api]


@pytest.mark.parametrize("api", sorted(INVENTORIES))
def test_every_documented_operation_is_specified(api: str) -> None:
    spec_file = SPECS / INVENTORIES[api]
    if not spec_file.exists():
        pytest.fail(f"{spec_file.name} does not exist")
    missing = sorted(documented(api) - specified(spec_file))
    assert not missing, f"{len(missing)} documented operations missing from {spec_file.name}: {missing}"


def test_the_check_catches_a_missing_operation(tmp_path: Path) -> None:
    spec = tmp_path / "one.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n"
        "  /databases:\n    get:\n      responses: {'200': {description: ok}}\n",
        encoding="utf-8",
    )
    assert shape("GET", "/databases") in specified(spec)
    assert shape("POST", "/databases") not in specified(spec)


@pytest.mark.parametrize("api", sorted(INVENTORIES))
def test_every_spec_loads_without_warnings(api: str, caplog: pytest.LogCaptureFixture,
                                           tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading validates the spec and every example it can serve: nothing to warn about, nothing cached to hide it."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # validated afresh, not skipped through the cache
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        create_app([SPECS / INVENTORIES[api]])
    assert [str(w.message) for w in caught] == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
