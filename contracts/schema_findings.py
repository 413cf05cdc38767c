"""Failures of ``verify --against-mock`` where the spec's schema has two readings and the suite took the other one.

:mod:`.spec_findings` moves them to the findings; each names the schema's place as ``FILE#POINTER``:

* a valid request refused whose JSON body is valid once the keywords beside a ``$ref`` are dropped and invalid
  with them, in an OpenAPI 3.0 document: 3.0 ignores such keywords (the suite did), the mock applies them as
  their author meant, as Prism and openapi-core do (README, Spec loading; lint: ``ref-siblings``).
  DigitalOcean's ``{$ref: load_balancer_droplets, required: [droplet_ids]}``: the suite's ``{}``.
* an "invalid" request accepted whose JSON body matches two or more branches of a ``oneOf`` whose discriminator
  cannot pick one (:func:`mockserver.spec.undecided`: a value two branches claim, or an inline branch): strict
  ``oneOf`` refuses such a body; OpenAPI lets the discriminator choose instead, and where it cannot, the mock
  reads the ``oneOf`` as ``anyOf`` (DigitalOcean's droplet actions: ``{type: reboot, name: ...}`` matches the
  plain action and the snapshot action, both of whose ``type`` enums hold ``reboot``).

Both are judged by the mock's own validators (:class:`mockserver.spec.SchemaCompiler`), built only when a failure
could be one of these.
"""

from __future__ import annotations

import json
import shlex
from typing import Any
from urllib.parse import unquote

from mockserver.spec import (
    SchemaCompiler,
    deref_at,
    discriminator_names,
    escape_token,
    join_pointer,
    resolve_pointer,
    split_pointer,
    undecided,
)

from .keywords import REFERENCE_KEYS, ignored_beside_ref
from .verify_report import CheckFailure

__all__ = ["SchemaProbe"]

#: how many schema nodes a walk of a body schema's closure visits at most
_MAX_NODES = 50_000


class SchemaProbe:
    """The mock's validators of one document, as written and with the keywords beside ``$ref`` dropped (each
    built on first need: most runs have no failure that needs them)."""

    def __init__(self, document: dict[str, Any], name: str) -> None:
        self.document = document
        #: the spec file's name, for ``FILE#POINTER``
        self.name = name
        self._as_written: SchemaCompiler | None = None
        self._without: SchemaCompiler | None = None

    def as_written(self) -> SchemaCompiler:
        if self._as_written is None:
            self._as_written = SchemaCompiler(self.document)
        return self._as_written

    def without_siblings(self) -> SchemaCompiler:
        if self._without is None:
            self._without = SchemaCompiler(_without_siblings(self.document))
        return self._without

    def finding(self, failure: CheckFailure, label: str) -> str | None:
        """What :mod:`.spec_findings` reports for ``failure`` of operation ``label`` (module doc), if it is one."""
        if failure.check == "positive_data_acceptance" and str(self.document.get("openapi", "")).startswith("3.0"):
            return self._ref_siblings(failure, label)
        if failure.check == "negative_data_rejection" and failure.mutation is not None and (
                failure.mutation.where == "body"):
            return self._overlapping_branches(failure, label)
        return None

    def _ref_siblings(self, failure: CheckFailure, label: str) -> str | None:
        found = _json_body(self.document, label, failure.wire)
        if found is None:
            return None
        pointer, value = found
        beside = _siblings_reached(self.document, pointer)
        if not beside:
            return None
        try:
            if (self.as_written().at(pointer, "request").is_valid(value)
                    or not self.without_siblings().at(pointer, "request").is_valid(value)):
                return None  # refused for another reason, or invalid either way
        except Exception:  # a schema the validators cannot build: the failure stays
            return None
        where, keys = beside[0]
        more = f" (and {len(beside) - 1} more place{'s' if len(beside) > 2 else ''})" if len(beside) > 1 else ""
        return (f"has {', '.join(keys)} beside $ref at {self.name}#{where}{more}: OpenAPI 3.0 ignores keywords "
                "beside $ref, and the suite sent a body valid without them; the mock applies them, as their author "
                "meant and as Prism does (README, Spec loading; lint: ref-siblings)")

    def _overlapping_branches(self, failure: CheckFailure, label: str) -> str | None:
        found = _json_body(self.document, label, failure.wire)
        if found is None or failure.mutation is None:
            return None
        pointer, value = found
        tokens = split_pointer(failure.mutation.pointer)
        while True:  # down the mutation's pointer, as far as the body's value follows it
            try:
                schema, pointer = deref_at(self.document, resolve_pointer(self.document, pointer), pointer)
            except (KeyError, IndexError, TypeError, ValueError):
                return None
            text = self._overlap(schema, pointer, value)
            if text is not None:
                return text
            if len(tokens) >= 2 and tokens[0] == "properties" and isinstance(value, dict) and tokens[1] in value:
                value = value[tokens[1]]
            elif not (len(tokens) >= 2 and tokens[0] in ("allOf", "anyOf", "oneOf") and tokens[1].isdigit()):
                return None
            pointer += join_pointer(*tokens[:2])
            tokens = tokens[2:]

    def _overlap(self, schema: Any, pointer: str, value: Any) -> str | None:
        """The finding for the ``oneOf`` of ``schema`` (at ``pointer``) if its discriminator cannot pick a branch
        and ``value`` matches several."""
        discriminator = schema.get("discriminator") if isinstance(schema, dict) else None
        branches = schema.get("oneOf") if isinstance(schema, dict) else None
        if (not isinstance(discriminator, dict) or not isinstance(discriminator.get("propertyName"), str)
                or not isinstance(branches, list) or "anyOf" in schema):
            return None
        named = [discriminator_names(discriminator, branch, self.document) for branch in branches]
        if not undecided(named):
            return None
        try:  # the mock reads this oneOf as anyOf (spec.schemas): its branches are there, as the mock reads each
            matched = [i for i in range(len(branches))
                       if self.as_written().at(f"{pointer}/anyOf/{i}", "request").is_valid(value)]
        except Exception:  # a schema the validators cannot build: the failure stays
            return None
        if len(matched) < 2:
            return None
        why = "a branch no value of it names" if not all(named) else "a value of it that two branches claim"
        return (f"has a oneOf at {self.name}#{pointer} whose discriminator cannot pick a branch ({why}) and whose "
                f"branches overlap: the body sent matches {len(matched)} of them ({', '.join(map(str, matched))}), "
                "which strict oneOf refuses; OpenAPI lets the discriminator choose, and where it cannot the mock "
                "reads the oneOf as anyOf")


