"""The JSON line tree scans a container only when a lookup goes through it (a 4 MB spec, few findings)."""

from __future__ import annotations

import json

from mockserver.spec.json_lines import json_line_tree, tree_line_of


def test_only_the_containers_on_the_way_are_scanned() -> None:
    text = json.dumps({"paths": {"/a": {"get": {"summary": "x"}}}, "components": {"schemas": {"A": {}}}}, indent=1)
    tree = json_line_tree(text)
    assert tree is not None
    assert tree_line_of(tree, ["paths", "/a", "get"]) == 4
    root = tree[1].scan()
    assert root["components"][1].found is None  # never looked into
    assert root["paths"][1].found is not None
    assert tree_line_of(tree, ["components", "schemas", "A"]) == 11
    assert root["components"][1].found is not None
