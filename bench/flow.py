"""End-to-end benchmark: the platform as `make run` starts it, bookings offered at fixed rates, each
timed from POST /bookings to the client's confirmation email arriving at an SMTP server in this
process. Prints figures only, never pass/fail.

    python -m bench flow [--databases sqlite,postgresql] [--booking-workers 1,2] [--rates 10,20,40,60,100]
                         [--seconds 10] [--drain 5] [--clients 30,60] [--burst-seconds 5] [--idle 10]

For each database and booking-worker count: a fresh platform in a temporary folder on free ports
(its own Redis unless REDIS_URL is set; PostgreSQL databases created and dropped here), ten more
rooms and therapists working round the clock through the catalog API, idle CPU, then each rate
open-loop (requests sent on schedule whether or not earlier ones answered) with a bounded drain, CPU
per booking per process, bursts of concurrent keep-alive clients reconciled with the booking API,
and idle CPU again. Latencies count from when a request was due, so a slow platform cannot hide
its queue by slowing the sender.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform as platform_
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import psycopg
from aiosmtpd.controller import Controller

from ops import run
from ops.demo import no_concerns, questionnaire
from ops.migrate import SERVICES
from shared.settings import DEVELOPMENT_API_KEY

ROOT = Path(__file__).resolve().parent.parent
TREATMENT = "back-neck"  # 30 min, a room and a therapist: starts an hour apart never share either
LANES = 10  # rooms and therapists added, so every hourly start takes ten bookings
DATABASES = ("sqlite", "postgresql")
REQUEST_TIMEOUT = 10.0
BURST_RETRIES = 3
RETRY_GRACE = 5.0  # seconds after a burst in which a failed request is retried more than once
SETTLE_SECONDS = 3.0
RECONCILE_SECONDS = 20.0  # longest the read-back after a burst may take on a stalled platform


# ---------------------------------------------------------------- options and pure helpers


@dataclass(frozen=True)
class Options:
    databases: tuple[str, ...] = DATABASES
    booking_workers: tuple[int, ...] = (1, 2)
    rates: tuple[int, ...] = (10, 20, 40, 60, 100)
    seconds: float = 10.0
    drain: float = 5.0
    clients: tuple[int, ...] = (30, 60)
    burst_seconds: float = 5.0
    idle: float = 10.0
    postgres_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

    def bound_seconds(self) -> float:
        """A generous upper bound of the whole run: every drain and timeout used to the full."""
        per_rate = sum(self.seconds + self.drain for _ in self.rates)
        per_burst = sum(
            self.burst_seconds + RETRY_GRACE + 2 * REQUEST_TIMEOUT + self.drain + RECONCILE_SECONDS + REQUEST_TIMEOUT
            for _ in self.clients
        )
        each = 30 + 2 * (self.idle + SETTLE_SECONDS) + per_rate + per_burst + self.drain + 10
        return each * len(self.databases) * len(self.booking_workers)


def _numbers(kind: type[int] | type[float], text: str) -> tuple[Any, ...]:
    try:
        values = tuple(kind(part) for part in text.split(",") if part.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"a comma-separated list of numbers, not {text!r}") from error
    if any(value <= 0 for value in values):
        raise argparse.ArgumentTypeError(f"numbers above 0, not {text!r}")
    return values


def _databases(text: str) -> tuple[str, ...]:
    names = tuple(part.strip().lower() for part in text.split(",") if part.strip())
    unknown = [name for name in names if name not in DATABASES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(DATABASES)}, not {text!r}")
    return names


def parse_args(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench flow", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    defaults = Options()
    parser.add_argument("--databases", type=_databases, default=defaults.databases, help="sqlite,postgresql")
    parser.add_argument("--booking-workers", type=lambda t: _numbers(int, t), default=defaults.booking_workers)
    parser.add_argument("--rates", type=lambda t: _numbers(int, t), default=defaults.rates, help="bookings per s")
    parser.add_argument("--seconds", type=float, default=defaults.seconds, help="offering window per rate")
    parser.add_argument("--drain", type=float, default=defaults.drain, help="longest wait for emails after a rate")
    parser.add_argument(
        "--clients", type=lambda t: _numbers(int, t), default=defaults.clients, help="burst sizes; '' for none"
    )
    parser.add_argument("--burst-seconds", type=float, default=defaults.burst_seconds)
    parser.add_argument("--idle", type=float, default=defaults.idle, help="seconds of no traffic measured")
    parser.add_argument("--postgres-url", default=defaults.postgres_url, help="a server's admin database")
    args = parser.parse_args(argv)
    if min(args.seconds, args.drain, args.burst_seconds, args.idle) <= 0:
        parser.error("--seconds, --drain, --burst-seconds and --idle must be above 0")
    return Options(
        databases=args.databases,
        booking_workers=args.booking_workers,
        rates=args.rates,
        seconds=args.seconds,
        drain=args.drain,
        clients=args.clients,
        burst_seconds=args.burst_seconds,
        idle=args.idle,
        postgres_url=args.postgres_url,
    )


def percentile(samples: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation between closest ranks; None without samples."""
    if not samples:
        return None
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def spread(samples: Sequence[float]) -> str:
    """p50 / p95 / p99 of seconds, printed in milliseconds."""
    cuts = [percentile(samples, q) for q in (50, 95, 99)]
    if cuts[0] is None:
        return "-"
    return " / ".join(f"{cut * 1000:,.0f}" for cut in cuts if cut is not None) + " ms"


