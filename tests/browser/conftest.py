"""Headless Chromium (Debian's package) driven by Playwright, plus axe-core checks.

Playwright cannot download its own browsers here: we launch the system Chromium by path.
A missing browser is an error, never a skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls made by test code
# here are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import Browser, Page, sync_playwright

from xingfuli.core.testing import World, build_world

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
_ROOT = Path(__file__).resolve().parents[2]
OUTPUT = Path(os.environ.get("TEST_OUTPUT_DIR", _ROOT / "test-results"))
PHONE = {"width": 360, "height": 780}


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which(
        "chromium-browser"
    )
    if not path:
        raise RuntimeError(
            "Browser tests need Chromium: install Debian's 'chromium' package "
            "(make test does it as root) or set CHROMIUM_PATH."
        )
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=chromium_path(),
            headless=True,
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def browser_world(transactional_db: None) -> World:
    return build_world()


@pytest.fixture
def phone(browser: Browser, live_server: Any) -> Iterator[Page]:
    """A phone-sized page (360 px wide) in Chinese, the default language."""
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN", base_url=live_server.url, device_scale_factor=1
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def login(page: Page, mobile: str, password: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", mobile)
    page.fill("#id_password", password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious or critical axe-core violations on the current page."""
    # Evaluated through the DevTools protocol: the pages' CSP forbids inline <script> tags.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]


def assert_accessible(page: Page) -> None:
    bad = axe_violations(page)
    assert not bad, "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in bad
    )


def assert_no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] if page.viewport_size else True, width


def screenshot(page: Page, name: str) -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
