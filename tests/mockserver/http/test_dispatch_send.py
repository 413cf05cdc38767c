"""``send`` writes a reply exactly as werkzeug's Response of it (``to_response``) does, only cheaper."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.http.dispatch import send, to_response
from mockserver.pipeline.problems import Reply

REPLIES = [
    Reply(200, b'{"a": 1}', "application/json", {"DSS-Version": "13.0.2", "X-Rate": "5"}),
    Reply(201, b"", None, {"ETag": '"x"'}),
    Reply(400, b'{"errors": []}', "application/problem+json", {"sl-violations": "[body] /id: bad"}),
    Reply(404, b"text as str", "text/plain; charset=utf-8", {}),
    Reply(599, b"?", None, {}),
    Reply(204, b"", None, {"X-A": "1"}),
    Reply(304, b"", "application/json", {"ETag": '"x"'}),
    Reply(302, b"", None, {"Location": "/b c"}),
    Reply(200, b"{}", None, {"Content-Type": "text/html"}),
    Reply(200, b"{}", "application/json", {"Content-Length": "99"}),
]


def _wsgi(app_call: Any, method: str) -> tuple[str, list[tuple[str, str]], bytes]:
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        seen["status"], seen["headers"] = status, list(headers)

    body = b"".join(app_call({"REQUEST_METHOD": method, "SERVER_NAME": "localhost", "SERVER_PORT": "80",
                              "wsgi.url_scheme": "http", "PATH_INFO": "/a"}, start_response))
    return seen["status"], seen["headers"], body


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("reply", REPLIES, ids=lambda r: f"{r.status}-{sorted(r.headers)}")
def test_send_writes_what_werkzeug_writes(reply: Reply, method: str) -> None:
    assert _wsgi(lambda env, sr: send(reply, env, sr), method) == _wsgi(to_response(reply), method)


def test_a_header_value_with_a_newline_is_refused_as_werkzeug_refuses_it() -> None:
    reply = Reply(200, b"{}", "application/json", {"X-Injected": "a\r\nSet-Cookie: b"})
    with pytest.raises(ValueError, match="newline"):
        _wsgi(lambda env, sr: send(reply, env, sr), "GET")
