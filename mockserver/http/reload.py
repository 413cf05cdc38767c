"""Hot reload: which changes to specs and recordings trigger a rebuild (watchfiles watches), and the rebuild loop."""

from __future__ import annotations

import json
import logging
import mmap
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

from ..files import write_atomically
from ..spec.loadcache import pinned

__all__ = ["WATCHED_SUFFIXES", "Generation", "Reloader", "SwappingApp", "publish_load_keys", "read_load_keys",
           "watch_changes"]

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


class Generation:
    """The version number the master process writes and its forked workers read: 8 bytes of shared memory.

    An anonymous shared mapping made before the fork (what ``multiprocessing.RawValue`` allocates too,
    without importing ``ctypes`` and ``multiprocessing.sharedctypes``: about 11 ms of a start).
    """

    def __init__(self) -> None:
        self._memory = mmap.mmap(-1, 8)

    @property
    def value(self) -> int:
        return int.from_bytes(self._memory[:8], "little")

    @value.setter
    def value(self, number: int) -> None:
        self._memory[:8] = number.to_bytes(8, "little")


class SwappingApp:
    """The WSGI app of one granian worker: it rebuilds its app when the master's ``generation`` moves on.

    granian replaces a worker by stopping it, and a stopping worker closes the connections it
    accepted whose request has not arrived yet: requests lost at each reload. So the workers
    stay, and each swaps its app in place: a daemon thread sees the generation the master
    bumped after its own build succeeded, builds the app again in this worker, and swaps it;
    requests in flight finish on the app they started on, kept-alive connections stay open.
    The worker builds the version the master built, not whatever the files hold by then: the
    master publishes the load cache's keys of its build (:func:`publish_load_keys`) and the worker
    loads the specs from those records (a broken edit just after a good one left a slow worker
    on the version before). A build that fails here too keeps the current app.
    """

    def __init__(self, app: Any, rebuild: Callable[[], Any], generation: Generation, poll_s: float = 0.1,
                 pins: Path | None = None) -> None:
        self.app = app
        self.rebuild = rebuild
        self.generation = generation  # shared with the master
        self.seen = generation.value
        self.poll_s = poll_s
        self.pins = pins  # the master's load keys of the version it built (see publish_load_keys)
        threading.Thread(target=self._watch, name="apitwin-swap", daemon=True).start()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.app(environ, start_response)

    def _watch(self) -> None:
        while True:
            time.sleep(self.poll_s)
            if self.generation.value != self.seen:
                self.seen = self.generation.value
                self.swap()

    def swap(self) -> bool:
        """Build the app again and serve it from now on; whether it built."""
        try:
            with pinned(read_load_keys(self.pins)):
                new = self.rebuild()
        except Exception as exc:  # a file the master's build did not pin changed again: keep serving
            log.error("reload failed in worker, still serving the previous version: %s", exc)
            return False
        old, self.app = self.app, new
        journal = getattr(old, "extensions", {}).get("apitwin_journal")
        if journal is not None:
            journal.close()
        return True


def publish_load_keys(app: Any, path: Path) -> None:
    """Write to ``path`` the load cache's key of each spec ``app`` serves (its root file -> key)."""
    keys = {str(api.spec.path): api.spec.load_key for api in getattr(app, "extensions", {}).get("apitwin", [])
            if api.spec.load_key is not None}
    write_atomically(path, json.dumps(keys).encode())


def read_load_keys(path: Path | None) -> dict[str, str]:
    """What :func:`publish_load_keys` wrote; nothing when it wrote nothing readable (the files decide)."""
    if path is None:
        return {}
    try:
        keys = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in keys.items()} if isinstance(keys, dict) else {}
