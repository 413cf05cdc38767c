"""``diff``: what changed between two versions of a spec, and which changes break existing clients.

Breaking (a client written against OLD fails against NEW): a removed operation,
success status, response field or media type; a new required parameter, request
property or security requirement; a parameter or request body that became
required; a changed type; a narrowed enum or narrowed bounds on what clients
send; a removed security alternative. Additions that clients can ignore are
listed as non-breaking changes.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mockserver import load_spec
from mockserver.spec import Operation, deref, iter_operations, schema_types

__all__ = ["Change", "diff_specs", "render_changes_json", "render_changes_text"]

_MAX_DEPTH = 12


@dataclass(frozen=True)
class Change:
    """One difference: where (operation and JSON-pointer-like location), what, and whether it breaks clients."""

    operation: str
    location: str
    message: str
    breaking: bool


def _types(schema: dict[str, Any]) -> set[str]:
    """The declared types, ``nullable: true`` (OpenAPI 3.0) counted as the type ``null`` (3.1's spelling)."""
    types = set(schema_types(schema))
    if types and schema.get("nullable") is True:
        types.add("null")
    return types


def _fingerprint(document: dict[str, Any], schema: Any, depth: int = 0) -> str:
    """A schema's content with every ``$ref`` inlined (a few levels deep): equal for a renamed component."""
    def inline(node: Any, level: int) -> Any:
        if isinstance(node, dict):
            if "$ref" in node and level < 4:
                return inline(deref(document, node), level + 1)
            return {k: inline(v, level) for k, v in node.items() if k not in ("description", "title", "example",
                                                                                "examples")}
        if isinstance(node, list):
            return [inline(item, level) for item in node]
        return node

    return json.dumps(inline(schema, depth), sort_keys=True, default=str)


def _alternatives(document: dict[str, Any], schema: dict[str, Any]) -> list[Any] | None:
    """The alternatives of a ``oneOf``/``anyOf`` schema (its own other keywords merged into each), else None."""
    for keyword in ("oneOf", "anyOf"):
        options = schema.get(keyword)
        if isinstance(options, list) and options:
            rest = {k: v for k, v in schema.items() if k != keyword}
            if not rest or set(rest) <= {"description", "title", "nullable", "discriminator"}:
                return list(options)
            return [{"allOf": [option, rest]} for option in options]
    return None


def _merged(document: dict[str, Any], schema: Any, depth: int = 0) -> Any:
    """``schema`` with its ``$ref`` resolved and its ``allOf`` parts merged into one schema.

    A schema refactored into ``allOf: [Base, {...}]`` accepts and produces the same
    values as the flat schema it replaced, so the two compare equal: properties are
    united, ``required`` lists joined, other keywords taken from the parts (the
    schema's own win).
    """
    if isinstance(schema, dict) and "$ref" in schema and len(schema) > 1:
        # keywords beside a $ref (nullable, readOnly...): meant as part of the schema, as in OpenAPI 3.1
        target = deref(document, {"$ref": schema["$ref"]})
        if isinstance(target, dict):
            schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    schema = deref(document, schema)
    if not isinstance(schema, dict) or "allOf" not in schema or depth > _MAX_DEPTH:
        return schema
    merged: dict[str, Any] = {}
    properties: dict[str, Any] = {}
    required: list[str] = []
    for part in [*schema["allOf"], {k: v for k, v in schema.items() if k != "allOf"}]:
        part = _merged(document, part, depth + 1)
        if not isinstance(part, dict):
            continue
        properties.update(part.get("properties") or {})
        required.extend(r for r in part.get("required") or [] if r not in required)
        merged.update({k: v for k, v in part.items() if k not in ("properties", "required")})
    if properties:
        merged["properties"] = properties
    if required:
        merged["required"] = required
    if "type" not in merged and properties:
        merged["type"] = "object"
    return merged


class _Differ:
    def __init__(self, old_doc: dict[str, Any], new_doc: dict[str, Any]) -> None:
        self.old_doc = old_doc
        self.new_doc = new_doc
        self.changes: list[Change] = []

    def add(self, operation: str, location: str, message: str, breaking: bool) -> None:
        self.changes.append(Change(operation, location, message, breaking))

    def schema(self, op: str, where: str, old: Any, new: Any, direction: str, depth: int = 0,
               seen: frozenset[tuple[int, int]] = frozenset()) -> None:
        """Compare two schemas; ``direction`` is ``request`` (clients send it) or ``response`` (clients read it)."""
        old, new = _merged(self.old_doc, old or {}), _merged(self.new_doc, new or {})
        if not isinstance(old, dict) or not isinstance(new, dict) or depth > _MAX_DEPTH:
            return
        key = (id(old), id(new))
        if key in seen:
            return
        seen = seen | {key}
        if self.alternatives(op, where, old, new, direction, depth, seen):
            return
        old_t, new_t = _types(old), _types(new)
        if old_t and new_t and old_t != new_t:
            widened = old_t < new_t
            breaking = not widened if direction == "request" else True
            self.add(op, where, f"type {'/'.join(sorted(old_t))} -> {'/'.join(sorted(new_t))}", breaking)
            if not (old_t & new_t) - {"null"}:
                return  # another kind of value (a list became a map): what it held is not compared piecemeal
        old_enum, new_enum = old.get("enum"), new.get("enum")
        if isinstance(old_enum, list) and isinstance(new_enum, list):
            removed = [v for v in old_enum if v not in new_enum]
            added = [v for v in new_enum if v not in old_enum]
            if "null" in new_t - old_t:  # the null added to the enum is the type change already reported
                added = [v for v in added if v is not None]
            if removed:
                self.add(op, where, f"enum narrowed: {removed} removed", direction == "request")
            if added:
                self.add(op, where, f"enum widened: {added} added", direction == "response")
        elif new_enum is not None and old_enum is None:
            self.add(op, where, f"enum introduced: {new_enum}", direction == "request")
        self.bounds(op, where, old, new, direction)
        old_props = old.get("properties") or {}
        new_props = new.get("properties") or {}
        old_req, new_req = set(old.get("required") or []), set(new.get("required") or [])
        for name in sorted(old_props.keys() - new_props.keys()):
            self.add(op, f"{where}/{name}", "property removed", direction == "response")
        for name in sorted(new_props.keys() - old_props.keys()):
            required = name in new_req
            self.add(op, f"{where}/{name}", f"{'required' if required else 'optional'} property added",
                     direction == "request" and required)
        for name in sorted(new_req - old_req):
            if name in old_props:
                self.add(op, f"{where}/{name}", "property became required", direction == "request")
        for name in sorted(old_req - new_req):
            if name in new_props:
                self.add(op, f"{where}/{name}", "property no longer required", direction == "response")
        for name in sorted(old_props.keys() & new_props.keys()):
            self.schema(op, f"{where}/{name}", old_props[name], new_props[name], direction, depth + 1, seen)
        if "items" in old or "items" in new:
            self.schema(op, f"{where}/items", old.get("items"), new.get("items"), direction, depth + 1, seen)
        self.additional(op, where, old, new, direction, depth, seen)

    def alternatives(self, op: str, where: str, old: dict[str, Any], new: dict[str, Any], direction: str,
                     depth: int, seen: frozenset[tuple[int, int]]) -> bool:
        """Compare ``oneOf``/``anyOf`` schemas as sets of alternatives; False when neither side has any.

        An alternative found on both sides (same content, whatever its component's name)
        is compared with itself; one added widens what the schema allows (breaking for
        clients reading it), one removed narrows it (breaking for clients sending it).
        A schema that was one alternative of the new set, or became one, is that alternative.
        """
        old_alts = _alternatives(self.old_doc, old)
        new_alts = _alternatives(self.new_doc, new)
        if old_alts is None and new_alts is None:
            return False
        olds = old_alts if old_alts is not None else [old]
        news = new_alts if new_alts is not None else [new]
        old_prints = [_fingerprint(self.old_doc, a) for a in olds]
        new_prints = [_fingerprint(self.new_doc, a) for a in news]
        unmatched_new = [i for i, p in enumerate(new_prints) if p not in old_prints]
        unmatched_old = [i for i, p in enumerate(old_prints) if p not in new_prints]
        # an alternative that changed is the one of the other side with the most properties in common
        for i in list(unmatched_old):
            old_props = set((_merged(self.old_doc, olds[i]) or {}).get("properties") or {})
            best, score = None, 0.5
            for j in unmatched_new:
                new_props = set((_merged(self.new_doc, news[j]) or {}).get("properties") or {})
                common = len(old_props & new_props) / max(len(old_props | new_props), 1)
                if common > score:
                    best, score = j, common
            if best is None and len(unmatched_old) == 1 and len(unmatched_new) == 1:
                best = unmatched_new[0]
            if best is not None:
                unmatched_old.remove(i)
                unmatched_new.remove(best)
                self.schema(op, where, olds[i], news[best], direction, depth + 1, seen)
        for i in unmatched_new:
            self.add(op, where, f"alternative added: {_name(news[i])}", direction == "response")
        for i in unmatched_old:
            self.add(op, where, f"alternative removed: {_name(olds[i])}", direction == "request")
        return True

    def additional(self, op: str, where: str, old: dict[str, Any], new: dict[str, Any], direction: str,
                   depth: int = 0, seen: frozenset[tuple[int, int]] = frozenset()) -> None:
        """``additionalProperties`` closed (false) where it was open is breaking for what clients send.

        Where both sides describe the values of a map (a schema each), the values are compared (``where/*``).
        """
        was, now = old.get("additionalProperties", True), new.get("additionalProperties", True)
        if was is not False and now is False and ("properties" in old or "properties" in new):
            self.add(op, where, "additional properties no longer allowed", direction == "request")
        elif was is False and now is not False:
            self.add(op, where, "additional properties now allowed", direction == "response")
        elif isinstance(was, dict) and isinstance(now, dict):
            self.schema(op, f"{where}/*", was, now, direction, depth + 1, seen)

    def bounds(self, op: str, where: str, old: dict[str, Any], new: dict[str, Any], direction: str) -> None:
        for key, narrower in (("minimum", "up"), ("exclusiveMinimum", "up"), ("minLength", "up"), ("minItems", "up"),
                              ("maximum", "down"), ("exclusiveMaximum", "down"), ("maxLength", "down"),
                              ("maxItems", "down")):
            a, b = old.get(key), new.get(key)
            if not isinstance(b, (int, float)) or isinstance(b, bool):
                continue
            if a is None:
                self.add(op, where, f"{key} {b} introduced", direction == "request")
            elif isinstance(a, (int, float)) and a != b:
                narrowed = b > a if narrower == "up" else b < a
                self.add(op, where, f"{key} {a} -> {b}", direction == "request" and narrowed)

    def operation(self, old: Operation, new: Operation) -> None:
        label = f"{new.method.upper()} {new.path}"
        old_params = _parameters(old)
        new_params = _parameters(new)
        for key in new_params.keys() - old_params.keys():
            required = bool(new_params[key].get("required"))
            self.add(label, _where(new_params[key]), f"{'required' if required else 'optional'} parameter added",
                     required)
        for key in old_params.keys() - new_params.keys():
            self.add(label, _where(old_params[key]), "parameter removed", False)
        for key in old_params.keys() & new_params.keys():
            where = _where(new_params[key])
            if new_params[key].get("required") and not old_params[key].get("required"):
                self.add(label, where, "parameter became required", True)
            self.schema(label, where, old_params[key].get("schema"), new_params[key].get("schema"), "request")
        self.body(label, old, new)
        self.responses(label, old, new)
        self.security(label, old, new)

    def body(self, label: str, old: Operation, new: Operation) -> None:
        old_body, new_body = old.request_body or {}, new.request_body or {}
        if new_body.get("required") and not old_body.get("required"):
            self.add(label, "requestBody", "request body became required", True)
        old_content, new_content = old_body.get("content") or {}, new_body.get("content") or {}
        for media in old_content.keys() - new_content.keys():
            self.add(label, f"requestBody {media}", "request media type removed", True)
        for media in new_content.keys() - old_content.keys():
            self.add(label, f"requestBody {media}", "request media type added", False)
        for media in old_content.keys() & new_content.keys():
            self.schema(label, f"requestBody {media}", (old_content[media] or {}).get("schema"),
                        (new_content[media] or {}).get("schema"), "request")

    def responses(self, label: str, old: Operation, new: Operation) -> None:
        for status in old.responses.keys() - new.responses.keys():
            self.add(label, f"response {status}", "response removed", status.startswith("2"))
        for status in new.responses.keys() - old.responses.keys():
            self.add(label, f"response {status}", "response added", False)
        for status in old.responses.keys() & new.responses.keys():
            old_content = old.responses[status][0].get("content") or {}
            new_content = new.responses[status][0].get("content") or {}
            for media in old_content.keys() - new_content.keys():
                self.add(label, f"response {status} {media}", "response media type removed", True)
            for media in new_content.keys() - old_content.keys():
                self.add(label, f"response {status} {media}", "response media type added", False)
            for media in old_content.keys() & new_content.keys():
                self.schema(label, f"response {status} {media}", (old_content[media] or {}).get("schema"),
                            (new_content[media] or {}).get("schema"), "response")

    def security(self, label: str, old: Operation, new: Operation) -> None:
        old_alts = {frozenset(r) for r in old.security}
        new_alts = {frozenset(r) for r in new.security}
        for alt in old_alts - new_alts:
            names = " + ".join(sorted(alt)) or "anonymous access"
            self.add(label, "security", f"security alternative removed: {names}", bool(old_alts))
        for alt in new_alts - old_alts:
            names = " + ".join(sorted(alt)) or "anonymous access"
            self.add(label, "security", f"security alternative added: {names}", not old_alts and bool(alt))
        # the same schemes on both sides: an OAuth2/OpenID scope a requirement adds is one more that a client's
        # token must hold (breaking); a scope it drops asks less of the client
        old_scopes = {frozenset(r): r for r in reversed(old.security)}
        new_scopes = {frozenset(r): r for r in reversed(new.security)}
        for alt in sorted(old_alts & new_alts, key=sorted):
            for scheme in sorted(alt):
                was = set(old_scopes[alt].get(scheme) or [])
                now = set(new_scopes[alt].get(scheme) or [])
                if now - was:
                    self.add(label, f"security {scheme}", f"scopes required: {sorted(now - was)} added", True)
                if was - now:
                    self.add(label, f"security {scheme}", f"scopes no longer required: {sorted(was - now)}", False)


_TEMPLATE = re.compile(r"\{([^}/]*)\}")


def _shape(path: str) -> str:
    """A path template with its parameters unnamed: ``/pets/{petId}`` and ``/pets/{id}`` are the same URLs."""
    return _TEMPLATE.sub("{}", path)


def _parameters(operation: Operation) -> dict[tuple[str, str], dict[str, Any]]:
    """(name, in) -> parameter; a path parameter is named by its place in the template, so a rename is no change."""
    places = {name: f"{{{i}}}" for i, name in enumerate(_TEMPLATE.findall(operation.path))}
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for parameter, _ in operation.parameters:
        name, where = str(parameter.get("name")), str(parameter.get("in"))
        found[(places.get(name, name) if where == "path" else name, where)] = parameter
    return found


def _where(parameter: dict[str, Any]) -> str:
    return f"{parameter.get('in')} {parameter.get('name')}"


def _name(schema: Any) -> str:
    """A schema's component name, or its type, for messages."""
    if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    types = _types(schema) if isinstance(schema, dict) else set()
    return "/".join(sorted(types)) or "a schema"


def diff_specs(old_path: str | Path, new_path: str | Path) -> list[Change]:
    """Every change from the spec at ``old_path`` to the one at ``new_path``, breaking ones first."""
    old_spec, new_spec = load_spec(old_path), load_spec(new_path)
    differ = _Differ(old_spec.document, new_spec.document)
    old_ops = {(o.method, _shape(o.path)): o for o in iter_operations(old_spec)}
    new_ops = {(o.method, _shape(o.path)): o for o in iter_operations(new_spec)}
    for key in sorted(old_ops.keys() - new_ops.keys()):
        differ.add(f"{key[0].upper()} {old_ops[key].path}", "", "operation removed", True)
    for key in sorted(new_ops.keys() - old_ops.keys()):
        differ.add(f"{key[0].upper()} {new_ops[key].path}", "", "operation added", False)
    for key in sorted(old_ops.keys() & new_ops.keys()):
        differ.operation(old_ops[key], new_ops[key])
    # a schema reached along two alternatives (allOf inside anyOf...) reports its change once
    return sorted(dict.fromkeys(differ.changes), key=lambda c: (not c.breaking, c.operation, c.location))


def render_changes_text(changes: list[Change]) -> str:
    """One line per change, breaking ones marked, and a summary line."""
    lines = [f"{'BREAKING' if c.breaking else 'change  '}  {c.operation}  {c.location}: {c.message}".replace("  :", ":")
             for c in changes]
    breaking = sum(1 for c in changes if c.breaking)
    lines.append(f"{len(changes)} changes, {breaking} breaking" if changes else "no changes")
    return "\n".join(lines)


def render_changes_json(changes: list[Change]) -> str:
    """The changes as a JSON document."""
    return json.dumps({"breaking": sum(1 for c in changes if c.breaking), "changes": [asdict(c) for c in changes]},
                      indent=2)