def _json_body(document: dict[str, Any], label: str, curl: str) -> tuple[str, Any] | None:
    """(pointer of the request body schema, the JSON value sent) of the request ``curl`` to operation ``label``
    (``POST /path``), when it sent a JSON body the operation documents."""
    try:
        words = shlex.split(curl)
    except ValueError:  # a multipart body's $'...': not JSON
        return None
    headers = [words[i + 1] for i, word in enumerate(words[:-1]) if word == "-H"]
    media = next((h.partition(":")[2].split(";")[0].strip().lower() for h in headers
                  if h.lower().startswith("content-type:")), "")
    body = next((words[i + 1] for i, word in enumerate(words[:-1]) if word == "-d"), None)
    method, _, path = label.partition(" ")
    if body is None or not media.endswith("json"):
        return None
    try:
        value = json.loads(body)
        item, at = deref_at(document, (document.get("paths") or {}).get(path), join_pointer("paths", path))
        operation = item.get(method.lower()) if isinstance(item, dict) else None
        request, at = deref_at(document, operation.get("requestBody") if isinstance(operation, dict) else None,
                               f"{at}/{method.lower()}/requestBody")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    found = request.get("content") if isinstance(request, dict) else None
    content: dict[str, Any] = found if isinstance(found, dict) else {}
    declared = next((key for key in content if str(key).split(";")[0].strip().lower() == media), None)
    if declared is None or not isinstance(content[declared], dict) or "schema" not in content[declared]:
        return None
    return f"{at}/content/{escape_token(str(declared))}/schema", value


def _siblings_reached(document: dict[str, Any], pointer: str) -> list[tuple[str, list[str]]]:
    """(pointer, keywords) of every schema with keywords beside its ``$ref`` that the schema at ``pointer``
    reaches, through ``$ref`` too."""
    out: list[tuple[str, list[str]]] = []
    stack, seen = [pointer], {pointer}
    while stack and len(seen) < _MAX_NODES:
        at = stack.pop()
        try:
            node = resolve_pointer(document, at)
        except (KeyError, IndexError, TypeError, ValueError):
            continue
        children: list[str] = []
        if isinstance(node, dict):
            keys = ignored_beside_ref(node)
            if keys:
                out.append((at, keys))
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#"):
                children.append(unquote(ref[1:]))
            children += [f"{at}/{escape_token(str(k))}" for k, v in node.items() if isinstance(v, (dict, list))]
        elif isinstance(node, list):
            children += [f"{at}/{i}" for i, v in enumerate(node) if isinstance(v, (dict, list))]
        for child in children:
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return sorted(out)


def _without_siblings(node: Any) -> Any:
    """``node`` with the keywords beside every ``$ref`` dropped (:func:`.keywords.ignored_beside_ref`): the
    document as OpenAPI 3.0 reads it."""
    if isinstance(node, list):
        return [_without_siblings(item) for item in node]
    if not isinstance(node, dict):
        return node
    if ignored_beside_ref(node):
        return {key: value for key, value in node.items() if key in REFERENCE_KEYS or str(key).startswith("x-")}
    return {key: _without_siblings(value) for key, value in node.items()}
