"""The framework-free core: compiled APIs and operations, and the answer to one request.

:class:`MockAPI` is built once per spec at load (routes, security checkers,
request validators, indexed and validated examples). At request time
:meth:`CompiledOperation.handle` takes plain data and returns a :class:`Reply`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import MockConfig
from .examples import (
    Example,
    MediaSpec,
    Prefer,
    ResponseSpec,
    encode,
    find_status,
    index_responses,
    select_response,
)
from .generator import generate
from .loading import LoadedSpec, load_spec
from .operations import Operation, iter_operations, server_prefixes
from .problems import Problem, Violation, render_problem, render_violations_header
from .schemas import SchemaCompiler, iter_violations
from .security import SecurityChecker
from .state import StateStore
from .stateful import StatefulEngine
from .validation import IncomingRequest, RequestValidator, is_json

__all__ = ["CompiledOperation", "MockAPI", "Reply", "problem_reply"]

log = logging.getLogger("apitwin")

_MESSAGE_FIELDS = ("message", "detail", "detailedMessage", "errorMessage", "error_message", "error_description")


@dataclass
class Reply:
    """An answer as plain data."""

    status: int
    body: bytes = b""
    media_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class CompiledOperation:
    """One operation with everything it needs at request time, built once."""

    def __init__(self, api: MockAPI, operation: Operation) -> None:
        self.api = api
        self.operation = operation
        compiler = api.compiler
        schemes = (api.spec.document.get("components") or {}).get("securitySchemes") or {}
        self.security = SecurityChecker(operation.security, schemes, api.spec.title, api.config)
        self.validator = RequestValidator.compile(operation, compiler)
        self.responses: list[ResponseSpec] = index_responses(operation, compiler, api.spec.path.parent)
        self.media_types = sorted({m for r in self.responses for m in r.media})
        self.needs_cookies = self.validator.reads_cookies or self.security.reads_cookies
        self.exposed_headers = sorted({h for r in self.responses for h in r.headers})
        self._headers: dict[str, dict[str, str]] = {}

    @property
    def invalid_examples(self) -> list[Example]:
        """Examples that do not validate against their schema (reported at load, 500 if served)."""
        return [e for r in self.responses for m in r.media.values() for e in m.examples if e.violations]

    def handle(self, request: IncomingRequest, prefer: Prefer, accept: Any) -> Reply:
        """Security, validation, selection, self-check: the answer to ``request``."""
        self.security.check(request.headers, request.query, request.cookies)
        if accept is not None and self.media_types and accept.best_match(self.media_types) is None:
            raise Problem("not-acceptable",
                          f"Accept does not allow any documented media type of {self.operation.label}: "
                          f"{', '.join(self.media_types)}",
                          [Violation("header", "Accept", f"documented: {', '.join(self.media_types)}")])
        self.validator.validate(request)
        state = self.api.state
        if state is not None and prefer.code is None and prefer.example is None and not prefer.dynamic:
            reply = state.handle(self, request, accept)
            if reply is not None:
                return reply
        return self.answer(request, prefer, accept)

    def answer(self, request: IncomingRequest, prefer: Prefer, accept: Any) -> Reply:
        """The documented answer to a valid ``request``: selection and self-check (no state)."""
        status, response, media, example = select_response(self.operation, self.responses, prefer, request, accept)
        headers = dict(self._documented_headers(response))
        if media is None or status in (204, 304):
            return Reply(status, b"", None, headers)
        if example is not None:
            if example.violations and self.api.config.validate_responses:
                raise self._invalid_response(f"example {example.name!r}", response, media, example.violations)
            body, value = example.body, example.value
        else:
            value, body = self._generated(response, media, request, prefer)
        if status == 201 and "Location" in response.headers and "Location" not in headers:
            headers["Location"] = _location(request, value)
        return Reply(status, body, media.media_type, headers)

    def check_response(self, status: int, media_type: str | None, body: bytes) -> list[Violation]:
        """What is wrong with a real or recorded answer ``status`` / ``media_type`` / ``body`` per the spec."""
        response = find_status(self.responses, status)
        if response is None:
            documented = ", ".join(r.status for r in self.responses)
            return [Violation("response", "status", f"received {status}, documented: {documented}")]
        if not response.media:
            return [] if not body else [Violation("response", "body", f"{status} documents no body")]
        base = (media_type or "").split(";")[0].strip().lower()
        media = response.media.get(base) or next(
            (m for name, m in response.media.items() if name.endswith("/*") and base.startswith(name[:-1])), None)
        if media is None:
            return [Violation("response", "content-type",
                              f"received {base or 'none'}, documented: {', '.join(response.media)}")]
        if not is_json(media.media_type) or media.validator is None:
            return []
        try:
            value = json.loads(body) if body else None
        except ValueError as exc:
            return [Violation("response", "body", f"not JSON: {exc}")]
        return list(iter_violations(media.validator, value, "response"))

    def _generated(self, response: ResponseSpec, media: MediaSpec, request: IncomingRequest,
                   prefer: Prefer) -> tuple[Any, bytes]:
        document = self.api.spec.document
        if prefer.dynamic:
            seed = f"{self.api.config.seed}:{request.path}?{request.query_string!r}:{request.body!r}:{id(request)}"
            value = generate(document, media.schema or {}, seed=seed, dynamic=True)
            violations = _violations(media, value)
            if violations and self.api.config.validate_responses:
                raise self._invalid_response("a value generated from the schema", response, media, violations)
            return value, encode(value, media.media_type)
        cached = media.generated.get("static")
        if cached is None:
            seed = f"{self.api.config.seed}:{self.operation.operation_id}:{response.status}"
            value = generate(document, media.schema or {}, seed=seed)
            cached = (value, encode(value, media.media_type), _violations(media, value))
            media.generated["static"] = cached
        value, body, violations = cached
        if violations and self.api.config.validate_responses:
            raise self._invalid_response("a value generated from the schema", response, media, violations)
        return value, body

    def _invalid_response(self, what: str, response: ResponseSpec, media: MediaSpec,
                          violations: list[Violation]) -> Problem:
        first = violations[0]
        detail = (f"the mock's {what} for {self.operation.label} {response.status} {media.media_type} "
                  f"does not match the spec at {first.pointer or '/'}: {first.message}")
        log.warning("self-check failed: %s", detail)
        return Problem("invalid-response", detail, violations,
                       extra={"operation": self.operation.operation_id, "example": what})

    def _documented_headers(self, response: ResponseSpec) -> dict[str, str]:
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
        """The answer for ``problem``: the API's documented error body, or RFC 9457 problem+json."""
        response = find_status(self.responses, problem.status)
        if response is not None and (problem.status < 500 or problem.kind == "injected-fault"):
            media = next((m for m in response.media.values() if is_json(m.media_type)), None)
            if media is not None:
                filled = self._fill_error(media, problem)
                if filled is not None:
                    reply = Reply(problem.status, filled, media.media_type, dict(problem.headers))
                    _add_violations(reply, problem, self.api.config)
                    return reply
        return problem_reply(problem, instance, self.api.config)

    def _fill_error(self, media: MediaSpec, problem: Problem) -> bytes | None:
        base = media.generated.get("error")
        if base is None:
            if media.examples and not media.examples[0].violations:
                value = media.examples[0].value
            else:
                value = generate(self.api.spec.document, media.schema or {}, seed="error")
            base = media.generated["error"] = (value, b"", [])
        template = _filled(base[0], problem)
        if _violations(media, template):
            # a message field with an enum or pattern refuses free text: keep the example's, fill the status only
            template = _filled(base[0], problem, messages=False)
            if _violations(media, template):
                return None
        return encode(template, media.media_type)


