"""A real headless Chromium (Debian's `chromium`, driven by Playwright for Python) for the
sandbox's pages. Tests skip, with the reason in pytest's summary, only when the browser or
Playwright is missing or cannot start: `bash scripts/install-browser.sh` installs both.

Screenshots go to a temporary directory; with UPDATE_SCREENSHOTS=1 they replace the committed
ones in docs/images/ that the README shows.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        pytest.skip(f"browser tests need Playwright ({error}); run scripts/install-browser.sh")
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need {CHROMIUM}; run scripts/install-browser.sh")
    driver = sync_playwright().start()
    yield driver
    driver.stop()


@pytest.fixture
def browser_page(playwright_driver: Any, tmp_path: Path) -> Iterator[Any]:
    """A fresh page in a fresh profile (a temporary user-data-dir), English, desktop size."""
    from playwright.sync_api import Error

    try:
        context = playwright_driver.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=str(CHROMIUM),
            args=ARGS,
            headless=True,
            locale="en-US",
            viewport={"width": 1100, "height": 820},
        )
    except Error as error:
        pytest.skip(f"chromium could not be launched: {str(error).splitlines()[0]}")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(tmp_path: Path) -> Any:
    """`screenshot(page, "name")`: always taken (a broken page fails here too); written to
    docs/images/name.png only with UPDATE_SCREENSHOTS=1."""

    def take(page: Any, name: str) -> Path:
        update = os.environ.get("UPDATE_SCREENSHOTS") == "1"
        target = (DOCS_IMAGES if update else tmp_path) / f"{name}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target), full_page=True)
        return target

    return take