def backlog_at(moment: float, spans: Sequence[tuple[float, float | None]]) -> int:
    """Work in the system at `moment`: spans (offered at, done at or None) offered by then, not done by then."""
    return sum(1 for start, done in spans if start <= moment and (done is None or done > moment))


def backlog_grew(middle: int, end: int, rate: float) -> bool:
    """More waiting at the window's end than in its middle, beyond a quarter second of offers (noise)."""
    return end - middle > max(3.0, rate / 4)


@dataclass(frozen=True)
class RateVerdict:
    rate: int
    grew: bool
    offered: int
    emailed_in_drain: int


def keeps_up_with(verdicts: Sequence[RateVerdict]) -> int | None:
    """The highest rate whose backlog did not grow and whose every offer was confirmed and emailed in the drain."""
    kept = [v.rate for v in verdicts if not v.grew and v.offered and v.emailed_in_drain == v.offered]
    return max(kept, default=None)


def cpu_per_booking(before: dict[str, float], after: dict[str, float], bookings: int) -> dict[str, float | None]:
    """Milliseconds of CPU per booking for each process (None when no booking was confirmed)."""
    return {
        name: (after.get(name, 0.0) - spent) * 1000 / bookings if bookings else None for name, spent in before.items()
    }


# ---------------------------------------------------------------- CPU of the platform's processes

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_from_proc(leaders: dict[str, int]) -> dict[str, float]:
    """CPU seconds of each leader's session (the process and all it forked), from /proc/<pid>/stat."""
    by_session: dict[int, float] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        # After the name: state ppid pgrp session ... utime(14) stime cutime cstime, counted from 3.
        session, ticks = int(fields[3]), sum(int(value) for value in fields[11:15])
        by_session[session] = by_session.get(session, 0.0) + ticks / CLOCK_TICKS
    return {name: by_session.get(pid, 0.0) for name, pid in leaders.items()}


def _cpu_from_psutil(leaders: dict[str, int]) -> dict[str, float]:
    import psutil

    spent = {}
    for name, pid in leaders.items():
        total = 0.0
        with suppress(psutil.NoSuchProcess):
            leader = psutil.Process(pid)
            for process in [leader, *leader.children(recursive=True)]:
                with suppress(psutil.NoSuchProcess):
                    times = process.cpu_times()
                    total += times.user + times.system + times.children_user + times.children_system
        spent[name] = total
    return spent


