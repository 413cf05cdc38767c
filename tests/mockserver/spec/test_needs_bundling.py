"""The bundle is skipped only where it would make an equal document with the same origins."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from mockserver import load_spec
from mockserver.spec.bundling import Bundler, needs_bundling, record_inlined_origins

from ..conftest import make_spec, write_spec

#: Kubernetes' JSONSchemaProps: a schema property named $ref (not a reference)
PROPERTY_NAMED_REF = {"type": "object", "properties": {"$ref": {"type": "string"},
                                                       "items": {"$ref": "#/components/schemas/Item"}}}


def _bundled(tmp_path: Path, document: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    root = write_spec(tmp_path, document).resolve()
    bundler = Bundler(root)
    bundler.docs[root] = copy.deepcopy(document)
    out = bundler.bundle()
    record_inlined_origins(bundler, out)
    return out, bundler.origins


def test_a_property_named_ref_and_internal_references_need_no_bundle(tmp_path: Path) -> None:
    spec = make_spec()
    spec["components"]["schemas"]["Props"] = PROPERTY_NAMED_REF
    spec["info"]["x-vendor"] = {"$ref": "elsewhere.yaml"}  # an extension is the vendor's own data
    assert not needs_bundling(spec)
    assert _bundled(tmp_path, spec) == (spec, {})


@pytest.mark.parametrize("change", [
    lambda spec: spec["components"]["schemas"].update(Other={"$ref": "parts/other.yaml"}),
    lambda spec: spec["components"]["schemas"].update(Other={"$ref": "#/components/schemas/Item%20s"}),
    lambda spec: spec["paths"].update({"/again": {"$ref": "#/paths/~1items~1{id}"}}),
    lambda spec: spec.update({"x-root": {"$ref": "parts/other.yaml"}}),  # the bundle walks the root's extensions
], ids=["external", "escaped", "path-item", "root-extension"])
def test_what_the_bundle_changes_needs_it(tmp_path: Path, change: Any) -> None:
    spec = make_spec()
    spec["components"]["schemas"]["Item s"] = {"type": "string"}
    write_spec(tmp_path, {"type": "integer"}, "parts/other.yaml")
    change(spec)
    assert needs_bundling(spec)
    assert _bundled(tmp_path, spec) != (spec, {})


def test_load_bundles_a_regex_hit_only_when_the_bundle_changes_something(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []
    bundle = Bundler.bundle

    def counted(self: Bundler) -> dict[str, Any]:
        calls.append(self.root)
        return bundle(self)

    monkeypatch.setattr(Bundler, "bundle", counted)
    escaped = {"$ref": "#/components/schemas/Item%20s"}
    named_ref = make_spec()
    named_ref["components"]["schemas"]["Props"] = PROPERTY_NAMED_REF
    assert load_spec(write_spec(tmp_path, named_ref, "named.yaml"), validate=False).document == named_ref
    assert calls == []  # the text's regex took the property for a reference
    both = make_spec()
    both["components"]["schemas"].update({"Props": PROPERTY_NAMED_REF, "Item s": {"type": "string"}, "E": escaped})
    loaded = load_spec(write_spec(tmp_path, both, "both.yaml"), validate=False)
    assert len(calls) == 1 and loaded.document["components"]["schemas"]["E"] == {"$ref": "#/components/schemas/Item s"}
    alone = make_spec()
    alone["components"]["schemas"].update({"Item s": {"type": "string"}, "E": escaped})
    loaded = load_spec(write_spec(tmp_path, alone, "alone.yaml"), validate=False)
    assert len(calls) == 1 and loaded.document["components"]["schemas"]["E"] == escaped  # as written, as before
