"""The staff console: ``pantau web`` (Starlette + Jinja2, served by uvicorn).

Modules: :mod:`.app` (wiring, login, the permission guard), :mod:`.pages`
(findings), :mod:`.admin` (people, status, watchlists, users), :mod:`.api`
(JSON), :mod:`.auth` (sessions, CSRF, rate limit), :mod:`.users` (users
file, roles), :mod:`.views` (pure view helpers), :mod:`.watchlists` (checked
watchlist replacement). See docs/architecture.md for why this stack.
"""
from __future__ import annotations


def serve(config, host: str | None = None, port: int | None = None, *, on_ready=None) -> None:
    """Run the console until SIGINT/SIGTERM (uvicorn; proxy headers trusted from loopback only)."""
    import uvicorn

    from .app import create_app

    app = create_app(config)
    server = uvicorn.Server(uvicorn.Config(app, host=host or config.web.host, port=port or config.web.port,
                                           log_level="info", access_log=False, proxy_headers=True,
                                           forwarded_allow_ips="127.0.0.1", server_header=False))
    if on_ready is not None:
        import threading
        import time

        def announce() -> None:  # once uvicorn listens
            while not server.started and not server.should_exit:
                time.sleep(0.05)
            if server.started:
                on_ready(server)
        threading.Thread(target=announce, daemon=True).start()
    server.run()