def cpu_seconds(leaders: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far of each named process tree, and of this benchmark ("bench")."""
    try:
        spent = _cpu_from_psutil(leaders)
    except ImportError:
        spent = _cpu_from_proc(leaders)
    return {**spent, "bench": time.process_time()}


# ---------------------------------------------------------------- the SMTP server that times the emails


class Inbox:
    """Records when each recipient's first confirmation and first other email arrived (monotonic clock)."""

    def __init__(self) -> None:
        self.confirmed: dict[str, float] = {}
        self.other: dict[str, float] = {}
        self.confirmations: list[float] = []

    def clear(self) -> None:
        self.confirmed, self.other, self.confirmations = {}, {}, []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        arrived = time.monotonic()
        subject = str(BytesHeaderParser(policy=default_policy).parsebytes(envelope.content)["Subject"] or "")
        for recipient in envelope.rcpt_tos:
            if subject.startswith("Confirmed"):
                self.confirmed.setdefault(recipient.lower(), arrived)
                self.confirmations.append(arrived)
            else:
                self.other.setdefault(recipient.lower(), arrived)
        return "250 Message accepted for delivery"

    def settled(self, email: str) -> float | None:
        """When the client heard the outcome (confirmed, or any other email such as a rejection)."""
        times = [t for t in (self.confirmed.get(email), self.other.get(email)) if t is not None]
        return min(times, default=None)


# ---------------------------------------------------------------- the platform


@dataclass
class Platform:
    env: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]]
    logs: Path

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.env[f'{service.upper()}_PORT']}"

    @property
    def staff(self) -> dict[str, str]:
        return {"X-API-Key": self.env["ADMIN_API_KEY"]}

    def leaders(self) -> dict[str, int]:
        return {name: process.pid for name, process in self.processes.items()}

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited ({process.returncode}); see {self.logs / name}.log")


def _free_port() -> int:
    return run._free_port()


