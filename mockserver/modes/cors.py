"""CORS for browser frontends: answers to preflights and headers of cross-origin answers, from the spec."""

from __future__ import annotations

from collections.abc import Iterable

from ..config import MockConfig
from ..pipeline.request import Headers

__all__ = ["cors_headers", "preflight_headers"]


def _allowed_origin(config: MockConfig, origin: str | None) -> tuple[str, dict[str, str]] | None:
    """The ``Access-Control-Allow-Origin`` value for ``origin`` and the credentials header that goes with it.

    An origin listed by name may send credentials (cookies, HTTP auth); with ``*`` any origin is
    answered, but never with ``Access-Control-Allow-Credentials``: a page from anywhere must not
    act with the browser's credentials.
    """
    if not origin or not config.cors:
        return None
    if origin in config.cors_origins and origin != "*":
        return origin, {"Access-Control-Allow-Credentials": "true"}
    if "*" in config.cors_origins:
        return origin, {}
    return None


def cors_headers(config: MockConfig, origin: str | None, exposed: Iterable[str]) -> dict[str, str]:
    """Headers for an actual (non-preflight) cross-origin response."""
    allowed = _allowed_origin(config, origin)
    if allowed is None:
        return {}
    expose = sorted({*exposed, config.violations_header, "Location"})
    return {
        "Access-Control-Allow-Origin": allowed[0],
        **allowed[1],
        "Access-Control-Expose-Headers": ", ".join(expose),
        "Vary": "Origin",
    }


def preflight_headers(config: MockConfig, request_headers: Headers, methods: Iterable[str],
                      documented_headers: Iterable[str]) -> dict[str, str] | None:
    """Headers answering a CORS preflight, or None when the request is not an allowed preflight.

    The allowed methods are the ones the spec documents for the path; the allowed
    headers are the ones asked for when the spec documents them (or they are the
    usual Authorization / Content-Type / Accept / Prefer).
    """
    origin = request_headers.get("Origin")
    wanted_method = request_headers.get("Access-Control-Request-Method")
    allowed = _allowed_origin(config, origin)
    if allowed is None or not wanted_method:
        return None
    methods = sorted({m.upper() for m in methods} - {"OPTIONS"})
    known = {h.lower() for h in documented_headers} | {"authorization", "content-type", "accept", "prefer"}
    asked = [h.strip() for h in (request_headers.get("Access-Control-Request-Headers") or "").split(",") if h.strip()]
    return {
        "Access-Control-Allow-Origin": allowed[0],
        **allowed[1],
        "Access-Control-Allow-Methods": ", ".join(methods),
        "Access-Control-Allow-Headers": ", ".join(h for h in asked if h.lower() in known) or "Content-Type",
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    }
