"""The load cache: what ``load_spec`` made of a spec's files, remembered by their content.

A record holds everything a validated :class:`~.loading.LoadedSpec` is made of: the
bundled (and repaired) document, the files that made it with the hash of each, the
origins and renames that locate a pointer, the source format, and the validity
problems already located (file, line, pointer). A start that finds a record whose
files are unchanged skips parsing, bundling, the structure check and validation.

Records are keyed by the root file's text and a fingerprint of apitwin itself (its
modules and the versions of the validators), and checked against the hash of every
other file they name. A record that cannot be read, is corrupt, of another version,
or whose files changed is ignored (and written anew); records are written atomically,
so concurrent workers never leave a half-written one.

Where: the user's cache folder (``~/.cache/apitwin/loaded``); for the specs shipped with
apitwin, beside them in the package (``.apitwin-loaded``), written on first use when the
package folder is writable (``make`` builds them at install), so that a first
``apitwin serve`` with an empty user cache already starts from them. Record files end
in ``.apitwin-load``: hot reload watches spec folders for ``.yaml``/``.json`` only.

Other layers keep results derived from a loaded spec with the same guarantees through
:func:`recall_derived` and :func:`remember_derived` (the mock's example checks).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import marshal
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import SpecLoadError
from ..files import display_path, write_atomically
from ..shipped import shipped_specs_folder
from .bundling import Origin
from .documents import cache_folder

__all__ = ["SUFFIX", "LoadRecord", "pinned", "recall_derived", "recall_loaded", "recall_pinned", "remember_derived",
           "remember_loaded", "stores_for", "text_key"]

#: changes whenever the shape of a record changes
_RECORD_VERSION = "1"
#: the suffix of record files (not one hot reload watches)
SUFFIX = ".apitwin-load"
#: the first bytes of a record file
_MAGIC = b"apitwin-load\n"
#: the folder of records beside the shipped specs
_SHIPPED_STORE = ".apitwin-loaded"
#: distributions whose version changes what a load or an example check makes of the same bytes
_DEPENDENCIES = ("openapi-spec-validator", "jsonschema-rs", "jsonschema", "openapi-schema-validator", "pyyaml")


@dataclass
class LoadRecord:
    """What a record gives back: the parts of a ``LoadedSpec``, and the key of its exact content."""

    files: list[Path]
    document: dict[str, Any]
    origins: dict[str, Origin]
    renames: dict[str, str]
    source_format: str
    warnings: list[SpecLoadError]
    #: the hash of every file's content and of apitwin's code (what derived results are keyed by)
    content_key: str
    #: the name of the record (the root file's text and apitwin's code): what :func:`pinned` takes
    key: str


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of apitwin's own modules and of the validators' versions: a record from other code is stale."""
    digest = hashlib.sha256(f"record={_RECORD_VERSION};python={sys.version};marshal={marshal.version};".encode())
    for installed in _installed(_DEPENDENCIES):
        digest.update(f"{installed};".encode())
    package = Path(__file__).resolve().parent.parent
    for module in sorted(package.rglob("*.py")):
        digest.update(module.relative_to(package).as_posix().encode())
        digest.update(module.read_bytes())
    return digest.hexdigest()


def _installed(distributions: tuple[str, ...]) -> list[str]:
    """The ``NAME-VERSION.dist-info`` folders of ``distributions`` on ``sys.path``.

    One listing per path entry: ``importlib.metadata.version`` costs 35 ms on its first call
    (it indexes every distribution), a tenth of a warm start.
    """
    wanted = {_normalized(name) for name in distributions}
    found: list[str] = []
    for entry in sys.path:
        with contextlib.suppress(OSError):
            found.extend(name for name in os.listdir(entry or ".")
                         if name.endswith(".dist-info") and _normalized(name[:-10].rpartition("-")[0]) in wanted)
    return sorted(found)


def _normalized(name: str) -> str:
    return name.replace("-", "_").replace(".", "_").lower()


def stores_for(root: Path) -> list[Path]:
    """The folders that may hold ``root``'s records, the first one preferred for writing."""
    stores = [cache_folder("loaded")]
    shipped = shipped_specs_folder()
    if shipped is not None and shipped.resolve() in root.parents:
        stores.insert(0, shipped.resolve() / _SHIPPED_STORE)
    return stores


#: root file -> the key of the record to load it from whatever its files hold now (see :func:`pinned`)
_pins: dict[Path, str] = {}


@contextlib.contextmanager
def pinned(pins: Mapping[str, str]) -> Iterator[None]:
    """Within: the specs named in ``pins`` (root path -> record key) load from those records, not their files.

    Hot reload: the master built a new version from the files it read; a worker rebuilding after it
    must serve that version even if a file changed again meanwhile (a broken edit must not leave
    one worker on the version before). The master checked the files; their record holds the load.
    """
    _pins.update({Path(path): key for path, key in pins.items()})
    try:
        yield
    finally:
        _pins.clear()


def recall_pinned(root: Path) -> LoadRecord | None:
    """The load of ``root`` from the record :func:`pinned` names for it, files unread; None when none is."""
    key = _pins.get(root)
    if key is None:
        return None
    for record in _read(stores_for(root), key + SUFFIX):
        loaded = _from_record(root, key, record, check_files=False)
        if loaded is not None:
            return loaded
    return None


