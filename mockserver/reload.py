"""Hot reload: which changes to specs and recordings trigger a rebuild (watchfiles does the watching)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

__all__ = ["WATCHED_SUFFIXES", "watch_changes"]

#: spec files, the files they ``$ref``, recordings, and files served by ``externalValue``
WATCHED_SUFFIXES = (".yaml", ".yml", ".json")


def _relevant(_change: object, path: str) -> bool:
    name = Path(path).name
    return path.endswith(WATCHED_SUFFIXES) and not name.startswith(".")  # not editors' or our temporary files


def watch_changes(folders: Sequence[Path], debounce_ms: int = 300) -> Iterator[set[str]]:
    """Yield the set of changed paths each time files under ``folders`` change (batched over ``debounce_ms``)."""
    from watchfiles import watch

    for changes in watch(*folders, watch_filter=_relevant, debounce=debounce_ms, raise_interrupt=False):
        yield {path for _, path in changes}
