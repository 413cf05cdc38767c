"""MockConfig: every setting of the mock server with its default, in one place."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["MockConfig"]


@dataclass(frozen=True)
class MockConfig:
    """Settings of a mock app.

    Attributes:
        accept_any_credential: accept every well-formed credential (the default).
            When False, only the values in ``credentials`` are accepted.
        credentials: accepted credential values when ``accept_any_credential`` is
            False: API keys, bearer tokens, or basic-auth user names.
        validate_responses: validate every response against the spec before it is
            sent (the self-check). A mismatch becomes a 500 problem.
        seed: seed of the data generated from schemas, so that the same request
            gets the same answer from one run to the next.
        violations_header: the response header that lists every violation.
    """

    accept_any_credential: bool = True
    credentials: frozenset[str] = field(default_factory=frozenset)
    validate_responses: bool = True
    seed: int = 0
    violations_header: str = "sl-violations"
