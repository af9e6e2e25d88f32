"""The built site in a real browser (headless Chromium driven by Playwright): home and a chapter
render, navigation works, search finds the MissingGreenlet chapter, a rendered notebook shows a
plot. Screenshots are kept in build/artifacts/. Skipped, with the reason, where no Chromium is
installed (CI installs Debian's package)."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "build" / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
if CHROMIUM is None and os.environ.get("CI"):
    pytest.fail("CI must run the browser test: install Debian's chromium (see .ci/run)", pytrace=False)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (CI installs Debian's chromium)")

# quiet, offline, fresh profile: the flags the machine's own probe uses
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    target = tmp_path_factory.mktemp("site")
    built = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(target)],
                           cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert built.returncode == 0, built.stderr[-3000:]
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(target)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_home_renders_and_navigation_reaches_a_chapter(site: str, page: Any) -> None:
    page.goto(site + "/")
    assert page.title() == "Async Persistence Labs"
    assert "Async Persistence Labs" in page.inner_text("h1")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "site-home.png"))
    page.click("nav.md-nav--primary a[href$='chapters/01-engine/']")
    page.wait_for_url("**/chapters/01-engine/")
    assert page.inner_text("h1").startswith("01 Engine setup")
    assert page.locator("pre code").count() > 0, "the chapter shows no code"
    page.screenshot(path=str(ARTIFACTS / "site-chapter-01.png"), full_page=False)


def test_search_for_missinggreenlet_finds_the_chapter(site: str, page: Any) -> None:
    page.goto(site + "/")
    page.keyboard.press("/")  # Material's shortcut to the search box
    page.keyboard.type("MissingGreenlet")
    page.wait_for_selector(".md-search-result__item a", timeout=15000)
    links = [a.get_attribute("href") or "" for a in page.query_selector_all(".md-search-result__item a")]
    assert any("03-greenlet" in link for link in links), f"search results: {links}"
    page.screenshot(path=str(ARTIFACTS / "site-search.png"))


def test_rendered_notebook_shows_a_plot(site: str, page: Any) -> None:
    page.goto(site + "/notebooks/01-engine/")
    plots = page.locator("img[src^='data:image/png']")
    assert plots.count() > 0, "the rendered notebook has no plot"
    plots.first.scroll_into_view_if_needed()
    width = plots.first.evaluate("img => img.naturalWidth")
    assert width > 100, f"the plot did not render (naturalWidth {width})"
    plots.first.screenshot(path=str(ARTIFACTS / "site-notebook-plot.png"))