def text_key(text: str) -> str:
    """The key of the record of a spec whose root file's text is ``text``."""
    return _key(text)


def _key(text: str) -> str:
    return hashlib.sha256(f"{code_fingerprint()}\n".encode() + text.encode("utf-8")).hexdigest()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _relative(path: Path, folder: Path) -> str:
    return Path(os.path.relpath(path, folder)).as_posix()


def _read(stores: list[Path], name: str) -> Iterator[Any]:
    """The data of each intact record ``name``, in the order of ``stores`` (missing, cut, corrupt ones skipped).

    A record is ``_MAGIC``, the SHA-256 of its payload, then the payload (``marshal``: twice as quick
    as JSON for a 1 MB document). The hash is checked before anything is decoded.
    """
    for store in stores:
        try:
            data = (store / name).read_bytes()
        except OSError:
            continue
        start = len(_MAGIC) + 32
        if data[:len(_MAGIC)] != _MAGIC or hashlib.sha256(data[start:]).digest() != data[len(_MAGIC):start]:
            continue
        with contextlib.suppress(ValueError, EOFError, TypeError):
            yield marshal.loads(data[start:])


def _write(stores: list[Path], name: str, value: Any) -> None:
    """Write a record to the first store that takes it (the cache is an optimisation: failures are ignored)."""
    try:
        payload = marshal.dumps(value)
    except ValueError:  # not plain data
        return
    for store in stores:
        with contextlib.suppress(OSError):
            write_atomically(store / name, _MAGIC + hashlib.sha256(payload).digest() + payload)
            return


def recall_loaded(root: Path, text: str) -> LoadRecord | None:
    """The load of the spec at ``root`` (whose text is ``text``) from its record; None when none is valid.

    A stale record beside the shipped specs (a package folder this user cannot write) does not hide
    the one in the user's cache.
    """
    key = _key(text)
    for record in _read(stores_for(root), key + SUFFIX):
        loaded = _from_record(root, key, record)
        if loaded is not None:
            return loaded
    return None


def _from_record(root: Path, key: str, record: Any, check_files: bool = True) -> LoadRecord | None:
    try:
        if not isinstance(record, dict) or record.get("key") != key:
            return None
        folder = root.parent
        files: list[Path] = []
        for name, sha in record["files"]:
            path = (folder / name).resolve()
            if check_files and _sha(path) != sha:
                return None
            files.append(path)
        document = record["document"]
        if not isinstance(document, dict) or not files or files[0] != root:
            return None
        paths = {name: path for (name, _), path in zip(record["files"], files, strict=True)}
        return LoadRecord(
            files, document,
            {str(p): Origin(paths.get(f) or (folder / f).resolve(), str(local)) for p, f, local in record["origins"]},
            {str(k): str(v) for k, v in record["renames"].items()},
            str(record["format"]),
            [SpecLoadError(display_path(folder / f), None if line is None else int(line), str(local), str(message))
             for f, line, local, message in record["warnings"]],
            _content_key(key, record["files"]), key)
    except (OSError, KeyError, TypeError, ValueError, AttributeError):
        return None


def _content_key(key: str, files: list[list[str]]) -> str:
    content = hashlib.sha256(key.encode())
    for name, sha in files:
        content.update(f"{name}={sha};".encode())
    return content.hexdigest()


def remember_loaded(root: Path, text: str, files: list[Path], document: dict[str, Any], origins: dict[str, Origin],
                    renames: dict[str, str], source_format: str,
                    located: list[tuple[Path, int | None, str, str]]) -> tuple[dict[str, Any], str] | None:
    """Write the record of a load (``located``: its warnings as file, line, pointer, message).

    Returns the document as a later start reads it (through JSON: no shared nodes, no tuples, so that
    a start from the record answers exactly as this one) and the content key; None when the load
    cannot be recorded (data JSON cannot hold, a file gone meanwhile).
    """
    key = _key(text)
    folder = root.parent
    try:
        listed = [[_relative(f, folder), _sha(f)] for f in files]
    except OSError:
        return None
    record: dict[str, Any] = {
        "version": _RECORD_VERSION,
        "key": key,
        "spec": str(root),
        "files": listed,
        "format": source_format,
        "renames": renames,
        "origins": [[p, _relative(o.file, folder), o.pointer] for p, o in origins.items()],
        "warnings": [[_relative(f, folder), line, local, message] for f, line, local, message in located],
        "document": document,
    }
    try:  # JSON data only: a later start must read what this one serves
        encoded = json.dumps(document, ensure_ascii=False)
    except (TypeError, ValueError):
        return None
    record["document"] = json.loads(encoded)
    _write(stores_for(root), key + SUFFIX, record)
    return record["document"], _content_key(key, listed)


def recall_derived(root: Path, content_key: str, kind: str) -> Any:
    """A result of kind ``kind`` remembered by :func:`remember_derived` for this exact content, or None."""
    for record in _read(stores_for(root), f"{content_key}.{kind}{SUFFIX}"):
        if isinstance(record, dict) and record.get("key") == content_key:
            return record.get("value")
    return None


def remember_derived(root: Path, content_key: str, kind: str, value: Any) -> None:
    """Remember ``value`` (JSON data) derived from the spec at ``root`` whose content key is ``content_key``."""
    _write(stores_for(root), f"{content_key}.{kind}{SUFFIX}", {"key": content_key, "value": value})
