"""A request's body as the pipeline reads it (``mockserver/http/incoming._body``): an HTTP/1 request without
Content-Length or Transfer-Encoding has none (RFC 9112 section 6.3) and its input is never read (granian lets go
of the GIL for every read); any other request's body is read whole."""

from __future__ import annotations

import io
from typing import Any

from werkzeug.wrappers import Request

from mockserver.http.incoming import _body


class CountingInput(io.BytesIO):
    """A ``wsgi.input`` that counts its reads."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads = 0

    def read(self, size: int | None = -1, /) -> bytes:
        self.reads += 1
        return super().read(size)


def _request(protocol: str, data: bytes, **extra: Any) -> tuple[Request, CountingInput]:
    stream = CountingInput(data)
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/a", "SERVER_NAME": "localhost", "SERVER_PORT": "80",
               "SERVER_PROTOCOL": protocol, "wsgi.url_scheme": "http", "wsgi.input": stream,
               "wsgi.input_terminated": True, **extra}  # as granian sets it: the input ends where the body does
    return Request(environ), stream


def test_an_http1_request_without_length_has_no_body_and_its_input_is_not_read() -> None:
    for protocol in ("HTTP/1.1", "HTTP/1.0"):
        req, stream = _request(protocol, b"GET /next HTTP/1.1\r\n")
        assert _body(req) == b"" and stream.reads == 0
        assert req.get_data() == b""  # werkzeug's view agrees, and nothing is read later either
        assert stream.reads == 0


def test_an_http2_request_without_length_is_read() -> None:
    req, stream = _request("HTTP/2", b'{"a": 1}')
    assert _body(req) == b'{"a": 1}' and stream.reads >= 1


def test_a_chunked_http1_request_is_read() -> None:
    req, _ = _request("HTTP/1.1", b'{"a": 1}', HTTP_TRANSFER_ENCODING="chunked")
    assert _body(req) == b'{"a": 1}'


def test_a_request_with_content_length_is_read_to_its_length() -> None:
    req, _ = _request("HTTP/1.1", b'{"a": 1}trailing', CONTENT_LENGTH="8")
    assert _body(req) == b'{"a": 1}'
