"""An item's stored value in stateful mode: its key (read, written, made up), merges and schema repairs."""

from __future__ import annotations

import copy
import random
import re
import string
import uuid
from typing import Any

from ..pipeline.problems import iter_violations
from ..pipeline.selection import MediaSpec
from ..pipeline.selfcheck import conforms
from ..spec import split_pointer
from .resources import Collection

__all__ = ["deep_merge", "key_of", "new_key", "repair", "set_key"]

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_rng = random.SystemRandom()


def deep_merge(base: Any, patch: Any) -> Any:
    """``patch`` merged into ``base`` (objects key by key, everything else replaced)."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = deep_merge(base.get(key), value)
        return out
    return copy.deepcopy(patch)


def repair(media: MediaSpec | None, value: Any, fallback: Any) -> Any:
    """``value``, with the top-level fields that break the read schema taken back from ``fallback``."""
    if media is None or media.validator is None or not isinstance(value, dict):
        return value
    for _ in range(8):
        violations = list(iter_violations(media.validator, value, "response"))
        if not violations:
            return value
        for violation in violations:
            token = next(iter(split_pointer(violation.pointer)), "")
            if token and token in value:
                if isinstance(fallback, dict) and token in fallback:
                    value[token] = copy.deepcopy(fallback[token])
                else:
                    del value[token]
            elif isinstance(fallback, dict):
                for name in fallback:  # a missing required field
                    value.setdefault(name, copy.deepcopy(fallback[name]))
    return value if conforms(media, value) else fallback


def new_key(template: Any) -> str | int:
    if isinstance(template, int) and not isinstance(template, bool):
        return _rng.randint(10_000, 99_999_999)
    if isinstance(template, str) and _UUID.match(template):
        return str(uuid.uuid4())
    length = min(max(len(template), 6), 16) if isinstance(template, str) else 8
    alphabet = string.ascii_letters + string.digits
    return "".join(_rng.choice(alphabet) for _ in range(length))


def key_of(collection: Collection, value: dict[str, Any]) -> Any:
    """The key an item shows: its key field, or the nested field of ``key_path``."""
    if collection.key_field:
        return value.get(collection.key_field)
    if collection.key_path:
        nested = value.get(collection.key_path[0])
        return nested.get(collection.key_path[1]) if isinstance(nested, dict) else None
    return None


def set_key(collection: Collection, value: Any, key: Any, body: dict[str, Any] | None = None) -> None:
    """Write ``key`` into ``value`` where the item shows it; a nested holder also takes the body's fields it has."""
    if not isinstance(value, dict):
        return
    if collection.key_field:
        value[collection.key_field] = key
    elif collection.key_path:
        holder, name = collection.key_path
        nested = dict(value[holder]) if isinstance(value.get(holder), dict) else {}
        for field_name, given in (body or {}).items():
            if field_name in nested and given is not None:
                nested[field_name] = copy.deepcopy(given)
        nested[name] = key
        value[holder] = nested
