"""Hot reload: which changes to specs and recordings trigger a rebuild (watchfiles watches), and the rebuild loop."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Generic, TypeVar

__all__ = ["WATCHED_SUFFIXES", "Reloader", "watch_changes"]

log = logging.getLogger("apitwin")

#: spec files, the files they ``$ref``, recordings, and files served by ``externalValue``
WATCHED_SUFFIXES = (".yaml", ".yml", ".json")

App = TypeVar("App")


def _relevant(_change: object, path: str) -> bool:
    name = Path(path).name
    return path.endswith(WATCHED_SUFFIXES) and not name.startswith(".")  # not editors' or our temporary files


def watch_changes(folders: Sequence[Path], debounce_ms: int = 300) -> Iterator[set[str]]:
    """Yield the set of changed paths each time files under ``folders`` change (batched over ``debounce_ms``)."""
    from watchfiles import watch

    for changes in watch(*folders, watch_filter=_relevant, debounce=debounce_ms, raise_interrupt=False):
        yield {path for _, path in changes}


class Reloader(Generic[App]):
    """Rebuilds the app when a file under ``watch`` changes, then calls ``restart`` to serve the new one.

    A build that fails (a broken edit) is logged and the last good app keeps serving:
    :attr:`current` is always an app that built.
    """

    def __init__(self, app: App, rebuild: Callable[[], App], watch: Sequence[Path],
                 restart: Callable[[], None]) -> None:
        self.current = app
        self.rebuild = rebuild
        self.watch = watch
        self.restart = restart

    def run(self) -> None:
        """Watch and rebuild, forever."""
        for changed in watch_changes(self.watch):
            self.reload(changed)

    def reload(self, changed: set[str]) -> bool:
        """Rebuild after ``changed`` files changed; whether the new app is serving."""
        log.info("reloading: %s changed", ", ".join(sorted(changed)))
        try:
            self.current = self.rebuild()
        except Exception as exc:  # a broken spec: keep serving the last good one
            log.error("reload failed, still serving the previous version: %s", exc)
            return False
        self.restart()
        return True

    def start(self) -> threading.Thread:
        """:meth:`run` in a daemon thread."""
        thread = threading.Thread(target=self.run, name="apitwin-reload", daemon=True)
        thread.start()
        return thread
