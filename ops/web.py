"""The web front ends (`web/`) as static files, plus `/config.json`: where the pages find the APIs.

The pages are plain HTML, CSS and JavaScript modules: no build step. They call the three services'
public HTTP APIs from the browser like any third-party front end (CORS_ORIGINS on each API allows
this server's origin). `make run` starts it on WEB_PORT; compose runs the same app.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.observability import configure_logging_under_uvicorn

WEB = Path(__file__).resolve().parent.parent / "web"
DEFAULT_URLS = {
    "catalog": "http://127.0.0.1:8001",
    "booking": "http://127.0.0.1:8002",
    "notifications": "http://127.0.0.1:8003",
}


def api_urls(env: Mapping[str, str]) -> dict[str, str]:
    """The API base URLs as a browser reaches them (WEB_CATALOG_URL, WEB_BOOKING_URL, WEB_NOTIFICATIONS_URL)."""
    return {name: env.get(f"WEB_{name.upper()}_URL", default).rstrip("/") for name, default in DEFAULT_URLS.items()}


class _SecurityHeaders:
    """No page may be framed, leak its address (a manage link's fragment never does, but nothing else
    should either), or load code from anywhere but here."""

    def __init__(self, app: ASGIApp, connect: str) -> None:
        self.app, self.connect = app, connect

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: dict) -> None:  # type: ignore[type-arg]
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (
                        b"content-security-policy",
                        f"default-src 'self'; connect-src 'self' {self.connect}; img-src 'self' data: blob:; "
                        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'".encode(),
                    ),
                ]
            await send(message)

        await self.app(scope, receive, with_headers if scope["type"] == "http" else send)


def create_app(env: Mapping[str, str] | None = None) -> Starlette:
    urls = api_urls(os.environ if env is None else env)

    async def config(_request: Request) -> Response:
        return JSONResponse(urls, headers={"Cache-Control": "no-store"})

    return Starlette(
        routes=[Route("/config.json", config), Mount("/", StaticFiles(directory=WEB, html=True))],
        middleware=[Middleware(_SecurityHeaders, connect=" ".join(sorted(set(urls.values()))))],
    )


configure_logging_under_uvicorn("web", "web")  # at import, before uvicorn logs that it serves
app = create_app()