def _stop(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    """SIGTERM to every process group, SIGKILL to what is left after 10 s (as make run's supervisord does)."""
    for process in processes.values():
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    for process in processes.values():
        with suppress(subprocess.TimeoutExpired):
            process.wait(max(0.1, deadline - time.monotonic()))
        with suppress(ProcessLookupError):  # stragglers of the group (forked pool children)
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def started_platform(
    folder: Path, logs: Path, databases: dict[str, str], smtp_port: int, workers: int
) -> Iterator[Platform]:
    """The processes `make run` starts, in `folder`, on free ports, mail to this process's SMTP server."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SMTP_", "_RUN_"))}
    ports = {f"{service.upper()}_PORT": str(_free_port()) for service in SERVICES}
    ports |= {f"{service.upper()}_METRICS_PORT": str(_free_port()) for service in SERVICES}
    base.update(
        ports,
        RUN_VAR_DIR=str(folder),
        BOOKING_WORKER_CONCURRENCY=str(workers),
        WEB_PORT=str(_free_port()),
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_port),
        BOOKING_URL=f"http://127.0.0.1:{ports['BOOKING_PORT']}",
        ADMIN_API_KEY=os.environ.get("ADMIN_API_KEY") or DEVELOPMENT_API_KEY,
        # Every booking comes from this one address: the per-address limits would refuse nearly all of them.
        # What is measured is the platform behind the limits (RATE_LIMIT_ENABLED=true measures them too).
        RATE_LIMIT_ENABLED=os.environ.get("RATE_LIMIT_ENABLED") or "false",
        **{f"{service.upper()}_DATABASE_URL": url for service, url in databases.items()},
    )
    for name in ("CORS_ORIGINS", "NOTIFICATIONS_MANAGE_URL", "MANAGE_LINK_SECRET"):  # make run's, for these ports
        base.pop(name, None)
    env = run.prepare_environment(base)
    logs.mkdir(parents=True, exist_ok=True)
    with (logs / "setup.log").open("wb") as log:  # migrations and the seed, as make run does them
        subprocess.run(
            [sys.executable, "-m", "ops.migrate", "all", "--seed"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=log,
            check=True,
        )
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, command in run.processes(env).items():
            with (logs / f"{name}.log").open("wb") as log:
                processes[name] = subprocess.Popen(
                    command, shell=True, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
        yield Platform(env, processes, logs)
    finally:
        _stop(processes)


@contextmanager
def postgres_databases(admin_url: str, tag: str) -> Iterator[dict[str, str]]:
    """A fresh database per service on the server, dropped afterwards."""
    libpq = admin_url.replace("postgresql+psycopg://", "postgresql://")
    names = {service: f"bench_flow_{tag}_{service}" for service in SERVICES}
    with psycopg.connect(libpq, autocommit=True, connect_timeout=5) as conn:
        for name in names.values():
            conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {service: admin_url.rsplit("/", 1)[0] + f"/{name}" for service, name in names.items()}
    finally:
        with psycopg.connect(libpq, autocommit=True, connect_timeout=5) as conn:
            for name in names.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---------------------------------------------------------------- the clinic's capacity and its slots


async def _until(what: str, check: Any, platform: Platform, timeout: float = 90.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        platform.check_alive()
        with suppress(httpx.HTTPError):
            if result := await check():
                return result
        await asyncio.sleep(0.3)
    raise RuntimeError(f"gave up waiting for {what} after {timeout:.0f} s; logs in {platform.logs}")


async def open_round_the_clock(client: httpx.AsyncClient, platform: Platform, tomorrow: date) -> None:
    """Ten more rooms and therapists, every day 00:00-24:00, bookable two years ahead; wait until
    the booking service has them (it learns the catalog from events)."""
    catalog, staff = platform.url("catalog"), platform.staff
    location = {"name": "Bench clinic", "opening_hours": [], "max_advance_days": 730}
    answers = [await client.put(f"{catalog}/locations/main", json=location, headers=staff)]
    for lane in range(1, LANES + 1):
        room = {"kind": "room", "name": f"Bench room {lane}"}
        answers.append(await client.put(f"{catalog}/resources/bench-room-{lane:02d}", json=room, headers=staff))
        therapist = {
            "name": f"Bench Therapist {lane}",
            "email": f"therapist-{lane:02d}@bench.example",
            "skills": ["medical_massage"],
            "weekly_hours": [{"weekday": day, "start": "00:00", "end": "24:00"} for day in range(7)],
        }
        answers.append(
            await client.put(f"{catalog}/therapists/bench-therapist-{lane:02d}", json=therapist, headers=staff)
        )
    for answer in answers:
        answer.raise_for_status()
    wanted = {f"bench-room-{lane:02d}" for lane in range(1, LANES + 1)}
    wanted |= {f"bench-therapist-{lane:02d}" for lane in range(1, LANES + 1)}

    async def known() -> bool:
        day = await client.get(f"{platform.url('booking')}/day", params={"date": tomorrow.isoformat()}, headers=staff)
        if day.status_code != 200:
            return False
        body = day.json()  # open from midnight once the location's new hours arrived
        return wanted <= {row["code"] for row in body["rows"]} and (body["opens"] or "")[11:16] == "00:00"

    await _until("the booking service to learn the added rooms and therapists", known, platform)


async def hourly_slots(client: httpx.AsyncClient, platform: Platform, first_day: date, needed: int) -> list[str]:
    """Listed starts on the hour, each repeated once per lane, a week at a time, lanes interleaved so
    bookings of one start are far apart in the sequence."""
    slots: list[str] = []
    day = first_day
    while len(slots) < needed and day < first_day + timedelta(days=700):
        starts: list[str] = []
        for _ in range(2):  # two 14-day answers make four weeks
            answer = await client.get(
                f"{platform.url('booking')}/availability",
                params={"treatment": TREATMENT, "date": day.isoformat(), "days": 14},
                timeout=120,
            )
            answer.raise_for_status()
            starts += [s for s in answer.json()["slots"] if s[14:19] == "00:00"]
            day += timedelta(days=14)
        for week in range(0, len(starts), 24 * 7):
            slots += [start for _ in range(LANES) for start in starts[week : week + 24 * 7]]
    return slots


# ---------------------------------------------------------------- offering bookings


@dataclass
class Offer:
    email: str
    due: float
    answered: float | None = None
    status: int | None = None
    error: str | None = None
    booking_ids: list[str] = field(default_factory=list)


@dataclass
class Booker:
    """Posts bookings of the clinic's slots, each in a client's name of its own."""

    platform: Platform
    slots: Iterator[str]
    answers: dict[str, str]
    tag: str
    count: int = 0

    def next_client(self) -> tuple[str, str]:
        self.count += 1
        return f"bench-{self.tag}-{self.count}@example.com", f"Bench{self.count} Client"

    async def post(self, client: httpx.AsyncClient, offer: Offer, slot: str, name: str, key: str) -> None:
        body = {
            "treatment": TREATMENT,
            "start": slot,
            "client": {"name": name, "email": offer.email, "locale": "en"},
            "answers": self.answers,
        }
        try:
            answer = await client.post(
                f"{self.platform.url('booking')}/bookings", json=body, headers={"Idempotency-Key": key}
            )
            offer.status, offer.error = answer.status_code, None
            if answer.status_code == 202:
                offer.booking_ids.append(answer.json()["id"])
        except httpx.TimeoutException:
            offer.status, offer.error = None, "timeout"
        except httpx.TransportError as error:
            offer.status, offer.error = None, type(error).__name__
        offer.answered = time.monotonic()


@dataclass
class RateResult:
    rate: int
    offers: list[Offer]
    started: float
    seconds: float
    carried: int
    inbox: Inbox
    drain_ended: float

    def done_at(self, offer: Offer) -> float | None:
        if offer.status == 202:
            return self.inbox.settled(offer.email)
        return offer.answered

    def verdict(self) -> RateVerdict:
        spans = [(o.due, self.done_at(o)) for o in self.offers]
        middle = backlog_at(self.started + self.seconds / 2, spans)
        end = backlog_at(self.started + self.seconds, spans)
        emailed = sum(1 for o in self.offers if (t := self.inbox.confirmed.get(o.email)) and t <= self.drain_ended)
        return RateVerdict(self.rate, backlog_grew(middle, end, self.rate), len(self.offers), emailed)

    def lines(self) -> list[str]:
        offers, inbox = self.offers, self.inbox
        accepted = [o for o in offers if o.status == 202]
        emailed = [o for o in accepted if o.email in inbox.confirmed]
        window_end = self.started + self.seconds
        in_window = sum(1 for o in emailed if inbox.confirmed[o.email] <= window_end)
        spans = [(o.due, self.done_at(o)) for o in offers]
        middle = backlog_at(self.started + self.seconds / 2, spans)
        end = backlog_at(self.started + self.seconds, spans)
        rejected = sum(1 for o in offers if o.status is not None and 400 <= o.status < 500)
        refused_later = sum(1 for o in accepted if o.email in inbox.other and o.email not in inbox.confirmed)
        errors = sum(1 for o in offers if o.status is not None and o.status >= 500)
        dropped = sum(1 for o in offers if o.error)
        unanswered = sum(1 for o in offers if o.error == "timeout")
        post = [o.answered - o.due for o in offers if o.answered is not None and o.status == 202]
        to_email = [inbox.confirmed[o.email] - o.due for o in emailed]
        verdict = self.verdict()
        return [
            f"  {self.rate}/s for {self.seconds:g} s: {len(offers)} offered"
            + (f" ({self.carried} earlier bookings still waiting for their email)" if self.carried else ""),
            f"    offered {len(offers) / self.seconds:.1f}/s   accepted (202) {len(accepted) / self.seconds:.1f}/s   "
            f"confirmed+emailed {in_window / self.seconds:.1f}/s in the window "
            f"({verdict.emailed_in_drain} of {len(offers)} by the end of the drain, {len(emailed)} in all)",
            f"    rejected (4xx) {rejected}   rejected later {refused_later}   server errors {errors}   "
            f"connection errors {dropped} (of which no answer in {REQUEST_TIMEOUT:g} s: {unanswered})",
            f"    POST p50/p95/p99 {spread(post)}   POST -> email p50/p95/p99 {spread(to_email)}",
            f"    backlog middle {middle}, end {end}" + (" (growing)" if verdict.grew else " (steady)"),
        ]


async def offer_at_rate(booker: Booker, rate: int, seconds: float) -> tuple[list[Offer], float]:
    """Open loop: request i is sent at start + i/rate whatever happened to the earlier ones."""
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=200)
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=limits) as client:
        started = time.monotonic() + 0.05
        offers, tasks = [], []
        for i in range(int(rate * seconds)):
            slot = next(booker.slots, None)
            if slot is None:
                print("    (out of slots: offered fewer)", flush=True)
                break
            due = started + i / rate
            if (delay := due - time.monotonic()) > 0:
                await asyncio.sleep(delay)
            email, name = booker.next_client()
            offers.append(offer := Offer(email, due))
            tasks.append(asyncio.create_task(booker.post(client, offer, slot, name, str(uuid.uuid4()))))
        await asyncio.gather(*tasks)
    return offers, started


async def drain(inbox: Inbox, offers: Sequence[Offer], limit: float) -> float:
    """Wait (at most `limit` s) until every accepted booking's client heard its outcome; return when it ended."""
    deadline = time.monotonic() + limit
    waiting = [o for o in offers if o.status == 202]
    while time.monotonic() < deadline:
        waiting = [o for o in waiting if inbox.settled(o.email) is None]
        if not waiting:
            break
        await asyncio.sleep(0.05)
    return time.monotonic()


# ---------------------------------------------------------------- bursts of concurrent clients


@dataclass
class BurstCounts:
    answers: dict[str, int] = field(default_factory=lambda: {"2xx": 0, "4xx": 0, "5xx": 0, "dropped": 0, "timeout": 0})
    retries: int = 0
    accepted_in_window: int = 0
    post: list[float] = field(default_factory=list)


async def burst_client(booker: Booker, deadline: float, counts: BurstCounts, requests: list[tuple[Offer, str]]) -> None:
    """One keep-alive connection posting bookings back to back; an error or no answer is retried with the
    same Idempotency-Key (as the booking page does)."""
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=limits) as client:
        while time.monotonic() < deadline and (slot := next(booker.slots, None)):
            email, name = booker.next_client()
            offer, key = Offer(email, time.monotonic()), str(uuid.uuid4())
            requests.append((offer, slot))
            for attempt in range(1 + BURST_RETRIES):
                if attempt > 1 and time.monotonic() > deadline + RETRY_GRACE:  # one retry always
                    break
                if attempt:
                    counts.retries += 1
                    await asyncio.sleep(0.2 * attempt)
                sent = time.monotonic()
                await booker.post(client, offer, slot, name, key)
                if offer.status is not None:
                    counts.answers[f"{offer.status // 100}xx"] = counts.answers.get(f"{offer.status // 100}xx", 0) + 1
                    counts.post.append(time.monotonic() - sent)
                    counts.accepted_in_window += offer.status == 202 and time.monotonic() <= deadline
                    if offer.status < 500:
                        break
                else:
                    counts.answers["timeout" if offer.error == "timeout" else "dropped"] += 1


