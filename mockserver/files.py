"""Files apitwin writes or names: atomic writes, private temporary files, paths shown to people.

Used by every layer (the spec cache, recordings, reports, the CLI's temporary state).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["display_path", "private_file", "write_atomically"]


def write_atomically(path: str | os.PathLike[str], data: str | bytes, *, durable: bool = False) -> Path:
    """Write ``data`` to ``path`` through a hidden temporary file renamed into place: never half-written.

    ``durable`` also flushes the file to disk before the rename (recordings: nothing acknowledged is lost).
    The temporary file starts with a dot, so that file watchers (hot reload) ignore it.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def private_file(name: str, prefix: str = "apitwin-") -> str:
    """A path ``name`` in a new private temporary folder, removed when the process that made it exits.

    Forked workers share the folder: only the process that created it removes it.
    """
    folder = tempfile.mkdtemp(prefix=prefix)
    owner = os.getpid()

    def cleanup() -> None:
        if os.getpid() == owner:
            shutil.rmtree(folder, ignore_errors=True)

    atexit.register(cleanup)
    return os.path.join(folder, name)


def display_path(path: str | os.PathLike[str]) -> str:
    """A path as shown in messages: relative to the working folder when inside it, else absolute."""
    resolved = Path(path).resolve()
    try:
        return str(resolved.relative_to(Path.cwd()))
    except ValueError:
        return str(resolved)
