"""Load a spec from disk: ``$ref`` bundling inside the spec's folder, then OpenAPI validation.

Everything here runs once, at load. The result, :class:`LoadedSpec`, is one
self-contained document (every ``$ref`` internal) plus the map that gives, for
any JSON pointer of that document, the file and line it came from.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from ..errors import SpecLoadError
from ..files import display_path, write_atomically
from .bundling import EXTERNAL_REF, Bundler, Origin, has_external_ref, needs_bundling, record_inlined_origins
from .documents import cache_folder, line_of, parse_document, read_document, read_text
from .loadcache import recall_derived, recall_loaded, recall_pinned, remember_derived, remember_loaded, text_key
from .pointers import escape_token, join_pointer, resolve_pointer, split_pointer
from .postman import convert as convert_postman
from .postman import is_postman
from .swagger2 import convert as convert_swagger2
from .swagger2 import is_swagger2
from .validity import iter_spec_errors

__all__ = ["LoadedSpec", "load_spec"]

#: changes whenever what load_spec makes of the same bytes changes (conversions, checks)
_LOADER_VERSION = "3"
#: the most problems a lenient load prints; ``apitwin lint`` lists them all
_MAX_WARNINGS = 40

log = logging.getLogger("apitwin")

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
#: a meta-schema verdict that names no keyword
_VAGUE = re.compile(r"is not valid under any of the|is not valid under any of the schemas listed")
#: keywords whose values are data, not OpenAPI (a "$ref" key in them is just a key)
_DATA_KEYWORDS = frozenset({"example", "default", "enum", "const", "value"})


@dataclass
class LoadedSpec:
    """A spec loaded and bundled: ``document`` has only internal ``$ref``.

    Attributes:
        path: the root file.
        document: the bundled OpenAPI document (plain dicts and lists).
        files: every file that contributed, root first.
    """

    path: Path
    document: dict[str, Any]
    files: list[Path] = field(default_factory=list)
    _origins: dict[str, Origin] = field(default_factory=dict, repr=False)
    #: pointer prefix of ``document`` -> pointer of the source document it was converted from
    _renames: dict[str, str] = field(default_factory=dict, repr=False)
    #: what the root file is: ``openapi``, ``swagger2`` (converted to 3.0) or ``postman`` (converted to 3.1)
    source_format: str = "openapi"
    #: the problems a lenient load tolerated, each once
    warnings: list[SpecLoadError] = field(default_factory=list)
    #: the hash of the exact content of ``files`` (and of apitwin's code), when the load cache holds it
    content_key: str | None = field(default=None, repr=False)
    #: the name of the load cache's record of this load, when it was recorded (:func:`.loadcache.pinned`)
    load_key: str | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        """A short name for the API: the root file's stem."""
        return self.path.stem

    @property
    def title(self) -> str:
        """``info.title`` of the spec."""
        info = self.document.get("info") or {}
        return str(info.get("title") or self.name)

    def locate(self, pointer: str) -> tuple[Path, str, int | None]:
        """Where a pointer of the bundled document comes from: (file, pointer in that file, line)."""
        if self._renames:
            renamed = ""
            for prefix in self._renames:
                if (pointer == prefix or pointer.startswith(prefix + "/")) and len(prefix) > len(renamed):
                    renamed = prefix
            pointer = self._renames[renamed] + pointer[len(renamed):] if renamed else _existing(self.path, pointer)
        best = ""
        for prefix in self._origins:
            if (pointer == prefix or pointer.startswith(prefix + "/")) and len(prefix) > len(best):
                best = prefix
        if best:
            origin = self._origins[best]
            local = origin.pointer + pointer[len(best) :]
        else:
            origin = Origin(self.path, "")
            local = pointer
        return origin.file, local, line_of(origin.file, local)

    def recall(self, kind: str) -> Any:
        """A result derived from this spec that :meth:`remember` kept for these exact files, or None."""
        return recall_derived(self.path, self.content_key, kind) if self.content_key is not None else None

    def remember(self, kind: str, value: Any) -> None:
        """Keep ``value`` (JSON data derived from this spec) for later starts on the same files."""
        if self.content_key is not None:
            remember_derived(self.path, self.content_key, kind, value)

    def error(self, pointer: str, message: str) -> SpecLoadError:
        """A :class:`SpecLoadError` for ``pointer`` of the bundled document."""
        file, local, line = self.locate(pointer)
        return SpecLoadError(display_path(file), line, local, message)


