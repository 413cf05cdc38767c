"""What ``apitwin verify`` can be told (:class:`VerifyOptions`); :class:`NothingSelected` when it selects nothing."""

from __future__ import annotations

from dataclasses import dataclass

from .verify_report import PHASES

__all__ = ["NothingSelected", "VerifyOptions"]


@dataclass(frozen=True)
class VerifyOptions:
    """Everything ``apitwin verify`` can be told.

    ``base_url`` without a path gets the spec's first server path appended
    (``http://host:11200`` + ``/public/api``). ``rate_limit`` is schemathesis'
    syntax, e.g. ``"100/s"``. Filters select operations by tag, operationId,
    path (exact template) or method; an empty filter selects all. ``api_keys``: (security scheme name,
    key) pairs for ``apiKey`` schemes, sent where the scheme says (header, query or cookie) with every
    request of an operation that requires the scheme. ``identities``: a Web Fuzzing Commons auth document
    listing users; the first is used, and ``peers`` (default: every user in the document) must not read each
    other's objects (schemathesis' ``object_level_authorization`` check; see :func:`identity_names`).
    ``parameters``: (name, value) pairs, each parameter of that name (``user_id``, or with its location,
    ``path.user_id``) always sent with that value (objects that exist on the server under test).
    ``workers``: requests at once against a URL (schemathesis' threads); against the mock, processes
    (:mod:`.verify_split`: the mock's work is CPU-bound, threads would take turns on the GIL).
    """

    base_url: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    auth: tuple[str, str] | None = None
    max_examples: int = 25
    seed: int | None = None
    workers: int = 1
    tags: tuple[str, ...] = ()
    operation_ids: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    exclude_checks: tuple[str, ...] = ()
    request_timeout: float = 10.0
    rate_limit: str | None = None
    phases: tuple[str, ...] = PHASES
    max_time: float | None = None
    cacert: str | None = None
    max_response_time: float | None = None
    api_keys: tuple[tuple[str, str], ...] = ()
    identities: str | None = None
    peers: tuple[str, ...] = ()
    parameters: tuple[tuple[str, str], ...] = ()
    #: only these operations, by label (``GET /pets/{id}``: the method and the tested document's path)
    operations: tuple[str, ...] = ()
    #: the ``time.monotonic()`` from which ``max_time`` counts (the command's start); None: verify's own start
    started: float | None = None


class NothingSelected(ValueError):
    """No operation of the spec matches the filters (or the spec has none): there is nothing to test."""
