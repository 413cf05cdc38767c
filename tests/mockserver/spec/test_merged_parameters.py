"""merged_parameters: a path item's and an operation's parameters, merged as OpenAPI says."""

from __future__ import annotations

from typing import Any

from mockserver.spec import merged_parameters


def test_the_operation_s_parameter_wins_and_the_path_item_s_others_stay() -> None:
    document: dict[str, Any] = {"components": {"parameters": {"Page": {"name": "page", "in": "query"}}}, "paths": {
        "/a": {"parameters": [{"name": "x", "in": "query"}, {"$ref": "#/components/parameters/Page"}],
               "get": {"parameters": [{"name": "x", "in": "query", "schema": {"type": "integer"}},
                                      {"name": "x", "in": "header"}]}}}}
    item = document["paths"]["/a"]
    merged = merged_parameters(document, item, "/paths/~1a", "get")
    assert merged == [({"name": "x", "in": "query", "schema": {"type": "integer"}}, "/paths/~1a/get/parameters/0"),
                      ({"name": "page", "in": "query"}, "/components/parameters/Page"),
                      ({"name": "x", "in": "header"}, "/paths/~1a/get/parameters/1")]


def test_entries_that_are_not_parameters_are_passed_over() -> None:
    """A broken spec is reported where it is loaded; a finding that reads its parameters must not fail on it."""
    document: dict[str, Any] = {"paths": {"/a": {"parameters": [{"name": "x", "in": "query"}, "junk"],
                                                 "put": "junk", "post": {"parameters": {"not": "a list"}}}}}
    item = document["paths"]["/a"]
    expected = [({"name": "x", "in": "query"}, "/paths/~1a/parameters/0")]
    assert merged_parameters(document, item, "/paths/~1a", "put") == expected
    assert merged_parameters(document, item, "/paths/~1a", "post") == expected
