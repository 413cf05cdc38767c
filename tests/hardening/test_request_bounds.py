"""Bounds on what one request may cost: multipart parts, echoes of invalid values.

Invariants: a form body with more parts (multipart) or fields (urlencoded) than
``--max-multipart-parts`` (1000) is refused with 413 in the API's error model before it
is parsed; a value quoted in a violation message (``sl-violations``, the error body) is cut
to ``--max-echo-chars`` (100), a message to ten times that; a secret is never quoted back,
by either validator backend (OpenAPI 3.1: jsonschema-rs, 3.0: jsonschema).
"""

from __future__ import annotations

import base64
import email.parser
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from mockserver import MockConfig
from mockserver.modes.redaction_messages import scrub, shorten

from ..mockserver.conftest import client_for

VAULT = Path(__file__).resolve().parents[1] / "data" / "specs" / "vault.yaml"
KEY = "0123456789abcdef" * 2
CREDENTIALS = {"Authorization": "Basic " + base64.b64encode(b"user:pw").decode(), "X-Partner": KEY}


def _vault(tmp_path: Path, version: str = "3.1.0", **config: Any) -> FlaskClient:
    spec = tmp_path / f"vault-{version}.yaml"
    spec.write_text(VAULT.read_text().replace("openapi: 3.1.0", f"openapi: {version}"))
    client = client_for(spec, config=MockConfig(**config))
    client.set_cookie("sid", "cookie-value")
    return client


def _multipart(parts: int) -> tuple[bytes, str]:
    # distinct names: a scalar field given twice is a 400 of its own
    extra = b"".join(b'--b0undary\r\nContent-Disposition: form-data; name="note%d"\r\n\r\nx\r\n' % i
                     for i in range(parts - 1))
    return b'--b0undary\r\nContent-Disposition: form-data; name="user"\r\n\r\nana\r\n' + extra \
        + b"--b0undary--\r\n", "multipart/form-data; boundary=b0undary"


def test_a_multipart_body_of_300k_parts_is_refused_unparsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client = _vault(tmp_path)
    body, content_type = _multipart(300_000)

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the multipart parser ran")

    monkeypatch.setattr(email.parser.BytesParser, "parsebytes", never)
    answer = client.post(f"/v1/sessions?k={KEY}", data=body, headers={**CREDENTIALS, "Content-Type": content_type})
    assert answer.status_code == 413
    assert answer.headers["Content-Type"] == "application/problem+json"  # vault documents no 413: RFC 9457
    assert "more than 1000 parts" in answer.headers["sl-violations"]
    assert "--max-multipart-parts" in answer.get_json()["detail"]


def test_the_part_limit_is_configurable_and_counts_form_fields_too(tmp_path: Path) -> None:
    client = _vault(tmp_path, max_multipart_parts=3)
    url = f"/v1/sessions?k={KEY}"
    for parts, status in ((3, 201), (4, 413)):
        body, content_type = _multipart(parts)
        answer = client.post(url, data=body, headers={**CREDENTIALS, "Content-Type": content_type})
        assert answer.status_code == status, answer.headers.get("sl-violations")
    form = {**CREDENTIALS, "Content-Type": "application/x-www-form-urlencoded"}
    assert client.post(url, data="user=ana&note=a&mode=service", headers=form).status_code == 201
    refused = client.post(url, data="user=ana&note=a&note=b&mode=service", headers=form)
    assert refused.status_code == 413 and "more than 3 fields" in refused.headers["sl-violations"]


@pytest.mark.parametrize("version", ["3.1.0", "3.0.3"])
def test_an_invalid_value_is_echoed_cut(tmp_path: Path, version: str) -> None:
    client = _vault(tmp_path, version)
    huge = "v" * 1_000_000
    answer = client.post(f"/v1/sessions?k={KEY}", headers=CREDENTIALS, json={"user": "ana", "mode": huge})
    assert answer.status_code == 400
    header = answer.headers["sl-violations"]
    assert len(header) < 2000 and "v" * 100 + "\N{HORIZONTAL ELLIPSIS}" in json.loads(header)[0]["message"]
    assert "v" * 101 not in header and len(answer.get_data()) < 4000
    configured = _vault(tmp_path, version, max_echo_chars=20)
    cut = configured.post(f"/v1/sessions?k={KEY}", headers=CREDENTIALS, json={"user": "ana", "mode": huge})
    message = json.loads(cut.headers["sl-violations"])[0]["message"]
    assert "v" * 20 + "\N{HORIZONTAL ELLIPSIS}" in message and "v" * 21 not in message


@pytest.mark.parametrize("version", ["3.1.0", "3.0.3"])
def test_a_secret_is_never_quoted_back(tmp_path: Path, version: str) -> None:
    client = _vault(tmp_path, version)
    key, password, nested = "zz-not-a-key-value-1", "short-password-2", "nested-secret-3"
    answer = client.post(f"/v1/sessions?k={key}", headers=CREDENTIALS,
                         json={"user": {"password": nested}, "password": password})
    assert answer.status_code == 400
    said = answer.headers["sl-violations"] + answer.get_data(as_text=True)
    pointers = {v["pointer"] for v in json.loads(answer.headers["sl-violations"])}
    assert {"k", "/user", "/password"} <= pointers  # each is reported...
    for secret in (key, password, nested):
        assert secret not in said  # ...without its value
    assert "[redacted]" in said


def test_a_message_is_cut_to_ten_times_the_echo_limit() -> None:
    assert shorten("x" * 5000, 100) == "x" * 1000 + "\N{HORIZONTAL ELLIPSIS}"
    assert shorten("'a' is not 'b'", 100) == "'a' is not 'b'"


def test_secrets_are_scrubbed_however_a_message_quotes_them() -> None:
    message = """{'password': 'x', 'a': "it's"} is bad; "caf\\u00e9" no; 'caf\u00e9'; see ?k=longsecret"""
    assert scrub(message, ["x", "it's", "caf\u00e9", "longsecret"]) == (
        """{'password': '[redacted]', 'a': "[redacted]"} is bad; "[redacted]" no; '[redacted]'; see ?k=[redacted]""")


def test_a_secret_path_parameter_is_not_said_back(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    spec = tmp_path / "keys.yaml"
    spec.write_text("""openapi: 3.1.0
info: {title: Keys, version: "1"}
paths:
  /keys/{apiKey}:
    get:
      operationId: getKey
      parameters:
        - {name: apiKey, in: path, required: true, schema: {type: string, pattern: "^[0-9]+$"}}
      responses:
        "200": {description: The key., content: {application/json: {schema: {type: object}, example: {}}}}
""")
    with caplog.at_level(logging.INFO, logger="apitwin"):
        answer = client_for(spec).get("/keys/sk-live-sesame")
    assert answer.status_code == 400 and "/keys/[redacted]" in answer.get_data(as_text=True)
    said = answer.headers["sl-violations"] + answer.get_data(as_text=True) + caplog.text
    assert "sesame" not in said and "apiKey" in answer.headers["sl-violations"]
