"""Every documented operation of the five APIs is in its spec (inventories copied from the vendors' documents).

An operation matches on method and path template (parameter names aside). Where a
spec follows the official client rather than the document (another path, method
or trailing slash), the operation says so with ``x-apitwin-documented-as:
"METHOD /documented/path"``, and that counts as the documented operation.
DSS inventory entries with a ``suggested`` path (the document is evidently wrong)
match on the suggested path.
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
        out.add(shape(op.method, op.path))
        alias = op.raw.get("x-apitwin-documented-as")
        if isinstance(alias, str) and " " in alias:
            method, path = alias.split(" ", 1)
            out.add(shape(method, path.strip()))
    return out


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
