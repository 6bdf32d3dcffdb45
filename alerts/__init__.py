"""Detection, rendering and delivery of alerts.

This package is the lower layer: it never imports ``scraper``, Playwright,
BeautifulSoup or APScheduler.
"""
