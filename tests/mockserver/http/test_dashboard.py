"""The dashboard at /__apitwin/, in a real browser: Debian's chromium, headless, driven by selenium.

Every wait is explicit (an element, a text, a condition), never a sleep: the machine may be loaded.
Screenshots go to ``test-artifacts/`` at the top of the repository (ignored by git).
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from mockserver import MockConfig, create_app, running

NOTES = Path(__file__).resolve().parents[2] / "data" / "specs" / "notes.yaml"
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
KEY = {"X-Key": "k"}
TIMEOUT = 30  # seconds an element may take to appear on a loaded machine


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver is None:
        pytest.fail("chromium and chromedriver are not installed: `make test` installs Debian's chromium and "
                    "chromium-driver (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    profile = tempfile.mkdtemp(prefix="apitwin-chromium-")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1400,1000", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    session = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    session.set_page_load_timeout(TIMEOUT)
    session.set_script_timeout(180)
    try:
        yield session
    finally:
        session.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def shipped() -> Iterator[str]:
    """The five shipped specs, with the journal."""
    with running(create_app(None, MockConfig(journal=True))) as url:
        yield url


def _wait(browser: Any, condition: Callable[[Any], Any]) -> Any:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # the page re-renders what changed (the state view): an element found a moment ago may be gone
    return WebDriverWait(browser, TIMEOUT, ignored_exceptions=[StaleElementReferenceException]).until(condition)


def _by_id(browser: Any, element_id: str) -> Any:
    from selenium.webdriver.common.by import By

    return browser.find_element(By.ID, element_id)


def _css(browser: Any, selector: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return list(browser.find_elements(By.CSS_SELECTOR, selector))


def _open(browser: Any, url: str, operations: int) -> None:
    browser.get(f"{url}/__apitwin/")
    _wait(browser, lambda b: f", {operations} operations" in _by_id(b, "summary").text)


def _screenshot(browser: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    assert browser.save_screenshot(str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return path


def _no_page_errors(browser: Any, url: str) -> None:
    """Nothing went wrong in the page at ``url``: no script error, no CSP violation (answers with 4xx are expected;
    the page of an earlier test may have polled its server after it stopped)."""
    errors = [e["message"] for e in browser.get_log("browser") if e.get("level") == "SEVERE"
              and "the server responded with a status of 4" not in e.get("message", "")
              and not (e.get("message", "").startswith("http") and not e["message"].startswith(url + "/"))]
    assert errors == []


def _visible_ops(browser: Any) -> list[Any]:
    return [r for r in _css(browser, ".op") if r.is_displayed()]


def test_operations_are_grouped_searchable_and_collapsible(browser: Any, shipped: str) -> None:
    from selenium.webdriver.common.keys import Keys

    catalogue = requests.get(f"{shipped}/__apitwin/apis", timeout=10).json()
    total = sum(len(a["operations"]) for a in catalogue)
    _open(browser, shipped, total)

    # one group per API, headed by its title and where it is served: no "(/v1, )" nor "()"
    headings = [s.text for s in _css(browser, "details.api > summary")]
    assert len(headings) == len(catalogue) == 5
    for heading, api in zip(headings, catalogue, strict=True):
        assert heading.startswith(api["title"]) and heading.endswith(str(len(api["operations"])))
        assert "()" not in heading and ", )" not in heading and ", ," not in heading
    assert "at /v1, /" in next(h for h, a in zip(headings, catalogue, strict=True) if a["prefixes"] == ["/v1", ""])
    # inside each API, one group per tag
    dss = next(a for a in catalogue if a["name"] == "dataiku-dss")
    dss_tags = [t.get_attribute("data-tag") for t in _css(browser, 'details.api[data-api="dataiku-dss"] details.tag')]
    assert dss_tags == list(dict.fromkeys(o["tags"][0] if o["tags"] else "(no tag)" for o in dss["operations"]))

    # "/" focuses the search; words narrow by field; the count says how many match
    browser.find_element("tag name", "body").send_keys("/")
    _wait(browser, lambda b: b.switch_to.active_element.get_attribute("id") == "search")
    browser.switch_to.active_element.send_keys("method:post tag:datasets")
    expected = sorted(o["operationId"] for a in catalogue for o in a["operations"]
                      if o["method"] == "POST" and "datasets" in " ".join(o["tags"]).lower())
    assert 0 < len(expected) < total
    _wait(browser, lambda b: _by_id(b, "op-count").text == f"{len(expected)} of {total}")
    assert sorted(r.get_attribute("data-operation-id") for r in _visible_ops(browser)) == expected

    # a plain word matches the path, the operationId or the summary; Escape clears the search
    search = _by_id(browser, "search")
    search.clear()
    search.send_keys("predict")
    predicted = sorted(o["operationId"] for a in catalogue for o in a["operations"] if "predict" in " ".join(
        [o["method"], o["prefix"] + o["path"], o["path"], o["operationId"], " ".join(o["tags"]), a["name"], a["title"],
         o["summary"]]).lower())
    _wait(browser, lambda b: _by_id(b, "op-count").text == f"{len(predicted)} of {total}")
    search.send_keys(Keys.ESCAPE)
    _wait(browser, lambda b: _by_id(b, "op-count").text == str(total))

    # the method filter
    from selenium.webdriver.support.ui import Select

    Select(_by_id(browser, "method-filter")).select_by_value("DELETE")
    deletes = sum(1 for a in catalogue for o in a["operations"] if o["method"] == "DELETE")
    _wait(browser, lambda b: _by_id(b, "op-count").text == f"{deletes} of {total}")
    Select(_by_id(browser, "method-filter")).select_by_value("")
    _wait(browser, lambda b: _by_id(b, "op-count").text == str(total))

    # groups collapse and expand (summary elements: keyboard operable)
    apinode = _css(browser, 'details.api[data-api="dataiku-apinode"]')[0]
    first_op = _css(browser, '.op[data-api="dataiku-apinode"]')[0]
    assert first_op.is_displayed()
    summary = _css(browser, 'details.api[data-api="dataiku-apinode"] > summary')[0]
    summary.send_keys(Keys.ENTER)
    _wait(browser, lambda b: not first_op.is_displayed())
    assert apinode.get_attribute("open") is None
    _by_id(browser, "expand-all").click()
    _wait(browser, lambda b: first_op.is_displayed())
    _by_id(browser, "collapse-all").click()
    _wait(browser, lambda b: not _visible_ops(b))
    _by_id(browser, "expand-all").click()
    _screenshot(browser, "dashboard-operations.png")
    _no_page_errors(browser, shipped)


def test_the_form_works_for_every_operation_of_the_five_specs(browser: Any, shipped: str) -> None:
    """The page's own code builds and sends a request for every operation; each is answered 2xx."""
    catalogue = requests.get(f"{shipped}/__apitwin/apis", timeout=10).json()
    total = sum(len(a["operations"]) for a in catalogue)
    _open(browser, shipped, total)
    results = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        (async () => {
          const out = [];
          for (const op of window.apitwin.catalogue) {
            const built = window.apitwin.buildRequest(op, null);
            try {
              const answer = await window.apitwin.sendRequest(built);
              out.push([op.api, op.operationId, built.method, built.url, answer.status, answer.violations]);
            } catch (error) { out.push([op.api, op.operationId, built.method, built.url, 0, String(error)]); }
          }
          return out;
        })().then(done, (error) => done([["error", String(error)]]));
    """)
    assert len(results) == total
    failed = [r for r in results if not 200 <= r[4] < 300]
    assert failed == []
    # every kind of body went through: JSON, text, multipart with a file part
    encodings = {o["requestBody"]["encoding"] for a in catalogue for o in a["operations"] if o["requestBody"]}
    assert encodings == {"json", "text", "multipart"}
    journal = requests.get(f"{shipped}/__apitwin/requests?limit=5000", timeout=10).json()
    uploads = [e for e in journal if e["operation"] == "installPluginFromZip"]
    assert uploads and "multipart/form-data; boundary=" in uploads[0]["headers"]["Content-Type"]


def test_try_an_operation_from_the_form(browser: Any, tmp_path: Path) -> None:
    with running(create_app([NOTES], MockConfig(journal=True))) as url:
        _open(browser, url, 9)
        rows = _css(browser, ".op")
        assert [r.get_attribute("data-operation-id") for r in rows][:2] == ["listNotes", "createNote"]
        assert "200 two" in rows[0].text  # the examples are listed

        # the form is filled from the spec: one input per parameter, the URL, the credential header
        rows[2].send_keys("\n")  # getNote, by keyboard
        _wait(browser, lambda b: _by_id(b, "try-form").is_displayed())
        param = _by_id(browser, "param-path-noteId")
        assert _by_id(browser, "try-url").get_attribute("value") == "/api/notes/" + param.get_attribute("value")
        assert "X-Key: apitwin-key" in _by_id(browser, "try-headers").get_attribute("value")
        param.clear()
        param.send_keys("n1")
        _wait(browser, lambda b: _by_id(b, "try-url").get_attribute("value") == "/api/notes/n1")
        _by_id(browser, "try-send").click()
        _wait(browser, lambda b: "HTTP 200" in _by_id(b, "try-result").text)
        assert "milk, eggs" in _css(browser, ".response-body")[0].text

        # an invalid body: the answer and its violations are shown
        _css(browser, '.op[data-operation-id="createNote"]')[0].click()
        assert '"title"' in _by_id(browser, "try-body").get_attribute("value")  # generated from the schema
        body = _by_id(browser, "try-body")
        body.clear()
        body.send_keys('{"title": ""}')
        _by_id(browser, "try-send").click()
        _wait(browser, lambda b: "HTTP 400" in _by_id(b, "try-result").text)
        assert "/title" in _css(browser, ".violations")[0].text

        # both requests reach the live journal, the bad one with its validation error
        _wait(browser, lambda b: len(_css(b, "#journal-rows tr.entry")) >= 2)
        journal = _by_id(browser, "journal-rows").text
        assert "GET /api/notes/n1" in journal and "POST /api/notes" in journal
        assert "body /title" in journal
        _no_page_errors(browser, url)


XSS = '<img src=x onerror="window.__xss=1">'


def test_a_request_in_detail_shown_as_text_and_replayed_with_curl(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.keys import Keys

    with running(create_app([NOTES], MockConfig(journal=True))) as url:
        _open(browser, url, 9)
        # markup everywhere a client controls: the path, a header, the query, the body
        answer = requests.post(f"{url}/api/notes?q=<script>window.__xss=2</script>",
                               headers={**KEY, "X-Evil": "<b>bold</b>"},
                               json={"title": XSS, "tags": "<i>not a list</i>"}, timeout=10)
        assert answer.status_code == 400
        requests.get(f"{url}/api/notes/{XSS}", headers=KEY, timeout=10)
        _wait(browser, lambda b: len(_css(b, "#journal-rows tr.entry")) == 2)
        first, second = _css(browser, "#journal-rows tr.entry")
        assert XSS in first.text  # the newest on top, its path as text

        # keyboard: Tab reaches the rows; Enter (or Space) opens one
        second.send_keys(Keys.ENTER)
        _wait(browser, lambda b: _by_id(b, "detail").is_displayed() and "POST" in _by_id(b, "detail-title").text)
        assert browser.switch_to.active_element.get_attribute("id") == "detail-title"
        detail = _by_id(browser, "detail")
        assert _by_id(browser, "detail-title").text == (
            f"POST {url}/api/notes?q=%3Cscript%3Ewindow.__xss=2%3C/script%3E")
        violations = [v.text for v in _css(browser, "#detail-violations li.violation")]
        assert any(v.startswith("body /tags") for v in violations), violations
        request_headers = _by_id(browser, "detail-request-headers").text
        assert "X-Key [redacted]" in request_headers and "X-Evil <b>bold</b>" in request_headers
        assert json.dumps({"title": XSS}, indent=2)[2:-2] in _by_id(browser, "detail-request-body").text
        assert _by_id(browser, "detail-status").text == "HTTP 400"
        assert "Content-Type application/json" in _by_id(browser, "detail-response-headers").text
        assert '"code"' in _by_id(browser, "detail-response-body").text
        # nothing was interpreted as markup, nothing ran
        assert _css(browser, "#detail img, #detail b, #detail i, #detail script, #journal-rows img") == []
        assert browser.execute_script("return window.__xss") is None
        _screenshot(browser, "dashboard-request-detail.png")

        # the curl command replays the request: same answer, and the journal sees it again
        curl = _by_id(browser, "detail-curl").text
        assert curl.startswith(f"curl -i -X POST '{url}/api/notes?q=")
        assert "X-Key: apitwin-key" in curl  # the redacted credential replaced by the example one
        assert "X-Key" in _by_id(browser, "detail-curl-note").text
        _by_id(browser, "detail-copy").click()
        _wait(browser, lambda b: _by_id(b, "detail-copied").text == "copied")
        replay = subprocess.run(["sh", "-c", curl], capture_output=True, text=True, timeout=30, check=True)
        assert replay.stdout.startswith("HTTP/1.1 400")
        entries = requests.get(f"{url}/__apitwin/requests", timeout=10).json()
        assert len(entries) == 3 and entries[0]["body"] == {"title": XSS, "tags": "<i>not a list</i>"}
        assert shlex.split(curl)[4].endswith("q=%3Cscript%3Ewindow.__xss=2%3C/script%3E")

        # Escape closes the detail and gives the focus back to the row
        _by_id(browser, "detail-title").send_keys(Keys.ESCAPE)
        _wait(browser, lambda b: not detail.is_displayed())
        assert browser.switch_to.active_element.get_attribute("data-id") == second.get_attribute("data-id")
        # Space opens too; the rows stay (and keep the focus) while the journal is polled
        browser.switch_to.active_element.send_keys(Keys.SPACE)
        _wait(browser, lambda b: detail.is_displayed())
        assert browser.execute_script("return window.__xss") is None
        _no_page_errors(browser, url)


def test_the_state_view_shows_collections_and_resets_them(browser: Any, tmp_path: Path) -> None:
    config = MockConfig(journal=True, stateful=True, state=str(tmp_path / "state.sqlite"))
    with running(create_app([NOTES], config)) as url:
        _open(browser, url, 9)

        def items(b: Any) -> list[str]:
            return list(b.execute_script(  # read at once: the view may be re-rendered between two calls
                "return [...document.querySelectorAll('details.collection[data-collection=\"/notes\"] .item')]"
                ".map((e) => e.dataset.path)"))

        _wait(browser, lambda b: _by_id(b, "state").is_displayed() and items(b) == ["/notes/n1", "/notes/n2"])
        created = requests.post(f"{url}/api/notes", headers=KEY, json={"title": XSS}, timeout=10).json()
        # the view follows the requests the journal sees
        _wait(browser, lambda b: items(b) == ["/notes/n1", "/notes/n2", f"/notes/{created['id']}"])
        assert json.dumps(XSS) in _by_id(browser, "state-apis").text
        assert _css(browser, "#state-apis img") == []
        requests.put(f"{url}/api/notes/n1/settings", headers=KEY, json={"pinned": True, "color": "blue"}, timeout=10)
        _wait(browser, lambda b: _css(b, 'details.collection[data-collection="/notes/n1"]'))
        _screenshot(browser, "dashboard-state.png")

        # reset one collection: back to the examples, what is under it forgotten
        _wait(browser, lambda b: _css(b, 'details.collection[data-collection="/notes"] .reset-collection')[0].click()
              or True)
        _wait(browser, lambda b: items(b) == ["/notes/n1", "/notes/n2"]
              and not _css(b, 'details.collection[data-collection="/notes/n1"]'))
        assert requests.get(f"{url}/api/notes/{created['id']}", headers=KEY, timeout=10).status_code == 404
        # reset all
        requests.delete(f"{url}/api/notes/n2", headers=KEY, timeout=10)
        _wait(browser, lambda b: items(b) == ["/notes/n1"])
        _by_id(browser, "state-reset-all").click()
        _wait(browser, lambda b: items(b) == ["/notes/n1", "/notes/n2"])
        _no_page_errors(browser, url)


def test_dashboard_says_when_the_journal_is_off_and_hides_the_state(browser: Any) -> None:
    with running(create_app([NOTES])) as url:
        browser.get(f"{url}/__apitwin/")
        _wait(browser, lambda b: _by_id(b, "journal-off").is_displayed())
        _wait(browser, lambda b: ", 9 operations" in _by_id(b, "summary").text)
        assert not _by_id(browser, "state").is_displayed()


def test_the_page_allows_only_its_own_script() -> None:
    with running(create_app([NOTES])) as url:
        page = requests.get(f"{url}/__apitwin/", timeout=10)
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'sha256-" in policy and "unsafe-inline'; " not in policy.split("style-src")[0]
    # no external resource: no URL in a src, href, url() or import; one inline script
    assert re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//|url\(|@import|<script src", page.text) is None
    assert page.text.count("<script>") == 1
