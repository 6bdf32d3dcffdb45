"""Shared test fixtures: real Chromium, loopback servers, temp config."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REAL_FIXTURES = REPO.parent / "shared" / "fixtures" / "real"


@pytest.fixture(scope="session")
def chromium() -> str | None:
    """The Chromium the tests drive (None = Playwright's own).

    Browser tests are part of the contract: under CI a missing browser is a
    failure, not a skip; on a developer machine it is a skip with the fix.
    """
    from scraper.errors import FetchError
    from scraper.fetch.browser import find_chromium

    try:
        return find_chromium("")
    except FetchError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is required in CI: {exc}")
        pytest.skip(str(exc))


@pytest.fixture
def demo_site():
    from scraper.demo.site import DemoSite

    site = DemoSite().start()
    yield site
    site.stop()
