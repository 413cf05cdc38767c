"""String values for generated data: samples per ``format`` and strings a regex matches."""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any

__all__ = ["FORMATS", "fits_names", "matches", "sample_regex"]

#: a readable sample per string ``format``, drawn from the generator's random source
FORMATS: dict[str, Any] = {
    "date-time": lambda r: f"2026-{r.randint(1, 11):02d}-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:"
                           f"{r.randint(0, 59):02d}:{r.randint(0, 59):02d}Z",
    "date": lambda r: f"2026-{r.randint(1, 11):02d}-{r.randint(1, 28):02d}",
    "time": lambda r: f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}Z",
    "email": lambda r: f"user{r.randint(1, 999)}@example.com",
    "idn-email": lambda r: f"user{r.randint(1, 999)}@example.com",
    "uuid": lambda r: str(uuid.UUID(int=r.getrandbits(128), version=4)),
    "uri": lambda r: f"https://example.com/resources/{r.randint(1, 9999)}",
    "iri": lambda r: f"https://example.com/resources/{r.randint(1, 9999)}",
    "uri-reference": lambda r: f"/resources/{r.randint(1, 9999)}",
    "iri-reference": lambda r: f"/resources/{r.randint(1, 9999)}",
    "uri-template": lambda r: "https://example.com/resources/{id}",
    "url": lambda r: f"https://example.com/resources/{r.randint(1, 9999)}",
    "hostname": lambda r: f"host{r.randint(1, 99)}.example.com",
    "idn-hostname": lambda r: f"host{r.randint(1, 99)}.example.com",
    "ipv4": lambda r: f"192.0.2.{r.randint(1, 254)}",
    "ipv6": lambda r: f"2001:db8::{r.randint(1, 65535):x}",
    "byte": lambda r: base64.b64encode(r.randbytes(12)).decode(),
    "binary": lambda r: "binary-content",
    "password": lambda r: "********",
    "duration": lambda r: f"PT{r.randint(1, 59)}M",
    "regex": lambda r: "^[a-z]+$",
    "json-pointer": lambda r: f"/items/{r.randint(0, 9)}",
    "relative-json-pointer": lambda r: f"{r.randint(0, 3)}/name",
}


def matches(pattern: str, name: str) -> list[str]:
    """Distinct strings ``pattern`` matches: ``name`` if it does, then samples with more and more repeats."""
    out: list[str] = []
    try:
        if re.search(pattern, name):
            out.append(name)
    except re.error:
        return out
    for extra in range(32):
        sampled = sample_regex(pattern, extra)
        if sampled is not None and sampled not in out and re.search(pattern, sampled):
            out.append(sampled)
    return out


def fits_names(name: str, names: dict[str, Any]) -> bool:
    """Whether ``name`` satisfies a ``propertyNames`` schema's string keywords."""
    if len(name) < int(names.get("minLength") or 0):
        return False
    if names.get("maxLength") is not None and len(name) > int(names["maxLength"]):
        return False
    pattern = names.get("pattern")
    return not isinstance(pattern, str) or bool(re.search(pattern, name))


_CATEGORY = {"CATEGORY_DIGIT": "0", "CATEGORY_WORD": "a", "CATEGORY_SPACE": " ", "CATEGORY_NOT_DIGIT": "a",
             "CATEGORY_NOT_WORD": "-", "CATEGORY_NOT_SPACE": "a"}


def sample_regex(pattern: str, extra: int) -> str | None:
    """The shortest string ``pattern`` matches in full, with ``extra`` more repeats where it allows them
    (a walk of the parsed regex; None when it uses what the walk cannot follow)."""
    import importlib

    sre_parse: Any = importlib.import_module("re._parser")  # the standard library's regex parser (3.11+)

    try:
        parsed = sre_parse.parse(pattern)
    except (re.error, RecursionError, ValueError):
        return None

    def char_of(items: Any) -> str | None:
        negate = False
        allowed: list[str] = []
        banned: set[str] = set()
        for op, arg in items:
            name = str(op)
            if name == "NEGATE":
                negate = True
            elif name == "LITERAL":
                (banned.add if negate else allowed.append)(chr(arg))
            elif name == "RANGE":
                if negate:
                    banned.update(chr(c) for c in range(arg[0], min(arg[1], arg[0] + 256) + 1))
                else:
                    allowed.append(chr(arg[0]))
            elif name == "CATEGORY":
                sample = _CATEGORY.get(str(arg))
                if sample is not None and not negate:
                    allowed.append(sample)
        if negate:
            return next((c for c in "a0A_-x" if c not in banned), None)
        return allowed[0] if allowed else None

    def walk(tokens: Any) -> str | None:
        out: list[str] = []
        for op, arg in tokens:
            name = str(op)
            if name == "LITERAL":
                out.append(chr(arg))
            elif name == "NOT_LITERAL":
                out.append("a" if chr(arg) != "a" else "b")
            elif name == "ANY":
                out.append("a")
            elif name == "IN":
                c = char_of(arg)
                if c is None:
                    return None
                out.append(c)
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                low, high, sub = arg
                count = low + extra if high == sre_parse.MAXREPEAT else min(high, low + extra)
                part = walk(sub)
                if part is None:
                    return None
                out.append(part * count)
            elif name == "SUBPATTERN":
                part = walk(arg[-1])
                if part is None:
                    return None
                out.append(part)
            elif name == "BRANCH":
                part = walk(arg[1][0])
                if part is None:
                    return None
                out.append(part)
            elif name == "AT":
                continue
            elif name == "CATEGORY":
                out.append(_CATEGORY.get(str(arg), "a"))
            else:  # lookarounds, back references: not followed
                return None
        return "".join(out)

    return walk(parsed)
