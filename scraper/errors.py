"""Pantau's exception tree (scraper side).

    PantauError
    ├── ConfigError            config.toml is invalid (carries Problems)
    ├── WatchlistError         a watchlist file is invalid (carries Problems)
    ├── FetchError             network trouble: timeout, refused, 5xx, DNS
    │   └── RateLimited        HTTP 429 / Retry-After: back off, not broken
    └── HealthProblem          the page is not what the adapter expects
        ├── LoginWall          login required / session expired
        ├── ConsentWall        cookie or consent interstitial
        ├── Checkpoint         account-security checkpoint
        ├── Blocked            "temporarily blocked", Cloudflare challenge
        ├── NotFound           404, removed or private account
        ├── LayoutChanged      required elements missing, no posts where posts were
        ├── TooLarge           the response is bigger than [http] max_body
        └── RedirectRefused    a redirect away from the account's own site

A HealthProblem means "the scraper cannot see this account", which staff must
hear about; it is never to be mistaken for "no new posts".
"""
from __future__ import annotations

from alerts.problems import Problem, ProblemsError


class PantauError(Exception):
    """Base of every error Pantau raises on purpose."""


class ConfigError(ProblemsError, PantauError):
    """config.toml (or a file it names) is invalid."""


class WatchlistError(ProblemsError, PantauError):
    """A watchlist file is invalid."""


class FetchError(PantauError):
    """Fetching failed for a network reason (retryable)."""

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None):
        super().__init__(message)
        self.url = url
        self.status = status


class RateLimited(FetchError):
    """The host asked us to slow down (HTTP 429 or similar)."""

    def __init__(self, message: str, *, url: str | None = None, retry_after: float | None = None):
        super().__init__(message, url=url, status=429)
        self.retry_after = retry_after


class HealthProblem(PantauError):
    """The page loaded but is not a readable list of posts."""

    state = "broken"

    def __init__(self, reason: str, *, url: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.url = url


class LoginWall(HealthProblem):
    state = "login_wall"


class ConsentWall(HealthProblem):
    state = "consent"


class Checkpoint(HealthProblem):
    state = "checkpoint"


class Blocked(HealthProblem):
    state = "blocked"


class NotFound(HealthProblem):
    state = "not_found"


class LayoutChanged(HealthProblem):
    state = "layout_changed"


class TooLarge(HealthProblem):
    """The body exceeded the cap; reading stopped there (``bytes_read`` so far)."""

    state = "too_large"

    def __init__(self, reason: str, *, url: str | None = None, limit: int = 0, bytes_read: int = 0):
        super().__init__(reason, url=url)
        self.limit = limit
        self.bytes_read = bytes_read


class RedirectRefused(HealthProblem):
    """A redirect pointed away from the account's own site (``target`` names where)."""

    state = "redirect_refused"

    def __init__(self, reason: str, *, url: str | None = None, target: str = ""):
        super().__init__(reason, url=url)
        self.target = target


__all__ = [
    "Problem",
    "PantauError",
    "ConfigError",
    "WatchlistError",
    "FetchError",
    "RateLimited",
    "HealthProblem",
    "LoginWall",
    "ConsentWall",
    "Checkpoint",
    "Blocked",
    "NotFound",
    "LayoutChanged",
    "TooLarge",
    "RedirectRefused",
]
