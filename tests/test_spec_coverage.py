"""Every documented operation of the five APIs is in its spec (inventories copied from the vendors' documents).

An operation matches on method and path template (parameter names aside). Where a
spec follows the official client rather than the document (another path, method
or trailing slash), the operation says so with ``x-apitwin-documented-as:
"METHOD /documented/path"``, and that counts as the documented operation.
DSS inventory entries with a ``suggested`` path (the document is evidently wrong)
match on the suggested path.

Operations that are not in the vendor's document at all (learnt from the official
client) carry ``x-apitwin-source: client`` and are counted apart: every other
operation must be in the inventory, and every client-derived one must be listed in
the spec's description under "## Operations from the official client (not in the
document)".
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from pathlib import Path

import pytest

from mockserver import create_app, load_spec
from mockserver.spec import Operation, iter_operations

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


CLIENT_HEADING = "## Operations from the official client (not in the document)"


def shapes_of(op: Operation) -> set[tuple[str, str]]:
    """The shapes an operation answers for: its own and its documented variant's."""
    out = {shape(op.method, op.path)}
    alias = op.raw.get("x-apitwin-documented-as")
    if isinstance(alias, str) and " " in alias:
        method, path = alias.split(" ", 1)
        out.add(shape(method, path.strip()))
    return out


def split_operations(spec_file: Path) -> tuple[list[Operation], list[Operation]]:
    """(documented operations, operations marked ``x-apitwin-source: client``)."""
    documented_ops: list[Operation] = []
    client_ops: list[Operation] = []
    for op in iter_operations(load_spec(spec_file)):
        (client_ops if op.raw.get("x-apitwin-source") == "client" else documented_ops).append(op)
    return documented_ops, client_ops


def is_listed(op: Operation, listed: str) -> bool:
    """A listing line names the operation: `` `operationId` ``, or its methods before its `` `path` ``."""
    if f"`{op.operation_id}`" in listed:
        return True
    return any(f"`{op.path}`" in line and re.search(rf"\b{op.method.upper()}\b", line.split("`")[0])
               for line in listed.splitlines())


def coverage_problems(spec_file: Path, inventory: set[tuple[str, str]], count: int) -> list[str]:
    """What breaks "documented operations match the inventory exactly, client ones are marked and listed"."""
    documented_ops, client_ops = split_operations(spec_file)
    problems = [f"{op.method.upper()} {op.path} ({op.operation_id}) is not in the document: mark it "
                "x-apitwin-source: client" for op in documented_ops if not shapes_of(op) & inventory]
    covered = set().union(*(shapes_of(op) for op in documented_ops)) if documented_ops else set()
    problems += [f"documented {m} {p} has no documented operation" for m, p in sorted(inventory - covered)]
    if len(documented_ops) != count:
        problems.append(f"{len(documented_ops)} documented operations, the inventory has {count}")
    problems += [f"{op.operation_id} is marked client-derived but the document has it"
                 for op in client_ops if shape(op.method, op.path) in inventory]
    description = str(load_spec(spec_file).document.get("info", {}).get("description", ""))
    listed = description.split(CLIENT_HEADING, 1)[1] if CLIENT_HEADING in description else ""
    problems += [f"{op.operation_id} is client-derived but not listed under {CLIENT_HEADING!r}"
                 for op in client_ops if not is_listed(op, listed)]
    return problems


@pytest.mark.parametrize("api", sorted(INVENTORIES))
def test_documented_operations_match_the_inventory_and_client_ones_are_listed(api: str) -> None:
    problems = coverage_problems(SPECS / INVENTORIES[api], documented(api), COUNTS[api])
    assert not problems, "\n".join(problems)


def test_dss_counts_client_derived_operations_apart() -> None:
    documented_ops, client_ops = split_operations(SPECS / "dataiku-dss.yaml")
    assert len(documented_ops) == COUNTS["dss"]
    families = {"listUsers", "listConnections", "listCodeEnvs", "getGeneralSettings", "listClusters", "runSqlQuery"}
    assert families <= {op.operation_id for op in client_ops}
    assert len(client_ops) >= 79


def test_the_check_catches_an_unmarked_or_unlisted_operation(tmp_path: Path) -> None:
    head = "openapi: 3.1.0\ninfo:\n  title: t\n  version: '1'\n  description: |\n    {listed}\npaths:\n"
    ops = ("  /databases:\n    get:\n      operationId: listDatabases\n"
           "      responses: {'200': {description: ok}}\n"
           "  /admin/users:\n    get:\n      operationId: listUsers\n{mark}"
           "      responses: {'200': {description: ok}}\n")
    inventory = {shape("GET", "/databases")}
    spec = tmp_path / "one.yaml"
    spec.write_text(head.replace("{listed}", "nothing") + ops.replace("{mark}", ""), encoding="utf-8")
    assert coverage_problems(spec, inventory, 1) == [
        "GET /admin/users (listUsers) is not in the document: mark it x-apitwin-source: client",
        "2 documented operations, the inventory has 1"]
    spec.write_text(head.replace("{listed}", "nothing") + ops.replace("{mark}", "      x-apitwin-source: client\n"),
                    encoding="utf-8")
    assert coverage_problems(spec, inventory, 1) == [
        f"listUsers is client-derived but not listed under {CLIENT_HEADING!r}"]
    spec.write_text(head.replace("{listed}", CLIENT_HEADING + "\n    - `listUsers`: GET /admin/users")
                    + ops.replace("{mark}", "      x-apitwin-source: client\n"), encoding="utf-8")
    assert coverage_problems(spec, inventory, 1) == []
    assert coverage_problems(spec, inventory | {shape("POST", "/databases")}, 2) == [
        "documented POST /databases has no documented operation", "1 documented operations, the inventory has 2"]


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
