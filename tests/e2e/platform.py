"""The whole platform as real processes for end-to-end tests: Celery workers, the scheduler and the
APIs (uvicorn) on a real Redis, a real SMTP server, and SQLite files or PostgreSQL databases."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import Engine, create_engine

from tests.support.clock import working_day
from tests.support.servers import SmtpSink, free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TZ = ZoneInfo("Europe/Berlin")
ADMIN_KEY = "e2e-staff-key"
FRONT_DESK = "front-desk@clinic.example"  # where notices of waiting reviews go besides the therapist
SERVICES = ("catalog", "booking", "notifications")


@dataclass
class Platform:
    env: dict[str, str]
    urls: dict[str, str]
    smtp: SmtpSink
    logs: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    cleanups: list[Callable[[], None]] = field(default_factory=list)
    # By name ("booking-worker", "scheduler", ...): each process's command and its current process.
    commands: dict[str, list[str]] = field(default_factory=dict)
    named: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def booking(self) -> str:
        return self.urls["booking"]

    def engine(self, service: str) -> Engine:
        return create_engine(self.env[f"{service.upper()}_DATABASE_URL"])

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def kill(self, name: str) -> None:
        """SIGKILL a process and everything it started (a worker and its pool), as a crash would."""
        proc = self.named[name]
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)

    def respawn(self, name: str) -> None:
        """Start a process again with the command it was started with, as a supervisor would."""
        _spawn(self, name, self.commands[name])

    def stop(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.processes:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        for cleanup in reversed(self.cleanups):
            cleanup()


def _spawn(platform: Platform, name: str, args: list[str]) -> None:
    log = (platform.logs / f"{name}.log").open("ab")  # a respawned process logs after its predecessor
    proc = subprocess.Popen(
        args, cwd=ROOT, env=platform.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    log.close()  # the child has its own copy
    platform.processes.append(proc)
    platform.commands[name] = args
    platform.named[name] = proc


def start_platform(
    workdir: Path,
    redis_url: str,
    database_urls: dict[str, str],
    smtp: SmtpSink,
    booking_workers: int = 2,
    notifications_workers: int = 1,
    extra_env: dict[str, str] | None = None,
) -> Platform:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    booking_port = free_port()
    env.update(
        REDIS_URL=redis_url,
        SMTP_HOST=smtp.host,
        SMTP_PORT=str(smtp.port),
        ADMIN_API_KEY=ADMIN_KEY,
        CLINIC_TIMEZONE=TZ.key,
        NOTIFICATIONS_RETRY_BASE_SECONDS="1",
        BOOKING_STALE_PENDING_SECONDS="20",
        # Reviews still open 4 days before the visit are declined: the clinical-fit tests book their
        # reviews well beyond that, and the one left unreviewed within it.
        BOOKING_REVIEW_DEADLINE_MINUTES=str(4 * 24 * 60),
        NOTIFICATIONS_REVIEW_EMAIL=FRONT_DESK,
        BOOKING_URL=f"http://127.0.0.1:{booking_port}",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),  # make test-dates adds one
        **{f"{s.upper()}_DATABASE_URL": url for s, url in database_urls.items()},
    )
    env.update(extra_env or {})  # a suite's own values win over the defaults above
    logs = workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    platform = Platform(env=env, urls={}, smtp=smtp, logs=logs)
    migrated = subprocess.run(
        [sys.executable, "-m", "ops.migrate", "all", "--seed"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert migrated.returncode == 0, migrated.stderr
    try:
        for service in SERVICES:
            concurrency = {"booking": booking_workers, "notifications": notifications_workers}.get(service, 1)
            _spawn(
                platform,
                f"{service}-worker",
                [
                    str(BIN / "celery"), "-A", f"services.{service}.entrypoints.worker:celery_app", "worker",
                    "-Q", service, "-n", f"{service}-{uuid.uuid4().hex[:6]}@%h", "--concurrency", str(concurrency),
                    "--loglevel", "INFO", "--without-gossip", "--without-mingle",
                ],
            )  # fmt: skip
            port = booking_port if service == "booking" else free_port()
            platform.urls[service] = f"http://127.0.0.1:{port}"
            workers = "2" if service == "booking" else "1"
            _spawn(
                platform,
                f"{service}-api",
                [
                    str(BIN / "uvicorn"), f"services.{service}.entrypoints.api:app",
                    "--host", "127.0.0.1", "--port", str(port), "--workers", workers,
                ],
            )  # fmt: skip
        _spawn(
            platform,
            "scheduler",
            [str(BIN / "celery"), "-A", "shared.scheduler:celery_app", "beat", "-s", str(workdir / "beat-schedule")],
        )
        wait_until(lambda: _knows_the_catalog(platform), timeout=90, message="booking never learned the catalog")
    except BaseException:
        platform.stop()
        raise
    return platform


def _knows_the_catalog(platform: Platform) -> bool:
    try:
        answer = httpx.get(
            f"{platform.booking}/availability",
            params={"treatment": "back-leg-cupping", "date": working_day(3).isoformat()},
            timeout=5,
        )
    except httpx.HTTPError:
        return False
    return answer.status_code == 200 and bool(answer.json()["slots"])


def utc_naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)
