"""Behaviour controls a frontend needs: CORS, delays and injected faults. Plain functions over plain data."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping

from .config import MockConfig
from .examples import Prefer

__all__ = ["FAULTS", "cors_headers", "planned_delay_ms", "planned_fault", "preflight_headers"]

#: what ``Prefer: fault=`` may ask for
FAULTS = ("timeout", "reset", "500")


def _allowed_origin(config: MockConfig, origin: str | None) -> str | None:
    if not origin or not config.cors:
        return None
    if "*" in config.cors_origins or origin in config.cors_origins:
        return origin
    return None


def cors_headers(config: MockConfig, origin: str | None, exposed: Iterable[str]) -> dict[str, str]:
    """Headers for an actual (non-preflight) cross-origin response."""
    allowed = _allowed_origin(config, origin)
    if allowed is None:
        return {}
    expose = sorted({*exposed, config.violations_header, "Location"})
    return {
        "Access-Control-Allow-Origin": allowed,
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Expose-Headers": ", ".join(expose),
        "Vary": "Origin",
    }


def preflight_headers(config: MockConfig, request_headers: Mapping[str, str], methods: Iterable[str],
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
        "Access-Control-Allow-Origin": allowed,
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Allow-Methods": ", ".join(methods),
        "Access-Control-Allow-Headers": ", ".join(h for h in asked if h.lower() in known) or "Content-Type",
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    }


def planned_delay_ms(config: MockConfig, prefer: Prefer, rng: random.Random) -> int:
    """The delay before answering: ``Prefer: delay=`` wins over the configured one (both bounded)."""
    if prefer.delay_ms is not None:
        return min(prefer.delay_ms, config.max_delay_ms)
    jitter = rng.randint(0, config.delay_jitter_ms) if config.delay_jitter_ms > 0 else 0
    return min(config.delay_ms + jitter, config.max_delay_ms)


def planned_fault(config: MockConfig, prefer: Prefer, operation_id: str, rng: random.Random) -> str | None:
    """``timeout``, ``reset``, ``500`` or None: ``Prefer: fault=`` first, then the configured error rate."""
    if prefer.fault in FAULTS:
        return prefer.fault
    rate = config.error_rate(operation_id)
    if rate > 0 and rng.random() < rate:
        return "500"
    return None
