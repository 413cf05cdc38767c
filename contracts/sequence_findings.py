"""Findings of stateful sequences: a value one call passed to the next that the next one's schema refuses.

The stateful phase sends a sequence of calls and passes values from one to the next (along the spec's
``links``, or along links schemathesis infers from parameter names). It takes such a value as valid for
the next call without checking it against that call's parameter schema: Dataiku's
``POST /projects/{projectKey}/apiservices/{serviceId}`` takes any ``serviceId`` of one character or more,
``GET /api-deployer/services/{serviceId}/settings`` only ``^[A-Za-z0-9_.-]+$``, so a sequence creating the
service ``ö\\x03`` then reading its settings sends a request the second operation's own schema refuses, and
the mock rightly answers 400. :func:`linked_value_refused` says so, naming the parameter and its pointer:
the spec's two schemas of one identifier disagree, and the suite's "valid request" is not one.
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from mockserver.spec import deref_at, join_pointer, merged_parameters, resolve_pointer, schema_types

from .schema_findings import SchemaProbe
from .verify_report import CheckFailure

__all__ = ["linked_value_refused"]

_RECEIVED = re.compile(r"Received:\s*(400|422)\b")


def linked_value_refused(failure: CheckFailure, document: dict[str, Any], label: str, probe: SchemaProbe) -> str | None:
    """The finding for a "valid request" of a stateful sequence refused with 400/422 whose path or query parameter
    has a value that an earlier call of the sequence carried and that this operation's schema of it refuses."""
    if (failure.check != "positive_data_acceptance" or len(failure.sequence) < 2
            or _RECEIVED.search(failure.reason) is None):
        return None
    method, _, path = label.partition(" ")
    try:
        url = urlsplit(shlex.split(failure.wire)[-1])
    except ValueError:
        return None
    pattern = "".join(f"(?P<p{i}>[^/]+)" if part.startswith("{") else re.escape(part)
                      for i, part in enumerate(re.split(r"(\{[^}/]*\})", path)))
    matched = re.search(f"{pattern}$", url.path)
    if matched is None:
        return None
    names = re.findall(r"\{([^}/]*)\}", path)
    sent = {("path", name): unquote(matched.group(f"p{2 * i + 1}")) for i, name in enumerate(names)}
    sent.update({("query", name): value for name, value in parse_qsl(url.query, keep_blank_values=True)})
    earlier = "\n".join(failure.sequence[:-1])
    for (where, name), value in sent.items():
        pointer = _parameter_schema(document, path, method.lower(), where, name)
        if pointer is None or (quote(value, safe="") not in earlier and value not in earlier):
            continue
        try:
            schema, pointer = deref_at(document, resolve_pointer(document, pointer), pointer)
            if probe.as_written().at(pointer, "request").is_valid(_typed(value, schema_types(schema))):
                continue
        except Exception:  # a schema the validators cannot build: the failure stays
            continue
        return (f"was sent the {where} parameter {name!r} = {value!r}, which an earlier call of the stateful sequence "
                f"carried and which its schema here refuses ({probe.name}#{pointer}): the spec's schemas of that "
                "value disagree, and the suite passes values between calls (along the spec's links or links it "
                "infers from names) without checking them against the next one's (a limit of the test tool; the "
                "mock's 400 is right)")
    return None


def _parameter_schema(document: dict[str, Any], path: str, method: str, where: str, name: str) -> str | None:
    """The JSON pointer of the schema of the ``where`` parameter ``name`` of ``method path``, if it declares one."""
    try:
        item, item_pointer = deref_at(document, document["paths"][path], join_pointer("paths", path))
    except (KeyError, TypeError, ValueError):
        return None
    if not isinstance(item, dict):
        return None
    return next((f"{pointer}/schema" for parameter, pointer in merged_parameters(document, item, item_pointer, method)
                 if parameter.get("in") == where and parameter.get("name") == name and "schema" in parameter), None)


def _typed(value: str, types: list[str]) -> Any:
    """The text of a parameter as the type its schema gives it (the text itself when it reads as none)."""
    if not types or "string" in types:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value
