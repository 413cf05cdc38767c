"""Where stateful mode keeps its resources: SQLite (default, shared by workers) or Redis (shared by instances).

A resource is a JSON value stored under its canonical path (the operation's path
template with the parameters filled in, no prefix, no trailing slash), in the
collection of its parent path. Both stores make every change atomic, so
concurrent writers lose nothing: SQLite with ``BEGIN IMMEDIATE`` transactions,
Redis with optimistic ``WATCH``/``MULTI`` transactions.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

from ..errors import MockServerError, one_line
from ..files import display_path
from .fork_guard import sqlite_setup

__all__ = ["RedisStore", "SQLiteStore", "StateFileError", "StateStore", "StoreUnavailable", "open_store"]


class StateFileError(MockServerError):
    """The ``--state-file`` is damaged (not a database, failed integrity check, a row that is not JSON)."""

#: an update function: the current value (None when absent) -> the new value (None deletes)
Updater = Callable[[Any], Any]
#: how long a Redis command may wait for the server before the store is reported unavailable
REDIS_TIMEOUT_S = 5.0


class StoreUnavailable(Exception):
    """The store cannot be reached (Redis is down or too slow): requests get a 503, health says so."""

_SCHEMA = """
create table if not exists resources (
  api text not null,
  path text not null,
  collection text not null,
  seq integer not null,
  body text not null,
  primary key (api, path)
);
create index if not exists resources_by_collection on resources (api, collection, seq);
create table if not exists seeded (api text not null, collection text not null, primary key (api, collection));
"""


class StateStore(ABC):
    """The resources of stateful mode, keyed by (API name, canonical path)."""

    @abstractmethod
    def get(self, api: str, path: str) -> Any:
        """The resource at ``path``, or None."""

    @abstractmethod
    def members(self, api: str, collection: str) -> list[tuple[str, Any]]:
        """(path, value) of every resource of ``collection``, oldest first."""

    @abstractmethod
    def update(self, api: str, path: str, collection: str, change: Updater) -> Any:
        """Atomically replace the value at ``path`` by ``change(current)``; returns the new value.

        ``change`` may be called more than once (a store retries it when another writer got there
        first): only the value returned is the outcome; it must not record anything as a side effect.
        """

    def check(self) -> None:
        """Raise :class:`StoreUnavailable` when the store cannot answer (``/__apitwin/health``)."""
        self.get("-", "/")

    @abstractmethod
    def delete_tree(self, api: str, path: str) -> bool:
        """Remove ``path`` and everything under it (``path/...``); whether ``path`` existed."""

    @abstractmethod
    def seed_once(self, api: str, collection: str, items: list[tuple[str, Any]]) -> None:
        """Insert ``items`` into ``collection`` unless it was seeded before (since the last reset)."""

    @abstractmethod
    def reset(self) -> None:
        """Forget every resource and every seed mark."""

    @abstractmethod
    def snapshot(self, api: str) -> tuple[list[tuple[str, str, Any]], list[str]]:
        """Everything of ``api``: (collection, path, value) of every resource, oldest first, and the seeded
        collections (a seeded collection may be empty)."""

    @abstractmethod
    def reset_collection(self, api: str, collection: str) -> None:
        """Forget the resources of ``collection`` and everything under its path (``/`` : all of ``api``), and
        their seed marks, so that the collection is seeded again from the examples on next use."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""


