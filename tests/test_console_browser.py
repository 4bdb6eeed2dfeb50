"""The console in a real browser: Debian's chromium driven by selenium through Debian's chromedriver
(no browser download). It opens the inbox, clicks through to a rendered message, advances the clock
from the page and sees a delayed email arrive; it screenshots every page on the way (set
CONSOLE_SCREENSHOTS=<dir> to keep them)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from simulator import Sandbox
from simulator.server import LiveServer
from tests.engine_support import contact, create, email, event, on

webdriver = pytest.importorskip("selenium.webdriver", reason="the test extras install selenium")
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                                reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
START = "2026-11-02T09:00:00Z"
CART = {"items": [{"name": "Linen shirt", "price": 49.0, "url": "https://shop.example/p/linen-shirt", "quantity": 1},
                  {"name": "Canvas tote", "price": 19.5, "url": "https://shop.example/p/tote", "quantity": 2}],
        "checkout_url": "https://shop.example/checkout/123"}


def world() -> Sandbox:
    """An Omnisend welcome email sent at once, and a Klaviyo checkout flow whose email waits an hour."""
    sb = Sandbox(seed=11, start=START)
    api, v3, kl = sb.client("omnisend-api"), sb.client("omnisend-v3"), sb.client("klaviyo-api")
    create(api, "Welcome", on("visited site"), [email("hello", "Welcome to the shop")])
    contact(v3, "ann@example.com")
    event(api, "ann@example.com", "visited site")
    checkout = {"data": {"type": "event", "attributes": {
        "properties": CART, "metric": {"data": {"type": "metric", "attributes": {"name": "Started Checkout"}}},
        "profile": {"data": {"type": "profile", "attributes": {"email": "bob@example.com"}}}}}}
    kl.post("/events", json=checkout)
    sb.clock.advance(seconds=1)
    metric = kl.get("/metrics").json()["data"][0]["id"]
    flow = kl.post("/flows", json={"data": {"type": "flow", "attributes": {"name": "Checkout reminder", "definition": {
        "triggers": [{"type": "metric", "id": metric}], "entry_action_id": "wait", "actions": [
            {"temporary_id": "wait", "type": "time-delay", "links": {"next": "mail"}, "data": {"value": 1, "unit": "hours"}},
            {"temporary_id": "mail", "type": "send-email", "links": {"next": None},
             "data": {"message": {"subject_line": "You left something behind"}}}]}}}}).json()["data"]["id"]
    kl.patch(f"/flows/{flow}", json={"data": {"type": "flow", "id": flow, "attributes": {"status": "live"}}})
    kl.post("/events", json=checkout)
    sb.clock.advance(seconds=1)
    return sb


@pytest.fixture
def browser(tmp_path):
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900",
                 f"--user-data-dir={tmp_path / 'profile'}", "--no-first-run", "--disable-background-networking"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("CONSOLE_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def snap(driver, folder: Path, name: str) -> None:
    path = folder / f"{name}.png"
    driver.execute_script("window.scrollTo(0, 0)")
    assert driver.save_screenshot(str(path)) and path.stat().st_size > 10_000, f"empty screenshot {name}"


def test_inbox_message_clock_and_a_delayed_email_arriving(browser, shots):
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    sandbox = world()
    server = LiveServer(sandbox).start()
    try:
        base = server.url + "/_sim/console"
        browser.get(base)
        rows = browser.find_elements(By.CSS_SELECTOR, "#inbox tbody tr")
        assert [r.find_elements(By.TAG_NAME, "td")[1].text for r in rows] == ["ann@example.com"]
        snap(browser, shots, "1-inbox")

        rows[0].find_element(By.LINK_TEXT, "Welcome to the shop").click()
        assert browser.find_element(By.ID, "subject").text == "Welcome to the shop"
        links = browser.find_element(By.CSS_SELECTOR, ".link").text
        assert "utm_source" in links and "omnisendContactID" in links
        assert "Welcome" in browser.find_element(By.ID, "run").text
        snap(browser, shots, "2-message")
        browser.switch_to.frame(browser.find_element(By.ID, "rendered"))
        assert browser.find_element(By.TAG_NAME, "h1").text == "Welcome to the shop"
        browser.switch_to.default_content()

        browser.get(base + "/clock")
        assert "klaviyo run" in browser.find_element(By.ID, "jobs").text
        field = browser.find_element(By.ID, "advance-by")
        field.clear()
        field.send_keys("1h")
        browser.find_element(By.ID, "advance-go").click()
        # the page reloads once the clock moved: wait for the new page's account of the way (an element
        # of the old page may vanish under the wait, hence the ignored errors)
        WebDriverWait(browser, 10, ignored_exceptions=(WebDriverException,)).until(
            lambda b: "message(s) sent" in b.find_element(By.ID, "ran-summary").text)
        assert "1 message(s) sent" in browser.find_element(By.ID, "ran-summary").text
        assert "bob@example.com: You left something behind" in browser.find_element(By.ID, "ran-sent").text
        assert browser.find_element(By.ID, "clock-now").text == "2026-11-02T10:00:02Z"
        snap(browser, shots, "3-clock")

        browser.get(base)
        rows = browser.find_elements(By.CSS_SELECTOR, "#inbox tbody tr")
        assert [r.find_elements(By.TAG_NAME, "td")[1].text for r in rows] == ["bob@example.com", "ann@example.com"]
        rows[0].find_element(By.LINK_TEXT, "You left something behind").click()
        assert "Linen shirt" in browser.find_element(By.ID, "text").text
        assert "_kx" in browser.find_element(By.CSS_SELECTOR, ".link").text
        snap(browser, shots, "4-delayed-message")

        for name, path in (("5-timeline", "/timeline?recipient=bob@example.com"), ("6-runs", "/runs")):
            browser.get(base + path)
            assert browser.find_element(By.TAG_NAME, "h1").text
            snap(browser, shots, name)

        browser.get(base + "/settings")  # a fault rule and a setting, changed from the page
        browser.find_element(By.CSS_SELECTOR, "#add-fault button").click()
        assert "fault-1" in browser.find_element(By.ID, "faults").text
        limit = browser.find_element(By.NAME, "v3_rate_limit")
        limit.clear()
        limit.send_keys("300")
        browser.find_element(By.CSS_SELECTOR, "#settings button").click()
        WebDriverWait(browser, 10).until(lambda b: sandbox.settings.v3_rate_limit == 300)
        assert [r.id for r in sandbox.faults.rules] == ["fault-1"]
        snap(browser, shots, "8-settings")
        browser.get(base + "/journal")
        assert browser.find_element(By.ID, "budgets").text
        snap(browser, shots, "7-journal")
        assert sandbox.clock.now().isoformat() == "2026-11-02T10:00:02+00:00"  # the page moved the real sandbox
    finally:
        server.stop()
