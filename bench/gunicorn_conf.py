"""gunicorn settings of the bare Flask baseline: the same socket option as `apitwin serve`."""

from mockserver.http.gunicorn_server import set_nodelay

when_ready = set_nodelay