async def burst(booker: Booker, clients: int, seconds: float, inbox: Inbox, drain_limit: float) -> list[str]:
    counts, requests = BurstCounts(), []
    deadline = time.monotonic() + seconds
    began = time.monotonic()
    await asyncio.gather(*(burst_client(booker, deadline, counts, requests) for _ in range(clients)))
    took = time.monotonic() - began
    offers = [offer for offer, _ in requests]
    await drain(inbox, offers, drain_limit)
    found = await reconcile(booker.platform, requests, inbox)
    a = counts.answers
    answered = sum(1 for o in offers if o.booking_ids)
    return [
        f"  {clients} keep-alive clients for {seconds:g} s (took {took:.1f} s): {len(offers)} bookings asked, "
        f"{sum(a.values())} requests ({counts.retries} retries), {counts.accepted_in_window / seconds:.1f} accepted/s",
        f"    answers: 2xx {a['2xx']}   4xx {a['4xx']}   5xx {a['5xx']}   dropped connections {a['dropped']}   "
        f"no answer in {REQUEST_TIMEOUT:g} s {a['timeout']}   POST p50/p95/p99 {spread(counts.post)}",
        f"    clients answered 202 {answered} of {len(offers)}; {found['no_202']} never got a 202 after retries",
        f"    reconciled: 202 without a booking {found['missing']}   booking in a client's name never answered 202 "
        f"{found['unanswered']}   clients with two bookings {found['twice']}   not settled by the end "
        f"{found['unsettled']}"
        + (f"   reads the platform never answered {found['unchecked']}" if found["unchecked"] else ""),
    ]


