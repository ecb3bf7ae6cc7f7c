"""The web pages in a real browser (Debian's Chromium driven by Playwright) against the whole platform
started as `make run` starts it: real workers, Redis, an SMTP server, the APIs and the page server
(ops.web) on its own origin, allowed by CORS_ORIGINS like any third-party front end.

Screenshots go to SCREENSHOTS (printed at the end of the run), one per page and step a test names."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.platform import BIN, ROOT, SERVICES, Platform, start_platform
from tests.support import servers
from tests.support.servers import free_port, wait_until

SCREENSHOTS = Path(os.environ.get("TEST_ARTIFACTS", ROOT / "var" / "test-artifacts")) / "screenshots"
LINK_SECRET = "browser-test-link-secret"
STAFF_TOKEN_SECRET = "browser-test-staff-token-secret-0123456789"  # >= 32 characters, as outside development
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


_LINK = re.compile(r"https?://\S+/manage/#booking=[^\s\"'<>]+")


def manage_link_in(mail: EmailMessage) -> str | None:
    """The self-service link in a client email's text part, if it has one."""
    found = _LINK.search(mail.get_body(preferencelist=("plain",)).get_content())
    return found.group(0) if found else None


def chromium_path() -> str | None:
    """CHROMIUM_PATH, else the system's chromium (Debian's package; `.ci/run` installs it)."""
    given = os.environ.get("CHROMIUM_PATH")
    if given:
        return given if Path(given).exists() else None
    return next(filter(None, (shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome"))), None)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - installed with the dev tools
        pytest.skip("Playwright for Python is not installed (pip install -e '.[dev]')")
    executable = chromium_path()
    if executable is None:
        pytest.skip("no Chromium found (apt-get install chromium, or set CHROMIUM_PATH): the pages are not tried")
    # The browser keeps the machine's real clock even under `make test-dates` (libfaketime inside
    # Chromium is not a browser anyone uses): the pages take today from the APIs, never from it.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LD_PRELOAD", "FAKETIME"))}
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"], env=env)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def web_platform(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[Platform]:
    """The platform on SQLite with the page server; `platform.urls["web"]` is where the pages are."""
    workdir = tmp_path_factory.mktemp("web-platform")
    redis_server = servers.start_redis()
    smtp = servers.SmtpSink().start()
    web_port = free_port()
    web = f"http://127.0.0.1:{web_port}"
    platform = start_platform(
        workdir,
        redis_server.url,
        {service: f"sqlite:///{workdir / service}.db" for service in SERVICES},
        smtp,
        extra_env={
            "CORS_ORIGINS": web,
            "MANAGE_LINK_SECRET": LINK_SECRET,
            "STAFF_TOKEN_SECRET": STAFF_TOKEN_SECRET,
            # Every page test signs in from 127.0.0.1: the per-address sign-in limit is not what they try
            # (the per-email limit stays as configured, and the desk test of a 429 reaches it).
            "RATE_LIMIT_SIGN_IN_PER_ADDRESS": "600/minute",
            "NOTIFICATIONS_MANAGE_URL": f"{web}/manage/",
        },
    )
    platform.cleanups.extend([smtp.stop, redis_server.stop])
    try:
        platform.env.update({f"WEB_{s.upper()}_URL": platform.urls[s] for s in SERVICES})
        log = (platform.logs / "web.log").open("wb")
        proc = subprocess.Popen(
            [str(BIN / "uvicorn"), "ops.web:app", "--host", "127.0.0.1", "--port", str(web_port)],
            cwd=ROOT,
            env=platform.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        platform.processes.append(proc)
        platform.urls["web"] = web
        wait_until(lambda: _answers(f"{web}/config.json"), timeout=30, message="the page server never answered")
    except BaseException:
        platform.stop()
        raise
    yield platform
    platform.stop()


def _answers(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A page at 375 px wide, English."""
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    """A page at desktop width, English."""
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    yield context.new_page()
    context.close()


def screenshot(page: Any, name: str) -> Path:
    """Keep a full-page screenshot with the run's artefacts."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SCREENSHOTS.exists() and any(SCREENSHOTS.iterdir()):
        terminalreporter.write_line(f"screenshots of the web pages: {SCREENSHOTS}")
