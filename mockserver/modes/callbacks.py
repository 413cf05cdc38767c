"""Callbacks and webhooks: the mock calls the client back, as the spec's ``callbacks`` and ``webhooks`` say.

(Runtime expressions and the loopback rule are in :mod:`.expressions`; re-exported here.)

An operation's ``callbacks`` are compiled once (:func:`compile_callbacks`): for each callback, its
URL expression and the callback operation's request (the body from its example, else generated,
required header and query parameters likewise), its request validator and its documented answers.
After the mock has sent a 2xx answer, :meth:`Callbacks.fire` works out each URL from the request
and the answer (OpenAPI runtime expressions: ``{$request.body#/callbackUrl}``, ``$url``...) and
sends the callback from a background thread. OpenAPI 3.1 ``webhooks`` (:func:`compile_webhooks`)
are sent on demand to a URL the admin API is given.

Only loopback targets are called (``127.0.0.0/8``, ``::1``, ``localhost``) unless a host is allowed
(``MockConfig.callback_hosts``); no redirect is followed; each call has a timeout. The outcome (the
request sent, the answer, every violation of either against the callback's spec, or the error) is
logged and kept in the journal.
"""

from __future__ import annotations

import http.client
import logging
import os
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from ..config import MockConfig
from ..errors import bounded_traceback
from ..pipeline.problems import Problem, Violation
from ..pipeline.request import IncomingRequest, is_json
from ..pipeline.security import example_credential
from ..pipeline.selection import ResponseSpec, encode, index_responses
from ..pipeline.selfcheck import check_response
from ..pipeline.validation import RequestValidator
from ..spec import (
    HTTP_METHODS,
    Operation,
    SchemaCompiler,
    deref,
    deref_at,
    escape_token,
    generate,
    join_pointer,
    resolve_pointer,
)
from .expressions import Trigger, evaluate, expand, header_value, refused_target, text_value
from .journal import Journal, JournalEntry

__all__ = ["CALLBACK_CREDENTIAL", "CallbackOutcome", "CallbackPlan", "Callbacks", "Trigger", "compile_callbacks",
           "compile_webhooks", "evaluate", "expand", "record", "refused_target", "send"]

log = logging.getLogger("apitwin")

#: the credential a callback carries where its operation declares security (the receiver is the client's)
CALLBACK_CREDENTIAL = "apitwin-callback"
#: callbacks sent at once by one process; more wait their turn
_MAX_PARALLEL = 4


@dataclass
class CallbackPlan:
    """One callback (or webhook) operation, ready to send: its request, validator and documented answers."""

    name: str
    expression: str  # the URL template (a webhook: "")
    method: str
    operation: Operation
    body: bytes = b""
    media_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    query: list[tuple[str, str]] = field(default_factory=list)
    validator: RequestValidator | None = None
    responses: list[ResponseSpec] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        """The plan as the admin API lists it."""
        return {"name": self.name, "method": self.method.upper(), "url": self.expression or None,
                "operationId": self.operation.operation_id, "media_type": self.media_type,
                "responses": [r.status for r in self.responses]}


@dataclass
class CallbackOutcome:
    """What happened to one callback: the request sent, the answer or the error, and the violations."""

    plan: CallbackPlan
    url: str
    status: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: bytes = b""
    violations: list[Violation] = field(default_factory=list)
    error: str | None = None
    duration_ms: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """The outcome as the admin API answers it."""
        return {"name": self.plan.name, "method": self.plan.method.upper(), "url": self.url,
                "request": {"headers": self.plan.headers, "body": self.plan.body.decode("utf-8", "replace")},
                "status": self.status or None, "error": self.error,
                "response": {"headers": self.response_headers,
                             "body": self.response_body.decode("utf-8", "replace")} if self.status else None,
                "violations": [v.as_dict() for v in self.violations]}


def _value_of(document: dict[str, Any], node: dict[str, Any], seed: str, check: Any = None) -> Any:
    """A parameter's or a media type's value: its example, its first named example, else generated
    (``check``: the schema's compiled verdict, so that a generated value is a valid one)."""
    if "example" in node:
        return node["example"]
    examples = node.get("examples")
    if isinstance(examples, dict) and examples:
        first = deref(document, next(iter(examples.values())))
        if isinstance(first, dict) and "value" in first:
            return first["value"]
    return generate(document, node.get("schema") or {}, seed=seed, check=check)


