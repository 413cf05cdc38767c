"""Load a spec from disk: safe YAML, ``$ref`` bundling inside the spec's folder, OpenAPI validation.

Everything here runs once, at load. The result, :class:`LoadedSpec`, is one
self-contained document (every ``$ref`` internal) plus the map that gives, for
any JSON pointer of that document, the file and line it came from.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.metadata
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml

from .errors import SpecLoadError

__all__ = [
    "LoadedSpec",
    "escape_token",
    "join_pointer",
    "line_of",
    "load_spec",
    "read_yaml",
    "resolve_pointer",
]

_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """The safe loader, with timestamps kept as strings: OpenAPI documents are JSON data."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)
_EXTERNAL_REF = re.compile(r"""\$ref['"]?\s*:\s*['"]?(?!['"]?#)[^\s'"]""")
_COMPONENT = re.compile(r"^/components/([^/]+)/([^/]+)$")


def escape_token(token: str) -> str:
    """Escape one JSON pointer token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def join_pointer(*tokens: object) -> str:
    """Build a JSON pointer from raw tokens: ``join_pointer("paths", "/a")`` -> ``/paths/~1a``."""
    return "".join("/" + escape_token(str(t)) for t in tokens)


def split_pointer(pointer: str) -> list[str]:
    """The unescaped tokens of a JSON pointer."""
    if not pointer or pointer == "/":
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.lstrip("/").split("/")]


def resolve_pointer(document: Any, pointer: str) -> Any:
    """The value at ``pointer`` in ``document``; ``KeyError`` naming the token that is missing."""
    node = document
    for token in split_pointer(pointer):
        if isinstance(node, list):
            try:
                node = node[int(token)]
            except (ValueError, IndexError):
                raise KeyError(token) from None
        elif isinstance(node, dict) and token in node:
            node = node[token]
        else:
            raise KeyError(token)
    return node


def read_yaml(path: Path) -> Any:
    """Parse a YAML (or JSON) file with the safe loader; errors name the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecLoadError(str(path), None, "", f"cannot read: {exc.strerror or exc}") from exc
    return _parse(text, path)


