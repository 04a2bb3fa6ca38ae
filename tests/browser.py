"""Headless Chromium for tests: Debian's browser driven by Playwright, with the network blocked."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from pipelines.board_pack import CHROMIUM_FLAGS, BoardPackError, chromium


def chromium_path() -> str:
    """Return the Chromium executable, failing in CI and skipping elsewhere when it is missing."""
    try:
        return chromium()
    except BoardPackError:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
        pytest.skip("Chromium is not installed (make test installs it)")


@contextmanager
def browser() -> Iterator[Browser]:
    """Yield a headless Chromium."""
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            yield instance
        finally:
            instance.close()


def offline_page(instance: Browser, errors: list[str], blocked: list[str]) -> Page:
    """Return a page that may load only local files, recording console errors and blocked requests."""
    page = instance.new_page(viewport={"width": 1280, "height": 900})
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))

    def only_files(route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_files)
    return page
