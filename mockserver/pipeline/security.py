"""Security requirements compiled per operation: is a credential present and well formed?

Each kind of scheme has one reader (a table, :data:`_READERS`): it finds the
credential in the request or says why it is missing or malformed.
:func:`example_credential` is the other direction: a credential header a client
(the dashboard's form, ``apitwin verify --against-mock``) can send.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..config import MockConfig
from .problems import Problem, Violation
from .request import IncomingRequest

__all__ = ["SchemeKind", "SecurityChecker", "example_credential", "scheme_kind"]

SchemeKind = Literal["basic", "bearer", "http", "apikey-header", "apikey-query", "apikey-cookie", "none"]


def scheme_kind(scheme: Mapping[str, Any]) -> SchemeKind:
    """How a security scheme object carries its credential."""
    kind = str(scheme.get("type", ""))
    if kind == "http":
        name = str(scheme.get("scheme", "")).lower()
        return "basic" if name == "basic" else "bearer" if name in ("bearer", "") else "http"
    if kind == "apiKey":
        where = str(scheme.get("in", "header"))
        return "apikey-query" if where == "query" else "apikey-cookie" if where == "cookie" else "apikey-header"
    if kind in ("oauth2", "openIdConnect"):
        return "bearer"
    return "none"  # mutualTLS: nothing to see at HTTP level


@dataclass(frozen=True)
class _Scheme:
    name: str
    kind: SchemeKind
    key: str  # header / query / cookie name; the auth scheme's name for other ``http`` schemes
    realm: str
    prefix: str = ""
    scopes: tuple[str, ...] = ()

    def challenge(self) -> str:
        if self.kind == "basic":
            return f'Basic realm="{self.realm}"'
        if self.kind.startswith("apikey"):
            where = self.kind.split("-", 1)[1]
            return f'ApiKey realm="{self.realm}", {where}="{self.key}"'
        if self.kind == "http":
            name = _auth_scheme_name(self.key)
            extra = ', qop="auth", nonce="apitwin-mock"' if self.key == "digest" else ""
            return f'{name} realm="{self.realm}"{extra}'
        scope = f', scope="{" ".join(self.scopes)}"' if self.scopes else ""
        return f'Bearer realm="{self.realm}"{scope}'

    def credential(self, request: IncomingRequest) -> tuple[str | None, str | None]:
        """(credential, problem): the credential value, or why it is missing or malformed."""
        return _READERS[self.kind](self, request)


#: a reader: (scheme, request) -> (credential, why it is missing or malformed)
_Reader = Callable[[_Scheme, IncomingRequest], tuple[str | None, str | None]]


def _basic(scheme: _Scheme, request: IncomingRequest) -> tuple[str | None, str | None]:
    value = request.headers.get("authorization") or ""
    kind, _, token = value.partition(" ")
    if not value:
        return None, "missing Authorization header"
    if kind.lower() != "basic" or not token.strip():
        return None, "Authorization is not 'Basic <base64(user:password)>'"
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, "Basic credentials are not valid base64"
    if ":" not in decoded:
        return None, "Basic credentials lack the ':' between user and password"
    return decoded.split(":", 1)[0], None


def _bearer(scheme: _Scheme, request: IncomingRequest) -> tuple[str | None, str | None]:
    value = request.headers.get("authorization") or ""
    kind, _, token = value.partition(" ")
    if not value:
        return None, "missing Authorization header"
    if kind.lower() != "bearer" or not token.strip():
        return None, "Authorization is not 'Bearer <token>'"
    return token.strip(), None


def _auth_scheme_name(key: str) -> str:
    """The auth scheme's name as written in headers (``digest`` -> ``Digest``, ``hoba`` -> ``HOBA``)."""
    return {"digest": "Digest", "hoba": "HOBA", "mutual": "Mutual", "negotiate": "Negotiate", "vapid": "vapid",
            "scram-sha-1": "SCRAM-SHA-1", "scram-sha-256": "SCRAM-SHA-256", "aws4-hmac-sha256": "AWS4-HMAC-SHA256",
            "privatetoken": "PrivateToken", "concealed": "Concealed", "dpop": "DPoP", "gnap": "GNAP"}.get(
        key, key[:1].upper() + key[1:])


def _digest_params(text: str) -> dict[str, str]:
    """``username="a", realm="b", nc=00000001`` -> a dict (RFC 7616 auth-params, quoted or not)."""
    return {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
            for m in re.finditer(r'([A-Za-z0-9_*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))', text)}


def _http(scheme: _Scheme, request: IncomingRequest) -> tuple[str | None, str | None]:
    """Any other registered HTTP auth scheme (Digest, HOBA, Negotiate, ...): ``Authorization: <Scheme> <data>``."""
    value = request.headers.get("authorization") or ""
    kind, _, data = value.partition(" ")
    name = _auth_scheme_name(scheme.key)
    if not value:
        return None, "missing Authorization header"
    if kind.lower() != scheme.key or not data.strip():
        return None, f"Authorization is not '{name} <credentials>'"
    if scheme.key == "digest":
        params = _digest_params(data)
        missing = [p for p in ("username", "realm", "nonce", "uri", "response") if p not in params]
        if missing:
            return None, f"Digest credentials lack {', '.join(missing)}"
        return params["username"], None
    return data.strip(), None


