"""The request as the pipeline reads it: its body (read once, bounded, without werkzeug's stream wrappers where
the server gave a length), its headers (looked up in the environ by name) and :func:`incoming`, the adapter from
werkzeug's request to :class:`~mockserver.pipeline.request.IncomingRequest`."""

from __future__ import annotations

import io
from typing import Any

from werkzeug.datastructures import EnvironHeaders as WerkzeugHeaders
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.wrappers import Request

from ..pipeline.request import Headers, IncomingRequest, Prefer, Query, parse_prefer, split_prism_query

__all__ = ["RequestHeaders", "incoming", "size_body"]


def size_body(environ: dict[str, Any], limit: int) -> None:
    """Give a request whose server marked its input terminated but gave no Content-Length one: a body that may
    be there (chunked, or HTTP/2 and later, whose frames end it without either header) read up to ``limit``
    bytes; none for an HTTP/1.x request with neither Content-Length nor Transfer-Encoding (RFC 9112 section
    6.3: granian marks every request's input terminated, a GET's too, and reading it cost a few per cent).

    werkzeug's limited stream stops at the limit without a word: the body would reach the
    pipeline cut short (and be refused as invalid JSON) instead of answered with a 413.
    """
    if "CONTENT_LENGTH" in environ or not environ.get("wsgi.input_terminated"):
        return
    if "HTTP_TRANSFER_ENCODING" not in environ and str(environ.get("SERVER_PROTOCOL", "")).startswith("HTTP/1"):
        environ["CONTENT_LENGTH"] = "0"
        return
    stream, parts, size = environ["wsgi.input"], [], 0
    while size <= limit:
        part = stream.read(min(65536, limit + 1 - size))
        if not part:
            break
        parts.append(part)
        size += len(part)
    if size > limit:
        raise RequestEntityTooLarge()
    environ["wsgi.input"] = io.BytesIO(b"".join(parts))
    environ["CONTENT_LENGTH"] = str(size)


class RequestHeaders(WerkzeugHeaders):
    """werkzeug's headers of an environ, whose reads by name (``Content-Type``, ``Prefer``, the specs' header
    parameters) look the environ key up instead of working it out each time (six reads a request)."""

    def get(self, key: Any, default: Any = None, type: Any = None) -> Any:  # type: ignore[override]
        if type is not None or not isinstance(key, str):
            return super().get(key, default, type)
        return self.environ.get(_ENVIRON_KEYS.get(key) or _environ_key(key), default)

    def __contains__(self, key: Any) -> bool:
        return isinstance(key, str) and (_ENVIRON_KEYS.get(key) or _environ_key(key)) in self.environ


#: header name -> its key in a WSGI environ, as werkzeug works it out (names come from the specs: bounded)
_ENVIRON_KEYS: dict[str, str] = {}


def _environ_key(name: str) -> str:
    key = name.upper().replace("-", "_")
    key = key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key
    if len(_ENVIRON_KEYS) >= 1024:
        _ENVIRON_KEYS.clear()
    _ENVIRON_KEYS[name] = key
    return key


def _body(req: Request) -> bytes:
    """The request's body, as ``req.get_data()`` reads it (and caches it), without werkzeug's stream
    wrappers when the server gave a Content-Length (a tenth of a request's own work)."""
    if "stream" in vars(req) or getattr(req, "_cached_data", None):
        return req.get_data(cache=True)  # read already (the record proxy)
    environ = req.environ
    length = environ.get("CONTENT_LENGTH")
    chunked = "HTTP_TRANSFER_ENCODING" in environ
    if not length and not chunked and str(environ.get("SERVER_PROTOCOL")).startswith("HTTP/1"):
        # HTTP/1: without Content-Length and Transfer-Encoding a request has no body (RFC 9112 section 6.3). Not
        # read: werkzeug would read granian's input to its end, and granian lets go of the GIL for every read
        req._cached_data = b""
        return b""
    if not length or not length.isdigit() or chunked:
        return req.get_data(cache=True)  # no plain Content-Length
    if length == "0":
        req._cached_data = b""
        return b""
    size = int(length)
    limit = req.max_content_length
    if limit is not None and size > limit:
        raise RequestEntityTooLarge()
    stream, parts, left = environ["wsgi.input"], [], size
    while left > 0:
        part = stream.read(left)
        if not part:  # as werkzeug's LimitedStream: the client went away before sending the whole body
            raise ClientDisconnected()
        parts.append(part)
        left -= len(part)
    data = parts[0] if len(parts) == 1 else b"".join(parts)
    req._cached_data = data  # what req.get_data() answers from now on
    return data


def incoming(req: Request, path_params: dict[str, str], cookies: bool,
             prism_query: bool = True) -> tuple[IncomingRequest, Prefer]:
    """The request as plain data for the pipeline (``cookies``: read them, for operations that use them),
    and its ``Prefer`` directives: the header, and (``prism_query``, for the mock) Prism's ``__code``,
    ``__example`` and ``__dynamic``, taken out of the query."""
    headers: Headers = req.headers
    query_string = req.environ.get("QUERY_STRING")
    if not query_string:
        query: Query = {}
        directives: dict[str, str] = {}
    elif prism_query:
        query, directives = split_prism_query(dict(req.args.lists()))
    else:
        query, directives = dict(req.args.lists()), {}
    return IncomingRequest(
        method=req.method,
        path=req.path,
        path_params=path_params,
        query=query,
        headers=headers,
        cookies=req.cookies if cookies else {},
        content_type=headers.get("Content-Type"),
        body=_body(req),
        query_string=query_string.encode("latin-1") if query_string else b"",
    ), parse_prefer(headers.get("Prefer"), directives)