def _plan(api: str, compiler: SchemaCompiler, folder: Path, name: str, expression: str, method: str,
          raw: dict[str, Any], pointer: str, seed: str, shared: list[tuple[Any, str]]) -> CallbackPlan:
    document = compiler.document
    own = [deref_at(document, p, f"{pointer}/parameters/{i}") for i, p in enumerate(raw.get("parameters") or [])]
    merged = {(p.get("name"), p.get("in")): (p, at) for p, at in [*shared, *own] if isinstance(p, dict)}
    params = list(merged.values())
    body, body_pointer = (deref_at(document, raw["requestBody"], f"{pointer}/requestBody")
                          if "requestBody" in raw else (None, ""))
    responses = {str(k): deref_at(document, v, f"{pointer}/responses/{escape_token(str(k))}")
                 for k, v in (raw.get("responses") or {}).items()}
    operation = Operation(api=api, method=method, path=expression, pointer=pointer,
                          operation_id=str(raw.get("operationId") or f"{name} {method.upper()}"), raw=raw,
                          parameters=params, request_body=body, body_pointer=body_pointer, responses=responses)
    plan = CallbackPlan(name, expression, method, operation, validator=RequestValidator.compile(operation, compiler),
                        responses=index_responses(operation, compiler, folder))
    for param, _ in params:
        if not isinstance(param, dict) or not param.get("required") or param.get("in") not in ("header", "query"):
            continue
        text = text_value(_value_of(document, param, f"{seed}:{param.get('name')}")) or ""
        if param["in"] == "header":
            plan.headers[str(param["name"])] = text
        else:
            plan.query.append((str(param["name"]), text))
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    for requirement in (raw.get("security") or [])[:1]:  # the first alternative, in every header it names
        for scheme_name in requirement if isinstance(requirement, dict) else ():
            scheme = deref(document, schemes.get(scheme_name) or {})
            header = example_credential(scheme, CALLBACK_CREDENTIAL) if isinstance(scheme, dict) else None
            if header is not None:
                plan.headers.setdefault(*header)
    content = (body or {}).get("content") or {}
    if content:
        media_type = next((m for m in content if is_json(m)), next(iter(content)))
        media = content[media_type] if isinstance(content[media_type], dict) else {}
        schema_pointer = body_pointer + join_pointer("content", media_type, "schema")
        check = compiler.at(schema_pointer, "request").is_valid if "schema" in media else None
        sent = compiler.document_for("request")  # readOnly properties forbidden: never generated
        try:
            sent_media = resolve_pointer(sent, body_pointer + join_pointer("content", media_type))
        except KeyError:
            sent_media = media
        value = _value_of(sent, sent_media if isinstance(sent_media, dict) else media, f"{seed}:body", check)
        plan.media_type = media_type
        plan.body = encode(value, media_type, media.get("schema"), document)
        plan.headers["Content-Type"] = media_type
    return plan


def _plans(api: str, compiler: SchemaCompiler, folder: Path, name: str, expression: str, item: Any,
           pointer: str, seed: str) -> list[CallbackPlan]:
    """The operations of one callback or webhook path item; one that cannot be compiled is skipped, warned."""
    document = compiler.document
    item, pointer = deref_at(document, item, pointer)
    if not isinstance(item, dict):
        return []
    shared = [deref_at(document, p, f"{pointer}/parameters/{i}") for i, p in enumerate(item.get("parameters") or [])]
    plans = []
    for method in HTTP_METHODS:
        if not isinstance(item.get(method), dict):
            continue
        try:
            plans.append(_plan(api, compiler, folder, name, expression, method, item[method], f"{pointer}/{method}",
                               f"{seed}:{method}", shared))
        except Exception as exc:  # a callback the mock cannot build must not stop the API being served
            log.warning("%s: %s %s: %s is not sent: %s: %s", api, pointer, method.upper(), name,
                        type(exc).__name__, exc)
    return plans


def compile_callbacks(api: str, operation: Operation, compiler: SchemaCompiler, folder: Path,
                      seed: int = 0) -> list[CallbackPlan]:
    """Every callback operation of ``operation`` (``folder``: the spec's, for external examples)."""
    plans: list[CallbackPlan] = []
    for name, callback in (operation.raw.get("callbacks") or {}).items():
        callback, pointer = deref_at(compiler.document, callback,
                                     f"{operation.pointer}{join_pointer('callbacks', str(name))}")
        if not isinstance(callback, dict):
            continue
        for expression, item in callback.items():
            if str(expression).startswith("x-"):
                continue
            plans += _plans(api, compiler, folder, str(name), str(expression), item,
                            f"{pointer}/{escape_token(str(expression))}", f"{seed}:{operation.operation_id}:{name}")
    return plans


def compile_webhooks(api: str, compiler: SchemaCompiler, folder: Path, seed: int = 0) -> dict[str, list[CallbackPlan]]:
    """The spec's OpenAPI 3.1 ``webhooks``: name -> its operations."""
    out: dict[str, list[CallbackPlan]] = {}
    for name, item in (compiler.document.get("webhooks") or {}).items():
        plans = _plans(api, compiler, folder, str(name), "", item, join_pointer("webhooks", str(name)),
                       f"{seed}:webhook:{name}")
        if plans:
            out[str(name)] = plans
    return out


