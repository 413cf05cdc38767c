"""The journal's entries: what a request leaves on the request path, and the row it becomes off it.

On the request path the edge (``http.dispatch``) captures a :data:`RawEntry`: a tuple of
the values as they are (the environ, itself or a copy: :func:`environ_kept`; the bodies cut to
what the journal keeps; the answer's headers as sent). Naming, redacting, decoding and serialising happen when
the entry is written (:func:`row`), in the journal's writer thread, off the request path.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from .redaction import Redactor

__all__ = ["ADDED_COLUMNS", "BINARY", "BODY_LIMIT", "INSERT_ROW", "LIST_COLUMNS", "REQUESTS_TABLE", "UNCOUNTED_BYTES",
           "EnvironHeaders", "JournalEntry", "RawEntry", "body_fields", "cut_body", "environ_kept", "held_bytes",
           "keep_environs_in_place", "learn_object_keys", "loaded_body", "row", "uncut"]

#: the longest body (request or answer) kept by default, in characters; longer ones are cut and marked truncated
BODY_LIMIT = 16384
_DEFAULT_REDACTOR = Redactor()
#: what the request path captures, in this order: when the answer was ready (``time.perf_counter()``),
#: method, path, query (latin-1 text), api, operation, status, the request's headers (None and the environ
#: as kept, :func:`environ_kept`; or, when the request path took them already,
#: :attr:`EnvironHeaders.names` and :attr:`~EnvironHeaders.values`), request body (cut), its whole size when
#: cut (else None), violations ((location, pointer, message) each), when the request arrived
#: (``perf_counter()``), response headers (a copy of the answer's, or ``()``), response media type, response
#: body (cut), its whole size when cut, the key of the redactor (:meth:`~.journal.Journal.redactor_key`). The
#: wall-clock time and the duration are worked out when the entry is written (:func:`entry_of`): one clock
#: reading on the request path, and no arithmetic.
#: Only atomic values (text, bytes, numbers, None), tuples of them (or of such tuples) and dicts of them,
#: never an object (an entry that held objects, the request's, cost the journal most of its cost per
#: request): the garbage collector stops tracking the tuples within its first two passes and the dicts at its
#: next full pass. A copy of the environ costs about a third of picking its headers did (0.26 against
#: 0.72 µs, 23 keys), and the journal's whole capture about half the instructions; keeping the environ itself
#: (granian) costs no copy (bench/journal_cost.py; ARCHITECTURE, Decisions).
RawEntry = tuple[float, str, str, str, str, str, int, "str | None", "tuple[Any, ...] | dict[str, Any]",
                 "bytes | None", "int | None", "tuple[tuple[str, str, str], ...]", float,
                 "dict[str, str] | tuple[()]", "str | None", "bytes | None", "int | None", int]
#: the environ keys whose values are objects (a server's streams, socket, callbacks), dropped from an entry's
#: environ: those every WSGI server passes, and those :func:`learn_object_keys` finds
_OBJECT_KEYS: list[str] = ["wsgi.input", "wsgi.errors"]
#: the most keys learned (a server passes a few; a client cannot add one: header keys hold text)
_OBJECT_KEYS_LIMIT = 64
_ATOMIC = (str, bytes, int, float, bool, type(None))


#: whether an entry keeps the environ itself rather than a copy (:func:`keep_environs_in_place`)
_IN_PLACE = [False]


def keep_environs_in_place() -> None:
    """Let entries keep the environ itself, its objects dropped, rather than a copy: for a server that reads
    nothing of an environ once the app has returned, and makes one per request (granian: its runner makes
    each request's environ and reads only its own scope afterwards). PEP 3333 lets an app change its environ.
    Called in the serving process before any request; a copy costs most of the capture of a GET."""
    _IN_PLACE[0] = True


def environ_kept(environ: dict[str, Any]) -> dict[str, Any]:
    """``environ`` as an entry keeps it, without the objects a server passes in it (an entry may be held for a
    while, and must not keep a stream or a socket alive): the environ itself where the server allows it
    (:func:`keep_environs_in_place`), else a copy."""
    kept = environ if _IN_PLACE[0] else environ.copy()
    for key in _OBJECT_KEYS:
        kept.pop(key, None)
    return kept


def learn_object_keys(kept: dict[str, Any]) -> None:
    """Drop from ``kept`` (an :func:`environ_kept`) the values that are objects, and drop their keys from every
    later copy (called on a process's first entry, and when an entry is written)."""
    for key, value in list(kept.items()):
        if type(value) in _ATOMIC or (type(value) is tuple and all(type(v) in _ATOMIC for v in value)):
            continue
        del kept[key]
        if key not in _OBJECT_KEYS and len(_OBJECT_KEYS) < _OBJECT_KEYS_LIMIT:
            _OBJECT_KEYS.append(key)


#: the table of entries, as first created
REQUESTS_TABLE = """
create table if not exists requests (
  id integer primary key autoincrement,
  ts real not null,
  method text not null,
  path text not null,
  query text not null,
  api text not null,
  operation text not null,
  status integer not null,
  headers text not null,
  body text,
  violations text not null,
  duration_ms real not null
)
"""
#: columns added since the first version (a journal file given with journal_path may predate them)
ADDED_COLUMNS = (("body_size", "integer"), ("response_headers", "text"), ("response_body", "text"),
                 ("response_size", "integer"))
#: the columns of a listing (the answer's headers and body only in one entry's detail)
LIST_COLUMNS = "id, ts, method, path, query, api, operation, status, headers, body, violations, duration_ms"
#: the statement that stores a :func:`row`
INSERT_ROW = ("insert into requests (ts, method, path, query, api, operation, status, headers, body, violations,"
              " duration_ms, body_size, response_headers, response_body, response_size)"
              " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
#: bodies (the request's and the answer's together) up to this many bytes are not counted in what a process
#: holds, and such an entry is appended by the buffer's own append (``Journal.hold``): 5,000 of them hold
#: at most 5 MB
UNCOUNTED_BYTES = 1024


def held_bytes(entry: JournalEntry | RawEntry) -> int:
    """The bytes of an entry's bodies, counted in what a process holds (0: up to :data:`UNCOUNTED_BYTES`)."""
    if isinstance(entry, tuple):
        size = len(entry[9] or b"") + len(entry[15] or b"")
    else:
        size = len(entry.body or b"") + len(entry.response_body or b"")
    return size if size > UNCOUNTED_BYTES else 0


class EnvironHeaders:
    """A request's headers as the WSGI environ holds them (``HTTP_X_API_KEY``...), picked in under a
    microsecond (on the request path when an error answer needs them, else when a journal entry is written):
    the environ's header keys (one text per set of keys, shared) and their values, nothing else of the
    environ kept; named (``X-Api-Key``) and redacted when written, off the request path."""

    __slots__ = ("names", "values")

    def __init__(self, environ: dict[str, Any]) -> None:
        keys = tuple(environ)
        picked = _PICKERS.get(keys)
        if picked is None:
            picked = _picker(keys)
        #: the environ's header keys, joined by NUL (text, not a tuple: see :data:`RawEntry`)
        self.names: str = picked[0]
        self.values: tuple[Any, ...] = picked[1](environ)

    @classmethod
    def of(cls, environ: dict[str, Any]) -> EnvironHeaders:
        """The headers of ``environ`` (only they: an entry may wait to be written for a while)."""
        return cls(environ)

    @classmethod
    def from_raw(cls, names: str, values: tuple[Any, ...]) -> EnvironHeaders:
        """The headers :attr:`names` and :attr:`values` held."""
        headers = cls.__new__(cls)
        headers.names, headers.values = names, values
        return headers

    def raw(self) -> tuple[str, tuple[Any, ...]]:
        """The environ's header keys and values, as they are (a cache key)."""
        return self.names, self.values

    def environ_keys(self) -> list[str]:
        """The environ's keys of the headers (``HTTP_X_API_KEY``)."""
        return self.names.split("\x00") if self.names else []

    def items(self) -> list[tuple[str, str]]:
        """(name, value) pairs, named as werkzeug names them."""
        out = []
        for key, value in zip(self.environ_keys(), self.values, strict=True):
            if key in _CONTENT_KEYS:
                if value:
                    out.append((key.replace("_", "-").title(), value))
            elif key not in _HTTP_CONTENT_KEYS:
                out.append((key[5:].replace("_", "-").title(), value))
        return out


_CONTENT_KEYS = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH"})
_HTTP_CONTENT_KEYS = frozenset({"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"})
#: the environ's keys -> (its header keys joined by NUL, what picks their values); clients choose the headers
#: they send, so the table is bounded
_PICKERS: dict[tuple[str, ...], tuple[str, Callable[[dict[str, Any]], tuple[Any, ...]]]] = {}
_PICKERS_LIMIT = 512


def _picker(keys: tuple[str, ...]) -> tuple[str, Callable[[dict[str, Any]], tuple[Any, ...]]]:
    # header names are tokens (RFC 9110): no NUL in a key
    headers = tuple(k for k in keys if isinstance(k, str) and (k.startswith("HTTP_") or k in _CONTENT_KEYS)
                    and "\x00" not in k)
    if len(headers) > 1:
        pick: Callable[[dict[str, Any]], tuple[Any, ...]] = itemgetter(*headers)
    elif headers:
        only = headers[0]

        def pick(environ: dict[str, Any]) -> tuple[Any, ...]:
            return (environ[only],)
    else:
        def pick(environ: dict[str, Any]) -> tuple[Any, ...]:
            return ()
    if len(_PICKERS) >= _PICKERS_LIMIT:
        _PICKERS.clear()
    found = _PICKERS[keys] = ("\x00".join(headers), pick)
    return found


@dataclass(slots=True)
class JournalEntry:
    """One answered request. Secrets are redacted when the entry is written, off the request path."""

    method: str
    path: str
    query: str
    api: str
    operation: str
    status: int
    headers: Any  # a mapping, (name, value) pairs, or EnvironHeaders
    body: str | bytes | None  # the body as received (text, or bytes decoded when written), or its start
    violations: list[dict[str, str]]
    duration_ms: float
    ts: float = field(default_factory=time.time)
    response_headers: dict[str, str] | None = None  # as sent (a copy)
    response_body: bytes | None = None  # as sent, or its start
    redactor: Redactor = _DEFAULT_REDACTOR  # what is secret (the app's: the specs' scheme names, --redact)
    body_size: int | None = None  # the size of the whole body, when ``body`` is its start (see cut_body)
    response_size: int | None = None  # the same for ``response_body``


BINARY = "\x00binary"  # stored for a body that is not UTF-8 text (never a valid text body: NUL first)
_CUT = "\x00cut"  # the marker at the end of a body stored cut to the journal's limit


def cut_body(body: bytes | None, limit: int) -> tuple[bytes | None, int | None]:
    """(the start of ``body`` that a journal of ``limit`` characters may keep, its whole size in bytes).

    Called on the request path, so that an entry waiting to be written never holds more
    than ``4 * limit`` bytes (the most a UTF-8 text of ``limit`` characters takes).
    """
    if body is None:
        return None, None
    return (body[:4 * limit] if len(body) > 4 * limit else body), len(body)


def _header(headers: Any, name: str) -> str | None:
    items = headers.items() if hasattr(headers, "items") else headers
    return next((str(v) for k, v in items if str(k).lower() == name), None)


#: what was already redacted and serialised (clients send the same headers again and again, and an answer
#: from the spec's examples is the same bytes each time): writing is mostly this work
_CACHE_LIMIT = 2048
_CACHED_BODY_BYTES = 4096
_cache: dict[tuple[Any, ...], Any] = {}


def _cached(key: tuple[Any, ...], make: Any) -> Any:
    try:
        return _cache[key]
    except KeyError:
        pass
    except TypeError:  # an unhashable value (a header value that is no text): not cached
        return make()
    value = _cache[key] = make()
    if len(_cache) > _CACHE_LIMIT:
        _cache.clear()
    return value


def _headers_json(pairs: tuple[tuple[Any, Any], ...], redactor: Redactor) -> tuple[str, str | None]:
    """(the headers redacted, as JSON; their Content-Type)."""
    return _cached(("h", redactor, pairs),  # type: ignore[no-any-return]
                   lambda: (json.dumps(redactor.headers(pairs)), _header(pairs, "content-type")))


def _pairs(headers: Any) -> tuple[tuple[Any, Any], ...]:
    return tuple(headers.items() if hasattr(headers, "items") else headers)


def row(e: JournalEntry | RawEntry, limit: int, redactors: list[Redactor]) -> tuple[Any, ...]:
    """The ``requests`` row of an entry, secrets redacted, bodies bounded to ``limit`` characters
    (``redactors``: the journal's, which a raw entry names by its index)."""
    if not isinstance(e, JournalEntry):
        e = entry_of(e, redactors)
    redactor = e.redactor
    headers, content_type = _headers_json(_pairs(e.headers), redactor)
    body, body_size = _body(e.body, e.body_size, content_type, redactor, limit)
    response_headers: str | None = None
    response_type = None
    if e.response_headers is not None:
        response_headers, response_type = _headers_json(_pairs(e.response_headers), redactor)
    response, response_size = _body(e.response_body, e.response_size, response_type, redactor, limit)
    query = _cached(("q", redactor, e.query), lambda: redactor.query(e.query)) if e.query else ""
    return (e.ts, e.method, e.path, query, e.api, e.operation,
            e.status, headers, body, json.dumps(e.violations) if e.violations else "[]", e.duration_ms, body_size,
            response_headers, response, response_size)


def _body(raw: str | bytes | None, size: int | None, content_type: str | None, redactor: Redactor,
          limit: int) -> tuple[str | None, int | None]:
    """:func:`_stored_body`, remembered for short bodies."""
    if raw is None or len(raw) > _CACHED_BODY_BYTES:
        return _stored_body(raw, size, content_type, redactor, limit)
    return _cached(("b", redactor, raw, size, content_type, limit),  # type: ignore[no-any-return]
                   lambda: _stored_body(raw, size, content_type, redactor, limit))


def _text(body: bytes, cut: bool) -> str | None:
    """A body as text (a cut one may end inside a character: that one is dropped), or None when not UTF-8."""
    for end in range(len(body), max(len(body) - 4, 0) if cut else len(body) - 1, -1):
        try:
            return body[:end].decode("utf-8")
        except UnicodeDecodeError:
            continue
    return None


def _stored_body(raw: str | bytes | None, size: int | None, content_type: str | None, redactor: Redactor,
                 limit: int) -> tuple[str | None, int | None]:
    """(the body as stored, its whole size in bytes): text with its secrets redacted, at most ``limit``
    characters, marked with :data:`_CUT` at the end when it was cut; :data:`BINARY` for a body that
    is not UTF-8 text."""
    if raw is None:
        return None, None
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    size = len(data) if size is None else size
    cut = size > len(data)
    text = _text(data, cut)
    if text is None:
        return BINARY, size
    if len(text) > limit:
        text, cut = text[:limit], True
    if redactor.may_hold_secret(text):  # every secret name appears in the text (most bodies have none)
        text = redactor.body(text.encode("utf-8", "surrogatepass"), content_type).decode("utf-8", "surrogatepass")
    if len(text) > limit:
        text, cut = text[:limit], True
    return text + _CUT if cut else text, size


def uncut(text: str | None) -> tuple[str | None, bool]:
    """(a stored body without its :data:`_CUT` marker, whether it was cut)."""
    if text is not None and text.endswith(_CUT):
        return text[:-len(_CUT)], True
    return text, False


def body_fields(text: str | None, size: int | None) -> dict[str, Any]:
    """``body`` (parsed when JSON), ``body_text``, ``body_size``, ``body_truncated`` and ``binary`` of a stored body."""
    binary = text == BINARY
    shown, cut = uncut(None if binary else text)
    return {"body": loaded_body(shown), "body_text": shown, "body_size": size, "binary": binary,
            "body_truncated": cut}


def loaded_body(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text


def entry_of(raw: RawEntry, redactors: list[Redactor]) -> JournalEntry:
    """The entry a request captured as a :data:`RawEntry`, as plain values (off the request path;
    ``redactors``: the journal's)."""
    (ended, method, path, query, api, operation, status, names, values, body, body_size, violations, started,
     response_headers, media_type, response_body, response_size, redactor) = raw
    ts = ended + (time.time() - time.perf_counter())  # the wall clock when the answer was ready
    if isinstance(values, dict):  # the environ as kept (names None)
        learn_object_keys(values)
        headers = EnvironHeaders(values)
    else:
        headers = EnvironHeaders.from_raw(names or "", values)
    sent = dict(response_headers)
    if media_type:
        sent["Content-Type"] = media_type
    return JournalEntry(method=method, path=path, query=query, api=api, operation=operation, status=status,
                        headers=headers, body=body,
                        violations=[{"location": location, "pointer": pointer, "message": message}
                                    for location, pointer, message in violations],
                        duration_ms=(ended - started) * 1000, ts=ts, response_headers=sent, response_body=response_body,
                        redactor=redactors[redactor], body_size=body_size, response_size=response_size)
