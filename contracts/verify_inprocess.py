"""How ``verify --against-mock`` reaches the mock: its WSGI app called in process, no socket.

Over HTTP each request of the suite cost about 5 ms more than the app itself on a loaded
2-core machine (the client, the socket, the server thread, HTTP parsing both ways); the DSS
spec's run sends tens of thousands. schemathesis calls a WSGI app directly when the schema has
one (``schema.app``): the same app, the same answers. One of its checks (``ignored_auth``)
resends a request with the socket-level settings of the HTTP transport (``max_redirects``,
``verify``...), which the WSGI client refuses; the transport here drops them, as schemathesis'
own WSGI transport already does when it is given an HTTP session. Its serializers are those of
schemathesis' WSGI transport (one registry, shared).
"""

from __future__ import annotations

from typing import Any

__all__ = ["in_process"]

#: settings that only mean something to a socket
_SOCKET_ONLY = ("max_redirects", "verify", "cert", "proxies")

_CLASSES: dict[type[Any], type[Any]] = {}


def in_process(schema: Any, app: Any) -> None:
    """Make ``schema`` (a schemathesis schema) send its requests to the WSGI ``app`` in process."""
    from schemathesis.transport.wsgi import WSGI_TRANSPORT, WSGITransport

    class MockTransport(WSGITransport):
        def send(self, case: Any, *, session: Any = None, **kwargs: Any) -> Any:
            if session is None:
                for name in _SOCKET_ONLY:
                    kwargs.pop(name, None)
            return super().send(case, session=session, **kwargs)

    base = type(schema)
    if base not in _CLASSES:
        transport = MockTransport()
        transport._serializers = WSGI_TRANSPORT._serializers  # the same registry: JSON, forms, XML, custom ones
        _CLASSES[base] = type(f"InProcess{base.__name__}", (base,), {"transport": property(lambda self: transport)})
    schema.app = app
    schema.__class__ = _CLASSES[base]
