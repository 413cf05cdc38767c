"""What a client read, it can write back: for every GET/PUT pair of every shipped spec, the PUT accepts
the object the GET served, whole and trimmed of the fields the URL already names.

Official clients do exactly this (dataikuapi's ``get_settings()`` then ``save()``, ``get_definition()``
then ``set_definition()``); users also build or trim the object before saving it. The real services
fill the object's identity (``projectKey``, ``id``, ``name``...) from the URL, so a request schema
that requires them refuses what the real service accepts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import SPECS
from .example_world import served as serve_spec
from .test_spec_examples import _request

SHIPPED = sorted(SPECS.glob("*.yaml"))


def _pairs(catalogue: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(GET, PUT) operation pairs of one path whose PUT takes a JSON body."""
    by_path: dict[str, dict[str, dict[str, Any]]] = {}
    for op in catalogue:
        by_path.setdefault(op["path"], {})[op["method"].upper()] = op
    return [(ops["GET"], ops["PUT"]) for ops in by_path.values()
            if "GET" in ops and "PUT" in ops and ops["PUT"]["requestBody"] is not None
            and "json" in ops["PUT"]["requestBody"]["mediaType"]]


def _trimmed(body: Any, url_values: set[str]) -> Any:
    """``body`` without its top-level fields whose value the URL already carries."""
    if not isinstance(body, dict):
        return body
    return {k: v for k, v in body.items() if not (isinstance(v, str) and v in url_values)}


@pytest.mark.parametrize("spec", SHIPPED, ids=lambda p: p.stem)
def test_a_put_accepts_what_its_get_served(spec: Path) -> None:
    world = serve_spec(spec)
    client, api, catalogue = world.client, world.api, list(world.catalogue.values())
    compiled = {c.operation.operation_id: c for c in api.operations}
    tried, failures = 0, []
    for get, put in _pairs(catalogue):
        for response in compiled[get["operationId"]].responses:
            if response.status_code() != 200:
                continue
            for media_type, media in response.media.items():
                if "json" not in media_type:
                    continue
                for example in media.examples:
                    url, headers, _ = _request(get, example.matcher)
                    headers["Prefer"] = f"example={example.name}"
                    answer = client.get(url, headers=headers)
                    assert answer.status_code == 200, f"GET {url} {example.name}: {answer.get_data(as_text=True)}"
                    served = answer.get_json()
                    path_values = {k: v for k, v in (example.matcher.get("path") or {}).items()}
                    for p in get["parameters"]:
                        if p["in"] == "path" and p["name"] not in path_values and p["example"] is not None:
                            path_values[p["name"]] = p["example"]
                    url_values = {str(v) for v in path_values.values()}
                    for label, body in (("whole", served), ("trimmed", _trimmed(served, url_values))):
                        put_url, put_headers, data = _request(put, {"path": path_values, "body": body})
                        reply = client.put(put_url, headers=put_headers, data=data)
                        tried += 1
                        if not 200 <= reply.status_code < 300:
                            failures.append(f"PUT {put['path']} ({label} {example.name}): {reply.status_code} "
                                            f"{reply.get_data(as_text=True)[:300]}")
    if spec.stem in ("dataiku-dss", "tecton", "crossingminds"):
        assert tried > 0, "the spec has GET/PUT pairs"
    assert not failures, f"{len(failures)} of {tried} PUTs refused:\n" + "\n".join(failures)


def test_trimming_drops_only_what_the_url_names() -> None:
    body = {"projectKey": "CHURN", "name": "customers", "type": "Snowflake", "params": {"table": "customers"}}
    assert _trimmed(body, {"CHURN", "customers"}) == {"type": "Snowflake", "params": {"table": "customers"}}
    assert json.dumps(_trimmed([1], {"1"})) == "[1]"