def _apikey_header(scheme: _Scheme, request: IncomingRequest) -> tuple[str | None, str | None]:
    value = (request.headers.get(scheme.key.lower()) or "").strip()
    if not value:
        return None, f"missing {scheme.key} header"
    if scheme.prefix:
        if not value.lower().startswith(scheme.prefix.lower()) or not value[len(scheme.prefix):].strip():
            return None, f"{scheme.key} is not '{scheme.prefix}<key>'"
        value = value[len(scheme.prefix):].strip()
    return value, None


def _apikey_query(scheme: _Scheme, request: IncomingRequest) -> tuple[str | None, str | None]:
    values = request.query.get(scheme.key) or []
    if not values or not values[-1]:
        return None, f"missing query parameter {scheme.key}"
    return values[-1], None


def _apikey_cookie(scheme: _Scheme, request: IncomingRequest) -> tuple[str | None, str | None]:
    value = request.cookies.get(scheme.key, "")
    if not value:
        return None, f"missing cookie {scheme.key}"
    return value, None


def _none(scheme: _Scheme, request: IncomingRequest) -> tuple[str | None, str | None]:
    return "", None


_READERS: dict[SchemeKind, _Reader] = {
    "basic": _basic,
    "bearer": _bearer,
    "http": _http,
    "apikey-header": _apikey_header,
    "apikey-query": _apikey_query,
    "apikey-cookie": _apikey_cookie,
    "none": _none,
}


def _compile_scheme(name: str, scheme: Mapping[str, Any], realm: str, scopes: Any = ()) -> _Scheme:
    kind = scheme_kind(scheme)
    if kind.startswith("apikey"):
        return _Scheme(name, kind, str(scheme.get("name", "")), realm, str(scheme.get("x-apitwin-prefix", "")))
    if kind == "http":
        return _Scheme(name, kind, str(scheme.get("scheme", "")).lower(), realm)
    listed = tuple(str(s) for s in scopes) if isinstance(scopes, list) else ()
    return _Scheme(name, kind, "", realm, scopes=listed)


def example_credential(scheme: Mapping[str, Any], value: str) -> tuple[str, str] | None:
    """A header carrying the credential ``value`` as ``scheme`` expects it, or None when it is not sent in a header.

    For basic auth, ``value`` is the user name (the API key, for services such as DSS).
    """
    kind = scheme_kind(scheme)
    if kind == "basic":
        return "Authorization", "Basic " + base64.b64encode(f"{value}:".encode()).decode()
    if kind == "bearer":
        return "Authorization", f"Bearer {value}"
    if kind == "http":
        key = str(scheme.get("scheme", "")).lower()
        if key == "digest":
            return "Authorization", (f'Digest username="{value}", realm="apitwin", nonce="apitwin-mock", uri="/", '
                                     f'response="{"0" * 32}"')
        return "Authorization", f"{_auth_scheme_name(key)} {value}"
    if kind == "apikey-header":
        return str(scheme.get("name")), f"{scheme.get('x-apitwin-prefix', '')}{value}"
    return None


class SecurityChecker:
    """Checks one operation's security requirements (alternatives of schemes)."""

    def __init__(self, requirements: list[dict[str, list[str]]], schemes: Mapping[str, Any], realm: str,
                 config: MockConfig) -> None:
        self.config = config
        self.alternatives: list[list[_Scheme]] = []
        for requirement in requirements:
            alternative = [_compile_scheme(n, schemes.get(n) or {}, realm, scopes)
                           for n, scopes in requirement.items()]
            self.alternatives.append(alternative)
        self.optional = any(not alt for alt in self.alternatives)
        self.reads_cookies = any(s.kind == "apikey-cookie" for alt in self.alternatives for s in alt)

    def check(self, request: IncomingRequest) -> None:
        """Raise a 401 :class:`Problem` unless one alternative is satisfied."""
        if not self.alternatives or self.optional:
            return
        reasons: list[Violation] = []
        for alternative in self.alternatives:
            ok = True
            for scheme in alternative:
                value, why = scheme.credential(request)
                if why is not None:
                    reasons.append(Violation("security", scheme.name, why))
                    ok = False
                    break
                if not self.config.accept_any_credential and value not in self.config.credentials:
                    reasons.append(Violation("security", scheme.name, "credential is not accepted"))
                    ok = False
                    break
            if ok:
                return
        challenges = ", ".join(dict.fromkeys(s.challenge() for alt in self.alternatives for s in alt))
        names = " or ".join(" + ".join(s.name for s in alt) for alt in self.alternatives)
        raise Problem("unauthorized", f"missing or malformed credential: this operation needs {names}",
                      reasons, headers={"WWW-Authenticate": challenges})