def _parse(text: str, path: Path) -> Any:
    """Parse YAML into JSON data (string keys, no timestamps), through a cache keyed by the text's hash.

    A 4 MB spec takes seconds to parse even with libyaml; its JSON form loads in a
    tenth of that, so an unchanged file (over 16 kB) is read from ``~/.cache/apitwin/parsed``.
    """
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    cached = _cache_dir().parent / "parsed" / f"{digest}.json"
    large = len(text) > 16_000  # small files are not worth a cache entry
    if large:
        try:
            return json.loads(cached.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecLoadError(str(path), line, "", f"invalid YAML: {problem}") from exc
    try:
        encoded = json.dumps(data, ensure_ascii=False, default=str)
    except ValueError as exc:  # e.g. a circular alias
        raise SpecLoadError(str(path), None, "", f"not JSON-compatible data: {exc}") from exc
    data = json.loads(encoded)  # the same shape cold and warm: string keys only
    if large:
        _write_atomically(cached, encoded)
    return data


def _write_atomically(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # the cache is an optimisation only


@lru_cache(maxsize=64)
def _composed(path: Path) -> yaml.Node | None:
    try:
        return yaml.compose(path.read_text(encoding="utf-8"), Loader=_Base)
    except (OSError, yaml.YAMLError):
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
        return SpecLoadError(_display(file), line, local, message)


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


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
            self.docs[path] = read_yaml(path)
        return self.docs[path]

    def target(self, ref: str, current: Path, where: str) -> tuple[Path, str]:
        url, _, fragment = ref.partition("#")
        if not url:
            return current, unquote(fragment)
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url):
            raise SpecLoadError(_display(current), line_of(current, where), where,
                                f"$ref {ref!r} is not a relative file: only files in the spec's folder may be used")
        known = self.files.get((current.parent, url))
        if known is not None:
            return known, unquote(fragment)
        path = (current.parent / unquote(url)).resolve()
        if path != self.folder and self.folder not in path.parents:
            raise SpecLoadError(_display(current), line_of(current, where), where,
                                f"$ref {ref!r} leaves the spec's folder {_display(self.folder)}")
        if not path.is_file():
            raise SpecLoadError(_display(current), line_of(current, where), where,
                                f"$ref {ref!r}: no such file {_display(path)}")
        self.files[(current.parent, url)] = path
        return path, unquote(fragment)

    def fetch(self, path: Path, pointer: str, current: Path, where: str, ref: str) -> Any:
        try:
            return resolve_pointer(self.doc(path), pointer)
        except KeyError as exc:
            raise SpecLoadError(_display(current), line_of(current, where), where,
                                f"$ref {ref!r} cannot be resolved: no {exc.args[0]!r} in {_display(path)}") from None

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
                    raise SpecLoadError(_display(current), line_of(current, local), local,
                                        f"component name clash: {ref!r} and {_display(previous[0])}#{previous[1]} "
                                        f"would both become #/components/{key[0]}/{key[1]}")
                return {**node, "$ref": f"#/components/{key[0]}/{key[1]}"}
            if (path, pointer) in stack:
                raise SpecLoadError(_display(current), line_of(current, local), local,
                                    f"$ref {ref!r} is circular")
            content = self.fetch(path, pointer, current, local + "/$ref", ref)
            return self.walk(content, path, pointer, (*stack, (path, pointer)))
        return {k: self.walk(v, current, f"{local}/{escape_token(str(k))}", stack) for k, v in node.items()}

    def bundle(self) -> dict[str, Any]:
        main = self.doc(self.root)
        if not isinstance(main, dict):
            raise SpecLoadError(_display(self.root), 1, "", "an OpenAPI document must be a mapping")
        out: dict[str, Any] = {}
        for key, value in main.items():
            out[key] = self.walk(value, self.root, "/" + escape_token(str(key)), ())
        components = out.setdefault("components", {})
        while self.pending:
            kind, name, path, pointer = self.pending.pop(0)
            section = components.setdefault(kind, {})
            existing = section.get(name)
            if existing is not None and existing.get("$ref") != f"#/components/{kind}/{name}":
                raise SpecLoadError(_display(path), line_of(path, pointer), pointer,
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


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "apitwin" / "validated"


def _digest(files: list[Path], docs: dict[Path, Any]) -> str:
    # The validator's version from its metadata: importing it costs half a second, and a
    # spec that was validated before does not need it.
    h = hashlib.sha256(f"osv={importlib.metadata.version('openapi-spec-validator')};".encode())
    for f in files:
        h.update(str(f).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def iter_spec_errors(document: dict[str, Any], *, thorough: bool = True) -> Iterator[tuple[str, str]]:
    """OpenAPI validity errors of a bundled document: (JSON pointer, message).

    ``thorough`` (``apitwin lint``): openapi-spec-validator's full check. Otherwise (start-up)
    the same check with each schema checked by jsonschema-rs: see :mod:`mockserver.speccheck`.
    """
    from .speccheck import iter_errors

    for path, message in iter_errors(document, thorough=thorough):
        yield join_pointer(*path), message


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
        raise SpecLoadError(_display(root), None, "", f"cannot read: {exc.strerror or exc}") from exc
    bundler.docs[root] = _parse(text, root)
    if _EXTERNAL_REF.search(text):
        document = bundler.bundle()
        _record_inlined_origins(bundler, document)
    else:
        document = bundler.docs[root]
        if not isinstance(document, dict):
            raise SpecLoadError(_display(root), 1, "", "an OpenAPI document must be a mapping")
    files = [root, *sorted(p for p in bundler.docs if p != root)]
    spec = LoadedSpec(root, document, files, bundler.origins)
    if validate:
        _validate_cached(spec, bundler)
    return spec


def _validate_cached(spec: LoadedSpec, bundler: _Bundler) -> None:
    marker = _cache_dir() / _digest(spec.files, bundler.docs)
    if marker.exists():
        return
    # jsonschema-path wants a JSON-like tree it may read freely: give it a copy.
    document = copy.deepcopy(spec.document) if spec.files[1:] else spec.document
    for pointer, message in iter_spec_errors(document, thorough=False):
        raise spec.error(pointer, f"invalid OpenAPI: {message}")
    _write_atomically(marker, json.dumps({"spec": str(spec.path)}))
