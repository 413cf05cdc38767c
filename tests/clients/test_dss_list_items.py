"""List items carry what dataikuapi reads: every field a ``DSS...ListItem`` class reads unguarded
(``self._data["x"]``, a KeyError when absent) is required by the list operation's item schema and present in
every item of every example of that list.

The fields are read from the installed client's source, so a new client version that reads more is caught.
"""

from __future__ import annotations

import importlib
import inspect
import re
from typing import Any

import pytest

from mockserver import MockAPI, create_app
from mockserver.spec import deref

from ..conftest import SPECS

#: list operation of the DSS spec -> the dataikuapi class its items become (module.Class under dataikuapi.dss)
LIST_ITEM_CLASSES = {
    "listDatasets": "dataset.DSSDatasetListItem",
    "listRecipes": "recipe.DSSRecipeListItem",
    "listScenarios": "scenario.DSSScenarioListItem",
    "listStreamingEndpoints": "streaming_endpoint.DSSStreamingEndpointListItem",
    "listWebapps": "webapp.DSSWebAppListItem",
    "listJupyterNotebooks": "jupyternotebook.DSSJupyterNotebookListItem",
    "listAPIServices": "apiservice.DSSAPIServiceListItem",
}
_UNGUARDED_READ = re.compile(r"""self(?:\._data)?\[["'](\w+)["']\]""")


def fields_read(class_path: str) -> set[str]:
    """The item fields ``class_path`` (and its dataikuapi base classes) read without a default."""
    module, name = class_path.rsplit(".", 1)
    cls = getattr(importlib.import_module(f"dataikuapi.dss.{module}"), name)
    fields: set[str] = set()
    for klass in inspect.getmro(cls):
        if klass.__module__.startswith("dataikuapi"):
            fields |= set(_UNGUARDED_READ.findall(inspect.getsource(klass)))
    return fields


def _required(document: dict[str, Any], schema: Any) -> set[str]:
    schema = deref(document, schema)
    if not isinstance(schema, dict):
        return set()
    required = set(schema.get("required") or [])
    for sub in schema.get("allOf") or []:
        required |= _required(document, sub)
    return required


@pytest.fixture(scope="module")
def dss_api() -> MockAPI:
    api: MockAPI = create_app([SPECS / "dataiku-dss.yaml"]).extensions["apitwin"][0]
    return api


@pytest.mark.parametrize("operation_id", sorted(LIST_ITEM_CLASSES))
def test_list_items_carry_what_the_client_reads(dss_api: MockAPI, operation_id: str) -> None:
    read = fields_read(LIST_ITEM_CLASSES[operation_id])
    assert read, "the client class reads its item's fields"
    document = dss_api.spec.document
    compiled = next(c for c in dss_api.operations if c.operation.operation_id == operation_id)
    media = next(r for r in compiled.responses if r.status == "200").media["application/json"]
    listing = deref(document, media.schema)
    assert listing.get("type") == "array"
    assert not read - _required(document, listing["items"]), "read by the client but not required"
    for example in media.examples:
        for item in example.value:
            assert not read - set(item), f"example {example.name}: an item lacks {sorted(read - set(item))}"


def test_the_read_fields_are_found_in_the_client_source() -> None:
    assert {"projectKey", "name", "type", "tags"} <= fields_read("dataset.DSSDatasetListItem")
