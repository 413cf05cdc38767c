"""Prism's test harness cases (tests/data/prism-harness) run against apitwin's mock, in process.

A case file has sections ``====test====``, ``====spec====``, ``====server====`` (Prism's
command line), ``====command====`` (one curl command) and one of ``====expect====``,
``====expect-loose====``, ``====expect-keysOnly====`` (curl's ``-i`` output). Prism's
harness compares with gavel; this module does what gavel and the harness do:

* the status code must be equal;
* each expected header must be there with the same value (``content-type``: the same
  media type, parameters aside); headers that change from run to run (date, connection,
  content-length, keep-alive, transfer-encoding) are not compared;
* ``expect``: the body is equal (as JSON when both are JSON, whitespace aside);
  ``expect-loose``: a JSON body has the expected keys, recursively (values are not
  compared), other bodies are equal; ``expect-keysOnly``: also the same top-level keys in
  the same order; XML bodies: the same elements (values aside), as the harness's xml diff.

The translation of Prism's command line: ``-d``/``--dynamic`` (values generated from the
schemas rather than the examples) is apitwin's ``Prefer: dynamic=true`` request header;
``--cors=false`` is ``MockConfig(cors=False)``; ``--errors`` (Prism answers 500 when its
own answer breaks the spec) is what apitwin's self-check always does; ``proxy`` cases need a
remote httpbin host and are not run.
"""

from __future__ import annotations

import json
import re
import shlex
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from flask import Flask

from mockserver import MockConfig, MockServerError, create_app

__all__ = ["CASES_DIR", "Answer", "Case", "Outcome", "all_cases", "parse_answer", "parse_case", "parse_curl",
           "run_case"]

CASES_DIR = Path(__file__).resolve().parent.parent / "data" / "prism-harness" / "specs"

_SECTION = re.compile(r"====(server|test|spec|command|expect|expect-loose|expect-keysOnly)====\r?\n", re.I)
#: headers whose value changes from run to run: never compared
_VOLATILE = {"date", "connection", "content-length", "keep-alive", "transfer-encoding"}


@dataclass
class Case:
    """One harness case."""

    name: str
    test: str
    spec: str
    server: str
    command: str
    expect: str
    mode: str  # expect, expect-loose, expect-keysOnly


@dataclass
class Request:
    """What a curl command sends."""

    method: str
    path: str
    query: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None
    head_only: bool = False


@dataclass
class Answer:
    """An HTTP answer: status, headers (lower-case names), body text."""

    status: int
    headers: dict[str, str]
    body: str


@dataclass
class Outcome:
    """A case's result: ``pass``, ``fail`` (with what differed), ``load-error`` or ``not-run``."""

    verdict: str
    detail: str = ""
    actual: Answer | None = None


def parse_case(path: Path) -> Case:
    """A case file, split as the harness's ``parseSpecFile`` does."""
    parts = _SECTION.split(path.read_text(encoding="utf-8"))
    sections = {parts[i].lower() if parts[i].lower() != "expect-keysonly" else "expect-keysOnly": parts[i + 1]
                for i in range(1, len(parts) - 1, 2)}
    mode = next((m for m in ("expect", "expect-loose", "expect-keysOnly") if m in sections), "expect")
    return Case(name=str(path.relative_to(CASES_DIR)), test=sections.get("test", "").strip(),
                spec=sections.get("spec", ""), server=sections.get("server", "").strip(),
                command=sections.get("command", "").strip(), expect=sections.get(mode, ""), mode=mode)


