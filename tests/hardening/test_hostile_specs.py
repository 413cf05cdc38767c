"""Hostile specs: alias bombs, oversized documents, and remote ``$ref`` hidden from the check.

Invariants: a YAML alias bomb is refused in well under a second with one line (``load_spec``
and ``apitwin lint``); a document over the size bound is refused; a ``$ref`` key written with
escapes (``"\\x24ref"``, ``"$r\\x65f"``, ``"\\u0024ref"``) or as an alias is still seen and
refused; nothing remote is ever fetched (a local HTTP server counts its hits: always 0).
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from contracts import cli
from mockserver import SpecLoadError, load_spec
from mockserver.spec import documents
from mockserver.spec.schemas import SchemaCompiler

HEAD = 'openapi: 3.1.0\ninfo: {title: t, version: "1"}\n'
OPERATION = """paths:
  /things:
    post:
      requestBody:
        content:
          application/json:
            schema:
              {key}: "{url}"
      responses:
        "200": {{description: ok}}
"""

#: the billion laughs (449 bytes in its classic XML form): 10^9 strings once expanded
BOMB = HEAD + """x-bomb:
  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
paths: {}
"""


@pytest.fixture()
def counting_server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server answering a schema to any GET, remembering each path it was asked."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"type": "string"}')

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/schema.json", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_an_alias_bomb_is_refused_quickly_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = tmp_path / "bomb.yaml"
    spec.write_text(BOMB)
    assert len(BOMB.encode()) < 600
    started = time.monotonic()
    with pytest.raises(SpecLoadError, match="aliases expand the document beyond 64 MiB"):
        load_spec(spec)
    assert time.monotonic() - started < 2
    result = CliRunner().invoke(cli.main, ["lint", str(spec)])
    assert result.exit_code == 1 and "alias bomb" in result.output  # a finding
    served: list[object] = []
    monkeypatch.setattr(cli, "serve", lambda app, **kw: served.append(app))
    result = CliRunner().invoke(cli.main, ["serve", str(spec), "--no-reload", "--port", "0"])
    assert result.exit_code == 3 and served == []
    assert len(result.stderr.strip().splitlines()) == 1 and "alias bomb" in result.stderr
    assert time.monotonic() - started < 5


def test_a_recursive_alias_is_refused(tmp_path: Path) -> None:
    spec = tmp_path / "cycle.yaml"
    spec.write_text(HEAD + "x-loop: &loop [*loop]\npaths: {}\n")
    with pytest.raises(SpecLoadError, match="recursive alias"):
        load_spec(spec)


def test_aliases_within_the_bound_still_load(tmp_path: Path) -> None:
    spec = tmp_path / "shared.yaml"
    spec.write_text(HEAD + "x-shared: &s {a: [1, 2, 3]}\nx-again: [*s, *s]\npaths: {}\n")
    assert load_spec(spec).document["x-again"] == [{"a": [1, 2, 3]}] * 2


def test_a_document_over_the_size_bound_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "MAX_DOCUMENT_BYTES", 4096)
    spec = tmp_path / "big.yaml"
    spec.write_text(HEAD + "x-pad: " + "x" * 5000 + "\npaths: {}\n")
    with pytest.raises(SpecLoadError, match=r"larger than 0\.00390625 MiB"):
        load_spec(spec)


@pytest.mark.parametrize("key", [r'"\x24ref"', r'"$r\x65f"', r'"\u0024ref"', r'"\U00000024ref"', "*k"])
def test_a_hidden_remote_ref_is_refused_and_never_fetched(tmp_path: Path, key: str,
                                                          counting_server: tuple[str, list[str]]) -> None:
    url, hits = counting_server
    spec = tmp_path / "hidden.yaml"
    spec.write_text(HEAD + "x-key: &k $ref\n" + OPERATION.format(key=key, url=url))
    with pytest.raises(SpecLoadError, match="is not a relative file"):
        load_spec(spec)
    assert hits == []


def test_the_schema_validators_never_fetch(counting_server: tuple[str, list[str]]) -> None:
    url, hits = counting_server
    document = {"openapi": "3.1.0", "components": {"schemas": {"remote": {"$ref": url}}}}
    with pytest.raises(ValueError, match=r"schema\.json"):
        list(SchemaCompiler(document).at("/components/schemas/remote").iter_errors("x"))
    assert hits == []
