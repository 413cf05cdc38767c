"""Load a spec from disk: ``$ref`` bundling inside the spec's folder, then OpenAPI validation.

Everything here runs once, at load. The result, :class:`LoadedSpec`, is one
self-contained document (every ``$ref`` internal) plus the map that gives, for
any JSON pointer of that document, the file and line it came from.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import importlib.metadata
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
from .documents import cache_folder, line_of, parse_document, read_document
from .pointers import escape_token, join_pointer, resolve_pointer, split_pointer
from .postman import convert as convert_postman
from .postman import is_postman
from .swagger2 import convert as convert_swagger2
from .swagger2 import is_swagger2
from .validity import iter_spec_errors

__all__ = ["LoadedSpec", "load_spec"]

_EXTERNAL_REF = re.compile(r"""\$ref['"]?\s*:\s*['"]?(?!['"]?#)[^\s'"]""")
_COMPONENT = re.compile(r"^/components/([^/]+)/([^/]+)$")
#: Swagger 2.0's component sections, at the root of the document
_SWAGGER_COMPONENT = re.compile(r"^/(definitions|parameters|responses)/([^/]+)$")
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
class _Origin:
    file: Path
    pointer: str


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
    _origins: dict[str, _Origin] = field(default_factory=dict, repr=False)
    #: pointer prefix of ``document`` -> pointer of the source document it was converted from
    _renames: dict[str, str] = field(default_factory=dict, repr=False)
    #: what the root file is: ``openapi``, ``swagger2`` (converted to 3.0) or ``postman`` (converted to 3.1)
    source_format: str = "openapi"
    #: the problems a lenient load tolerated, each once
    warnings: list[SpecLoadError] = field(default_factory=list)

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
            origin = _Origin(self.path, "")
            local = pointer
        return origin.file, local, line_of(origin.file, local)

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


def _error(file: Path, pointer: str, message: str) -> SpecLoadError:
    """An error at ``pointer`` of ``file`` (a file of the spec before bundling)."""
    return SpecLoadError(display_path(file), line_of(file, pointer), pointer, message)


