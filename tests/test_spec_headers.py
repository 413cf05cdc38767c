"""Documented response headers are sent: every answer the mock gives (examples asked for by name, and the
errors the mock finds itself) carries the headers its spec marks ``required``.

DSS: "All API calls will return the following two HTTP headers: DSS-API-Version, DSS-Version".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mockserver import MockAPI, MockConfig, create_app
from mockserver.spec import deref

from .conftest import SPECS
from .example_world import served
from .test_spec_examples import _request

SHIPPED = sorted(SPECS.glob("*.yaml"))
DSS_HEADERS = {"DSS-API-Version", "DSS-Version"}


@pytest.mark.parametrize("spec", SHIPPED, ids=lambda p: p.stem)
def test_every_answer_carries_its_required_headers(spec: Path) -> None:
    world = served(spec)
    client, api, document, catalogue = world.client, world.api, world.document, world.catalogue
    checked, failures = 0, []
    for compiled in api.operations:
        op = catalogue[compiled.operation.operation_id]
        for response in compiled.responses:
            required = {name for name, header in response.headers.items()
                        if isinstance(deref(document, header), dict) and deref(document, header).get("required")}
            if not required:
                continue
            asks: list[tuple[str | None, str | None, dict[str, Any]]] = [
                (m, e.name, e.matcher) for m, media in response.media.items() for e in media.examples]
            asks = asks or [(None, None, {})]
            for media_type, name, matcher in asks[:1]:
                url, headers, body = _request(op, matcher)
                headers["Prefer"] = f"code={response.status_code()}" + (f", example={name}" if name else "")
                if media_type:
                    headers["Accept"] = media_type
                answer = client.open(url, method=op["method"], headers=headers, data=body)
                checked += 1
                missing = required - set(answer.headers.keys())
                if missing:
                    failures.append(f"{op['method']} {op['path']} {response.status}: no {sorted(missing)}")
    if spec.stem == "dataiku-dss":
        assert checked > 1000
    assert not failures, f"{len(failures)} of {checked} answers lack headers:\n" + "\n".join(failures[:20])


def test_errors_the_mock_finds_carry_the_documented_headers() -> None:
    app = create_app([SPECS / "dataiku-dss.yaml"])
    client = app.test_client()
    unauthenticated = client.get("/public/api/projects/")
    assert unauthenticated.status_code == 401
    invalid = client.put("/public/api/projects/CHURN/datasets/customers", json={"params": {}},
                         headers={"Authorization": "Basic a2V5Og=="})
    assert invalid.status_code == 400
    wrong_method = client.patch("/public/api/projects/", headers={"Authorization": "Basic a2V5Og=="})
    assert wrong_method.status_code == 405
    for answer in (unauthenticated, invalid, wrong_method):
        assert set(answer.headers.keys()) >= DSS_HEADERS, answer.headers


def test_every_dss_response_declares_both_headers() -> None:
    """The document's "All API calls" holds for the client-derived families too, not only the documented ones."""
    api = MockAPI.load(SPECS / "dataiku-dss.yaml", MockConfig())
    missing = [f"{op.operation.method.upper()} {op.operation.path} {response.status}"
               for op in api.operations for response in op.responses
               if not set(response.headers) >= DSS_HEADERS]
    assert len(api.operations) > 400
    assert not missing, f"{len(missing)} responses lack DSS-API-Version/DSS-Version: {missing[:10]}"
