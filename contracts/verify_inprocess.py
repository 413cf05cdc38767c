"""How ``verify --against-mock`` reaches the mock: its WSGI app called in process, no socket.

Over HTTP each request of the suite cost about 5 ms more than the app itself on a loaded
2-core machine (the client, the socket, the server thread, HTTP parsing both ways); the DSS
spec's run sends tens of thousands. schemathesis calls a WSGI app directly when the schema has
one (``schema.app``): the same app, the same answers. One of its checks (``ignored_auth``)
resends a request with the socket-level settings of the HTTP transport (``max_redirects``,
``verify``...), which the WSGI client refuses; the transport here drops them, as schemathesis'
own WSGI transport already does when it is given an HTTP session. Its serializers are those of
schemathesis' WSGI transport (one registry, shared), but for one: for these schemas only, an urlencoded body
given as fields is written as ``requests`` writes it over HTTP (and as the failures' curl commands show it),
not as Werkzeug does. Werkzeug leaves ``/`` and ``*`` unencoded, which a field with ``allowReserved: false``
refuses (Stripe's ``POST /v1/reporting/report_runs``), and drops a field whose value is a list of objects,
so a negative case carrying an invalid one reached the mock as a valid request, while its curl showed
``lines=amount&lines=description``, which the mock refuses (Stripe's ``POST /v1/credit_notes``).

One per-request cost of schemathesis' WSGI transport is not paid (the requests and the answers
are the same; see ``tests/contracts/test_verify_inprocess.py``): its werkzeug client is made for
one request and thrown away, yet werkzeug's cookie jar parses the request URL to pick the cookies
to send, and again to keep the answer's ``Set-Cookie`` in a jar nobody reads. Here the cookies the
case sends are matched as werkzeug matches them (the URL parsed only when there are some), and the
answer's cookies are not kept. The app given to schemathesis stays the Flask object: schemathesis
reads constants out of a Flask app's code for its generation, so another object would change the
cases generated.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import Any

__all__ = ["in_process"]

#: settings that only mean something to a socket
_SOCKET_ONLY = ("max_redirects", "verify", "cert", "proxies")

_CLASSES: dict[type[Any], type[Any]] = {}

_FORM = "application/x-www-form-urlencoded"


def in_process(schema: Any, app: Any) -> None:
    """Make ``schema`` (a schemathesis schema) send its requests to the WSGI ``app`` in process."""
    from schemathesis.transport.wsgi import WSGI_TRANSPORT, WSGITransport

    class MockTransport(WSGITransport):
        def send(self, case: Any, *, session: Any = None, **kwargs: Any) -> Any:
            if session is None:
                for name in _SOCKET_ONLY:
                    kwargs.pop(name, None)
            return super().send(case, session=session, **kwargs)

    _install_form_serializer()
    base = type(schema)
    if base not in _CLASSES:
        transport = MockTransport()
        transport._serializers = WSGI_TRANSPORT._serializers  # the same registry: JSON, forms, XML, custom ones
        _CLASSES[base] = type(f"InProcess{base.__name__}", (base,), {"transport": property(lambda self: transport)})
    _install_client()
    _APPS.add(app)
    schema.app = app
    schema.__class__ = _CLASSES[base]


#: the mocks whose requests get the one-request client
_APPS: weakref.WeakSet[Any] = weakref.WeakSet()


_INSTALLED: list[bool] = []


def _install_client() -> None:
    """schemathesis' WSGI transport makes a werkzeug client per request (``schemathesis.python.wsgi.get_client``);
    for an app given to :func:`in_process` it gets a :func:`_one_request_client`, any other app the usual one."""
    if _INSTALLED:
        return
    from schemathesis.python import wsgi

    usual = wsgi.get_client

    def get_client(app: object) -> Any:
        return _one_request_client(app) if app in _APPS else usual(app)

    wsgi.get_client = get_client
    _INSTALLED.append(True)


_CLIENT: list[type[Any]] = []


def _one_request_client(app: Any) -> Any:
    """A werkzeug client for one request: sends the cookies set on it as werkzeug's would, keeps none."""
    if not _CLIENT:
        from werkzeug.test import Client, run_wsgi_app

        class OneRequestClient(Client):
            def run_wsgi_app(self, environ: Any, buffered: bool = False) -> Any:
                if self._cookies:
                    self._add_cookies_to_wsgi(environ)
                else:  # werkzeug's answer for an empty jar, without parsing the URL
                    environ.pop("HTTP_COOKIE", None)
                # no Set-Cookie of the answer is kept: the client serves one request, a cookie kept is never sent
                return run_wsgi_app(self.application, environ, buffered=buffered)

        _CLIENT.append(OneRequestClient)
    return _CLIENT[0](app)


def _install_form_serializer() -> None:
    """Wrap the shared WSGI urlencoded serializer so that the schemas made in process encode forms as requests.

    Every call of an operation with an app goes through schemathesis' shared WSGI transport (not the schema's
    own), so the wrapper is registered there; other schemas and bodies given as text keep the serializer as it was.
    """
    import requests
    from schemathesis.transport.requests import REQUESTS_TRANSPORT
    from schemathesis.transport.wsgi import WSGI_TRANSPORT

    current = WSGI_TRANSPORT._serializers.get(_FORM)
    over_http = REQUESTS_TRANSPORT._serializers.get(_FORM)
    if current is None or over_http is None or getattr(current, "apitwin_in_process", False):
        return

    def serializer(ctx: Any, value: Any) -> dict[str, Any]:
        if not isinstance(ctx.case.operation.schema, tuple(_CLASSES.values())):
            theirs: dict[str, Any] = current(ctx, value)
            return theirs
        result: dict[str, Any] = over_http(ctx, value)
        fields = result.get("data")
        if isinstance(fields, (Mapping, list)):
            # the bytes requests writes: a value once per item, every reserved character percent-encoded
            encoded = requests.Request("POST", "http://localhost/", data=fields).prepare().body or b""
            result = {**result, "data": encoded.encode("utf-8") if isinstance(encoded, str) else encoded}
        return result

    serializer.apitwin_in_process = True  # type: ignore[attr-defined]
    WSGI_TRANSPORT._serializers[_FORM] = serializer