def _existing(file: Path, pointer: str) -> str:
    """The longest prefix of ``pointer`` that exists in ``file`` (for pointers a conversion made up)."""
    try:
        document = read_document(file)
    except SpecLoadError:
        return ""
    tokens = split_pointer(pointer)
    while tokens:
        try:
            resolve_pointer(document, join_pointer(*tokens))
            return join_pointer(*tokens)
        except KeyError:
            tokens.pop()
    return ""


def _digest(files: list[Path]) -> str:
    # The validator's version from its metadata: importing it costs half a second, and a
    # spec that was validated before does not need it (nor importlib.metadata: a start from records never does).
    import importlib.metadata

    h = hashlib.sha256(f"osv={importlib.metadata.version('openapi-spec-validator')};"
                       f"loader={_LOADER_VERSION};".encode())
    for f in files:
        h.update(str(f).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def _source_format(document: Any) -> str:
    if is_swagger2(document):
        return "swagger2"
    if is_postman(document):
        return "postman"
    return "openapi"


def load_spec(path: str | os.PathLike[str], *, validate: bool = True, strict: bool = False) -> LoadedSpec:
    """Read, bundle, convert and validate one spec; raise :class:`SpecLoadError` with file, line and pointer.

    Swagger 2.0 documents are converted to OpenAPI 3.0 and Postman collections to
    OpenAPI 3.1 (:mod:`.swagger2`, :mod:`.postman`); errors still name the source's lines.

    ``strict``: any OpenAPI validity problem stops the load. Otherwise (the default) a
    document that is structurally usable (an ``openapi: 3.x`` mapping whose paths,
    operations and responses are mappings and whose internal ``$ref`` resolve) loads: each
    validity problem is logged once as a warning ``FILE:LINE: POINTER: MESSAGE`` and kept
    in :attr:`LoadedSpec.warnings`.

    A validated load is remembered (keyed by the files' bytes, :mod:`.loadcache`), so a spec
    that did not change is read from its record: not parsed, bundled nor validated again.
    """
    root = Path(path).resolve()
    record = recall_pinned(root) if validate else None  # hot reload: the version the master built
    text = "" if record is not None else read_text(root)
    if validate:
        record = record or recall_loaded(root, text)
        if record is not None:
            spec = LoadedSpec(root, record.document, record.files, record.origins, record.renames,
                              record.source_format, record.warnings, record.content_key, record.key)
            if strict and spec.warnings:
                raise spec.warnings[0]
            _log_warnings(spec)
            return spec
    parsed = parse_document(text, root)
    kind = _source_format(parsed)
    bundler = Bundler(root, swagger=kind == "swagger2")
    bundler.docs[root] = parsed
    # the raw text's regex is quick, but escapes ("\x24ref") and aliases hide a key from it: the decoded data decides;
    # a hit whose bundle would change nothing (Kubernetes' schema property named $ref) is not bundled
    if kind != "postman" and (needs_bundling(parsed) if EXTERNAL_REF.search(text) else has_external_ref(parsed)):
        document = bundler.bundle()
        record_inlined_origins(bundler, document)
    else:
        document = parsed
        if not isinstance(document, dict):
            raise SpecLoadError(display_path(root), 1, "", "an OpenAPI document must be a mapping")
    renames: dict[str, str] = {}
    if kind == "swagger2":
        document, renames = convert_swagger2(document)
    elif kind == "postman":
        document, renames = convert_postman(document)
    files = [root, *sorted(p for p in bundler.docs if p != root)]
    spec = LoadedSpec(root, document, files, bundler.origins, renames, kind)
    _check_structure(spec)
    if validate:
        located = _validate_cached(spec, strict=strict)
        remembered = remember_loaded(root, text, spec.files, spec.document, spec._origins, spec._renames, kind,
                                     located)
        if remembered is not None:
            spec.document, spec.content_key = remembered
            spec.load_key = text_key(text)
        _log_warnings(spec)
    return spec


def _check_structure(spec: LoadedSpec) -> None:
    """What the engine needs of any document, valid or not; a :class:`SpecLoadError` when it is missing."""
    document = spec.document
    version = document.get("openapi")
    if not isinstance(version, str) or not version.startswith("3."):
        raise spec.error("/openapi", "not an OpenAPI document: no 'openapi: 3.x' (nor 'swagger: \"2.0\"') field"
                         if version is None else f"unsupported OpenAPI version {str(version)[:20]!r}: 3.x expected")
    paths = document.get("paths", {})
    if not isinstance(paths, dict):
        raise spec.error("/paths", "paths must be a mapping")
    for key, item in paths.items():
        where = join_pointer("paths", key)
        if not isinstance(item, dict):
            raise spec.error(where, "a path item must be a mapping")
        for method, operation in item.items():
            if method in _METHODS:
                if not isinstance(operation, dict):
                    raise spec.error(f"{where}/{method}", "an operation must be a mapping")
                if not isinstance(operation.get("responses", {}), dict):
                    raise spec.error(f"{where}/{method}/responses", "responses must be a mapping")
    _check_refs(spec, document, "")


def _check_refs(spec: LoadedSpec, node: Any, pointer: str) -> None:
    """Every internal ``$ref`` resolves (iteratively: documents are deep)."""
    stack: list[tuple[Any, str]] = [(node, pointer)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, dict):
            ref = current.get("$ref")
            if isinstance(ref, str) and ref.startswith("#"):
                try:
                    resolve_pointer(spec.document, unquote(ref[1:]))
                except KeyError as exc:
                    raise spec.error(f"{where}/$ref", f"$ref {ref!r} cannot be resolved: no {exc.args[0]!r}") from None
            stack.extend((v, f"{where}/{escape_token(str(k))}") for k, v in current.items()
                         if k not in _DATA_KEYWORDS)
        elif isinstance(current, list):
            stack.extend((v, f"{where}/{i}") for i, v in enumerate(current))


def _precise(found: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Distinct problems, without the vague ones ("... is not valid under any of the given schemas") that a
    precise problem deeper in the same node explains."""
    problems: list[tuple[str, str]] = []
    for problem in found:
        if problem not in problems:
            problems.append(problem)
    pointers = [p for p, _ in problems]
    return [(p, m) for p, m in problems
            if not (_VAGUE.search(m) and any(q.startswith(p.rstrip("/") + "/") for q in pointers))]


def _repair(document: dict[str, Any], problems: list[tuple[str, str]]) -> None:
    """Drop what a lenient load cannot use and has warned about.

    A ``pattern`` that is not a regular expression; a ``content`` entry whose key is not a
    media type or whose value is not a media type object.
    """
    for item in (document.get("paths") or {}).values():
        for method, operation in item.items() if isinstance(item, dict) else ():
            if method not in _METHODS or not isinstance(operation, dict):
                continue
            holders = [operation.get("requestBody"), *(operation.get("responses") or {}).values()]
            for holder in holders:
                content = holder.get("content") if isinstance(holder, dict) else None
                if isinstance(content, dict):
                    for key in [k for k, v in content.items() if "/" not in str(k) or not isinstance(v, dict)]:
                        del content[key]
    for pointer, message in problems:
        tokens = split_pointer(pointer)
        if tokens and tokens[-1] == "pattern" and "regex" in message:
            with contextlib.suppress(KeyError, TypeError):
                parent = resolve_pointer(document, join_pointer(*tokens[:-1]))
                if isinstance(parent, dict):
                    parent.pop("pattern", None)


def _validate_cached(spec: LoadedSpec, *, strict: bool) -> list[tuple[Path, int | None, str, str]]:
    """The validity problems of ``spec`` (``strict``: the first one raised), set as its warnings and
    returned located (file, line, pointer there, message); the document repaired where a lenient load
    cannot use it."""
    marker = cache_folder("validated") / _digest(spec.files)
    problems: list[tuple[str, str]] | None = None
    with contextlib.suppress(OSError, ValueError, TypeError):
        recorded = json.loads(marker.read_text(encoding="utf-8"))
        problems = [(str(p), str(m)) for p, m in recorded.get("problems", [])]
    if problems is None:
        # jsonschema-path wants a JSON-like tree it may read freely: give it a copy.
        document = copy.deepcopy(spec.document) if spec.files[1:] or spec.source_format != "openapi" else spec.document
        problems = _precise(iter_spec_errors(document, thorough=False))
        with contextlib.suppress(OSError):  # the cache is an optimisation only
            write_atomically(marker, json.dumps({"spec": str(spec.path), "problems": problems}))
    if problems and strict:
        pointer, message = problems[0]
        raise spec.error(pointer, f"invalid OpenAPI: {message}")
    located: list[tuple[Path, int | None, str, str]] = []
    for pointer, message in problems:
        file, local, line = spec.locate(pointer)
        located.append((file, line, local, f"invalid OpenAPI: {message}"))
    spec.warnings = [SpecLoadError(display_path(file), line, local, message) for file, line, local, message in located]
    _repair(spec.document, problems)
    return located


def _log_warnings(spec: LoadedSpec) -> None:
    for warning in spec.warnings[:_MAX_WARNINGS]:
        log.warning("%s", warning)
    if len(spec.warnings) > _MAX_WARNINGS:
        log.warning("%s: %d more problems; `apitwin lint %s` lists them all", display_path(spec.path),
                    len(spec.warnings) - _MAX_WARNINGS, display_path(spec.path))
