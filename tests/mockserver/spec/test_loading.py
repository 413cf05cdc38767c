"""Spec loading: file, line and pointer in every error; $ref confined to the spec's folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mockserver import SpecLoadError, load_spec

from ..conftest import make_spec, write_spec


def test_bad_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = write_spec(tmp_path, "openapi: 3.1.0\ninfo:\n  title: x\n  version: 1\npaths:\n  /a: {get: [}\n")
    with pytest.raises(SpecLoadError) as caught:
        load_spec(path)
    assert caught.value.line == 6
    assert str(caught.value).startswith(f"{path.name}:6:") or ":6:" in str(caught.value)


def test_invalid_openapi_names_pointer_and_line(tmp_path: Path) -> None:
    spec = make_spec()
    spec["paths"]["/items/{id}"]["get"]["responses"]["200"]["description"] = 42
    path = write_spec(tmp_path, spec)
    with pytest.raises(SpecLoadError) as caught:
        load_spec(path, strict=True)
    error = caught.value
    assert error.pointer.startswith("/paths/~1items~1{id}/get/responses/200")
    assert error.line is not None and error.line > 5
    assert "invalid OpenAPI" in error.message


def test_ref_to_a_file_in_the_folder_is_bundled(tmp_path: Path) -> None:
    write_spec(tmp_path, {"components": {"schemas": {"Item": {"type": "object", "required": ["id"],
                                                              "properties": {"id": {"type": "integer"}}}}}},
               "parts/schemas.yaml")
    spec = make_spec(components={})
    content = spec["paths"]["/items/{id}"]["get"]["responses"]["200"]["content"]["application/json"]
    content["schema"] = {"$ref": "parts/schemas.yaml#/components/schemas/Item"}
    loaded = load_spec(write_spec(tmp_path, spec))
    assert loaded.document["components"]["schemas"]["Item"]["required"] == ["id"]
    assert content["schema"]["$ref"] != loaded.document["paths"]["/items/{id}"]["get"]["responses"]["200"][
        "content"]["application/json"]["schema"]["$ref"]
    assert len(loaded.files) == 2


def test_a_ref_inside_an_extension_is_kept_as_written(tmp_path: Path) -> None:
    write_spec(tmp_path, {"Item": {"type": "object"}}, "parts/item.yaml")
    spec = make_spec()
    operation = spec["paths"]["/items/{id}"]["get"]
    operation["x-vendor-docs"] = {"$ref": "https://docs.example.com/items.yaml#/get"}
    operation["x-related"] = [{"$ref": "missing.yaml#/nothing"}]
    spec["components"]["schemas"]["Linked"] = {"$ref": "parts/item.yaml#/Item"}  # the bundler does run
    loaded = load_spec(write_spec(tmp_path, spec))
    bundled = loaded.document["paths"]["/items/{id}"]["get"]
    assert bundled["x-vendor-docs"] == {"$ref": "https://docs.example.com/items.yaml#/get"}
    assert bundled["x-related"] == [{"$ref": "missing.yaml#/nothing"}]
    assert loaded.document["components"]["schemas"]["Linked"] == {"type": "object"}


def test_ref_leaving_the_folder_is_refused(tmp_path: Path) -> None:
    write_spec(tmp_path, {"Item": {"type": "object"}}, "outside.yaml")
    spec = make_spec()
    spec["components"]["schemas"]["Item"] = {"$ref": "../outside.yaml#/Item"}
    path = write_spec(tmp_path / "api", spec)
    with pytest.raises(SpecLoadError) as caught:
        load_spec(path)
    assert "leaves the spec's folder" in caught.value.message
    assert caught.value.pointer == "/components/schemas/Item/$ref"


def test_remote_ref_is_refused(tmp_path: Path) -> None:
    spec = make_spec()
    spec["components"]["schemas"]["Item"] = {"$ref": "https://example.com/item.yaml"}
    with pytest.raises(SpecLoadError, match="not a relative file"):
        load_spec(write_spec(tmp_path, spec))


def test_unsafe_yaml_tags_are_refused(tmp_path: Path) -> None:
    path = write_spec(tmp_path, "openapi: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(SpecLoadError, match="invalid YAML"):
        load_spec(path)


def test_error_in_a_referenced_file_names_that_file(tmp_path: Path) -> None:
    write_spec(tmp_path, {"paths": {"/items/{id}": {"get": {"responses": {"200": {"description": 7}}}}}},
               "parts/paths.yaml")
    spec = make_spec(paths={"/items/{id}": {"$ref": "parts/paths.yaml#/paths/~1items~1{id}"}})
    with pytest.raises(SpecLoadError) as caught:
        load_spec(write_spec(tmp_path, spec), strict=True)
    assert "paths.yaml" in caught.value.file
    assert caught.value.line is not None


def test_yaml_dates_and_integer_keys_become_json_data(tmp_path: Path) -> None:
    spec = make_spec()
    text = write_spec(tmp_path, spec).read_text().replace("'200':", "200:")
    text += "x-release: 2026-11-20\n"
    path = write_spec(tmp_path, text)
    loaded = load_spec(path)
    assert loaded.document["x-release"] == "2026-11-20"
    assert "200" in loaded.document["paths"]["/items/{id}"]["get"]["responses"]


def test_large_specs_are_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    spec = make_spec(**{"x-padding": "x" * 70_000})
    path = write_spec(tmp_path, spec)
    first = load_spec(path).document
    assert list((tmp_path / "cache" / "apitwin" / "parsed").glob("*.json"))
    assert load_spec(path).document == first


def test_an_invalid_schema_is_named_where_it_is_written_not_where_it_is_used(tmp_path: Path) -> None:
    spec = make_spec()
    spec["components"]["schemas"]["Item"]["properties"]["id"] = {"type": "integer", "minimum": "one"}
    path = write_spec(tmp_path, spec)
    with pytest.raises(SpecLoadError) as caught:
        load_spec(path, strict=True)
    error = caught.value
    assert error.pointer == "/components/schemas/Item/properties/id/minimum"  # reached first through GET /items/{id}
    lines = path.read_text().splitlines()
    assert error.line == next(n for n, line in enumerate(lines, 1) if line.strip() == "minimum: one")
    assert '"one" is not of type "number"' in error.message


@pytest.mark.parametrize(("schema", "pointer", "words"), [
    ({"type": "string", "pattern": "(["}, "/pattern", "is not a \"regex\""),
    ({"type": "nonsense"}, "/type", "nonsense"),
    ({"type": "array", "items": {"minItems": -1}}, "/items/minItems", "-1"),
])
def test_every_schema_of_an_operation_is_checked_against_its_meta_schema(
        tmp_path: Path, schema: dict[str, object], pointer: str, words: str) -> None:
    spec = make_spec()
    spec["paths"]["/items/{id}"]["get"]["parameters"].append({"name": "q", "in": "query", "schema": schema})
    with pytest.raises(SpecLoadError) as caught:
        load_spec(write_spec(tmp_path, spec), strict=True)
    assert caught.value.pointer == "/paths/~1items~1{id}/get/parameters/1/schema" + pointer
    assert words in caught.value.message


@pytest.mark.parametrize(("change", "words"), [
    (lambda spec: spec["paths"].__setitem__(
        "/other", {"get": spec["paths"]["/items/{id}"]["get"] | {"parameters": []}}), "Operation ID 'getItem'"),
    (lambda spec: spec["paths"]["/items/{id}"]["get"].__setitem__("parameters", []), "Path parameter 'id'"),
])
def test_the_openapi_rules_beyond_schemas_still_stop_the_start(tmp_path: Path, change: Any, words: str) -> None:
    spec = make_spec()
    change(spec)
    with pytest.raises(SpecLoadError) as caught:
        load_spec(write_spec(tmp_path, spec), strict=True)
    assert words in caught.value.message


@pytest.mark.parametrize(("name", "text"), [
    ("events.yaml", "asyncapi: 2.6.0\ninfo: {title: x, version: '1'}\nchannels: {}\n"),
    ("api.raml", "#%RAML 1.0\ntitle: x\n"),
    ("api.apib", "FORMAT: 1A\n# API\n"),
])
def test_other_description_formats_are_refused_as_not_openapi(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecLoadError, match="not an OpenAPI document"):
        load_spec(path)
