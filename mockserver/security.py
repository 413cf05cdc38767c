"""Security requirements compiled per operation: is a credential present and well formed?"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .config import MockConfig
from .problems import Problem, Violation

__all__ = ["SecurityChecker"]


@dataclass(frozen=True)
class _Scheme:
    name: str
    kind: str  # basic | bearer | apikey-header | apikey-query | apikey-cookie | other-http | none
    key: str  # header / query / cookie name
    realm: str
    prefix: str = ""

    def challenge(self) -> str:
        if self.kind == "basic":
            return f'Basic realm="{self.realm}"'
        if self.kind in ("bearer", "other-http"):
            return f'Bearer realm="{self.realm}"'
        if self.kind.startswith("apikey"):
            where = self.kind.split("-", 1)[1]
            return f'ApiKey realm="{self.realm}", {where}="{self.key}"'
        return f'Bearer realm="{self.realm}"'

    def credential(self, headers: Mapping[str, str], query: Any,
                   cookies: Mapping[str, str]) -> tuple[str | None, str | None]:
        """(credential, problem): the credential value, or why it is missing or malformed."""
        if self.kind == "basic":
            value = headers.get("authorization", "")
            scheme, _, token = value.partition(" ")
            if not value:
                return None, "missing Authorization header"
            if scheme.lower() != "basic" or not token.strip():
                return None, "Authorization is not 'Basic <base64(user:password)>'"
            try:
                decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return None, "Basic credentials are not valid base64"
            if ":" not in decoded:
                return None, "Basic credentials lack the ':' between user and password"
            return decoded.split(":", 1)[0], None
        if self.kind in ("bearer", "other-http"):
            value = headers.get("authorization", "")
            scheme, _, token = value.partition(" ")
            if not value:
                return None, "missing Authorization header"
            if scheme.lower() != "bearer" or not token.strip():
                return None, "Authorization is not 'Bearer <token>'"
            return token.strip(), None
        if self.kind == "apikey-header":
            value = headers.get(self.key.lower(), "").strip()
            if not value:
                return None, f"missing {self.key} header"
            if self.prefix:
                if not value.lower().startswith(self.prefix.lower()) or not value[len(self.prefix):].strip():
                    return None, f"{self.key} is not '{self.prefix}<key>'"
                value = value[len(self.prefix):].strip()
            return value, None
        if self.kind == "apikey-query":
            from .validation import query_values

            values = query_values(query, self.key)
            if not values or not values[-1]:
                return None, f"missing query parameter {self.key}"
            return values[-1], None
        if self.kind == "apikey-cookie":
            value = cookies.get(self.key, "")
            if not value:
                return None, f"missing cookie {self.key}"
            return value, None
        return "", None


def _compile_scheme(name: str, scheme: Mapping[str, Any], realm: str) -> _Scheme:
    kind = str(scheme.get("type", ""))
    if kind == "http":
        http = str(scheme.get("scheme", "")).lower()
        return _Scheme(name, "basic" if http == "basic" else "bearer" if http == "bearer" else "other-http", "", realm)
    if kind == "apiKey":
        where = str(scheme.get("in", "header"))
        return _Scheme(name, f"apikey-{where}", str(scheme.get("name", "")), realm,
                       str(scheme.get("x-apitwin-prefix", "")))
    if kind in ("oauth2", "openIdConnect"):
        return _Scheme(name, "bearer", "", realm)
    return _Scheme(name, "none", "", realm)  # mutualTLS: nothing to see at HTTP level


class SecurityChecker:
    """Checks one operation's security requirements (alternatives of schemes)."""

    def __init__(self, requirements: list[dict[str, list[str]]], schemes: Mapping[str, Any], realm: str,
                 config: MockConfig) -> None:
        self.config = config
        self.alternatives: list[list[_Scheme]] = []
        for requirement in requirements:
            alternative = [_compile_scheme(n, schemes.get(n) or {}, realm) for n in requirement]
            self.alternatives.append(alternative)
        self.optional = any(not alt for alt in self.alternatives)
        self.reads_cookies = any(s.kind == "apikey-cookie" for alt in self.alternatives for s in alt)

    def check(self, headers: Mapping[str, str], query: Any, cookies: Mapping[str, str]) -> None:
        """Raise a 401 :class:`Problem` unless one alternative is satisfied."""
        if not self.alternatives or self.optional:
            return
        reasons: list[Violation] = []
        for alternative in self.alternatives:
            ok = True
            for scheme in alternative:
                value, why = scheme.credential(headers, query, cookies)
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
