"""Reading spec files: YAML (or JSON) with the safe loader, a parse cache, and the line of any JSON pointer."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import SpecLoadError
from ..files import display_path, write_atomically
from .json_lines import LineTree, json_line_tree, tree_line_of
from .pointers import split_pointer

if TYPE_CHECKING:
    import yaml

__all__ = ["MAX_DOCUMENT_BYTES", "cache_folder", "line_of", "parse_document", "read_document"]

#: the largest spec file read (the largest real spec is about 4 MB), and the largest size its YAML
#: aliases may expand it to (in JSON characters, approximately): a 449-byte alias bomb expands to gigabytes
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024

_YAML_UNSAFE = re.compile("[\x80-\x9f\ufeff]")
_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")

#: parse_document's marker: the text is not JSON
_NOT_JSON = object()

#: files smaller than this are not worth a parse-cache entry
_CACHED_FROM = 16_000


@lru_cache(maxsize=1)
def _loaders() -> tuple[type[yaml.SafeLoader], type[yaml.SafeLoader]]:
    """(the safe loader, in C when there is one; the same with timestamps kept as strings: OpenAPI
    documents are JSON data). yaml is imported here: a start from a spec's load record parses no YAML,
    and importing it costs about 30 ms."""
    import yaml

    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class _Loader(base):  # type: ignore[valid-type,misc]
        pass

    _Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)
    return base, _Loader


def cache_folder(kind: str) -> Path:
    """``~/.cache/apitwin/<kind>`` (or under ``$XDG_CACHE_HOME``): parsed files, validated specs."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "apitwin" / kind


def read_document(path: Path) -> Any:
    """Parse a YAML (or JSON) file with the safe loader; errors name the file and line."""
    return parse_document(read_text(path), path)


def read_text(path: Path) -> str:
    """The text of a spec file, refused (:class:`SpecLoadError`) when over :data:`MAX_DOCUMENT_BYTES`."""
    try:
        if path.stat().st_size > MAX_DOCUMENT_BYTES:
            raise SpecLoadError(display_path(path), None, "", f"the file is larger than {_mib()}: refused")
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecLoadError(display_path(path), None, "", f"cannot read: {exc.strerror or exc}") from exc




def _mib() -> str:
    return f"{MAX_DOCUMENT_BYTES / 1048576:g} MiB"


def _expanded_size(data: Any, limit: int) -> int:
    """About the size of ``data`` as JSON, each shared (aliased) node counted every time it is used.

    Memoized by identity over the parsed graph (a YAML alias is the same Python object), so
    a billion laughs costs a few dozen steps; stops as soon as ``limit`` is passed. A cycle
    (a recursive alias) raises ValueError.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Any, bool]] = [(data, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        if isinstance(node, dict):
            children = [*node.keys(), *node.values()]
        elif isinstance(node, list):
            children = node
        else:
            sizes[key] = len(node) + 2 if isinstance(node, str) else 8
            continue
        if children_done:
            total = 2 + sum(sizes[id(c)] + 1 for c in children)
            sizes[key] = total
            open_nodes.discard(key)
            if total > limit:
                return total
            continue
        if key in open_nodes:
            raise ValueError("a recursive alias (a node that contains itself)")
        open_nodes.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in open_nodes and isinstance(child, dict | list):
                raise ValueError("a recursive alias (a node that contains itself)")
            if id(child) not in sizes:
                stack.append((child, False))
    return sizes[id(data)]


def parse_document(text: str, path: Path) -> Any:
    """Parse YAML into JSON data (string keys, no timestamps), through a cache keyed by the text's hash.

    A 4 MB spec takes seconds to parse even with libyaml; its JSON form loads in a
    tenth of that, so an unchanged file (over 16 kB) is read from ``~/.cache/apitwin/parsed``.
    """
    if len(text) > MAX_DOCUMENT_BYTES:
        raise SpecLoadError(display_path(path), None, "", f"the document is larger than {_mib()}: refused")
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
    import yaml

    try:
        from_yaml = data is _NOT_JSON
        if from_yaml:
            data = yaml.load(text, Loader=_loaders()[1])
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecLoadError(display_path(path), line, "", f"invalid YAML: {problem}") from exc
    if from_yaml and "&" in text and "*" in text:  # anchors, aliases: bound their expansion before json.dumps
        try:
            size = _expanded_size(data, MAX_DOCUMENT_BYTES)
        except ValueError as exc:
            raise SpecLoadError(display_path(path), None, "", f"not JSON-compatible data: {exc}") from exc
        if size > MAX_DOCUMENT_BYTES:
            raise SpecLoadError(display_path(path), None, "",
                                f"YAML aliases expand the document beyond {_mib()} (an alias bomb?): refused")
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
def _composed(path: Path) -> yaml.Node | LineTree | None:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    if text.lstrip()[:1] in ("{", "["):  # JSON: a scan of its tokens, far quicker than YAML nodes
        tree = json_line_tree(text)
        if tree is not None:
            return tree
    import yaml

    base = _loaders()[0]
    try:
        return yaml.compose(text, Loader=base)
    except yaml.YAMLError:
        pass
    # JSON that YAML refuses (C1 control characters, surrogate escapes): the same lines, made YAML-safe
    try:
        return yaml.compose(_YAML_UNSAFE.sub(" ", _SURROGATE.sub("_", text)), Loader=base)
    except yaml.YAMLError:
        return None


def line_of(path: Path, pointer: str) -> int | None:
    """The 1-based line of ``pointer`` in the YAML file ``path`` (of its deepest existing parent)."""
    node = _composed(path)
    if node is None:
        return None
    if isinstance(node, tuple):
        return tree_line_of(node, split_pointer(pointer))
    import yaml

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
