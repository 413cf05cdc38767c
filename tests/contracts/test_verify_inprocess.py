"""verify --against-mock's in-process transport: a cheaper werkzeug client per request, the same requests and cases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

from contracts.verify import VerifyOptions, verify_against_mock
from contracts.verify_inprocess import _APPS, _one_request_client, in_process

from ..conftest import DATA


def _echo(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """A WSGI app answering the Cookie header it got, and setting a cookie of its own."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Set-Cookie", "answer=1; Path=/")])
    return [environ.get("HTTP_COOKIE", "<none>").encode()]


def _sent(client: Client, cookies: dict[str, str], headers: dict[str, str]) -> bytes:
    for key, value in cookies.items():  # as schemathesis' cookie_handler sets the case's cookies
        client.set_cookie(key=key, value=value, domain="localhost")
    response = client.open(path="/a/b", base_url="http://localhost", headers=headers)
    return response.get_data()


@pytest.mark.parametrize(("cookies", "headers"), [
    ({}, {}),
    ({}, {"Cookie": "from=header"}),  # werkzeug drops a Cookie header when its jar is empty: so does ours
    ({"session": "MOCK", "other": "x y"}, {}),
    ({"session": "MOCK"}, {"Cookie": "from=header"}),
])
def test_the_one_request_client_sends_the_cookies_werkzeugs_client_sends(cookies: dict[str, str],
                                                                        headers: dict[str, str]) -> None:
    assert _sent(_one_request_client(_echo), cookies, headers) == _sent(Client(_echo), cookies, headers)


def test_the_one_request_client_keeps_no_cookie_of_the_answer() -> None:
    client = _one_request_client(_echo)
    client.open(path="/", base_url="http://localhost")
    assert client.get_cookie("answer") is None  # nobody would read it: the client serves one request


def test_only_the_mock_given_to_in_process_gets_the_one_request_client() -> None:
    import schemathesis
    from flask import Flask
    from schemathesis.python import wsgi

    from mockserver import create_app
    from mockserver.spec import load_spec

    app = create_app([DATA / "specs" / "widgets.yaml"])
    schema = schemathesis.openapi.from_dict(load_spec(DATA / "specs" / "widgets.yaml").document)
    in_process(schema, app)
    # the Flask object itself: schemathesis reads constants out of a Flask app's code for its generation
    assert schema.app is app and isinstance(schema.app, Flask)
    assert app in _APPS
    assert type(wsgi.get_client(app)) is not Client and isinstance(wsgi.get_client(app), Client)
    assert type(wsgi.get_client(Flask("other"))) is Client


def _outcome(spec: Path) -> dict[str, Any]:
    report = verify_against_mock(spec, VerifyOptions(max_examples=10, seed=5))
    return {"requests": report.requests, "findings": sorted(report.spec_findings),
            "operations": {label: (score.cases, {k: (v.passed, v.failed) for k, v in score.checks.items()},
                                   sorted(f"{f.check}: {f.reason}" for f in score.failures))
                           for label, score in report.operations.items()}}


def test_the_suite_sends_the_same_cases_with_werkzeugs_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """Vault's operations take cookies: with werkzeug's own client per request the seeded suite sends the same
    cases, gets the same answers and reports the same failures, phase by phase and operation by operation."""
    spec = DATA / "specs" / "vault.yaml"
    ours = _outcome(spec)
    monkeypatch.setattr("contracts.verify_inprocess._one_request_client", Client)
    assert _outcome(spec) == ours
    assert ours["requests"]["coverage"] > 0 and ours["requests"]["fuzzing"] > 0
