"""Schemas no value can satisfy, proved by small checks: the spec contradicting itself, not a generator gap.

Only what is sure is said (``None`` otherwise, recursion included):

* ``false``; an ``enum``/``const`` whose every value fails the schema itself (SendGrid's ``send_at``:
  ``enum: [now]`` with ``format: date-time``);
* an object-only schema (``type: object``, not ``nullable``) whose ``required`` names a member that
  ``additionalProperties: false`` forbids (Jira's ``ScreenTypes`` requires ``defaultScreen`` and lists
  ``default``), whose ``allOf`` branch or every ``anyOf``/``oneOf`` branch requires such a member (Jira's
  ``JqlQueryClause``: no ``properties`` beside ``additionalProperties: false``), or whose required member
  is itself unsatisfiable;
* ``allOf`` with an unsatisfiable branch, or enums with no value in common; ``anyOf``/``oneOf`` whose
  every branch is unsatisfiable; an array-only schema with ``minItems`` > 0 whose ``items`` is.

:func:`unsatisfiable` names the innermost schema where the contradiction sits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from .merging import merge_all_of
from .pointers import join_pointer, resolve_pointer, split_pointer
from .schemas import SchemaCompiler, schema_types

__all__ = ["Proof", "unsatisfiable"]


@dataclass(frozen=True)
class Proof:
    """Why no value satisfies a schema: the pointer of the schema that contradicts itself, and how."""

    pointer: str
    reason: str


def unsatisfiable(document: dict[str, Any], pointer: str, compiler: SchemaCompiler | None = None) -> Proof | None:
    """A proof that the schema at JSON ``pointer`` of ``document`` admits no value, or ``None``."""
    return _Prover(document, compiler or SchemaCompiler(document)).prove(pointer)


def _same(a: Any, b: Any) -> bool:
    """JSON equality: ``1 == 1.0``, but ``true != 1``."""
    return bool(a == b) and isinstance(a, bool) == isinstance(b, bool)


def _required(schema: Any) -> list[str]:
    names = schema.get("required") if isinstance(schema, dict) else None
    return [str(n) for n in names] if isinstance(names, list) else []


class _Prover:
    def __init__(self, document: dict[str, Any], compiler: SchemaCompiler) -> None:
        self.document = document
        self.compiler = compiler
        self.active: set[str] = set()
        self.known: dict[str, Proof | None] = {}

    def prove(self, pointer: str) -> Proof | None:
        if pointer in self.known:
            return self.known[pointer]
        if pointer in self.active:  # recursion: nothing proved along this path
            return None
        self.active.add(pointer)
        try:
            proof = self.check(pointer)
        finally:
            self.active.discard(pointer)
        self.known[pointer] = proof
        return proof

    def check(self, pointer: str) -> Proof | None:
        try:
            node = resolve_pointer(self.document, pointer)
        except KeyError:
            return None
        if node is False:
            return Proof(pointer, "the schema is `false`")
        if not isinstance(node, dict):
            return None
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            inner = self.prove(unquote(ref[1:]))
            if inner is not None:
                return inner
        return self.listed(node, pointer) or self.members(node, pointer) or self.branches(node, pointer)

    def listed(self, node: dict[str, Any], pointer: str) -> Proof | None:
        """``enum``/``const`` whose every value fails the schema."""
        key = "const" if "const" in node else "enum" if isinstance(node.get("enum"), list) else None
        if key is None:
            return None
        values = [node["const"]] if key == "const" else list(node["enum"])
        if node.get("nullable") is True:
            values.append(None)  # OpenAPI 3.0 lets null through beside an enum
        try:
            validator = self.compiler.at(pointer)
            if any(validator.is_valid(v) for v in values):
                return None
            _where, message = next(iter(validator.iter_errors(values[0])), ("", "")) if values else ("", "")
        except Exception:  # a schema the validators cannot compile: nothing is proved about it
            return None
        if not values:
            return Proof(pointer, "`enum` is empty")
        return Proof(pointer, f"every `{key}` value fails the schema itself ({values[0]!r}: {message[:160]})")

    def members(self, node: dict[str, Any], pointer: str) -> Proof | None:
        """An object-only schema that requires what it forbids, or a member no value satisfies."""
        if schema_types(node) != ["object"] or node.get("nullable") is True:
            return None
        props: dict[str, Any] = node["properties"] if isinstance(node.get("properties"), dict) else {}
        patterns = list(node.get("patternProperties") or {})

        def forbidden(name: str) -> bool:
            if node.get("additionalProperties") is not False or name in props:
                return False
            try:
                return not any(re.search(str(p), name) for p in patterns)
            except re.error:
                return False

        for name in _required(node):
            if forbidden(name):
                return Proof(pointer, f"`required` names {name!r}, which `additionalProperties: false` forbids "
                                      "(it is not in `properties`)")
        for index, branch in enumerate(node.get("allOf") or []):
            needed: list[str] = [n for n in _required(merge_all_of(self.document, branch)) if forbidden(n)]
            if needed:
                return Proof(pointer, f"`allOf/{index}` requires {needed[0]!r}, which `additionalProperties: false` "
                                      "forbids here (it is not in `properties`)")
        for key in ("anyOf", "oneOf"):
            branches = node.get(key)
            if isinstance(branches, list) and branches:
                needs = [[n for n in _required(merge_all_of(self.document, b)) if forbidden(n)] for b in branches]
                if all(needs):
                    return Proof(pointer, f"every `{key}` branch requires a member `additionalProperties: false` "
                                          f"forbids here (it is not in `properties`): {needs[0][0]!r}, ...")
        for name in _required(node):
            if name in props:
                inner = self.prove(join_pointer(*split_pointer(pointer), "properties", name))
                if inner is not None:
                    return inner
        return None

    def branches(self, node: dict[str, Any], pointer: str) -> Proof | None:
        """``allOf``, ``anyOf``/``oneOf`` and array items."""
        tokens = split_pointer(pointer)
        parts: list[Any] = node["allOf"] if isinstance(node.get("allOf"), list) else []
        for index in range(len(parts)):
            inner = self.prove(join_pointer(*tokens, "allOf", index))
            if inner is not None:
                return inner
        enums = [node["enum"]] if isinstance(node.get("enum"), list) else []
        for part in parts:
            merged = merge_all_of(self.document, part)
            if isinstance(merged, dict) and isinstance(merged.get("enum"), list):
                enums.append(merged["enum"])
        if len(enums) > 1 and not [v for v in enums[0] if all(any(_same(v, w) for w in e) for e in enums[1:])]:
            return Proof(pointer, f"the enums of `allOf` have no value in common ({enums[0]!r}, {enums[1]!r})")
        for key in ("anyOf", "oneOf"):
            options = node.get(key)
            if isinstance(options, list) and options:
                proofs = [self.prove(join_pointer(*tokens, key, i)) for i in range(len(options))]
                first = proofs[0]
                if first is not None and all(proofs):
                    return Proof(pointer, f"every `{key}` branch is unsatisfiable ({first.pointer}: {first.reason})")
        low = node.get("minItems")
        if schema_types(node) == ["array"] and not node.get("nullable") and isinstance(low, int) and low > 0 \
                and isinstance(node.get("items"), (dict, bool)):
            return self.prove(join_pointer(*tokens, "items"))
        return None