async def _staff_read(
    client: httpx.AsyncClient, url: str, platform: Platform, deadline: float, **params: str
) -> httpx.Response | None:
    """A staff GET, tried three times while the platform is busy (never past `deadline`); None when it never
    answered below 500."""
    for attempt in range(3):
        if time.monotonic() > deadline:
            break
        with suppress(httpx.HTTPError):
            answer = await client.get(url, params=params, headers=platform.staff)
            if answer.status_code < 500:
                return answer
        await asyncio.sleep(attempt + 1)
    return None


async def reconcile(platform: Platform, requests: list[tuple[Offer, str]], inbox: Inbox) -> dict[str, int]:
    """Every 202 is a booking (read back with the staff key); every booking in a burst client's name was
    answered 202 to that client: bookings found on the front desk's day view (by the client's unique first
    name) and clients emailed about a booking, against what each client was answered."""
    booking, deadline = platform.url("booking"), time.monotonic() + RECONCILE_SECONDS
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=httpx.Limits(max_connections=10)) as client:
        ids = [i for offer, _ in requests for i in set(offer.booking_ids)]
        answers: list[httpx.Response | None] = []
        for start in range(0, len(ids), 10):
            chunk = ids[start : start + 10]
            answers += await asyncio.gather(
                *(_staff_read(client, f"{booking}/bookings/{i}", platform, deadline) for i in chunk)
            )
        on_day: dict[str, set[str]] = {}
        unread_days = 0
        for day in sorted({slot[:10] for _, slot in requests}):
            view = await _staff_read(client, f"{booking}/day", platform, deadline, date=day)
            if view is None or view.status_code != 200:
                unread_days += 1
                continue
            for row in view.json()["rows"]:
                for shown in row["bookings"]:
                    on_day.setdefault(shown["client_first_name"], set()).add(shown["id"])
    unanswered = twice = 0
    for offer, _ in requests:
        first_name = f"Bench{offer.email.split('@')[0].rsplit('-', 1)[1]}"
        heard = offer.email in inbox.confirmed or offer.email in inbox.other
        if not offer.booking_ids and (on_day.get(first_name) or heard):
            unanswered += 1
        twice += len(on_day.get(first_name, set()) | set(offer.booking_ids)) > 1
    return {
        "missing": sum(1 for answer in answers if answer is not None and answer.status_code == 404),
        "unchecked": sum(1 for answer in answers if answer is None) + unread_days,
        "no_202": sum(1 for offer, _ in requests if not offer.booking_ids),
        "unanswered": unanswered,
        "twice": twice,
        "unsettled": sum(1 for offer, _ in requests if offer.booking_ids and inbox.settled(offer.email) is None),
    }


