"""Delays and injected faults a frontend needs to test against: plain functions over plain data."""

from __future__ import annotations

import random
from typing import Literal, get_args

from ..config import MockConfig
from ..pipeline.request import Prefer

__all__ = ["FAULTS", "Fault", "planned_delay_ms", "planned_fault"]

#: what ``Prefer: fault=`` may ask for: drop the connection after a while, reset it, or answer 500
Fault = Literal["timeout", "reset", "500"]
FAULTS: tuple[Fault, ...] = get_args(Fault)


def planned_delay_ms(config: MockConfig, prefer: Prefer, rng: random.Random) -> int:
    """The delay before answering: ``Prefer: delay=`` wins over the configured one (both bounded)."""
    if prefer.delay_ms is not None:
        return min(prefer.delay_ms, config.max_delay_ms)
    jitter = rng.randint(0, config.delay_jitter_ms) if config.delay_jitter_ms > 0 else 0
    return min(config.delay_ms + jitter, config.max_delay_ms)


def planned_fault(config: MockConfig, prefer: Prefer, operation_id: str, rng: random.Random) -> Fault | None:
    """``timeout``, ``reset``, ``500`` or None: ``Prefer: fault=`` first, then the configured error rate."""
    for fault in FAULTS:
        if prefer.fault == fault:
            return fault
    rate = config.error_rate(operation_id)
    if rate > 0 and rng.random() < rate:
        return "500"
    return None
