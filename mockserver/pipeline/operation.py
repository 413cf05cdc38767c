"""The spine: compiled APIs and operations, and the answer to one request in the README's order.

:class:`MockAPI` is built once per spec at load (security checkers, request
validators, indexed and validated examples). At request time
:meth:`CompiledOperation.handle` takes plain data and returns a :class:`Reply`:
security, validation, selection (stateful mode first, when on), self-check.
Routing, injected faults and recorded replays happen before, at the HTTP edge.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from ..config import MockConfig
from ..spec import LoadedSpec, Operation, SchemaCompiler, generate, iter_operations, load_spec, server_prefixes
from .error_model import error_reply
from .problems import Problem, Reply
from .request import AcceptHeader, IncomingRequest, Prefer
from .security import SecurityChecker
from .selection import (
    Example,
    MediaSpec,
    ResponseSpec,
    encode,
    find_status,
    index_responses,
    not_acceptable,
    select_response,
    usual_response,
)
from .selfcheck import Answer, response_violations, selfcheck
from .validation import RequestValidator

__all__ = ["CompiledOperation", "MockAPI", "StateFactory", "StateHandler", "Stored"]

log = logging.getLogger("apitwin")

#: the kind of the remembered outcome of compiling every operation (:meth:`MockAPI._invalid_examples`)
_EXAMPLE_CHECK = "example-check"

#: stateful mode's value for a selected media type and example, or None to answer from the spec
Stored = Callable[[MediaSpec, Example | None], Any]


class StateHandler(Protocol):
    """Stateful mode, as the spine sees it (``modes.stateful.StatefulEngine``)."""

    def handle(self, op: CompiledOperation, request: IncomingRequest, accept: AcceptHeader | None) -> Answer | None:
        """The stateful answer to a valid request, or None to answer from the spec."""

    def roles(self) -> dict[str, str]:
        """operationId -> the role stateful mode gave it."""

    def snapshot(self, limit: int = 200) -> list[dict[str, Any]]:
        """The state, one entry per collection (shown by the admin API)."""

    def reset_collection(self, collection: str) -> None:
        """Forget one collection (``/``: everything), seeded again on next use."""


#: builds the state handler of one API: (API name, its operations) -> handler
StateFactory = Callable[[str, "list[CompiledOperation]"], StateHandler]


class CompiledOperation:
    """One operation with everything it needs at request time, compiled on first use (:meth:`compile`)."""

    def __init__(self, api: MockAPI, operation: Operation) -> None:
        self.api = api
        self.operation = operation
        self._headers: dict[str, dict[str, str]] = {}
        self._statuses: dict[int, ResponseSpec | None] = {}  # find_status, remembered per status

    def compile(self) -> None:
        """Build now what is otherwise built on first use: the checker, the validators, the indexed examples."""
        for name in ("security", "validator", "responses", "media_types", "needs_cookies", "exposed_headers"):
            getattr(self, name)

    @cached_property
    def security(self) -> SecurityChecker:
        """The credential check of the operation's security requirements."""
        schemes = (self.api.spec.document.get("components") or {}).get("securitySchemes") or {}
        return SecurityChecker(self.operation.security, schemes, self.api.spec.title, self.api.config)

    @cached_property
    def validator(self) -> RequestValidator:
        """The request's validator: parameters, media type, body."""
        return RequestValidator.compile(self.operation, self.api.compiler, self.api.config.max_json_depth,
                                        self.api.config.max_multipart_parts)

    @cached_property
    def responses(self) -> list[ResponseSpec]:
        """The documented responses, their examples validated and serialised."""
        return index_responses(self.operation, self.api.compiler, self.api.spec.path.parent)

    @cached_property
    def media_types(self) -> list[str]:
        """Every documented media type of an answer (for 406)."""
        return sorted({m for r in self.responses for m in r.media})

    @cached_property
    def needs_cookies(self) -> bool:
        """Whether validation or security reads the ``Cookie`` header."""
        return self.validator.reads_cookies or self.security.reads_cookies

    @cached_property
    def usual_response(self) -> ResponseSpec | None:
        """The documented response of a valid request that prefers none (:func:`.selection.usual_response`)."""
        return usual_response(self.responses)

    @cached_property
    def exposed_headers(self) -> list[str]:
        """The documented response headers (exposed to cross-origin callers)."""
        return sorted({h for r in self.responses for h in r.headers})

    @property
    def invalid_examples(self) -> list[Example]:
        """Examples that do not validate against their schema (reported at load, 500 if served)."""
        return [e for r in self.responses for m in r.media.values() for e in m.examples if e.violations]

    def handle(self, request: IncomingRequest, prefer: Prefer, accept: AcceptHeader | None) -> Reply:
        """Security, validation, selection, self-check: the answer to ``request``."""
        self.security.check(request)
        if accept is not None and self.media_types and accept.best_match(self.media_types) is None:
            raise not_acceptable(self.operation.label, self.media_types)
        self.validator.validate(request)
        state = self.api.state
        answer = state.handle(self, request, accept) if state is not None and not prefer.chooses else None
        if answer is None:
            answer = self.answer(request, prefer, accept)
        return selfcheck(answer, self.operation.label, self.operation.operation_id, self.api.config)

    def answer(self, request: IncomingRequest, prefer: Prefer, accept: AcceptHeader | None, *,
               stored: Stored | None = None, location: str | None = None) -> Answer:
        """The documented answer to a valid ``request``, before the self-check.

        The body is what ``stored(media, example)`` gives for the selected media type and example
        (stateful mode's resource), else the selected example, else a value generated from the schema.
        ``location``: the new item's key, for the ``Location`` of a documented 201.
        """
        status, response, media, example = select_response(
            self.operation, self.responses, prefer, request, accept,
            pass_over_invalid=self.api.config.validate_responses, usual=self.usual_response)
        headers = dict(self.documented_headers(response))
        if media is None or status in (204, 304):
            return Answer(status, response, None, b"", headers, "empty answer")
        value = stored(media, example) if stored is not None else None
        document = self.api.compiler.document_for("response")  # media.schema's own document
        if value is not None:
            body, source = encode(value, media.media_type, media.schema, document), "stored resource"
            violations = response_violations(media, value)
        elif example is not None:
            value, body, source, violations = example.value, example.body, f"example {example.name!r}", \
                example.violations
        else:
            value, body, violations = self._generated(media, request, prefer, response.status)
            source = "a value generated from the schema"
        if status == 201 and "Location" in response.headers and "Location" not in headers:
            headers["Location"] = _location(request, value, location)
        return Answer(status, response, media, body, headers, source, violations)

    def _generated(self, media: MediaSpec, request: IncomingRequest, prefer: Prefer,
                   status: str) -> tuple[Any, bytes, list[Any]]:
        document = self.api.compiler.document_for("response")  # media.schema's own document
        if prefer.dynamic:
            seed = f"{self.api.config.seed}:{request.path}?{request.query_string!r}:{request.body!r}:{id(request)}"
            value = generate(document, media.schema or {}, seed=seed, dynamic=True, check=_checker(media))
            return value, encode(value, media.media_type, media.schema, document), response_violations(media, value)
        cached = media.generated.get("static")
        if cached is None:
            seed = f"{self.api.config.seed}:{self.operation.operation_id}:{status}"
            value = generate(document, media.schema or {}, seed=seed, check=_checker(media))
            cached = media.generated["static"] = (value, encode(value, media.media_type, media.schema, document),
                                                  response_violations(media, value))
        return cached

    def documented_headers(self, response: ResponseSpec) -> dict[str, str]:
        """The headers documented for ``response``, with their example (or generated) values; computed once."""
        cached = self._headers.get(response.status)
        if cached is None:
            cached = {}
            document = self.api.spec.document
            for name, header in response.headers.items():
                if name.lower() in ("content-type", "content-length") or not isinstance(header, dict):
                    continue
                if name.lower() == "location" and not _has_example(header):
                    continue
                value = _header_value(document, header, f"{self.operation.operation_id}:{name}")
                if value is not None:
                    cached[name] = value
            self._headers[response.status] = cached
        return cached

    def error_reply(self, problem: Problem, instance: str) -> Reply:
        """The answer for ``problem``: the API's documented error body, or RFC 9457 problem+json.

        It carries the headers documented for that error status (DSS: ``DSS-Version`` on every
        answer); without one, those every documented 4xx of the operation shares.
        """
        status = problem.status
        if status in self._statuses:
            documented = self._statuses[status]
        else:
            documented = self._statuses[status] = find_status(self.responses, status)
        reply = error_reply(self.responses, problem, instance, self.api.config,
                            self.api.compiler.document_for("response"), documented, found=True)
        if reply.status != status:
            documented = find_status(self.responses, reply.status)
        if documented is not None:
            headers = self.documented_headers(documented)
        else:
            errors = [self.documented_headers(r) for r in self.responses if r.status[:1] == "4"]
            headers = {k: v for k, v in errors[0].items() if all(k in e for e in errors[1:])} if errors else {}
        for name, value in headers.items():
            reply.headers.setdefault(name, value)
        return reply


