"""The dashboard at /__apitwin/, in a real browser: Debian's chromium, headless, driven by selenium."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mockserver import MockConfig, create_app, running

NOTES = Path(__file__).resolve().parents[2] / "data" / "specs" / "notes.yaml"


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
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    session = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    session.set_page_load_timeout(30)
    try:
        yield session
    finally:
        session.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_dashboard_lists_tries_and_journals(browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 15)
    with running(create_app([NOTES], MockConfig(journal=True))) as url:
        browser.get(f"{url}/__apitwin/")
        wait.until(ec.text_to_be_present_in_element((By.ID, "summary"), "1 APIs, 9 operations"))
        rows = browser.find_elements(By.CSS_SELECTOR, ".op")
        assert [r.get_attribute("data-operation-id") for r in rows][:2] == ["listNotes", "createNote"]
        assert "200 two" in rows[0].text  # the examples are listed

        # try an operation: the form is filled from the spec (URL, credential header), the answer shown
        browser.find_element(By.CSS_SELECTOR, '.op[data-operation-id="getNote"]').click()
        url_field = browser.find_element(By.ID, "try-url")
        assert url_field.get_attribute("value") == "/api/notes/noteId"
        assert "X-Key: apitwin-key" in browser.find_element(By.ID, "try-headers").get_attribute("value")
        url_field.clear()
        url_field.send_keys("/api/notes/n1")
        browser.find_element(By.ID, "try-send").click()
        wait.until(ec.text_to_be_present_in_element((By.ID, "try-result"), "HTTP 200"))
        assert "milk, eggs" in browser.find_element(By.CSS_SELECTOR, ".response-body").text

        # an invalid body: the answer and its violations are shown
        browser.find_element(By.CSS_SELECTOR, '.op[data-operation-id="createNote"]').click()
        body = browser.find_element(By.ID, "try-body")
        body.clear()
        body.send_keys('{"title": ""}')
        browser.find_element(By.ID, "try-send").click()
        wait.until(ec.text_to_be_present_in_element((By.ID, "try-result"), "HTTP 400"))
        assert "/title" in browser.find_element(By.CSS_SELECTOR, ".violations").text

        # the live journal shows both requests, the bad one with its validation error
        wait.until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "#journal-rows tr.entry")) >= 2)
        journal = browser.find_element(By.ID, "journal-rows").text
        assert "GET /api/notes/n1" in journal and "POST /api/notes" in journal
        assert "body /title" in journal
        errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"
                  and "favicon" not in e.get("message", "") and "400" not in e.get("message", "")]
        assert errors == []


def test_dashboard_says_when_the_journal_is_off(browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with running(create_app([NOTES])) as url:
        browser.get(f"{url}/__apitwin/")
        WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "journal-off").is_displayed())