# ---------------------------------------------------------------- one configuration


async def idle_cpu(platform: Platform, seconds: float) -> dict[str, float | None]:
    """% of one core each process used over `seconds` of no traffic."""
    before = cpu_seconds(platform.leaders())
    await asyncio.sleep(seconds)
    after = cpu_seconds(platform.leaders())
    return {name: (after[name] - spent) / seconds * 100 for name, spent in before.items()}


def cpu_table(columns: dict[str, dict[str, float | None]], bookings: dict[str, int]) -> list[str]:
    """One row per process, one column per measurement (idle: % of one core; a rate: ms per booking)."""
    names = list(next(iter(columns.values())))
    lines = ["    " + f"{'process':22}" + "".join(f"{title:>13}" for title in columns)]
    for name in [*names, "total"]:
        cells = [per.get(name) if name != "total" else _platform_total(per) for per in columns.values()]
        label = "bench (load + SMTP)" if name == "bench" else "total (platform)" if name == "total" else name
        lines.append("    " + f"{label:22}" + "".join(f"{c:13.1f}" if c is not None else f"{'-':>13}" for c in cells))
    counts = [f"{bookings[title]:13d}" if title in bookings else f"{'':13}" for title in columns]
    lines.append("    " + f"{'confirmed bookings':22}" + "".join(counts))
    return lines


def _platform_total(per: dict[str, float | None]) -> float | None:
    values = [v for name, v in per.items() if name != "bench"]
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


async def measure(platform: Platform, inbox: Inbox, options: Options, tag: str) -> None:
    tz = ZoneInfo(platform.env.get("CLINIC_TIMEZONE") or "Europe/Berlin")
    tomorrow = datetime.now(tz).date() + timedelta(days=1)
    async with httpx.AsyncClient(timeout=30) as client:
        for service in SERVICES:
            await _until(f"the {service} API", lambda s=service: _healthy(client, platform.url(s)), platform)
        began = time.monotonic()
        await open_round_the_clock(client, platform, tomorrow)
        needed = int(sum(options.rates) * options.seconds + sum(options.clients) * options.burst_seconds * 5) + 100
        slots = await hourly_slots(client, platform, tomorrow, needed)
        answers = no_concerns(await asyncio.to_thread(_questionnaire, platform.url("catalog")))
    print(f"  clinic ready in {time.monotonic() - began:.1f} s: {len(slots)} bookable slots of {TREATMENT}", flush=True)
    booker = Booker(platform, iter(slots), answers, tag)
    await asyncio.sleep(SETTLE_SECONDS)
    cpu = {"idle %": await idle_cpu(platform, options.idle)}
    verdicts, confirmed = [], {}
    waiting: list[Offer] = []
    for rate in options.rates:
        waiting = [o for o in waiting if o.status == 202 and inbox.settled(o.email) is None]
        before, emails_before = cpu_seconds(platform.leaders()), len(inbox.confirmations)
        offers, started = await offer_at_rate(booker, rate, options.seconds)
        ended = await drain(inbox, offers, options.drain)
        after = cpu_seconds(platform.leaders())
        confirmed[f"{rate}/s ms"] = bookings = len(inbox.confirmations) - emails_before
        cpu[f"{rate}/s ms"] = cpu_per_booking(before, after, bookings)
        result = RateResult(rate, offers, started, options.seconds, len(waiting), inbox, ended)
        verdicts.append(result.verdict())
        print("\n".join(result.lines()), flush=True)
        waiting += offers
        platform.check_alive()
    if verdicts:
        best = keeps_up_with(verdicts)
        print(f"  keeps up with: {f'{best}/s' if best else 'none of the rates offered'}", flush=True)
    for clients in options.clients:
        print("\n".join(await burst(booker, clients, options.burst_seconds, inbox, options.drain)), flush=True)
        platform.check_alive()
    await drain(inbox, waiting, options.drain)
    await asyncio.sleep(SETTLE_SECONDS)
    cpu["idle after %"] = await idle_cpu(platform, options.idle)
    print(
        f"  CPU by process: idle = % of one core over {options.idle:g} s of no traffic (after start-up, after the"
        " load);\n  a rate = ms per booking confirmed and emailed during its window and drain",
        flush=True,
    )
    print("\n".join(cpu_table(cpu, confirmed)), flush=True)


