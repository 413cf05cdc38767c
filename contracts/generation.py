"""The view of a spec that schemathesis generates requests from.

OpenAPI 3.1 describes a file part of a multipart body by its media type alone
(``contentMediaType: application/zip``, no ``type``): to JSON Schema that is
"any value", so schemathesis generates nulls and objects, and a null part is
dropped from the form (a required ``file`` goes missing and a valid request is
reported as rejected). In the view given to schemathesis such parts are
``type: string, format: binary``, which it generates as bytes. The spec itself,
and what the mock validates, are unchanged. A file part typed ``string`` with a media type
(Dataiku's ``{type: string, contentMediaType: application/octet-stream}``) gets ``format: binary`` as
well: every part of a form is text on the wire, so the suite's negative cases that give such a part
another type (``file=-6.0e16``, a number) reach the server as a valid string and the mock rightly
accepts them; schemathesis makes no such case for a binary string (nor for any field of an urlencoded
form), and still removes a required part.

Integer formats: the mock refuses (and never answers) an ``int32``/``int64`` integer out of
its range, in OpenAPI 3.0 and 3.1 alike; to JSON Schema a format on an integer is only a
note, so schemathesis neither checks answers against it nor sends out-of-range values as
negative data. In the view given to schemathesis those schemas carry the range as
``minimum``/``maximum`` (where the schema sets no bound of its own).
"""

from __future__ import annotations

import copy
from typing import Any

from mockserver.spec import HTTP_METHODS, deref

__all__ = ["for_generation"]

#: the range of each integer format (the mock's: mockserver.spec.schemas)
INT_BOUNDS = {f"int{bits}": (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) for bits in (32, 64)}
#: keys whose values are data, not schemas: never rewritten
_DATA_KEYS = frozenset({"example", "examples", "default", "enum", "const", "x-apitwin-request"})


def for_generation(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` whose multipart file parts are typed as binary strings and whose int32/int64
    integers carry their range as bounds."""
    out = copy.deepcopy(document)
    _bound_integers(out)
    for item in (out.get("paths") or {}).values():
        if not isinstance(item, dict):
            continue
        for method, operation in item.items():
            if method not in HTTP_METHODS or not isinstance(operation, dict):
                continue
            body = deref(out, operation.get("requestBody"))
            for media_type, media in ((body or {}).get("content") or {}).items():
                if media_type.lower().startswith("multipart/") and isinstance(media, dict):
                    _type_file_parts(out, deref(out, media.get("schema")))
    return out


def _type_file_parts(document: dict[str, Any], schema: Any) -> None:
    if not isinstance(schema, dict):
        return
    for part in (schema.get("properties") or {}).values():
        part = deref(document, part)
        items = deref(document, part.get("items")) if isinstance(part, dict) and part.get("type") == "array" else None
        for target in (part, items):
            if isinstance(target, dict) and "contentMediaType" in target and "format" not in target and (
                    target.get("type", "string") == "string"):
                target.update(type="string", format="binary")



def _bound_integers(node: Any) -> None:
    """Give every ``type: integer`` schema of format int32/int64 under ``node`` its range as bounds."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, list):
            stack.extend(current)
            continue
        if not isinstance(current, dict):
            continue
        fmt, kind = current.get("format"), current.get("type")
        bounds = INT_BOUNDS.get(fmt) if isinstance(fmt, str) else None
        if bounds is not None and (kind == "integer" or (isinstance(kind, list) and "integer" in kind)):
            if "minimum" not in current and "exclusiveMinimum" not in current:
                current["minimum"] = bounds[0]
            if "maximum" not in current and "exclusiveMaximum" not in current:
                current["maximum"] = bounds[1]
        stack.extend(value for key, value in current.items() if key not in _DATA_KEYS)
