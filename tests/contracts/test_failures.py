"""Every failure schemathesis can report renders as one line: a property test over generated failures.

The failure types are discovered from schemathesis itself (every subclass of
``Failure``), so a type added by an upgrade is tested too; each is built from
generated field values through its own constructor.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.failures import MAX_REASON, describe_failure, known_failure_types, one_line_reason


def _failure_types() -> list[type]:
    import schemathesis.graphql.checks
    import schemathesis.openapi.checks  # noqa: F401  (defines the OpenAPI failure types)
    from schemathesis.core.failures import Failure

    found: list[type] = []
    todo = [Failure]
    while todo:
        kind = todo.pop()
        found.append(kind)
        todo.extend(kind.__subclasses__())
    return sorted(set(found), key=lambda k: (k.__module__, k.__name__))


TYPES = _failure_types()
# any text, newlines and all, as failure messages and fields are
TEXT = st.text(max_size=400)
STATUS = st.integers(100, 599)


def _strategy(name: str, annotation: str) -> st.SearchStrategy[Any]:
    from schemathesis.openapi.checks import AuthScenario

    if name == "scenario":
        return st.sampled_from(list(AuthScenario))
    if name == "failure_reason":
        return st.sampled_from(["wrong_status", "missing_allow_header"])
    if name == "exception":
        return TEXT.map(RuntimeError)
    if name == "errors":
        return st.lists(st.fixed_dictionaries({"message": TEXT}), max_size=3)
    if name == "severity":
        from schemathesis.core.failures import Severity

        return st.sampled_from(list(Severity))
    annotation = annotation.replace(" | None", "")
    simple: dict[str, st.SearchStrategy[Any]] = {
        "str": TEXT, "int": STATUS, "float": st.floats(0, 1e6), "bool": st.booleans(),
        "list[str]": st.lists(TEXT, max_size=5), "list[int]": st.lists(STATUS, max_size=5),
    }
    if annotation in simple:
        return simple[annotation]
    raise AssertionError(f"no strategy for {name}: {annotation}")


def _json_schema_errors() -> st.SearchStrategy[Any]:
    import jsonschema_rs
    from schemathesis.openapi.checks import JsonSchemaError

    schemas = st.sampled_from([{"type": "integer"}, {"type": "object", "required": ["id"]},
                               {"type": "array", "items": {"type": "string"}, "maxItems": 1},
                               {"properties": {"a": {"enum": [1, 2]}}}])
    values = st.recursive(st.none() | st.booleans() | st.integers() | TEXT,
                          lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                          max_leaves=8)

    def build(schema: dict[str, Any], value: Any) -> Any:
        try:
            jsonschema_rs.validate(schema, value)
        except jsonschema_rs.ValidationError as exc:
            return JsonSchemaError.from_exception(operation="GET /x", exc=exc, root_schema=schema)
        return None

    return st.builds(build, schemas, values).filter(lambda f: f is not None)


def _malformed_json() -> st.SearchStrategy[Any]:
    from schemathesis.core.failures import MalformedJson

    def build(text: str) -> Any:
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            return MalformedJson.from_exception(operation="GET /x", exc=exc)
        return None

    return st.builds(build, TEXT).filter(lambda f: f is not None)


def failures_of(kind: type) -> st.SearchStrategy[Any]:
    """Instances of the failure type ``kind``, built by its constructor from generated values."""
    if kind.__name__ == "JsonSchemaError":
        return _json_schema_errors()
    if kind.__name__ == "MalformedJson":
        return st.one_of(_malformed_json(), _built(kind))
    return _built(kind)


def _built(kind: type) -> st.SearchStrategy[Any]:
    arguments: dict[str, st.SearchStrategy[Any]] = {}
    for name, parameter in inspect.signature(kind).parameters.items():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        strategy = _strategy(name, str(parameter.annotation))
        if parameter.default is not parameter.empty:
            strategy = st.none() | strategy if name != "title" else st.just(parameter.default) | TEXT
        arguments[name] = strategy
    return st.fixed_dictionaries(arguments).map(lambda kwargs: kind(**kwargs))


def test_every_failure_type_schemathesis_defines_is_generated() -> None:
    names = {kind.__name__ for kind in TYPES}
    assert {"UndefinedStatusCode", "JsonSchemaError", "IgnoredAuth", "ServerError", "AcceptedNegativeData",
            "UseAfterFree", "UnsupportedMethodResponse", "CustomFailure"} <= names
    # each OpenAPI and core failure type has a renderer of its own; GraphQL ones and custom checks use the fallback
    own = set(known_failure_types())
    missing = [k.__name__ for k in TYPES if k not in own and k.__module__ != "schemathesis.graphql.checks"
               and k.__name__ not in ("Failure", "CustomFailure")]
    assert not missing, f"failure types without a renderer: {missing}"


@pytest.mark.parametrize("kind", TYPES, ids=lambda k: k.__name__)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data(), status=st.none() | STATUS)
def test_every_failure_renders_as_one_line(kind: type, data: st.DataObject, status: int | None) -> None:
    failure = data.draw(failures_of(kind))
    reason = describe_failure(failure, status)
    assert reason.strip() == reason and reason
    assert "\n" not in reason and "\r" not in reason
    assert len(reason) <= MAX_REASON


def test_the_renderer_says_received_and_documented_from_the_failure_fields() -> None:
    from schemathesis.core.failures import AcceptedNegativeData
    from schemathesis.openapi.checks import IgnoredAuth, UndefinedStatusCode, UnsupportedMethodResponse

    assert describe_failure(UndefinedStatusCode(
        operation="GET /x", status_code=202, defined_status_codes=["200", "404"], allowed_status_codes=[200, 404],
        message="whatever the wording")) == "Received: 202 / Documented: 200, 404"
    # the crash of issue 20: an "Expected" line without a colon
    assert describe_failure(IgnoredAuth(operation="GET /x", message="Expected 401 or 403, got `200 OK` for GET /x",
                                        scenario="no_auth"), 200) == (  # type: ignore[arg-type]
        "Received: 200 without credentials / Documented: 401 or 403")
    assert describe_failure(AcceptedNegativeData(operation="POST /x", message="Invalid data\nExpected", status_code=201,
                                                 expected_statuses=["400", "422"])) == (
        "Received: 201 for an invalid request / Documented: 400, 422")
    assert describe_failure(UnsupportedMethodResponse(
        operation="GET /x", method="TRACE", status_code=405, failure_reason="missing_allow_header", message="")) == (
        "Received: 405 to TRACE without an Allow header / Documented: 405 with Allow")


def test_a_failure_whose_fields_are_not_what_was_expected_is_reported_by_its_title() -> None:
    from schemathesis.openapi.checks import UndefinedStatusCode

    broken = UndefinedStatusCode.__new__(UndefinedStatusCode)
    broken.title = "Undocumented status code"
    assert describe_failure(broken) == "Undocumented status code"


@given(title=TEXT, message=TEXT, status=st.none() | STATUS)
@settings(max_examples=100, deadline=None)
def test_messages_alone_render_as_one_line(title: str, message: str, status: int | None) -> None:
    reason = one_line_reason(title, message, status)
    assert "\n" not in reason and len(reason) <= MAX_REASON
