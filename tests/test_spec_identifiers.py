"""The example world is one world: an object a list operation lists is the object the item operations
answer for (``GET /projects/`` lists CHURN and SANDBOX: ``GET /projects/SANDBOX/...`` answers for SANDBOX,
not for CHURN).

For every (list, item) pair of GET operations of every shipped spec (see :mod:`tests.example_world`), each
item of each list example is asked for by its identity; an answer that names an object must name that one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mockserver.spec import deref, resolve_pointer

from .conftest import SPECS
from .example_world import identity_field, link_value, listed_items, listings, served
from .test_spec_examples import _request

SHIPPED = sorted(SPECS.glob("*.yaml"))


def _path_values(op: dict[str, Any], matcher: dict[str, Any]) -> dict[str, Any]:
    values = dict(matcher.get("path") or {})
    for p in op["parameters"]:
        if p["in"] == "path" and p["name"] not in values and p["example"] is not None:
            values[p["name"]] = p["example"]
    return values


@pytest.mark.parametrize("spec", SHIPPED, ids=lambda p: p.stem)
def test_listed_objects_are_the_objects_answered_for(spec: Path) -> None:
    world = served(spec)
    client, api, catalogue = world.client, world.api, list(world.catalogue.values())
    compiled = {c.operation.operation_id: c for c in api.operations}
    checked, failures = 0, []
    for pair in listings(catalogue):
        for response in compiled[pair.list_op["operationId"]].responses:
            if response.status_code() != 200:
                continue
            for media in response.media.values():
                for example in media.examples:
                    if example.violations:
                        continue
                    items = listed_items(example.value)
                    field = identity_field(items, pair.parameter)
                    if field is None:
                        continue
                    context = _path_values(pair.list_op, example.matcher)
                    for item in items:
                        listed = item[field]
                        values = {**context, pair.parameter: listed}
                        url, headers, _ = _request(pair.item_op, {"path": values})
                        answer = client.get(url, headers=headers)
                        checked += 1
                        body = answer.get_json(silent=True) if answer.status_code == 200 else None
                        if not isinstance(body, dict):
                            continue
                        named = body.get(field, body.get(pair.parameter))
                        if named is not None and named != listed:
                            failures.append(f"{pair.list_op['operationId']} ({example.name}) lists {field}={listed!r}; "
                                            f"{pair.item_op['operationId']} {url} answers for {named!r}")
    if spec.stem in ("dataiku-dss", "tecton", "featurebase", "crossingminds"):
        assert checked > 0
    assert not failures, f"{len(failures)} of {checked} listed objects answered for another:\n" + "\n".join(failures)


@pytest.mark.parametrize("spec", SHIPPED, ids=lambda p: p.stem)
def test_links_lead_to_the_object_the_answer_named(spec: Path) -> None:
    """Every response link (``GET .../{id}`` fed with ``$response.body#/id``), followed from every example of
    its response: the linked GET answers for the identifier the example gave it."""
    world = served(spec)
    client, api, document, catalogue = world.client, world.api, world.document, world.catalogue
    checked, failures = 0, []
    for compiled in api.operations:
        source = catalogue[compiled.operation.operation_id]
        for response in compiled.responses:
            raw = deref(document, resolve_pointer(document, response.pointer))
            for link_name, link in ((raw.get("links") or {}) if isinstance(raw, dict) else {}).items():
                link = deref(document, link)
                target = catalogue.get(str(link.get("operationId")))
                if target is None or target["method"].upper() != "GET":
                    continue
                for media in response.media.values():
                    for example in media.examples:
                        request_path = _path_values(source, example.matcher)
                        if isinstance(example.value, dict):  # the request this answer was for, as it says
                            recorded = example.matcher.get("path") or {}
                            request_path.update({k: v for k, v in example.value.items()
                                                 if k in request_path and k not in recorded and isinstance(v, str)})
                        values = {name: link_value(expr, request_path, example.value)
                                  for name, expr in (link.get("parameters") or {}).items()}
                        fed = {n: v for n, v in values.items() if isinstance(v, (str, int)) and not isinstance(v, bool)}
                        body_fed = {n for n, e in (link.get("parameters") or {}).items()
                                    if str(e).startswith("$response.body") and n in fed}
                        if not body_fed:
                            continue
                        query = {p["name"]: fed[p["name"]] for p in target["parameters"]
                                 if p["in"] == "query" and p["name"] in fed}
                        url, headers, _ = _request(target, {"path": _path_values(target, {"path": fed}),
                                                            "query": query})
                        answer = client.get(url, headers=headers)
                        checked += 1
                        body = answer.get_json(silent=True) if answer.status_code == 200 else None
                        if not isinstance(body, dict):
                            continue
                        for name in sorted(body_fed):
                            field = str(link["parameters"][name]).rsplit("/", 1)[-1]
                            named = body.get(field, body.get(name))
                            if named is not None and named != fed[name]:
                                failures.append(f"{source['operationId']} {response.status} ({example.name}) link "
                                                f"{link_name}: {name}={fed[name]!r}, {url} answers {field}={named!r}")
    if spec.stem in ("dataiku-dss", "tecton", "featurebase"):
        assert checked > 0
    assert not failures, f"{len(failures)} of {checked} links lead elsewhere:\n" + "\n".join(failures)