class SQLiteStore(StateStore):
    """Resources in one SQLite file (WAL), shared by every worker process of a server."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        with sqlite_setup():
            try:
                self._db().executescript(_SCHEMA)
                self._check()
            except sqlite3.DatabaseError as exc:
                raise self._damaged(str(exc)) from None
            finally:
                # as the journal's: the server's master makes the store and forks its workers, and a connection
                # carried across a fork is one SQLite forbids (sqlite.org/howtocorrupt.html); each thread that
                # uses the store opens its own
                self.close()

    def _damaged(self, detail: str) -> StateFileError:
        return StateFileError(f"the state file {display_path(self.path)} is damaged ({one_line(detail, 200)}): "
                              "move it away or delete it to start with an empty state")

    def _check(self) -> None:
        """Refuse a damaged file at start (``pragma quick_check``, every row's body JSON) rather than answer 500s."""
        db = self._db()
        problems = [row[0] for row in db.execute("pragma quick_check(3)")]
        if problems != ["ok"]:
            raise self._damaged("; ".join(str(p) for p in problems))
        for api, path, body in db.execute("select api, path, body from resources"):
            try:
                json.loads(body, parse_constant=_no_constant)
            except (ValueError, TypeError, RecursionError) as exc:
                raise self._damaged(f"resource {path!r} of {api!r} is not JSON: {exc}") from None

    def _db(self) -> sqlite3.Connection:
        # one connection per thread and per process (a forked worker must not reuse its parent's)
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None or getattr(self._local, "pid", None) != os.getpid():
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            db.execute("pragma journal_mode=wal")
            db.execute("pragma synchronous=normal")
            self._local.db, self._local.pid = db, os.getpid()
        return db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        db = self._db()
        db.execute("begin immediate")
        try:
            yield db
        except BaseException:
            db.execute("rollback")
            raise
        db.execute("commit")

    def get(self, api: str, path: str) -> Any:
        row = self._db().execute("select body from resources where api = ? and path = ?", (api, path)).fetchone()
        return None if row is None else json.loads(row[0])

    def members(self, api: str, collection: str) -> list[tuple[str, Any]]:
        rows = self._db().execute("select path, body from resources where api = ? and collection = ? order by seq",
                                  (api, collection)).fetchall()
        return [(p, json.loads(b)) for p, b in rows]

    def update(self, api: str, path: str, collection: str, change: Updater) -> Any:
        with self._transaction() as db:
            row = db.execute("select body from resources where api = ? and path = ?", (api, path)).fetchone()
            new = change(None if row is None else json.loads(row[0]))
            if new is None:
                db.execute("delete from resources where api = ? and path = ?", (api, path))
            elif row is None:
                seq = db.execute("select coalesce(max(seq), 0) + 1 from resources where api = ?", (api,)).fetchone()[0]
                db.execute("insert into resources (api, path, collection, seq, body) values (?, ?, ?, ?, ?)",
                           (api, path, collection, seq, json.dumps(new)))
            else:
                db.execute("update resources set body = ? where api = ? and path = ?", (json.dumps(new), api, path))
            return new

    def delete_tree(self, api: str, path: str) -> bool:
        pattern = path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"
        with self._transaction() as db:
            existed = db.execute("delete from resources where api = ? and path = ?", (api, path)).rowcount > 0
            db.execute("delete from resources where api = ? and path like ? escape '\\'", (api, pattern))
            db.execute("delete from seeded where api = ? and (collection = ? or collection like ? escape '\\')",
                       (api, path, pattern))
            return existed

    def seed_once(self, api: str, collection: str, items: list[tuple[str, Any]]) -> None:
        db = self._db()
        if db.execute("select 1 from seeded where api = ? and collection = ?", (api, collection)).fetchone():
            return
        with self._transaction() as db:
            if db.execute("select 1 from seeded where api = ? and collection = ?", (api, collection)).fetchone():
                return
            db.execute("insert into seeded (api, collection) values (?, ?)", (api, collection))
            seq = db.execute("select coalesce(max(seq), 0) from resources where api = ?", (api,)).fetchone()[0]
            for offset, (path, value) in enumerate(items, start=1):
                db.execute("insert or ignore into resources (api, path, collection, seq, body) values (?, ?, ?, ?, ?)",
                           (api, path, collection, seq + offset, json.dumps(value)))

    def reset(self) -> None:
        with self._transaction() as db:
            db.execute("delete from resources")
            db.execute("delete from seeded")

    def snapshot(self, api: str) -> tuple[list[tuple[str, str, Any]], list[str]]:
        db = self._db()
        rows = db.execute("select collection, path, body from resources where api = ? order by seq", (api,))
        resources = [(c, p, json.loads(b)) for c, p, b in rows.fetchall()]
        seeded = [c for (c,) in db.execute("select collection from seeded where api = ? order by collection", (api,))]
        return resources, seeded

    def reset_collection(self, api: str, collection: str) -> None:
        under = collection.rstrip("/") + "/"  # compared exactly (``like`` ignores case)
        with self._transaction() as db:
            db.execute("delete from resources where api = ? and (collection = ? or substr(path, 1, ?) = ?)",
                       (api, collection, len(under), under))
            db.execute("delete from seeded where api = ? and (collection = ? or substr(collection, 1, ?) = ?)",
                       (api, collection, len(under), under))

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


def _unavailable(method: Callable[..., Any]) -> Callable[..., Any]:
    """``method``, with a lost connection to Redis raised as :class:`StoreUnavailable`."""
    @functools.wraps(method)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        import redis

        try:
            return method(*args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise StoreUnavailable(f"the Redis store cannot be reached: {exc}") from exc
    return guarded


class RedisStore(StateStore):
    """Resources in Redis, shared by several apitwin instances (one hash per API, optimistic transactions).

    A Redis that is down or does not answer within :data:`REDIS_TIMEOUT_S` (unless the URL sets
    ``socket_timeout``) raises :class:`StoreUnavailable`.
    """

    def __init__(self, url: str, namespace: str = "apitwin") -> None:
        import redis

        self.redis: Any = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT_S,
                                               socket_connect_timeout=REDIS_TIMEOUT_S)
        self.redis.ping()  # fail at start-up, not at the first request
        self.ns = namespace
        for name in ("get", "members", "update", "delete_tree", "seed_once", "reset", "snapshot",
                     "reset_collection", "check"):
            setattr(self, name, _unavailable(getattr(self, name)))

    def check(self) -> None:
        self.redis.ping()

    def _resources(self, api: str) -> str:
        return f"{self.ns}:{api}:resources"

    def _seeded(self, api: str) -> str:
        return f"{self.ns}:{api}:seeded"

    def _seq(self, api: str) -> str:
        return f"{self.ns}:{api}:seq"

    def get(self, api: str, path: str) -> Any:
        raw = self.redis.hget(self._resources(api), path)
        return None if raw is None else json.loads(raw)["b"]

    def members(self, api: str, collection: str) -> list[tuple[str, Any]]:
        entries = [(p.decode(), json.loads(v)) for p, v in self.redis.hgetall(self._resources(api)).items()]
        mine = sorted((e for e in entries if e[1]["c"] == collection), key=lambda e: e[1]["s"])
        return [(p, e["b"]) for p, e in mine]

    def update(self, api: str, path: str, collection: str, change: Updater) -> Any:
        import redis

        key = self._resources(api)
        pipe: Any
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.hget(key, path)
                    current = None if raw is None else json.loads(raw)
                    new = change(None if current is None else current["b"])
                    seq = current["s"] if current is not None else int(self.redis.incr(self._seq(api)))
                    pipe.multi()
                    if new is None:
                        pipe.hdel(key, path)
                    else:
                        pipe.hset(key, path, json.dumps({"c": collection, "s": seq, "b": new}))
                    pipe.execute()
                    return new
                except redis.WatchError:
                    continue

    def delete_tree(self, api: str, path: str) -> bool:
        import redis

        key = self._resources(api)
        doomed: list[str] = []
        pipe: Any
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    paths = [p.decode() for p in pipe.hkeys(key)]
                    doomed = [p for p in paths if p == path or p.startswith(path + "/")]
                    pipe.multi()
                    if doomed:
                        pipe.hdel(key, *doomed)
                    pipe.execute()
                    break
                except redis.WatchError:
                    continue
        seeded = [c.decode() for c in self.redis.smembers(self._seeded(api))]
        stale = [c for c in seeded if c == path or c.startswith(path + "/")]
        if stale:
            self.redis.srem(self._seeded(api), *stale)
        return path in doomed

    def seed_once(self, api: str, collection: str, items: list[tuple[str, Any]]) -> None:
        import redis

        seeded, key = self._seeded(api), self._resources(api)
        pipe: Any
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(seeded)
                    if pipe.sismember(seeded, collection):
                        return  # another instance or worker seeded it
                    first = int(self.redis.incrby(self._seq(api), len(items) or 1)) - len(items)
                    pipe.multi()
                    pipe.sadd(seeded, collection)
                    for offset, (path, value) in enumerate(items, start=1):
                        pipe.hsetnx(key, path, json.dumps({"c": collection, "s": first + offset, "b": value}))
                    pipe.execute()
                    return
                except redis.WatchError:
                    continue

    def reset(self) -> None:
        for key in self.redis.scan_iter(match=f"{self.ns}:*"):
            self.redis.delete(key)

    def snapshot(self, api: str) -> tuple[list[tuple[str, str, Any]], list[str]]:
        entries = [(p.decode(), json.loads(v)) for p, v in self.redis.hgetall(self._resources(api)).items()]
        resources = [(e["c"], p, e["b"]) for p, e in sorted(entries, key=lambda pe: pe[1]["s"])]
        return resources, sorted(c.decode() for c in self.redis.smembers(self._seeded(api)))

    def reset_collection(self, api: str, collection: str) -> None:
        import redis

        key, seeded = self._resources(api), self._seeded(api)
        pipe: Any
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key, seeded)
                    doomed = [p.decode() for p, v in pipe.hgetall(key).items()
                              if _in_collection(collection, json.loads(v)["c"], p.decode())]
                    marks = [c.decode() for c in pipe.smembers(seeded)
                             if _in_collection(collection, c.decode(), c.decode())]
                    pipe.multi()
                    if doomed:
                        pipe.hdel(key, *doomed)
                    if marks:
                        pipe.srem(seeded, *marks)
                    pipe.execute()
                    return
                except redis.WatchError:
                    continue

    def close(self) -> None:
        self.redis.close()


def _in_collection(collection: str, resource_collection: str, path: str) -> bool:
    """Whether a resource (its collection and path) is reset with ``collection``."""
    under = collection.rstrip("/") + "/"
    return resource_collection == collection or path.startswith(under)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def open_store(location: str) -> StateStore:
    """A store for ``location``: ``redis://...`` (or ``rediss://``, ``unix://``) or a SQLite file path."""
    scheme = urlparse(location).scheme
    if scheme in ("redis", "rediss", "unix"):
        return RedisStore(location)
    if scheme in ("sqlite", "file"):
        location = urlparse(location).path
    return SQLiteStore(location)