async def _healthy(client: httpx.AsyncClient, url: str) -> bool:
    return (await client.get(f"{url}/health")).status_code == 200


def _questionnaire(catalog: str) -> dict[str, Any] | None:
    with httpx.Client(timeout=30) as client:
        return questionnaire(client, TREATMENT, catalog)


def run_configuration(database: str, workers: int, options: Options, inbox: Inbox, smtp_port: int, logs: Path) -> None:
    tag = uuid.uuid4().hex[:6]
    print(
        f"\n== {'SQLite' if database == 'sqlite' else 'PostgreSQL'}, booking worker --concurrency {workers}", flush=True
    )
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-flow-")))
        if database == "sqlite":
            urls = {service: f"sqlite:///{folder / service}.db" for service in SERVICES}
        else:
            try:
                urls = stack.enter_context(postgres_databases(options.postgres_url, tag))
            except psycopg.OperationalError as error:
                print(f"  skipped: no PostgreSQL server at {options.postgres_url} ({str(error).strip()[:120]})")
                return
        inbox.clear()
        where = logs / f"{database}-workers{workers}"
        platform = stack.enter_context(started_platform(folder, where, urls, smtp_port, workers))
        print(f"  logs of the platform's processes: {where.relative_to(ROOT) if where.is_relative_to(ROOT) else where}")
        began = time.monotonic()
        asyncio.run(measure(platform, inbox, options, tag))
    print(f"  (this configuration took {time.monotonic() - began:.0f} s, stopping included)", flush=True)


def _stop_on_sigterm(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_args(argv)
    print(
        f"End-to-end benchmark, {time.strftime('%Y-%m-%d %H:%M')} on {platform_.node()}: {os.cpu_count()} cores, "
        f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}, Python {platform_.python_version()}\n"
        f"  databases {','.join(options.databases)}   booking workers {','.join(map(str, options.booking_workers))}   "
        f"rates {','.join(map(str, options.rates))}/s for {options.seconds:g} s each, drain up to {options.drain:g} s\n"
        f"  bursts of {','.join(map(str, options.clients)) or 'no'} clients for {options.burst_seconds:g} s   "
        f"idle {options.idle:g} s   treatment {TREATMENT}   at most about {options.bound_seconds() / 60:.0f} min",
        flush=True,
    )
    logs = ROOT / "var" / "bench" / time.strftime("%Y%m%d-%H%M%S")
    inbox = Inbox()
    smtp_port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    began, interrupted = time.monotonic(), False
    try:
        for database in options.databases:
            for workers in options.booking_workers:
                run_configuration(database, workers, options, inbox, smtp_port, logs)
    except KeyboardInterrupt:
        print("\ninterrupted: the platform's processes are stopped", flush=True)
        interrupted = True
    finally:
        controller.stop()
        signal.signal(signal.SIGTERM, previous)
    print(f"\ndone in {(time.monotonic() - began) / 60:.1f} min; logs in {logs}", flush=True)
    if interrupted:
        sys.exit(130)
