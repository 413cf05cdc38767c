"""What users bring: invalid but usable specs served with located warnings, one-line errors, recursion across files."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from contracts.cli import main
from mockserver import MockConfig, SpecLoadError, create_app, load_spec

from ..conftest import client_for, make_spec, write_spec


@pytest.fixture(autouse=True)
def _fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # validated afresh each test


def _invalid_spec(tmp_path: Path) -> Path:
    spec = make_spec()
    del spec["info"]  # 227 of Prism's harness specs omit it
    del spec["paths"]["/items/{id}"]["get"]["responses"]["200"]["description"]
    spec["components"]["schemas"]["Item"]["required"] = ["id", "id"]  # OpenAI's spec lists a name twice
    return write_spec(tmp_path, spec)


def test_an_invalid_but_usable_spec_is_served_with_each_problem_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = _invalid_spec(tmp_path)
    with caplog.at_level(logging.WARNING, logger="apitwin"):
        client = client_for(path)
    answer = client.get("/items/1")
    assert answer.status_code == 200 and answer.json == {"id": 1, "name": "a"}
    problems = [r.getMessage() for r in caplog.records if "invalid OpenAPI" in r.getMessage()]
    assert len(problems) == len(set(problems))
    text = path.read_text().splitlines()
    item_line = next(n for n, line in enumerate(text, 1) if line.strip() == "Item:")
    duplicate_line = next(n for n, line in enumerate(text, 1) if line.strip() == "- id" and n > item_line)
    assert any(p.startswith(f"{path}:") and "info" in p for p in problems)
    assert any(p.startswith(f"{path}:{duplicate_line}: /components/schemas/Item/required:") and "non-unique" in p
               for p in problems), problems
    assert any("/paths/~1items~1{id}/get/responses/200" in p for p in problems)


def test_problems_are_warned_again_from_the_cache(tmp_path: Path) -> None:
    path = _invalid_spec(tmp_path)
    first = [str(w) for w in load_spec(path).warnings]
    again = [str(w) for w in load_spec(path).warnings]
    assert first and first == again


def test_strict_refuses_what_lenient_serves(tmp_path: Path) -> None:
    path = _invalid_spec(tmp_path)
    with pytest.raises(SpecLoadError, match="invalid OpenAPI"):
        create_app([path], MockConfig(strict=True))
    with pytest.raises(SpecLoadError):
        load_spec(path, strict=True)


def test_serve_strict_flag_and_lint_stay_strict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = logging.getLogger("apitwin")  # the command sets up its own logging: undone after the test
    monkeypatch.setattr(log, "handlers", list(log.handlers))  # the command replaces the list's items
    monkeypatch.setattr(log, "propagate", log.propagate)
    monkeypatch.setattr(log, "level", log.level)
    path = _invalid_spec(tmp_path)
    refused = CliRunner().invoke(main, ["serve", "--strict", "--port", "0", str(path)])
    assert refused.exit_code != 0 and "invalid OpenAPI" in refused.output
    assert "Traceback" not in refused.output
    linted = CliRunner().invoke(main, ["lint", str(path)])
    assert linted.exit_code != 0 and "non-unique" in linted.output


def test_what_the_engine_cannot_use_still_stops_the_start(tmp_path: Path) -> None:
    spec = make_spec()
    spec["paths"]["/items/{id}"]["get"]["responses"] = ["200"]
    with pytest.raises(SpecLoadError, match="responses must be a mapping"):
        load_spec(write_spec(tmp_path, spec))
    spec = make_spec()
    spec["paths"]["/items/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/Nowhere"}
    with pytest.raises(SpecLoadError, match="cannot be resolved") as caught:
        load_spec(write_spec(tmp_path, spec))
    assert caught.value.line is not None


def test_an_invalid_pattern_is_dropped_with_its_warning(tmp_path: Path) -> None:
    spec = make_spec()
    spec["paths"]["/items/{id}"]["get"]["parameters"].append(
        {"name": "q", "in": "query", "schema": {"type": "string", "pattern": "(["}})
    path = write_spec(tmp_path, spec)
    loaded = load_spec(path)
    assert any(w.pointer.endswith("/parameters/1/schema/pattern") for w in loaded.warnings)
    assert client_for(path).get("/items/1?q=x").status_code == 200


def test_an_error_about_the_whole_document_is_one_short_line(tmp_path: Path) -> None:
    # Kubernetes' 3 MB swagger.json was printed whole in an error message (bug 17)
    document = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {},
                "x-padding": ["y" * 100] * 5000, "components": 7}
    path = tmp_path / "big.json"
    path.write_text(json.dumps(document))
    with pytest.raises(SpecLoadError) as caught:
        load_spec(path, strict=True)
    message = str(caught.value)
    assert "\n" not in message and len(message) < 600, message[:1000]


def test_a_recursive_schema_in_a_referenced_file_is_hoisted_not_called_circular(tmp_path: Path) -> None:
    # DigitalOcean: a file whose schema refers to itself, and two files referring to each other
    write_spec(tmp_path, {"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string"},
        "children": {"type": "array", "items": {"$ref": "node.yaml"}},
        "owner": {"$ref": "person.yaml"}}}, "models/node.yaml")
    write_spec(tmp_path, {"type": "object", "properties": {
        "name": {"type": "string"},
        "likes": {"type": "array", "items": {"$ref": "node.yaml"}},
        "boss": {"$ref": "#/"}}}, "models/person.yaml")
    spec = make_spec(components={})
    content = spec["paths"]["/items/{id}"]["get"]["responses"]["200"]["content"]["application/json"]
    content["schema"] = {"$ref": "models/node.yaml"}
    content["examples"] = {"one": {"value": {"name": "root", "children": [{"name": "leaf", "children": []}],
                                             "owner": {"name": "ann", "likes": [{"name": "x"}]}}}}
    path = write_spec(tmp_path, spec)
    loaded = load_spec(path, strict=True)
    schemas = loaded.document["components"]["schemas"]
    assert {"node", "person"} <= set(schemas) or len(schemas) >= 2
    client = client_for(path)
    assert client.get("/items/1").status_code == 200
    assert client.get("/items/1", headers={"Prefer": "dynamic=true"}).status_code == 200  # generated, self-checked
    node = next(n for n in schemas if schemas[n].get("required") == ["name"])
    file, _, line = loaded.locate(f"/components/schemas/{node}/properties/name")
    assert file.name == "node.yaml" and line is not None


def test_an_error_in_a_hoisted_recursive_schema_names_its_own_file(tmp_path: Path) -> None:
    write_spec(tmp_path, {"type": "object", "properties": {
        "next": {"$ref": "list.yaml"}, "size": {"type": "integer", "minimum": "zero"}}}, "list.yaml")
    spec = make_spec(components={})
    spec["paths"]["/items/{id}"]["get"]["responses"]["200"]["content"]["application/json"] = {
        "schema": {"$ref": "list.yaml"}}
    with pytest.raises(SpecLoadError) as caught:
        load_spec(write_spec(tmp_path, spec), strict=True)
    lines = (tmp_path / "list.yaml").read_text().splitlines()
    assert caught.value.file.endswith("list.yaml")
    assert caught.value.line == next(n for n, line in enumerate(lines, 1) if line.strip() == "minimum: zero")


def test_operation_servers_do_not_break_multipart_bodies(tmp_path: Path) -> None:
    # Box's uploads: an operation with its own servers and a multipart body got 400 "Server not found" (bug 13)
    spec = make_spec(servers=[{"url": "https://api.example.com/2.0"}])
    spec["paths"]["/files/content"] = {"post": {
        "servers": [{"url": "https://upload.example.com/api/2.0"}],
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["attributes"],
            "properties": {"attributes": {"type": "string"}, "size": {"type": "string"}}}}}},
        "responses": {"201": {"description": "ok", "content": {"application/json": {"example": {"id": "1"}}}}}}}
    client = client_for(write_spec(tmp_path, spec))
    sent = client.post("/api/2.0/files/content", data={"attributes": "{}", "size": "12"},
                       content_type="multipart/form-data")
    assert sent.status_code == 201, sent.get_data(as_text=True)
    missing = client.post("/api/2.0/files/content", data={"other": "x"}, content_type="multipart/form-data")
    assert missing.status_code == 400 and "attributes" in missing.get_data(as_text=True)


def test_a_spec_with_many_problems_prints_the_first_forty_and_a_count(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    spec = make_spec()
    for n in range(45):
        spec["components"]["schemas"][f"S{n}"] = {"type": "object", "required": ["a", "a"]}
    path = write_spec(tmp_path, spec)
    with caplog.at_level(logging.WARNING, logger="apitwin"):
        loaded = load_spec(path)
    assert len(loaded.warnings) == 45
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 41 and messages[-1].endswith(f"5 more problems; `apitwin lint {path}` lists them all")


def test_json_that_yaml_refuses_is_read_as_json_with_its_lines(tmp_path: Path) -> None:
    # SendGrid's spec has a C1 control character in a string; bug 16: surrogate-pair escapes
    spec = make_spec()
    spec["info"]["description"] = "a\u009fb \U0001f600"
    spec["components"]["schemas"]["Item"]["properties"]["id"]["minimum"] = "zero"
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec, indent=2), encoding="utf-8")  # ensure_ascii: "\ud83d\ude00"
    assert "\\ud83d\\ude00" in path.read_text()
    with pytest.raises(SpecLoadError) as caught:
        load_spec(path, strict=True)
    lines = path.read_text().splitlines()
    assert caught.value.line == next(n for n, line in enumerate(lines, 1) if '"minimum": "zero"' in line)
    spec["components"]["schemas"]["Item"]["properties"]["id"]["minimum"] = 0
    path.write_text(json.dumps(spec, indent=2), encoding="utf-8")
    assert load_spec(path, strict=True).document["info"]["description"] == "a\u009fb \U0001f600"
