"""The page at / in a real browser (Debian's Chromium, driven by Selenium): the two banks get
their senses, a word's ranked senses show on click, a server error shows as a message."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from wsd_service import ServerConfig

from .server_thread import ServerThread

TEXT = "I went to the bank and withdrew some cash.\nWe had a picnic on the grassy river bank."


@pytest.fixture(scope="module")
def page_url(tiny_index: Path) -> Iterator[str]:
    thread = ServerThread(ServerConfig(index=tiny_index, port=0, http_port=0)).start()
    assert thread.server is not None
    yield f"http://127.0.0.1:{thread.server.http_port}/"
    thread.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,900"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(
        options=options, service=Service(shutil.which("chromedriver") or "chromedriver")
    )
    yield driver
    driver.quit()


def _ask(browser: WebDriver, text: str) -> None:
    box = browser.find_element(By.ID, "text")
    box.clear()
    box.send_keys(text)
    browser.find_element(By.ID, "go").click()


def _marks(browser: WebDriver) -> list[WebElement]:
    return browser.find_elements(By.CSS_SELECTOR, "#result .mark")


def test_the_page_marks_each_bank_with_its_sense(browser: WebDriver, page_url: str, tmp_path: Path) -> None:
    browser.get(page_url)
    _ask(browser, TEXT)
    WebDriverWait(browser, 60).until(lambda b: len(_marks(b)) >= 2)
    keys = [mark.find_element(By.CLASS_NAME, "key").text for mark in _marks(browser)]
    assert "bank%1:14:00::" in keys and "bank%1:17:01::" in keys
    glosses = [mark.find_element(By.CLASS_NAME, "gloss").text for mark in _marks(browser)]
    assert any(gloss.startswith("a financial institution") for gloss in glosses)
    bank = next(m for m in _marks(browser) if m.find_element(By.CLASS_NAME, "word").text == "bank")
    bank.click()
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#senses tbody tr"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#senses tbody tr")
    assert rows[0].find_elements(By.TAG_NAME, "td")[0].text == "bank%1:14:00::" and len(rows) > 1
    WebDriverWait(browser, 10).until(lambda b: "senses" in b.find_element(By.ID, "index-info").text)
    browser.save_screenshot(str(tmp_path / "page.png"))
    logs = browser.get_log("browser")  # type: ignore[attr-defined]  # Chrome's own method
    assert not [e for e in logs if "Content Security Policy" in e["message"]], logs


def test_a_server_error_shows_as_a_message(browser: WebDriver, page_url: str) -> None:
    browser.get(page_url)
    _ask(browser, "   ")
    error = browser.find_element(By.ID, "error")
    WebDriverWait(browser, 30).until(lambda b: error.is_displayed())
    assert "text is empty" in error.text
    assert not _marks(browser)


def test_the_nearest_switch_finds_senses_of_unknown_words(browser: WebDriver, page_url: str) -> None:
    browser.get(page_url)
    browser.find_element(By.ID, "nearest").click()
    _ask(browser, "the vibecoding app")
    WebDriverWait(browser, 60).until(lambda b: len(_marks(b)) >= 2)
    assert [m.find_element(By.CLASS_NAME, "word").text for m in _marks(browser)] == ["vibecoding", "app"]


def test_the_api_page_renders_the_openapi_document(browser: WebDriver, page_url: str) -> None:
    browser.get(page_url + "docs")
    WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#api section h2"))
    headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "#api section h2")]
    assert "POST /v1/disambiguate" in headings and "GET /v1/senses/{lemma}" in headings
    fields = browser.find_element(By.CSS_SELECTOR, "#api section table").text
    assert "documents" in fields
