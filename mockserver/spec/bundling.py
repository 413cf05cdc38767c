"""The ``$ref`` bundler: inline external references of a spec's files into one self-contained document."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from ..errors import SpecLoadError
from ..files import display_path
from .documents import line_of, read_document
from .pointers import escape_token, join_pointer, resolve_pointer, split_pointer

__all__ = ["EXTERNAL_REF", "Bundler", "Origin", "has_external_ref", "needs_bundling", "record_inlined_origins"]

EXTERNAL_REF = re.compile(r"""\$ref['"]?\s*:\s*['"]?(?!['"]?#)[^\s'"]""")
_COMPONENT = re.compile(r"^/components/([^/]+)/([^/]+)$")
#: Swagger 2.0's component sections, at the root of the document
_SWAGGER_COMPONENT = re.compile(r"^/(definitions|parameters|responses)/([^/]+)$")


@dataclass
class Origin:
    """Where a part of the bundled document comes from: a file and a pointer in it."""

    file: Path
    pointer: str


def _error(file: Path, pointer: str, message: str) -> SpecLoadError:
    """An error at ``pointer`` of ``file`` (a file of the spec before bundling)."""
    return SpecLoadError(display_path(file), line_of(file, pointer), pointer, message)


class Bundler:
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
        self.origins: dict[str, Origin] = {}
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
            self.origins[join_pointer(*self.schema_path, name)] = Origin(path, pointer)
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
            self.origins[join_pointer(*where, name)] = Origin(path, pointer)
            section[name] = self.walk(content, path, pointer, ())
        if self.extra_schemas:
            components = out if self.swagger else out.setdefault("components", {})
            components.setdefault(self.schema_section, {}).update(self.extra_schemas)
        return out


def record_inlined_origins(bundler: Bundler, document: dict[str, Any]) -> None:
    """Remember where inlined path items came from, for line numbers in errors."""
    main = bundler.doc(bundler.root)
    for path_key, item in (main.get("paths") or {}).items():
        if isinstance(item, dict) and isinstance(item.get("$ref"), str):
            try:
                file, pointer = bundler.target(item["$ref"], bundler.root, join_pointer("paths", path_key))
            except SpecLoadError:
                continue
            bundler.origins[join_pointer("paths", path_key)] = Origin(file, pointer)


def has_external_ref(document: Any) -> bool:
    """Whether a ``$ref`` that is not ``#...`` is where the bundler looks (outside ``x-`` extensions)."""
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                return True
            stack.extend(v for k, v in node.items() if isinstance(v, dict | list) and not str(k).startswith("x-"))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, dict | list))
    return False


def needs_bundling(document: Any) -> bool:
    """Whether :meth:`Bundler.bundle` could make anything but an equal document of ``document`` (with the same
    origins): a ``$ref`` that is not ``#...`` or that holds a %-escape (the bundle unquotes it) where the bundler
    looks (outside ``x-`` extensions but for the root's), or a path item given by a ``$ref`` (its origin is recorded).

    Kubernetes' spec has a schema property named ``$ref``, which :data:`EXTERNAL_REF` takes for a reference: its
    bundle, a copy of 4 MB, was made for nothing."""
    paths = document.get("paths") if isinstance(document, dict) else None
    if isinstance(paths, dict) and any(isinstance(item, dict) and isinstance(item.get("$ref"), str)
                                       for item in paths.values()):
        return True
    # the bundle walks every value of the root (x-... too), then the mappings and lists in them but extensions
    roots = document.values() if isinstance(document, dict) else ()
    stack: list[Any] = [v for v in roots if isinstance(v, dict | list)]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and (not ref.startswith("#") or "%" in ref):
                return True
            stack.extend(v for k, v in node.items() if isinstance(v, dict | list) and not str(k).startswith("x-"))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, dict | list))
    return False