def _request_violations(plan: CallbackPlan, url: str) -> list[Violation]:
    """The callback's own request checked against its spec (an example that breaks its schema shows here)."""
    if plan.validator is None:
        return []
    request = IncomingRequest(method=plan.method.upper(), path=urlsplit(url).path or "/", path_params={},
                              query={k: [v] for k, v in plan.query},
                              headers={k.lower(): v for k, v in plan.headers.items()}, cookies={},
                              content_type=plan.media_type, body=plan.body)
    try:
        plan.validator.validate(request)
    except Problem as problem:
        return [Violation("request " + v.location, v.pointer, v.message) for v in problem.violations] or [
            Violation("request", "", problem.detail)]
    return []


def send(plan: CallbackPlan, url: str, config: MockConfig) -> CallbackOutcome:
    """Send ``plan`` to ``url`` (refused unless loopback or allowed); the answer is checked against the spec."""
    outcome = CallbackOutcome(plan, url)
    refused = refused_target(url, config.callback_hosts)
    if refused is not None:
        outcome.error = f"not sent: {refused}"
        return outcome
    outcome.violations = _request_violations(plan, url)
    parts = urlsplit(url)
    target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    if plan.query:
        target += ("&" if parts.query else "?") + urlencode(plan.query)
    started = time.perf_counter()
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(parts.hostname or "", parts.port, timeout=config.callback_timeout_s,
                                                 context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=config.callback_timeout_s)
    try:
        connection.request(plan.method.upper(), target, body=plan.body or None,
                           headers={"User-Agent": "apitwin-callback", **plan.headers})
        answer = connection.getresponse()
        outcome.response_body = answer.read(1024 * 1024)
        outcome.status = answer.status
        outcome.response_headers = dict(answer.getheaders())
    except (OSError, http.client.HTTPException) as exc:
        outcome.error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    finally:
        connection.close()
        outcome.duration_ms = (time.perf_counter() - started) * 1000
    if outcome.status:
        media_type = header_value(outcome.response_headers, "Content-Type")
        outcome.violations += check_response(plan.responses, outcome.status, media_type, outcome.response_body)
    return outcome


def record(outcome: CallbackOutcome, journal: Journal | None, api: str, label: str) -> None:
    """Log the outcome and keep it in the journal (``label``: ``callback NAME of OPID``, ``webhook NAME``)."""
    plan = outcome.plan
    violations = list(outcome.violations)
    if outcome.error is not None:
        violations.append(Violation("callback", "", outcome.error))
        log.warning("%s: %s %s failed: %s", label, plan.method.upper(), outcome.url, outcome.error)
    else:
        log.info("%s: %s %s -> %d%s", label, plan.method.upper(), outcome.url, outcome.status,
                 "".join(f"; {v}" for v in outcome.violations))
    if journal is None:
        return
    parts = urlsplit(outcome.url)
    journal.record(JournalEntry(
        method=plan.method.upper(), path=outcome.url.split("?", 1)[0], query=parts.query, api=api, operation=label,
        status=outcome.status, headers=dict(plan.headers), body=plan.body or None,
        violations=[v.as_dict() for v in violations], duration_ms=outcome.duration_ms,
        response_headers=outcome.response_headers if outcome.status else None,
        response_body=outcome.response_body if outcome.status else None))


class _Sender:
    """The background threads of this process (made again after a fork: gunicorn workers)."""

    def __init__(self) -> None:
        self._pid = -1
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def submit(self, task: Any) -> None:
        with self._lock:
            if self._pool is None or self._pid != os.getpid():
                self._pid = os.getpid()
                self._pool = ThreadPoolExecutor(_MAX_PARALLEL, thread_name_prefix="apitwin-callback")
            self._pool.submit(task)


_SENDER = _Sender()


class Callbacks:
    """The callbacks of one operation, sent after its 2xx answers."""

    def __init__(self, plans: list[CallbackPlan], api: str, operation_id: str, config: MockConfig,
                 journal: Journal | None) -> None:
        self.plans = plans
        self.api = api
        self.operation_id = operation_id
        self.config = config
        self.journal = journal

    def fire(self, trigger: Trigger) -> None:
        """Queue every callback for ``trigger`` (a 2xx answer); returns at once."""
        if 200 <= trigger.status < 300:
            _SENDER.submit(lambda: self.run(trigger))

    def run(self, trigger: Trigger) -> list[CallbackOutcome]:
        """Send every callback for ``trigger`` now (in the calling thread) and record each outcome."""
        outcomes = []
        for plan in self.plans:
            label = f"callback {plan.name} of {self.operation_id}"
            try:
                url = expand(plan.expression, trigger)
                if url is None:
                    outcome = CallbackOutcome(plan, plan.expression,
                                              error=f"not sent: {plan.expression} has no value in this request")
                else:
                    outcome = send(plan, url, self.config)
                record(outcome, self.journal, self.api, label)
                outcomes.append(outcome)
            except Exception as exc:  # a background thread: log, never die silently
                log.error("%s failed\n%s", label, bounded_traceback(exc))
        return outcomes
