"""Credentials for ``verify``: the mock's one accepted credential in every scheme a spec uses, and the users
of a Web Fuzzing Commons auth document (``--identities``) compared by ``object_level_authorization``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mockserver import example_credential
from mockserver.spec import HTTP_METHODS, deref

__all__ = ["MOCK_CREDENTIAL", "BadIdentities", "identity_names", "mock_api_keys", "mock_credential_headers"]

MOCK_CREDENTIAL = "apitwin-verify"


class BadIdentities(ValueError):
    """The identities document (``--identities``) cannot be used; the message says why, in one line."""


def identity_names(path: str, peers: tuple[str, ...] = ()) -> list[str]:
    """The users of the Web Fuzzing Commons auth document at ``path`` that are peers: ``peers`` when given
    (each must be a user of the document), else every user. Raises :class:`BadIdentities`."""
    from schemathesis.wfc.errors import WFCError
    from schemathesis.wfc.loader import load_from_file

    try:
        names = [entry.name for entry in load_from_file(path)]
    except WFCError as exc:
        raise BadIdentities(f"{path}: {' '.join(str(exc).split())}") from None
    unknown = [name for name in peers if name not in names]
    if unknown:
        raise BadIdentities(f"{path}: no user {', '.join(map(repr, unknown))}; its users: {', '.join(names)}")
    chosen = list(peers) or names
    if len(chosen) < 2:
        raise BadIdentities(f"{path}: object_level_authorization compares two users at least; "
                            f"it names {', '.join(map(repr, chosen))}")
    return chosen


def _used_schemes(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(name, scheme) of every security scheme a requirement names, at the root or per operation."""
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    requirements = list(document.get("security") or [])
    for item in (document.get("paths") or {}).values():
        for method, operation in (deref(document, item) or {}).items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                requirements.extend(operation.get("security") or [])
    for requirement in requirements:
        for name in requirement if isinstance(requirement, dict) else ():
            scheme = deref(document, schemes.get(name) or {})
            if isinstance(scheme, dict):
                yield str(name), scheme


def mock_credential_headers(document: dict[str, Any]) -> dict[str, str]:
    """Headers carrying the mock's one accepted credential in every header-borne security scheme the spec
    uses (at the root or per operation; the first scheme that claims a header keeps it). Keys in a query
    or a cookie go by :func:`mock_api_keys`."""
    headers: dict[str, str] = {}
    for _, scheme in _used_schemes(document):
        header = example_credential(scheme, MOCK_CREDENTIAL)
        if header is not None:
            headers.setdefault(header[0], header[1])
    return headers


def mock_api_keys(document: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """(scheme name, the mock's credential) for every ``apiKey`` scheme in a query or a cookie the spec uses:
    schemathesis sends them where the scheme says, with the requests of operations that require it."""
    names = {name for name, scheme in _used_schemes(document)
             if scheme.get("type") == "apiKey" and scheme.get("in") in ("query", "cookie")}
    return tuple((name, MOCK_CREDENTIAL) for name in sorted(names))
