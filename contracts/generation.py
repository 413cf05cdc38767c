"""The view of a spec that schemathesis generates requests from.

OpenAPI 3.1 describes a file part of a multipart body by its media type alone
(``contentMediaType: application/zip``, no ``type``): to JSON Schema that is
"any value", so schemathesis generates nulls and objects, and a null part is
dropped from the form (a required ``file`` goes missing and a valid request is
reported as rejected). In the view given to schemathesis such parts are
``type: string, format: binary``, which it generates as bytes. The spec itself,
and what the mock validates, are unchanged.
"""

from __future__ import annotations

import copy
from typing import Any

from mockserver.spec import HTTP_METHODS, deref

__all__ = ["for_generation"]


def for_generation(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` whose multipart file parts are typed as binary strings."""
    out = copy.deepcopy(document)
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
            if isinstance(target, dict) and "contentMediaType" in target and "type" not in target:
                target.update(type="string", format="binary")