def _checker(media: MediaSpec) -> Callable[[Any], bool] | None:
    """The compiled validator's verdict for generated values of ``media`` (None: no schema)."""
    return media.validator.is_valid if media.validator is not None else None


def _has_example(header: dict[str, Any]) -> bool:
    schema = header.get("schema") or {}
    return "example" in header or "examples" in header or "example" in schema or "examples" in schema


def _header_value(document: dict[str, Any], header: dict[str, Any], seed: str) -> str | None:
    if "example" in header:
        value = header["example"]
    elif header.get("examples"):
        first = next(iter(header["examples"].values()))
        value = first.get("value") if isinstance(first, dict) else first
    elif "schema" in header:
        value = generate(document, header["schema"], seed=seed)
    else:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _location(request: IncomingRequest, value: Any, key: str | None) -> str:
    """The URL of a created item: the request path plus its key (given, or its id/key/name/uuid field)."""
    ident: Any = key
    if ident is None and isinstance(value, dict):
        ident = next((value[k] for k in ("id", "key", "name", "uuid") if isinstance(value.get(k), (str, int))), None)
    base = request.path.rstrip("/")
    return f"{base}/{ident}" if ident is not None else base


class MockAPI:
    """One spec, compiled: its operations ready to answer."""

    def __init__(self, spec: LoadedSpec, config: MockConfig, state: StateFactory | None = None) -> None:
        self.spec = spec
        self.config = config
        self.operations = [CompiledOperation(self, op) for op in iter_operations(spec)]
        #: stateful mode's handler (None: stateless)
        self.state: StateHandler | None = state(spec.name, self.operations) if state is not None else None
        for file, line, pointer, name, label, where, message in self._invalid_examples():
            log.warning("%s:%s: %s: example %r of %s does not match its schema at %s: %s", file, line, pointer,
                        name, label, where, message)

    @cached_property
    def compiler(self) -> SchemaCompiler:
        """The validators of the document's schemas (its registry is built on first use)."""
        return SchemaCompiler(self.spec.document)

    def _invalid_examples(self) -> list[tuple[str, int | None, str, str, str, str, str]]:
        """Each example that does not match its schema, located: (file, line, pointer, name, operation,
        pointer of the failing value, message).

        The first start on a spec's files compiles every operation (an error in any of them
        shows now, not at its first request) and remembers the outcome (:meth:`LoadedSpec.remember`);
        later starts on the same files and code read it and leave each operation to its first use.
        """
        remembered = self.spec.recall(_EXAMPLE_CHECK)
        if isinstance(remembered, list):
            folder = self.spec.path.parent
            return [(str(folder / file), line, pointer, name, label, where, message)
                    for file, line, pointer, name, label, where, message in remembered]
        located: list[tuple[str, int | None, str, str, str, str, str]] = []
        for op in self.operations:
            op.compile()
            for example in op.invalid_examples:
                first = example.violations[0]
                file, pointer, line = self.spec.locate(example.pointer)
                located.append((str(file), line, pointer, example.name, op.operation.label, first.pointer or "/",
                                first.message))
        folder = self.spec.path.parent
        self.spec.remember(_EXAMPLE_CHECK, [[os.path.relpath(file, folder), *rest] for file, *rest in located])
        return located

    @classmethod
    def load(cls, path: str | Path, config: MockConfig, state: StateFactory | None = None) -> MockAPI:
        """Load, validate and compile the spec at ``path`` (stateful when given a ``state`` factory)."""
        return cls(load_spec(path, strict=config.strict), config, state)

    @property
    def name(self) -> str:
        """The spec's short name (file stem)."""
        return self.spec.name

    @property
    def prefixes(self) -> list[str]:
        """Every path prefix any operation is served under."""
        seen: list[str] = []
        for op in self.operations:
            for p in op.operation.prefixes:
                if p not in seen:
                    seen.append(p)
        return seen or server_prefixes(self.spec.document.get("servers"))
