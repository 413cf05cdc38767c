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
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from ..errors import SpecLoadError
from ..files import display_path, write_atomically
from .documents import cache_folder, line_of, parse_document, read_document
from .pointers import escape_token, join_pointer, resolve_pointer
from .validity import iter_spec_errors

__all__ = ["LoadedSpec", "load_spec"]

_EXTERNAL_REF = re.compile(r"""\$ref['"]?\s*:\s*['"]?(?!['"]?#)[^\s'"]""")
_COMPONENT = re.compile(r"^/components/([^/]+)/([^/]+)$")


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


def _error(file: Path, pointer: str, message: str) -> SpecLoadError:
    """An error at ``pointer`` of ``file`` (a file of the spec before bundling)."""
    return SpecLoadError(display_path(file), line_of(file, pointer), pointer, message)


class _Bundler:
    """Inline external ``$ref`` (path items, examples, ...) and hoist external components."""

    def __init__(self, root: Path) -> None:
        self.root = root
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
            match = _COMPONENT.match(pointer)
            if match:
                key = (match.group(1), match.group(2))
                previous = self.hoisted.get(key)
                if previous is None:
                    self.hoisted[key] = (path, pointer)
                    self.pending.append((key[0], key[1], path, pointer))
                elif previous != (path, pointer):
                    raise _error(current, local, f"component name clash: {ref!r} and {display_path(previous[0])}"
                                                 f"#{previous[1]} would both become #/components/{key[0]}/{key[1]}")
                return {**node, "$ref": f"#/components/{key[0]}/{key[1]}"}
            if (path, pointer) in stack:
                raise _error(current, local, f"$ref {ref!r} is circular")
            content = self.fetch(path, pointer, current, local + "/$ref", ref)
            return self.walk(content, path, pointer, (*stack, (path, pointer)))
        # an extension (x-...) is the vendor's own data: a $ref inside it is not an OpenAPI reference
        return {k: v if str(k).startswith("x-") else self.walk(v, current, f"{local}/{escape_token(str(k))}", stack)
                for k, v in node.items()}

    def bundle(self) -> dict[str, Any]:
        main = self.doc(self.root)
        if not isinstance(main, dict):
            raise SpecLoadError(display_path(self.root), 1, "", "an OpenAPI document must be a mapping")
        out: dict[str, Any] = {}
        for key, value in main.items():
            out[key] = self.walk(value, self.root, "/" + escape_token(str(key)), ())
        components = out.setdefault("components", {})
        while self.pending:
            kind, name, path, pointer = self.pending.pop(0)
            section = components.setdefault(kind, {})
            existing = section.get(name)
            if existing is not None and existing.get("$ref") != f"#/components/{kind}/{name}":
                raise _error(path, pointer,
                             f"component name clash: #/components/{kind}/{name} exists in the root document")
            content = resolve_pointer(self.doc(path), pointer)
            self.origins[f"/components/{escape_token(kind)}/{escape_token(name)}"] = _Origin(path, pointer)
            section[name] = self.walk(content, path, pointer, ())
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
    h = hashlib.sha256(f"osv={importlib.metadata.version('openapi-spec-validator')};".encode())
    for f in files:
        h.update(str(f).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def load_spec(path: str | os.PathLike[str], *, validate: bool = True) -> LoadedSpec:
    """Read, bundle and validate one spec; raise :class:`SpecLoadError` with file, line and pointer.

    A successful validation is remembered (keyed by the files' bytes) in the user's
    cache folder, so a spec that did not change is not validated again.
    """
    root = Path(path).resolve()
    bundler = _Bundler(root)
    text: str
    try:
        text = root.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecLoadError(display_path(root), None, "", f"cannot read: {exc.strerror or exc}") from exc
    bundler.docs[root] = parse_document(text, root)
    if _EXTERNAL_REF.search(text):
        document = bundler.bundle()
        _record_inlined_origins(bundler, document)
    else:
        document = bundler.docs[root]
        if not isinstance(document, dict):
            raise SpecLoadError(display_path(root), 1, "", "an OpenAPI document must be a mapping")
    files = [root, *sorted(p for p in bundler.docs if p != root)]
    spec = LoadedSpec(root, document, files, bundler.origins)
    if validate:
        _validate_cached(spec)
    return spec


def _validate_cached(spec: LoadedSpec) -> None:
    marker = cache_folder("validated") / _digest(spec.files)
    if marker.exists():
        return
    # jsonschema-path wants a JSON-like tree it may read freely: give it a copy.
    document = copy.deepcopy(spec.document) if spec.files[1:] else spec.document
    for pointer, message in iter_spec_errors(document, thorough=False):
        raise spec.error(pointer, f"invalid OpenAPI: {message}")
    with contextlib.suppress(OSError):  # the cache is an optimisation only
        write_atomically(marker, json.dumps({"spec": str(spec.path)}))
