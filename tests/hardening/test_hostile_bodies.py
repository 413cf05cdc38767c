"""Hostile request bodies: what is not JSON per RFC 8259, nesting without end, sizes without end.

Invariants: a bad body gets a 4xx naming what is wrong, never a 5xx; nothing from a refused
request is committed to the state; the limits are the documented ones (MockConfig,
``--max-body-bytes``, ``--max-json-depth``).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from mockserver import MockConfig

from ..mockserver.conftest import client_for

NOTES = Path(__file__).resolve().parents[1] / "data" / "specs" / "notes.yaml"
KEY = {"X-Key": "k", "Content-Type": "application/json"}


@pytest.fixture()
def notes(tmp_path: Path) -> FlaskClient:
    return client_for(NOTES, config=MockConfig(stateful=True, state=str(tmp_path / "state.sqlite")))


def _ids(client: FlaskClient) -> list[str]:
    listing = client.get("/api/notes", headers=KEY)
    assert listing.status_code == 200, listing.get_data(as_text=True)
    return [n["id"] for n in listing.get_json()["items"]]


@pytest.mark.parametrize(("body", "named"), [
    (b'{"title": "\\ud800"}', "lone UTF-16 surrogate"),
    (b'{"title": "x", "\\udc00": 1}', "lone UTF-16 surrogate"),
    (b'{"title": NaN}', "NaN"),
    (b'{"title": "x", "n": Infinity}', "Infinity"),
    (b'{"title": "x", "n": -Infinity}', "-Infinity"),
    (b'{"title": "x", "n": 1e400}', "out of range"),
    (b'{"title": "\xed\xa0\x80"}', "not UTF-8"),
])
def test_what_rfc_8259_refuses_is_refused_and_never_stored(notes: FlaskClient, body: bytes, named: str,
                                                           tmp_path: Path) -> None:
    before = _ids(notes)
    answer = notes.post("/api/notes", headers=KEY, data=body)
    assert answer.status_code == 400
    assert named in answer.headers["sl-violations"]
    assert _ids(notes) == before
    # and after a restart on the same state file, the collection still answers
    again = client_for(NOTES, config=MockConfig(stateful=True, state=str(tmp_path / "state.sqlite")))
    assert _ids(again) == before


def test_paired_surrogate_escapes_are_text(notes: FlaskClient) -> None:
    created = notes.post("/api/notes", headers=KEY, data=b'{"title": "\\ud83d\\ude00"}')
    assert created.status_code == 201
    assert created.get_json()["title"] == "\N{GRINNING FACE}"
    assert notes.get(f"/api/notes/{created.get_json()['id']}", headers=KEY).get_json()["title"] == "\N{GRINNING FACE}"


@pytest.mark.parametrize("depth", [129, 5_000, 100_000])
def test_nesting_beyond_the_limit_is_a_400_naming_it(notes: FlaskClient, depth: int) -> None:
    body = b'{"title": "x", "tags": ' + b"[" * depth + b"]" * depth + b"}"
    answer = notes.post("/api/notes", headers=KEY, data=body)
    assert answer.status_code == 400
    assert "nested deeper than 128 levels" in answer.headers["sl-violations"]


def test_the_depth_limit_is_configurable(tmp_path: Path) -> None:
    client = client_for(NOTES, config=MockConfig(max_json_depth=3))
    deep = client.post("/api/notes", headers=KEY, data=b'{"title": "x", "tags": [[["a"]]]}')
    assert deep.status_code == 400 and "nested deeper than 3 levels" in deep.headers["sl-violations"]
    assert client.post("/api/notes", headers=KEY, data=b'{"title": "x", "tags": ["a"]}').status_code == 201


def test_a_body_over_the_limit_is_413_in_the_apis_error_model_and_not_read(tmp_path: Path) -> None:
    client = client_for(NOTES, config=MockConfig(max_body_bytes=1000))
    answer = client.post("/api/notes", headers=KEY, data=b'{"title": "' + b"x" * 5000 + b'"}')
    assert answer.status_code == 413
    assert "larger than the limit of 1000 bytes" in answer.get_data(as_text=True)
    fits = client.post("/api/notes", headers=KEY, data=b'{"title": "' + b"x" * 10 + b'"}')
    assert fits.status_code == 201


def test_a_chunked_body_over_the_limit_is_413(tmp_path: Path) -> None:
    """No Content-Length (chunked, as gunicorn and granian hand it on): the limit holds while reading."""
    client = client_for(NOTES, config=MockConfig(max_body_bytes=1000))
    body = io.BytesIO(b'{"title": "' + b"x" * 5000 + b'"}')
    answer = client.post("/api/notes", headers=KEY, input_stream=body,
                         environ_overrides={"wsgi.input_terminated": True})
    assert answer.status_code == 413


class _Unreadable(io.RawIOBase):
    def read(self, size: int = -1) -> bytes:
        raise AssertionError("a request with neither Content-Length nor Transfer-Encoding has no body to read")


def test_an_http1_request_without_length_or_chunking_is_not_read(tmp_path: Path) -> None:
    """granian marks every request's input terminated, a GET's too: RFC 9112 section 6.3 says it has no body."""
    client = client_for(NOTES)
    answer = client.get("/api/notes", headers={"X-Key": "k"},
                        environ_overrides={"wsgi.input_terminated": True, "wsgi.input": _Unreadable(),
                                           "SERVER_PROTOCOL": "HTTP/1.1"})
    assert answer.status_code == 200


def test_an_http2_body_without_content_length_is_read(tmp_path: Path) -> None:
    """HTTP/2 ends a body with its frames, neither header needed: the body is read and validated."""
    client = client_for(NOTES)
    base = {"wsgi.input_terminated": True, "SERVER_PROTOCOL": "HTTP/2"}
    created = client.post("/api/notes", headers={"X-Key": "k", "Content-Type": "application/json"},
                          environ_overrides={**base, "wsgi.input": io.BytesIO(b'{"title": "h2"}')})
    assert created.status_code == 201
    refused = client.post("/api/notes", headers={"X-Key": "k", "Content-Type": "application/json"},
                          environ_overrides={**base, "wsgi.input": io.BytesIO(b'{"title": 5}')})
    assert refused.status_code == 400
