"""Every response example of every shipped spec is served by the mock and conforms (the mock's self-check).

Each example is asked for by name (``Prefer: code=..., example=...``) with a request built as the
dashboard's form builds it: the documented parameter and body examples, the example's own recorded
request values, and a credential of the documented scheme. The mock validates its own answers: an
example that does not match its schema is a 500, and a request the example cannot be reached by is
a failure too.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from mockserver import MockAPI, create_app

from .conftest import SPECS

SHIPPED = sorted(SPECS.glob("*.yaml"))


def _request(op: dict[str, Any], recorded: dict[str, Any]) -> tuple[str, dict[str, str], Any]:
    path = op["prefix"] + op["path"]
    query: list[tuple[str, str]] = []
    headers: dict[str, str] = {}
    for p in op["parameters"]:
        value = (recorded.get(p["in"]) or {}).get(p["name"], p["example"])
        if value is None or not (p["required"] or p["name"] in (recorded.get(p["in"]) or {})):
            continue
        text = json.dumps(value) if isinstance(value, (dict, list)) else (
            str(value).lower() if isinstance(value, bool) else str(value))
        if p["in"] == "path":
            path = path.replace("{" + p["name"] + "}", quote(text, safe="/"))
        elif p["in"] == "query":
            query.append((p["name"], text))
        elif p["in"] == "header":
            headers[p["name"]] = text
    if op["auth"]:
        name, value = op["auth"].split(": ", 1)
        headers[name] = value
    body: Any = None
    if op["requestBody"] is not None and op["requestBody"]["mediaType"].startswith("multipart/"):
        body = _parts(op["requestBody"]["example"])
    elif op["requestBody"] is not None:
        example = recorded.get("body", op["requestBody"]["example"])
        media = op["requestBody"]["mediaType"]
        if example is not None and "json" in media:
            body = json.dumps(example).encode()
            headers["Content-Type"] = media
        elif isinstance(example, str):
            body = example.encode()
            headers["Content-Type"] = media
    return path + ("?" + urlencode(query) if query else ""), headers, body


def _parts(example: Any) -> dict[str, Any]:
    """Multipart parts from the body's example (objects as JSON parts, text as files), else the uploads' ``file``."""
    if not isinstance(example, dict):
        return {"file": (io.BytesIO(b"PK\x03\x04 a zip"), "upload.zip")}  # the uploads' one required part
    parts: dict[str, Any] = {}
    for name, value in example.items():
        if isinstance(value, (dict, list)):
            parts[name] = (io.BytesIO(json.dumps(value).encode()), f"{name}.json", "application/json")
        else:
            parts[name] = (io.BytesIO(str(value).encode()), name)
    return parts


@pytest.mark.parametrize("spec", SHIPPED, ids=lambda p: p.stem)
def test_every_example_is_served_and_conforms(spec: Path) -> None:
    app = create_app([spec])
    client = app.test_client()
    api: MockAPI = app.extensions["apitwin"][0]
    catalogue = {o["operationId"]: o for o in client.get("/__apitwin/apis").get_json()[0]["operations"]}
    served, failures = 0, []
    for compiled in api.operations:
        op = catalogue[compiled.operation.operation_id]
        for response in compiled.responses:
            for media_type, media in response.media.items():
                for example in media.examples:
                    url, headers, body = _request(op, example.matcher)
                    headers["Prefer"] = f"code={response.status_code()}, example={example.name}"
                    headers["Accept"] = media_type
                    answer = client.open(url, method=op["method"], headers=headers, data=body)
                    if answer.status_code != response.status_code():
                        failures.append(f"{op['method']} {op['path']} {response.status} {example.name}: "
                                        f"{answer.status_code} {answer.get_data(as_text=True)[:200]}")
                    served += 1
    assert served > 0
    assert not failures, f"{len(failures)} of {served} examples not served:\n" + "\n".join(failures[:20])
