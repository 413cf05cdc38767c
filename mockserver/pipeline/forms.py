"""Form bodies (``application/x-www-form-urlencoded`` and ``multipart/form-data``) read into JSON-like values.

Each field is cast by its property's schema and its ``encoding`` (style and
explode as for query parameters, ``deepObject`` included; ``contentType`` per
part: a JSON part is parsed; files stay text, decoded byte for byte), so the
compiled body validator checks them as it checks JSON. ``encoding.allowReserved``
is enforced on urlencoded fields that have an encoding entry (reserved
characters must arrive percent-encoded unless it is true), as Prism does. A field
whose schema is not an array given more than once is refused, naming it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from ..spec import deref
from .parameters import RESERVED, StyledValue, coerce, value_kind, value_types
from .problems import Problem, Violation
from .request import is_json, media_base

__all__ = ["FormReader"]

_BOUNDARY = re.compile(r'boundary=(?:"([^"]+)"|([^\s;]+))', re.I)


@dataclass
class _Part:
    text: str
    content_type: str | None = None
    filename: str | None = None


@dataclass
class FormReader:
    """Reads the form bodies of one media type of a request body; built once, at load."""

    document: dict[str, Any]
    schema: Any
    encoding: dict[str, Any] = field(default_factory=dict)
    #: the most parts (multipart) or fields (urlencoded) read; more are refused with 413, unparsed
    max_parts: int = 1000

    def _properties(self) -> dict[str, Any]:
        schema = deref(self.document, self.schema)
        props: dict[str, Any] = {}
        if isinstance(schema, dict):
            for branch in [schema, *(schema.get("allOf") or [])]:
                branch = deref(self.document, branch)
                if isinstance(branch, dict):
                    props.update(branch.get("properties") or {})
        return props

    def _styled(self, name: str, schema: Any) -> StyledValue:
        found = self.encoding.get(name)
        enc: dict[str, Any] = found if isinstance(found, dict) else {}
        style = str(enc.get("style") or "form")
        explode = bool(enc.get("explode", style == "form"))
        return StyledValue(name, style, explode, value_kind(self.document, schema))

    def read(self, media_type: str, content_type: str, body: bytes) -> tuple[Any, list[Violation]]:
        """The body as a value for the schema, and what is malformed in it.

        Raises a 413 :class:`Problem` when the body has more than :attr:`max_parts` parts or fields
        (counted before anything is parsed: 300,000 parts would hold a worker for seconds).
        """
        if media_base(media_type).startswith("multipart/"):
            boundary = _BOUNDARY.search(content_type)
            if boundary is not None:
                self._bound(body.count(b"--" + (boundary.group(1) or boundary.group(2)).encode("latin-1", "replace"))
                            - 1, "parts")
            return self._multipart(content_type, body)
        self._bound(body.count(b"&") + 1 if body else 0, "fields")
        return self._urlencoded(body)

    def _bound(self, count: int, what: str) -> None:
        if count > self.max_parts:
            raise Problem("payload-too-large",
                          f"the form body has more than {self.max_parts} {what} (--max-multipart-parts)",
                          [Violation("body", "", f"more than {self.max_parts} {what}")])

    def _urlencoded(self, body: bytes) -> tuple[Any, list[Violation]]:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return None, [Violation("body", "", "form body is not UTF-8")]
        raw_pairs = [part.partition("=")[::2] for part in text.split("&") if part]
        pairs = [(unquote_plus(k), unquote_plus(v)) for k, v in raw_pairs]
        violations: list[Violation] = []
        for key, raw in raw_pairs:
            name = unquote_plus(key).split("[", 1)[0]
            enc = self.encoding.get(name)
            if isinstance(enc, dict) and not enc.get("allowReserved", False) and RESERVED.search(raw):
                violations.append(Violation("body", "/" + name, "reserved characters must be percent-encoded "
                                                              "(encoding allowReserved is false)"))
        props = self._properties()
        counts = Counter(name for name, _ in pairs if name in props)
        violations += [_repeated(name, count) for name, count in counts.items() if count > 1
                       and _one_value(self.document, props[name])
                       and self._styled(name, props[name]).style != "deepObject"]
        return self._fields(pairs), violations

    def _fields(self, pairs: list[tuple[str, str]]) -> dict[str, Any]:
        props = self._properties()
        out: dict[str, Any] = {}
        declared = frozenset(props)
        for name, schema in props.items():
            styled = self._styled(name, schema)
            if styled.kind == "object" and styled.style == "form" and not any(
                    k.startswith(name + "[") for k, _ in pairs):
                # an object field sent as one value: JSON, as most clients write it
                values = [v for k, v in pairs if k == name]
                if values:
                    out[name] = _json_or_text(values[-1])
                continue
            present, value = styled.from_pairs(self.document, schema, pairs, declared)
            if present:
                out[name] = value
        taken = {k for k, _ in pairs if k in declared or k.split("[", 1)[0] in declared}
        for key, value in pairs:
            if key not in taken:
                extra = _extra_schema(self.document, self.schema)
                out.setdefault(key, coerce(self.document, extra, value))
        return out

    def _multipart(self, content_type: str, body: bytes) -> tuple[Any, list[Violation]]:
        if "boundary=" not in content_type:
            return None, [Violation("header", "Content-Type", "multipart body without a boundary")]
        import email.parser  # here: multipart bodies are rare, and email.policy costs a start about 6 ms
        import email.policy

        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        boundary = message.get_boundary()
        if boundary and body.strip() == f"--{boundary}--".encode("latin-1", "replace"):
            return {}, []  # only the close delimiter: the form without fields (as schemathesis sends it)
        if not message.is_multipart():
            return None, [Violation("body", "", "malformed multipart/form-data body")]
        parts: dict[str, list[_Part]] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            filename = part.get_filename()
            ctype = part.get("Content-Type")
            text = data.decode("latin-1") if filename is not None else _decode(data)
            parts.setdefault(name, []).append(_Part(text, str(ctype) if ctype else None, filename))
        if not parts and body.strip():
            defects = "; ".join(type(d).__name__ for d in message.defects) or "no named part"
            return None, [Violation("body", "", f"malformed multipart/form-data body: {defects}")]
        props = self._properties()
        out: dict[str, Any] = {}
        violations: list[Violation] = []
        for name, values in parts.items():
            schema = props.get(name, _extra_schema(self.document, self.schema))
            found = self.encoding.get(name)
            enc: dict[str, Any] = found if isinstance(found, dict) else {}
            declared_type = str(enc.get("contentType") or "")
            items = [self._part_value(name, p, schema, declared_type, violations) for p in values]
            if value_kind(self.document, schema) == "array":  # one part per item
                out[name] = coerce(self.document, schema, items) if all(isinstance(i, str) for i in items) \
                    else items
            else:
                if len(items) > 1 and _one_value(self.document, schema):
                    violations.append(_repeated(name, len(items)))
                out[name] = items[-1]
        return out, violations

    def _part_value(self, name: str, part: _Part, schema: Any, declared_type: str,
                    violations: list[Violation]) -> Any:
        ctype = part.content_type or declared_type
        if ctype and is_json(ctype) and (part.filename is None or "string" not in value_types(self.document, schema)):
            try:
                return json.loads(part.text)
            except ValueError as exc:
                violations.append(Violation("body", "/" + name, f"part is not valid JSON: {exc}"))
                return part.text
        if part.filename is not None or value_kind(self.document, schema) == "array":
            return part.text
        if value_kind(self.document, schema) == "object":
            return _json_or_text(part.text)
        return coerce(self.document, schema, part.text)


def _one_value(document: dict[str, Any], schema: Any) -> bool:
    """Whether a field of ``schema`` holds one value: its types are known and none is an array (``{}``, which
    allows anything, takes Twilio's ``Parameter=null&Parameter=null``)."""
    types = value_types(document, schema)
    return bool(types) and "array" not in types


def _repeated(name: str, count: int) -> Violation:
    """A field whose schema is not an array given more than once (which value would be meant?)."""
    return Violation("body", "/" + name, f"the field {name!r} is given {count} times but its schema is not an array")


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _extra_schema(document: dict[str, Any], schema: Any) -> Any:
    schema = deref(document, schema)
    extra = schema.get("additionalProperties") if isinstance(schema, dict) else None
    return extra if isinstance(extra, dict) else {}
