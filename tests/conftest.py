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


def pytest_collection_modifyitems(config, items):
    """Every test that drives a real Chromium is marked `browser`.

    A test needs the browser when it asks for the `chromium` fixture (directly or
    through another fixture); marking them here keeps `make check-fast`
    (`-m "not slow and not browser"`) honest without a decorator on each test.
    """
    for item in items:
        if "chromium" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _registered_secrets_do_not_leak():
    """Secrets registered by one test (alerts.secrets is process-wide) are forgotten after it,
    so a short secret of one test cannot mask another test's expected text."""
    from alerts import secrets

    with secrets._lock:
        before = set(secrets._secrets)
    yield
    with secrets._lock:
        secrets._secrets.intersection_update(before)
