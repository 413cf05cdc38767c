"""Content negotiation as HTTP says, XML bodies, text/CSV answers, default-only responses and HEAD (issue 19)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from mockserver.pipeline.request import parse_accept

from ..conftest import client_for, make_spec, write_spec

PET = {"type": "object", "required": ["id", "name"], "xml": {"name": "pet"},
       "properties": {"id": {"type": "integer", "xml": {"attribute": True}}, "name": {"type": "string"},
                      "tags": {"type": "array", "xml": {"wrapped": True}, "items": {"type": "string",
                                                                                   "xml": {"name": "tag"}}}}}


def _client(tmp_path: Path, content: dict[str, Any], status: str = "200",
            extra: dict[str, Any] | None = None) -> FlaskClient:
    operation: dict[str, Any] = {"operationId": "op", "responses": {status: {"description": "d", "content": content}}}
    operation.update(extra or {})
    spec = make_spec(paths={"/pets": {"get": operation, "post": {**operation, "operationId": "post"}}},
                     components={"schemas": {"Pet": PET}})
    return client_for(write_spec(tmp_path, spec))


JSON_AND_VENDOR = {"application/json": {"example": {"kind": "json"}},
                   "application/vnd.x+json": {"example": {"kind": "vendor"}}}


@pytest.mark.parametrize(("accept", "kind"), [
    ("application/json; charset=utf-8", "json"),
    ("application/vnd.x+json; version=1", "vendor"),
    ("application/vnd.x+json;q=0.9, application/json;q=0.5", "vendor"),
    ("application/vnd.x+json;q=0.1, application/json", "json"),
    ("*/*", "json"),
    ("application/*", "json"),
    ("text/html, */*;q=0.1", "json"),
])
def test_accept_parameters_quality_and_wildcards(tmp_path: Path, accept: str, kind: str) -> None:
    response = _client(tmp_path, JSON_AND_VENDOR).get("/pets", headers={"Accept": accept})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["kind"] == kind


def test_accept_q_zero_and_unknown_types_are_406(tmp_path: Path) -> None:
    client = _client(tmp_path, {"application/json": {"example": {}}})
    assert client.get("/pets", headers={"Accept": "application/json;q=0"}).status_code == 406
    assert client.get("/pets", headers={"Accept": "text/html"}).status_code == 406


def test_an_accept_without_a_media_range_is_disregarded(tmp_path: Path) -> None:
    """SendGrid declares an ``Accept`` header parameter; the suite sends ``Accept: request``: no media range,
    which RFC 9110 lets a server disregard (answer as without the header), not a 406."""
    client = _client(tmp_path, {"application/json": {"example": {"a": 1}}})
    assert client.get("/pets", headers={"Accept": "request"}).get_json() == {"a": 1}
    assert client.get("/pets", headers={"Accept": "request, text/html"}).status_code == 406  # a range remains
    assert parse_accept("request") is None
    accept = parse_accept("*")
    assert accept is not None and accept.quality("image/png") is not None  # "*" still means any


def test_a_vendor_accept_matches_a_plain_json_response_by_its_suffix(tmp_path: Path) -> None:
    client = _client(tmp_path, {"application/json": {"example": {"a": 1}}})
    response = client.get("/pets", headers={"Accept": "application/vnd.github+json"})
    assert response.status_code == 200 and response.get_json() == {"a": 1}


def test_accept_header_parsing() -> None:
    accept = parse_accept("text/*;q=0.3, text/plain;format=flowed, */*;q=0.1")
    assert accept is not None
    assert accept.quality("text/plain; format=fixed") == (0.3, 1, 0)  # the flowed range does not apply
    assert accept.quality("image/png") == (0.1, 0, -2)
    assert accept.best_match(["text/plain; format=flowed", "text/html"]) == "text/plain; format=flowed"
    assert parse_accept("") is None and parse_accept(None) is None


def test_xml_answer_is_serialised_from_the_schema(tmp_path: Path) -> None:
    content = {"application/xml": {"schema": {"$ref": "#/components/schemas/Pet"},
                                   "example": {"id": 7, "name": "Rex", "tags": ["a", "b"]}},
               "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}
    response = _client(tmp_path, content).get("/pets", headers={"Accept": "application/xml"})
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ET.fromstring(response.get_data())
    assert root.tag == "pet" and root.get("id") == "7" and root.findtext("name") == "Rex"
    assert [t.text for t in root.findall("tags/tag")] == ["a", "b"]


def test_generated_xml_answer_is_xml(tmp_path: Path) -> None:
    content = {"application/xml": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}}}
    response = _client(tmp_path, content).get("/pets", headers={"Accept": "application/xml"})
    assert response.status_code == 200
    root = ET.fromstring(response.get_data())
    assert root.tag == "root" and root[0].tag == "pet" and root[0].get("id") is not None


def test_xml_request_bodies_are_validated(tmp_path: Path) -> None:
    body = {"required": True, "content": {"application/xml": {"schema": {"$ref": "#/components/schemas/Pet"}}}}
    client = _client(tmp_path, {"application/json": {"example": {}}}, extra={"requestBody": body})
    good = b'<pet id="3"><name>Rex</name><tags><tag>x</tag></tags></pet>'
    assert client.post("/pets", data=good, content_type="application/xml").status_code == 200
    bad = client.post("/pets", data=b'<pet id="three"><name>Rex</name></pet>', content_type="application/xml")
    assert bad.status_code == 400 and bad.get_json()["errors"][0]["pointer"] == "/id"
    assert client.post("/pets", data=b"<pet", content_type="application/xml").status_code == 400


def test_text_where_an_xml_object_belongs_is_refused(tmp_path: Path) -> None:
    """train-travel: ``<booking>true</booking>`` for an object without required members was read as ``{}``."""
    optional = {**PET, "required": []}
    body = {"required": True, "content": {"application/xml": {"schema": optional}}}
    client = _client(tmp_path, {"application/json": {"example": {}}}, extra={"requestBody": body})
    assert client.post("/pets", data=b"<pet>true</pet>", content_type="application/xml").status_code == 400
    assert client.post("/pets", data=b"<pet>\n</pet>", content_type="application/xml").status_code == 200
    assert client.post("/pets", data=b"<pet/>", content_type="application/xml").status_code == 200


def test_text_and_csv_answers(tmp_path: Path) -> None:
    content = {"text/csv": {"schema": {"type": "array", "items": {"type": "object"}},
                            "example": [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]},
               "text/plain": {"schema": {"type": "string"}, "example": "hello"}}
    client = _client(tmp_path, content)
    csv_text = client.get("/pets", headers={"Accept": "text/csv"}).get_data(as_text=True)
    assert csv_text.splitlines() == ["a,b", "1,x", "2,y"]
    assert client.get("/pets", headers={"Accept": "text/plain"}).get_data(as_text=True) == "hello"


def test_an_operation_documenting_only_default_answers_200(tmp_path: Path) -> None:
    content = {"application/json": {"schema": {"type": "object", "required": ["ok"],
                                               "properties": {"ok": {"type": "boolean"}}}}}
    client = _client(tmp_path, content, status="default")
    response = client.get("/pets")
    assert response.status_code == 200 and response.get_json() == {"ok": True}
    head = client.head("/pets")
    assert head.status_code == 200 and head.get_data() == b""
    assert client.get("/pets", headers={"Prefer": "code=503"}).status_code == 503


def test_options_on_a_known_path_lists_the_allowed_methods(tmp_path: Path) -> None:
    client = _client(tmp_path, {"application/json": {"example": {}}})
    response = client.options("/pets")
    assert response.status_code == 204
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    assert client.options("/nowhere").status_code == 404


def test_xml_namespaces_and_prefixes(tmp_path: Path) -> None:
    schema = {"type": "object", "xml": {"name": "item", "namespace": "urn:x", "prefix": "x"},
              "properties": {"id": {"type": "integer"}}}
    response = _client(tmp_path, {"application/xml": {"schema": schema, "example": {"id": 3}}}).get("/pets")
    assert ET.fromstring(response.get_data()).tag == "{urn:x}item"
    assert b"x:item" in response.get_data() and b'xmlns:x="urn:x"' in response.get_data()


def test_an_xml_suffix_matches_either_way_round(tmp_path: Path) -> None:
    client = _client(tmp_path, {"application/xml": {"schema": {"$ref": "#/components/schemas/Pet"},
                                                    "example": {"id": 1, "name": "Rex"}}})
    response = client.get("/pets", headers={"Accept": "application/vnd.pets+xml"})
    assert response.status_code == 200 and ET.fromstring(response.get_data()).tag == "pet"


def test_form_answers_and_objects_under_a_text_type(tmp_path: Path) -> None:
    content = {"application/x-www-form-urlencoded": {"example": {"a": "1 2", "b": ["x", "y"]}},
               "text/plain": {"schema": {"type": "object"}, "example": {"name": "Clark"}}}
    client = _client(tmp_path, content)
    form = client.get("/pets", headers={"Accept": "application/x-www-form-urlencoded"})
    assert form.get_data(as_text=True) == "a=1+2&b=x&b=y"
    text = client.get("/pets", headers={"Accept": "text/plain"})  # no other form than its JSON text
    assert text.status_code == 200 and text.mimetype == "text/plain" and text.get_json(force=True) == {"name": "Clark"}


def test_prefer_code_takes_a_range_or_default_and_names_the_documented_ones(tmp_path: Path) -> None:
    operation_responses = {"200": {"description": "ok", "content": {"application/json": {"example": {"ok": 1}}}},
                           "4XX": {"description": "client", "content": {"application/json": {"example": {"e": 4}}}}}
    spec = make_spec(paths={"/r": {"get": {"operationId": "r", "responses": operation_responses}}})
    client = client_for(write_spec(tmp_path, spec))
    answer = client.get("/r", headers={"Prefer": "code=418"})
    assert answer.status_code == 418 and answer.get_json() == {"e": 4}
    refused = client.get("/r", headers={"Prefer": "code=503"})
    assert refused.status_code == 422 and refused.get_json() == {"e": 4}  # the 4XX range's own model
    assert "4XX" in refused.headers["sl-violations"]