def _filled(value: Any, problem: Problem, messages: bool = True, depth: int = 0) -> Any:
    """The error example ``value`` telling ``problem``: message fields (also one level down, as in
    ``{requestError: {errorMessage}}``, and a string ``error``) carry its detail, an echoed HTTP status its status."""
    if not isinstance(value, dict):
        return value
    out = dict(value)
    for key, field_value in value.items():
        if messages and isinstance(field_value, str) and (key in _MESSAGE_FIELDS or (key == "error" and depth == 0)):
            out[key] = problem.detail
        elif key in ("status", "code", "statusCode", "status_code"):
            # an HTTP status echoed in the body (not e.g. a gRPC code) follows the real status
            if isinstance(field_value, int) and not isinstance(field_value, bool) and 100 <= field_value <= 599:
                out[key] = problem.status
            elif isinstance(field_value, str) and field_value.isdigit() and 100 <= int(field_value) <= 599:
                out[key] = str(problem.status)
        elif isinstance(field_value, dict) and depth == 0:
            out[key] = _filled(field_value, problem, messages, depth + 1)
    return out


def _violations(media: MediaSpec, value: Any) -> list[Violation]:
    if media.validator is None or isinstance(value, bytes):
        return []
    return list(iter_violations(media.validator, value, "response"))


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


def _location(request: IncomingRequest, value: Any) -> str:
    ident = None
    if isinstance(value, dict):
        for key in ("id", "key", "name", "uuid"):
            if isinstance(value.get(key), (str, int)):
                ident = value[key]
                break
    base = request.path.rstrip("/")
    return f"{base}/{ident}" if ident is not None else base


def _add_violations(reply: Reply, problem: Problem, config: MockConfig) -> None:
    violations = problem.violations or [Violation("request", "", problem.detail)]
    reply.headers[config.violations_header] = render_violations_header(violations)


def problem_reply(problem: Problem, instance: str, config: MockConfig) -> Reply:
    """RFC 9457 ``application/problem+json`` for ``problem``."""
    body = json.dumps(render_problem(problem, instance), ensure_ascii=False).encode("utf-8")
    reply = Reply(problem.status, body, "application/problem+json", dict(problem.headers))
    _add_violations(reply, problem, config)
    return reply


class MockAPI:
    """One spec, compiled: its operations ready to answer."""

    def __init__(self, spec: LoadedSpec, config: MockConfig, store: StateStore | None = None) -> None:
        self.spec = spec
        self.config = config
        self.compiler = SchemaCompiler(spec.document)
        self.operations = [CompiledOperation(self, op) for op in iter_operations(spec)]
        #: stateful mode's engine (None: stateless)
        self.state = StatefulEngine(spec.name, self.operations, store) if store is not None else None
        for op in self.operations:
            for example in op.invalid_examples:
                first = example.violations[0]
                file, pointer, line = spec.locate(example.pointer)
                log.warning("%s:%s: %s: example %r of %s does not match its schema at %s: %s", file, line, pointer,
                            example.name, op.operation.label, first.pointer or "/", first.message)

    @classmethod
    def load(cls, path: str | Path, config: MockConfig, store: StateStore | None = None) -> MockAPI:
        """Load, validate and compile the spec at ``path`` (stateful when given a ``store``)."""
        return cls(load_spec(path), config, store)

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
