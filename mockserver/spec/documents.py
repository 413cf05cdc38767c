"""Reading spec files: YAML (or JSON) with the safe loader, a parse cache, and the line of any JSON pointer."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..errors import SpecLoadError
from ..files import display_path, write_atomically
from .pointers import split_pointer

__all__ = ["cache_folder", "line_of", "parse_document", "read_document"]

_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_YAML_UNSAFE = re.compile("[\x80-\x9f\ufeff]")
_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")

#: parse_document's marker: the text is not JSON
_NOT_JSON = object()

#: files smaller than this are not worth a parse-cache entry
_CACHED_FROM = 16_000


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """The safe loader, with timestamps kept as strings: OpenAPI documents are JSON data."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


def cache_folder(kind: str) -> Path:
    """``~/.cache/apitwin/<kind>`` (or under ``$XDG_CACHE_HOME``): parsed files, validated specs."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "apitwin" / kind


def read_document(path: Path) -> Any:
    """Parse a YAML (or JSON) file with the safe loader; errors name the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecLoadError(display_path(path), None, "", f"cannot read: {exc.strerror or exc}") from exc
    return parse_document(text, path)


def parse_document(text: str, path: Path) -> Any:
    """Parse YAML into JSON data (string keys, no timestamps), through a cache keyed by the text's hash.

    A 4 MB spec takes seconds to parse even with libyaml; its JSON form loads in a
    tenth of that, so an unchanged file (over 16 kB) is read from ``~/.cache/apitwin/parsed``.
    """
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    cached = cache_folder("parsed") / f"{digest}.json"
    large = len(text) > _CACHED_FROM
    if large:
        try:
            return json.loads(cached.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
    data: Any = _NOT_JSON
    if text.lstrip()[:1] in ("{", "["):  # JSON: read as JSON (YAML refuses C1 controls, split surrogates)
        with contextlib.suppress(ValueError, RecursionError):
            data = json.loads(text)
    try:
        if data is _NOT_JSON:
            data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecLoadError(display_path(path), line, "", f"invalid YAML: {problem}") from exc
    try:
        encoded = json.dumps(data, ensure_ascii=False, default=str)
    except ValueError as exc:  # e.g. a circular alias
        raise SpecLoadError(display_path(path), None, "", f"not JSON-compatible data: {exc}") from exc
    data = json.loads(encoded)  # the same shape cold and warm: string keys only
    if large:
        with contextlib.suppress(OSError):  # the cache is an optimisation only
            write_atomically(cached, encoded)
    return data


@lru_cache(maxsize=64)
def _composed(path: Path) -> yaml.Node | None:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    try:
        return yaml.compose(text, Loader=_Base)
    except yaml.YAMLError:
        pass
    # JSON that YAML refuses (C1 control characters, surrogate escapes): the same lines, made YAML-safe
    try:
        return yaml.compose(_YAML_UNSAFE.sub(" ", _SURROGATE.sub("_", text)), Loader=_Base)
    except yaml.YAMLError:
        return None


def line_of(path: Path, pointer: str) -> int | None:
    """The 1-based line of ``pointer`` in the YAML file ``path`` (of its deepest existing parent)."""
    node = _composed(path)
    if node is None:
        return None
    for token in split_pointer(pointer):
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == token:
                    child = value
                    break
        elif isinstance(node, yaml.SequenceNode) and token.isdigit() and int(token) < len(node.value):
            child = node.value[int(token)]
        if child is None:
            break
        node = child
    return int(node.start_mark.line) + 1