class _Bundler:
    """Inline external ``$ref`` (path items, examples, ...) and hoist external components."""

    def __init__(self, root: Path, *, swagger: bool = False) -> None:
        self.root = root
        self.swagger = swagger
        self.component = _SWAGGER_COMPONENT if swagger else _COMPONENT
        #: (file, pointer) of a schema that refers to itself through other files -> its hoisted name
        self.recursive: dict[tuple[Path, str], str] = {}
        #: hoisted recursive schemas, ready: (file, pointer) -> (name, content)
        self.hoisted_recursive: dict[tuple[Path, str], str] = {}
        self.extra_schemas: dict[str, Any] = {}
        self.names: set[str] = set()
        self.folder = root.parent
        self.docs: dict[Path, Any] = {}
        self.origins: dict[str, _Origin] = {}
        self.hoisted: dict[tuple[str, str], tuple[Path, str]] = {}
        self.pending: list[tuple[str, str, Path, str]] = []
        #: (folder of the referring file, file part of a $ref) -> the checked, resolved file
        self.files: dict[tuple[Path, str], Path] = {}

    def doc(self, path: Path) -> Any:
        if path not in self.docs:
            self.docs[path] = read_document(path)
        return self.docs[path]

    def target(self, ref: str, current: Path, where: str) -> tuple[Path, str]:
        url, _, fragment = ref.partition("#")
        if not url:
            return current, unquote(fragment)
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url):
            raise _error(current, where,
                         f"$ref {ref!r} is not a relative file: only files in the spec's folder may be used")
        known = self.files.get((current.parent, url))
        if known is not None:
            return known, unquote(fragment)
        path = (current.parent / unquote(url)).resolve()
        if path != self.folder and self.folder not in path.parents:
            raise _error(current, where, f"$ref {ref!r} leaves the spec's folder {display_path(self.folder)}")
        if not path.is_file():
            raise _error(current, where, f"$ref {ref!r}: no such file {display_path(path)}")
        self.files[(current.parent, url)] = path
        return path, unquote(fragment)

    def fetch(self, path: Path, pointer: str, current: Path, where: str, ref: str) -> Any:
        try:
            return resolve_pointer(self.doc(path), pointer)
        except KeyError as exc:
            raise _error(current, where,
                         f"$ref {ref!r} cannot be resolved: no {exc.args[0]!r} in {display_path(path)}") from None

    def walk(self, node: Any, current: Path, local: str, stack: tuple[tuple[Path, str], ...]) -> Any:
        if isinstance(node, list):
            return [self.walk(v, current, f"{local}/{i}", stack) for i, v in enumerate(node)]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            path, pointer = self.target(ref, current, local + "/$ref")
            if path == self.root:
                return {**node, "$ref": "#" + pointer}
            match = self.component.match(pointer)
            if match:
                key = (match.group(1), match.group(2))
                previous = self.hoisted.get(key)
                if previous is None:
                    self.hoisted[key] = (path, pointer)
                    self.pending.append((key[0], key[1], path, pointer))
                elif previous != (path, pointer):
                    raise _error(current, local, f"component name clash: {ref!r} and {display_path(previous[0])}"
                                                 f"#{previous[1]} would both become {self.local_ref(*key)}")
                return {**node, "$ref": self.local_ref(*key)}
            target = (path, pointer)
            done = self.hoisted_recursive.get(target)
            if done is not None:
                return {**node, "$ref": self.local_ref(self.schema_section, done)}
            if target in stack:  # a recursive schema: hoisted as a component, referred to by name
                name = self.recursive.get(target)
                if name is None:
                    name = self.recursive[target] = self.fresh_name(path, pointer)
                return {**node, "$ref": self.local_ref(self.schema_section, name)}
            content = self.fetch(path, pointer, current, local + "/$ref", ref)
            walked = self.walk(content, path, pointer, (*stack, target))
            name = self.recursive.get(target)
            if name is None:
                return walked
            self.hoisted_recursive[target] = name
            self.extra_schemas[name] = walked
            self.origins[join_pointer(*self.schema_path, name)] = _Origin(path, pointer)
            return {**node, "$ref": self.local_ref(self.schema_section, name)}
        # an extension (x-...) is the vendor's own data: a $ref inside it is not an OpenAPI reference
        return {k: v if str(k).startswith("x-") else self.walk(v, current, f"{local}/{escape_token(str(k))}", stack)
                for k, v in node.items()}

    @property
    def schema_section(self) -> str:
        return "definitions" if self.swagger else "schemas"

    @property
    def schema_path(self) -> tuple[str, ...]:
        return ("definitions",) if self.swagger else ("components", "schemas")

    def local_ref(self, kind: str, name: str) -> str:
        """The internal ``$ref`` of a component of the bundled document."""
        if self.swagger:
            return f"#/{kind}/{escape_token(name)}"
        return f"#/components/{kind}/{escape_token(name)}"

    def fresh_name(self, path: Path, pointer: str) -> str:
        tokens = split_pointer(pointer)
        base = re.sub(r"[^A-Za-z0-9._-]", "_", tokens[-1] if tokens else path.stem) or "Schema"
        name, n = base, 1
        while name in self.names:
            n += 1
            name = f"{base}{n}"
        self.names.add(name)
        return name

    def bundle(self) -> dict[str, Any]:
        main = self.doc(self.root)
        if not isinstance(main, dict):
            raise SpecLoadError(display_path(self.root), 1, "", "an OpenAPI document must be a mapping")
        container = main.get("components") if not self.swagger else main
        for kind in ("schemas", "definitions"):
            section = container.get(kind) if isinstance(container, dict) else None
            if isinstance(section, dict):
                self.names.update(str(k) for k in section)
        out: dict[str, Any] = {}
        for key, value in main.items():
            out[key] = self.walk(value, self.root, "/" + escape_token(str(key)), ())
        while self.pending:
            kind, name, path, pointer = self.pending.pop(0)
            components = out if self.swagger else out.setdefault("components", {})
            section = components.setdefault(kind, {})
            existing = section.get(name)
            if existing is not None and existing.get("$ref") != self.local_ref(kind, name):
                raise _error(path, pointer,
                             f"component name clash: {self.local_ref(kind, name)} exists in the root document")
            content = resolve_pointer(self.doc(path), pointer)
            where = (kind,) if self.swagger else ("components", kind)
            self.origins[join_pointer(*where, name)] = _Origin(path, pointer)
            section[name] = self.walk(content, path, pointer, ())
        if self.extra_schemas:
            components = out if self.swagger else out.setdefault("components", {})
            components.setdefault(self.schema_section, {}).update(self.extra_schemas)
        return out


def _record_inlined_origins(bundler: _Bundler, document: dict[str, Any]) -> None:
    """Remember where inlined path items came from, for line numbers in errors."""
    main = bundler.doc(bundler.root)
    for path_key, item in (main.get("paths") or {}).items():
        if isinstance(item, dict) and isinstance(item.get("$ref"), str):
            try:
                file, pointer = bundler.target(item["$ref"], bundler.root, join_pointer("paths", path_key))
            except SpecLoadError:
                continue
            bundler.origins[join_pointer("paths", path_key)] = _Origin(file, pointer)


def _digest(files: list[Path]) -> str:
    # The validator's version from its metadata: importing it costs half a second, and a
    # spec that was validated before does not need it.
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

    The validation's outcome is remembered (keyed by the files' bytes) in the user's
    cache folder, so a spec that did not change is not validated again.
    """
    root = Path(path).resolve()
    text: str
    try:
        text = root.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecLoadError(display_path(root), None, "", f"cannot read: {exc.strerror or exc}") from exc
    parsed = parse_document(text, root)
    kind = _source_format(parsed)
    bundler = _Bundler(root, swagger=kind == "swagger2")
    bundler.docs[root] = parsed
    if kind != "postman" and _EXTERNAL_REF.search(text):
        document = bundler.bundle()
        _record_inlined_origins(bundler, document)
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
        _validate_cached(spec, strict=strict)
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


def _validate_cached(spec: LoadedSpec, *, strict: bool) -> None:
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
    spec.warnings = [spec.error(pointer, f"invalid OpenAPI: {message}") for pointer, message in problems]
    _repair(spec.document, problems)
    for warning in spec.warnings[:_MAX_WARNINGS]:
        log.warning("%s", warning)
    if len(spec.warnings) > _MAX_WARNINGS:
        log.warning("%s: %d more problems; `apitwin lint %s` lists them all", display_path(spec.path),
                    len(spec.warnings) - _MAX_WARNINGS, display_path(spec.path))