def parse_curl(command: str) -> Request:
    """The request a (harness-style) curl command sends."""
    args = shlex.split(command)[1:]
    method: str | None = None
    url = ""
    headers: list[tuple[str, str]] = []
    data: list[str] = []
    form: list[tuple[str, str]] = []
    head_only = False
    urlencoded: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        value = args[i + 1] if i + 1 < len(args) else ""
        if arg in ("-X", "--request"):
            method, i = value, i + 2
        elif arg in ("-H", "--header"):
            name, _, content = value.partition(":")
            headers.append((name.strip(), content.strip()))
            i += 2
        elif arg in ("-d", "--data", "--data-raw", "--data-binary"):
            data.append(value)
            i += 2
        elif arg == "--data-urlencode":
            name, sep, content = value.partition("=")
            urlencoded.append(f"{name}={quote(content, safe='')}" if sep else quote(name, safe=""))
            i += 2
        elif arg in ("-F", "--form"):
            name, _, content = value.partition("=")
            form.append((name, content))
            i += 2
        elif arg == "--cookie":
            headers.append(("Cookie", value))
            i += 2
        elif arg == "--url":
            url, i = value, i + 2
        elif arg in ("-I", "--head"):
            head_only, i = True, i + 1
        elif re.fullmatch(r"-[a-zA-Z]+", arg) and "X" in arg:  # -sIXGET
            head_only = head_only or "I" in arg
            method = arg[arg.index("X") + 1:] or value
            i += 1 if arg[arg.index("X") + 1:] else 2
        elif arg.startswith("-"):
            head_only = head_only or (not arg.startswith("--") and "I" in arg)
            i += 1
        else:
            url, i = arg, i + 1
    body: bytes | None = None
    names = {n.lower() for n, _ in headers}
    if data or urlencoded:
        body = "&".join(data + urlencoded).encode()
        if "content-type" not in names:
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
    elif form:
        boundary = "------------------------apitwinharness"
        chunks = [f'--{boundary}\r\nContent-Disposition: form-data; name="{n}"\r\n\r\n{v}\r\n' for n, v in form]
        body = ("".join(chunks) + f"--{boundary}--\r\n").encode()
        headers = [(n, v) for n, v in headers if n.lower() != "content-type"]
        headers.append(("Content-Type", f"multipart/form-data; boundary={boundary}"))
    if method is None:
        method = "HEAD" if head_only and not (data or form) else ("POST" if body is not None else "GET")
    if "accept" not in names:
        headers.append(("Accept", "*/*"))  # what curl sends
    headers = [(n, v) for n, v in headers if v]  # curl -H "Name:" removes the header
    parts = urlsplit(url)
    return Request(method.upper(), parts.path or "/", parts.query, headers, body, head_only)


