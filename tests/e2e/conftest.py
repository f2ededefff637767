"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium) against pytest-django's
live_server. Never `playwright install`; the tests skip when Chromium or Playwright is missing."""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# Each run's screenshots go to an ignored folder (out/ in .gitignore), so `make test` leaves the tree
# clean. `make screenshots` points this at docs/screenshots/journeys/, the pictures the README shows.
SCREENSHOTS = Path(os.environ.get("FEDORG_SCREENSHOTS") or Path(__file__).parents[2] / "out" / "screenshots")
AXE = Path(__file__).parent / "axe.min.js"


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module. Playwright's sync API keeps an event loop running in this
    thread, so Django's async guard is lifted while it runs (the fixtures' ORM calls are plain
    synchronous code) and restored afterwards, before any other test module (or the
    `check --deploy` subprocess of test_settings) could see it."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page_as(browser, live_server, client):
    """page_as(user, width=1280, height=800) -> a Playwright page logged in as that user."""
    contexts = []

    def _page(user, *, width=1280, height=800):
        client.force_login(user)
        session = client.cookies["sessionid"].value
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        host = live_server.url.split("//", 1)[1].split(":")[0]
        context.add_cookies([{"name": "sessionid", "value": session, "domain": host, "path": "/"}])
        contexts.append(context)
        return context.new_page()

    yield _page
    for context in contexts:
        context.close()


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def axe_violations(page, *, impacts=("serious", "critical")):
    """Run axe-core (vendored from the npm package axe-core 4.10.2) in the page."""
    page.evaluate(AXE.read_text(encoding="utf-8"))  # through the DevTools protocol: the CSP does not apply
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        (v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in impacts
    ]
