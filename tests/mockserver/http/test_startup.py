"""Start-up: a start from the load cache compiles operations on first use and answers exactly as a full start.

The first start on a spec's files compiles every operation (a problem shows at start) and remembers
the outcome; later starts on the same files leave each operation to its first request. Answers,
warnings and refusals must not depend on which start it was. ``apitwin serve`` imports nothing of
the contract tools' heavy dependencies.
"""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from mockserver import MockAPI, create_app

from ...conftest import SPECS
from ...test_spec_examples import _request
from ..conftest import make_spec, write_spec

ROOT = Path(__file__).resolve().parents[3]
COMPILED = ("security", "validator", "responses", "media_types", "needs_cookies", "exposed_headers")


@pytest.fixture(autouse=True)
def _fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


def _copy(spec: Path, folder: Path) -> Path:
    """The spec (and its folder of parts) copied, so that its records are this test's own."""
    import shutil

    shutil.copy(spec, folder / spec.name)
    if spec.with_suffix("").is_dir():
        shutil.copytree(spec.with_suffix(""), folder / spec.stem)
    return folder / spec.name


def _compiled(app: Flask) -> int:
    apis: list[MockAPI] = app.extensions["apitwin"]
    return sum(1 for api in apis for op in api.operations if any(name in vars(op) for name in COMPILED))


def _exchanges(app: Flask) -> list[tuple[str, str, dict[str, str], Any]]:
    """Requests for every example of every operation (asked for by name), and each operation asked plainly."""
    api: MockAPI = app.extensions["apitwin"][0]
    catalogue = {o["operationId"]: o for o in app.test_client().get("/__apitwin/apis").get_json()[0]["operations"]}
    requests = []
    for compiled in api.operations:
        op = catalogue[compiled.operation.operation_id]
        url, headers, body = _request(op, {})
        requests.append((op["method"], url, dict(headers), _kept(body)))
        requests.append((op["method"], url, {**headers, "Content-Type": "application/json"}, b"{not json"))
        for response in compiled.responses:
            for media_type, media in response.media.items():
                for example in media.examples:
                    url, headers, body = _request(op, example.matcher)
                    headers["Prefer"] = f"code={response.status_code()}, example={example.name}"
                    headers["Accept"] = media_type
                    requests.append((op["method"], url, headers, _kept(body)))
    return requests


def _kept(body: Any) -> Any:
    """Multipart files kept as bytes (see :func:`_fresh`)."""
    if not isinstance(body, dict):
        return body
    return {name: (io.BytesIO(part[0].read()), *part[1:]) for name, part in body.items()}


def _fresh(body: Any) -> Any:
    """The body again, its multipart files rewound (a test client reads and closes them)."""
    if not isinstance(body, dict):
        return body
    return {name: (io.BytesIO(part[0].getvalue()), *part[1:]) for name, part in body.items()}


def _answers(app: Flask, requests: list[tuple[str, str, dict[str, str], Any]]) -> list[tuple[int, str, bytes]]:
    client = app.test_client()
    out = []
    for method, url, headers, body in requests:
        answer = client.open(url, method=method, headers=headers, data=_fresh(body))
        out.append((answer.status_code, json.dumps(sorted(answer.headers.items())), answer.get_data()))
    return out


@pytest.mark.parametrize("name", ["dataiku-apinode.yaml", "dataiku-dss.yaml"])
def test_a_start_from_the_cache_answers_every_request_as_a_full_start(tmp_path: Path, name: str) -> None:
    spec = _copy(SPECS / name, tmp_path)
    eager = create_app([spec])  # the first start on these files: everything compiled
    assert _compiled(eager) == len(eager.extensions["apitwin"][0].operations)
    lazy = create_app([spec])
    assert _compiled(lazy) == 0, "a start from the cache compiled operations"
    requests = _exchanges(eager)
    assert len(requests) > 2 * len(eager.extensions["apitwin"][0].operations)
    assert _answers(lazy, requests) == _answers(eager, requests)


def test_a_start_from_the_cache_builds_no_schema_compiler_until_a_request_needs_it(tmp_path: Path) -> None:
    """Building the validators' registry walks the whole document: a spec without webhooks leaves it to the
    first request of each worker, not to the start (before the first answer)."""
    spec = _copy(SPECS / "dataiku-apinode.yaml", tmp_path)
    create_app([spec])  # the first start on these files compiles everything and remembers it
    app = create_app([spec])
    api: MockAPI = app.extensions["apitwin"][0]
    assert not api.spec.document.get("webhooks")
    assert "compiler" not in vars(api), "the start built the schema compiler"
    client = app.test_client()
    operation = client.get("/__apitwin/apis").get_json()[0]["operations"][0]
    url, headers, body = _request(operation, {})
    assert client.open(url, method=operation["method"], headers=dict(headers), data=body).status_code < 500
    assert "compiler" in vars(api)


def test_invalid_examples_are_warned_alike_from_the_cache(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    spec = make_spec()
    content = spec["paths"]["/items/{id}"]["get"]["responses"]["200"]["content"]["application/json"]
    content["examples"]["bad"] = {"value": {"id": "not an integer"}}
    path = write_spec(tmp_path, spec)
    runs = []
    for _ in range(2):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="apitwin"):
            app = create_app([path])
        runs.append([r.getMessage() for r in caplog.records])
        answer = app.test_client().get("/items/1", headers={"Prefer": "example=bad"})
        assert answer.status_code == 500  # the self-check still refuses to serve it
    first, second = runs
    assert any("example 'bad'" in m and "does not match its schema" in m for m in first), first
    assert second == first


_SERVE = """
import json, sys
import contracts.cli as cli

def serve(app, **options):
    print(json.dumps(sorted(sys.modules)))

cli.serve = serve
cli.main(["serve", sys.argv[1], "--port", "0", "--no-journal"], standalone_mode=False)
"""

#: what `apitwin serve` must not import (the contract tools' engine, the proxy's client, the old validator)
HEAVY = ("schemathesis", "hypothesis", "openapi_core", "httpx", "hypothesis_jsonschema", "openapi_spec_validator",
         "jsonschema_path", "pydantic", "requests")


def test_serve_does_not_import_the_contract_tools_engines(tmp_path: Path, _fresh_cache: Path) -> None:
    spec = _copy(SPECS / "dataiku-apinode.yaml", tmp_path)
    create_app([spec])  # the cache as a second start finds it
    done = subprocess.run([sys.executable, "-c", _SERVE, str(spec)], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    modules = json.loads(done.stdout.strip().splitlines()[-1])
    imported = sorted({m.split(".")[0] for m in modules} & set(HEAVY))
    assert not imported, f"apitwin serve imported {imported}"
    # a start from the spec's load record parses no YAML: importing yaml alone is about 30 ms of it
    assert "yaml" not in modules and "email.policy" not in modules