def parse_answer(text: str) -> Answer:
    """curl ``-i`` output (or the expectation written like it)."""
    text = text.replace("\r\n", "\n").strip("\n")
    head, _, body = text.partition("\n\n")
    lines = head.split("\n")
    status = int(lines[0].split()[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(status, headers, body.strip())


def _is_prism_problem(body: str) -> bool:
    """Whether an expected body is a problem Prism writes itself (not one of the spec)."""
    return '"https://stoplight.io/prism/errors#' in body


def _schemes(challenge: str) -> list[str]:
    """The auth scheme names of a WWW-Authenticate value."""
    return sorted(m.lower() for m in re.findall(r"(?:^|,)\s*([A-Za-z][\w-]*)(?=\s+\w+=|\s*$|\s*,)", challenge))


def _json(text: str) -> tuple[bool, Any]:
    try:
        return True, json.loads(text)
    except ValueError:
        return False, None


def _same_keys(expected: Any, actual: Any, where: str = "") -> str | None:
    """Where ``actual`` lacks a key ``expected`` has (recursively), or None."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{where or '/'}: an object was expected"
        for key, value in expected.items():
            if key not in actual:
                return f"{where}/{key}: missing"
            missing = _same_keys(value, actual[key], f"{where}/{key}")
            if missing:
                return missing
    return None


def _xml_shape(text: str) -> Any:
    def shape(element: ET.Element) -> Any:
        return (element.tag, sorted(element.attrib), [shape(child) for child in element])

    return shape(ET.fromstring(text))


def compare(case: Case, expected: Answer, actual: Answer) -> str | None:
    """What differs between the expected and the actual answer (None: they match)."""
    if expected.status != actual.status:
        return f"status {actual.status}, expected {expected.status}"
    prism_error = _is_prism_problem(expected.body)
    for name, value in expected.headers.items():
        if name in _VOLATILE:
            continue
        got = actual.headers.get(name)
        if got is None:
            return f"no {name} header (expected {value!r})"
        if name == "content-type":
            if got.split(";")[0].strip().lower() != value.split(";")[0].strip().lower():
                return f"content-type {got!r}, expected {value!r}"
        elif name == "www-authenticate":  # the realm is the API's name (Prism: "*"): the schemes must agree
            if _schemes(got) != _schemes(value):
                return f"{name} {got!r}, expected {value!r}"
        elif name == "sl-violations":  # apitwin lists its own violations in its own words: present is enough
            continue
        elif got.strip() != value.strip():
            return f"{name} {got!r}, expected {value!r}"
    if not expected.body or prism_error:  # Prism's own problem body: apitwin has its own (RFC 9457)
        return None
    content_type = actual.headers.get("content-type", "")
    if "xml" in content_type or expected.body.lstrip().startswith("<"):
        try:
            same = _xml_shape(expected.body) == _xml_shape(actual.body)
        except ET.ParseError:
            same = expected.body.strip() == actual.body.strip()
        return None if same else f"XML body {actual.body[:200]!r}, expected {expected.body[:200]!r}"
    is_json, want = _json(expected.body)
    got_json, got = _json(actual.body)
    if case.mode == "expect":
        if is_json and got_json:
            return None if want == got else f"body {actual.body[:200]!r}, expected {expected.body[:200]!r}"
        return None if expected.body == actual.body else f"body {actual.body[:200]!r}, expected {expected.body[:200]!r}"
    if is_json:
        if not got_json:
            return f"body {actual.body[:200]!r} is not JSON"
        missing = _same_keys(want, got)
        if missing:
            return f"body {actual.body[:200]!r}: {missing}"
        if case.mode == "expect-keysOnly" and isinstance(want, dict) and list(want) != list(got):
            return f"keys {list(got)}, expected {list(want)} in this order"
        return None
    return None if expected.body == actual.body else f"body {actual.body[:200]!r}, expected {expected.body[:200]!r}"


def prism_options(server: str) -> tuple[MockConfig, list[tuple[str, str]]] | None:
    """apitwin's settings and extra request headers for Prism's command line; None: not runnable here."""
    args = server.split()
    if not args or args[0] != "mock":
        return None
    extra: list[tuple[str, str]] = []
    if "-d" in args or "--dynamic" in args:
        extra.append(("Prefer", "dynamic=true"))
    cors = "--cors=false" not in args
    return MockConfig(cors=cors), extra


def build_app(case: Case, folder: Path, config: MockConfig) -> Flask:
    """The mock of the case's spec (written into ``folder``)."""
    path = folder / (re.sub(r"[^A-Za-z0-9.-]", "_", case.name) + ".yml")
    path.write_text(case.spec, encoding="utf-8")
    return create_app([path], config)


def run_case(case: Case, folder: Path) -> Outcome:
    """Run one case against the mock of its spec."""
    options = prism_options(case.server)
    if options is None:
        return Outcome("not-run", f"Prism {case.server.split()[0]} mode (needs a remote httpbin host)")
    config, extra = options
    try:
        app = build_app(case, folder, config)
    except MockServerError as exc:
        return Outcome("load-error", str(exc))
    request = parse_curl(case.command)
    headers = [(n, v) for n, v in request.headers if n.lower() != "prefer"]
    prefer = [v for n, v in request.headers if n.lower() == "prefer"] + [v for _, v in extra]
    if prefer:  # the case's own preferences, and dynamic=true for Prism's --dynamic
        headers.append(("Prefer", ", ".join(prefer)))
    client = app.test_client(use_cookies=False)  # a jar would drop the request's own Cookie header
    response = client.open(request.path, method=request.method, query_string=request.query, headers=headers,
                           data=request.body)
    body = "" if request.head_only else response.get_data(as_text=True)
    actual = Answer(response.status_code, {k.lower(): v for k, v in response.headers.items()}, body.strip())
    expected = parse_answer(case.expect)
    difference = compare(case, expected, actual)
    if difference is None:
        return Outcome("pass", actual=actual)
    if actual.status >= 500:
        return Outcome("fail", f"5xx: {difference}; {actual.body[:300]}", actual)
    return Outcome("fail", difference, actual)


def all_cases() -> list[Case]:
    """Every case file, in a stable order."""
    return [parse_case(p) for p in sorted(CASES_DIR.rglob("*.txt"))]
