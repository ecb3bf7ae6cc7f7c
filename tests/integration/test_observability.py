"""Following one booking through the logs and the metrics: the booking API under uvicorn and a real
prefork booking worker, both writing JSON lines; the API's line for a request and the worker's lines
for the event it caused carry the same correlation id; /metrics and the worker's metrics port show
the histograms afterwards."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.booking.conftest import copy_seed_catalog
from tests.support.apps import service_database
from tests.support.clock import at, working_day
from tests.support.servers import free_port, start_redis, wait_until

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@dataclass
class Processes:
    api: str
    metrics: str
    logs: Path
    running: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, name: str, args: list[str], env: dict[str, str]) -> None:
        # stderr alone holds the log lines; stdout gets what a program prints (Celery's banner).
        with (self.logs / f"{name}.err").open("wb") as err, (self.logs / f"{name}.out").open("wb") as out:
            self.running.append(
                subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=err, start_new_session=True)
            )

    def lines(self, name: str) -> list[dict[str, Any]]:
        text = (self.logs / f"{name}.err").read_text(errors="replace")
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def stop(self) -> None:
        for proc in self.running:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.running:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def booking(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Processes]:
    workdir = tmp_path_factory.mktemp("observability")
    broker = start_redis()
    url = f"sqlite:///{workdir / 'booking.db'}"
    try:
        with service_database("booking", url) as database:
            copy_seed_catalog(database.writer())
            env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
            env.update(
                BOOKING_DATABASE_URL=url,
                REDIS_URL=broker.url,
                ADMIN_API_KEY=database.staff_key,
                LOG_FORMAT="auto",  # stderr is a file: JSON
                PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            )
            api_port, metrics_port = free_port(), free_port()
            processes = Processes(f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{metrics_port}", workdir)
            try:
                processes.start(
                    "api",
                    [str(BIN / "uvicorn"), "services.booking.entrypoints.api:app", "--port", str(api_port)],
                    env,
                )
                worker_env = {
                    **env,
                    "METRICS_PORT": str(metrics_port),
                    "PROMETHEUS_MULTIPROC_DIR": str(workdir / "worker-metrics"),
                }
                processes.start(
                    "worker",
                    [
                        str(BIN / "celery"), "-A", "services.booking.entrypoints.worker:celery_app", "worker",
                        "-Q", "booking", "-n", f"observed-{uuid.uuid4().hex[:6]}@%h", "--concurrency", "2",
                        "--loglevel", "INFO", "--without-gossip", "--without-mingle",
                    ],
                    worker_env,
                )  # fmt: skip
                wait_until(lambda: _answers(f"{processes.api}/health"), timeout=60, message="the API did not start")
                wait_until(lambda: _answers(processes.metrics), timeout=60, message="no worker metrics")
                yield processes
            finally:
                processes.stop()
    finally:
        broker.stop()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _sample(metrics: str, prefix: str) -> float:
    """The value of the first sample line starting with `prefix` (0 if none)."""
    for line in metrics.splitlines():
        if line.startswith(prefix):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_a_booking_is_followed_from_the_api_to_the_saga_by_one_correlation_id(booking: Processes) -> None:
    correlation, email = f"follow-{uuid.uuid4().hex[:10]}", f"obs-{uuid.uuid4().hex[:8]}@example.com"
    body = {
        "treatment": "back-leg-cupping",
        "start": at(working_day(6), 13).isoformat(),
        "client": {"name": "Observed Person", "email": email},
    }
    answer = httpx.post(f"{booking.api}/bookings", json=body, headers={"X-Correlation-ID": correlation}, timeout=30)
    assert answer.status_code == 202, answer.text
    assert answer.headers["X-Correlation-ID"] == correlation

    def saga_lines() -> list[dict[str, Any]]:
        mine = [line for line in booking.lines("worker") if line.get("correlation_id") == correlation]
        done = {line["task"] for line in mine if "succeeded" in line["message"]}
        return mine if "booking.reserve_resources" in done else []

    worker_lines = wait_until(saga_lines, timeout=60, message="the saga's lines never carried the request's id")
    # Received by the worker's main process, run by a pool process: both lines carry the request's id.
    received = [line for line in worker_lines if line["message"].endswith("received")]
    succeeded = [line for line in worker_lines if "succeeded" in line["message"]]
    assert received and succeeded and {received[0]["pid"]} != {line["pid"] for line in succeeded}
    assert {line["service"] for line in worker_lines} == {"booking"}

    [access] = [line for line in booking.lines("api") if line.get("correlation_id") == correlation]
    assert (access["logger"], access["method"], access["route"], access["status"]) == (
        "clinic.access",
        "POST",
        "/bookings",
        202,
    )
    assert access["service"] == "booking" and access["process"] == "api"
    # A path is the client's text: the access line names the route, never the path itself.
    httpx.get(f"{booking.api}/bookings/{email}", headers={"X-Correlation-ID": f"{correlation}-p"}, timeout=30)
    [read] = wait_until(lambda: [x for x in booking.lines("api") if x.get("correlation_id") == f"{correlation}-p"])
    assert read["route"] == "/bookings/{booking_id}" and email not in read["message"]
    for name in ("api", "worker"):
        text = (booking.logs / f"{name}.err").read_text()
        assert email not in text and "Observed Person" not in text and answer.json()["token"] not in text


def test_metrics_show_request_latency_and_saga_step_durations_after_a_booking(booking: Processes) -> None:
    body = {
        "treatment": "back-leg-cupping",
        "start": at(working_day(6), 15).isoformat(),
        "client": {"name": "Metric Person", "email": f"m-{uuid.uuid4().hex[:8]}@example.com"},
    }
    assert httpx.post(f"{booking.api}/bookings", json=body, timeout=30).status_code == 202
    api_metrics = httpx.get(f"{booking.api}/metrics").text
    assert "clinic_outbox_unpublished" in api_metrics  # the database gauges are still there
    posted = 'clinic_http_request_seconds_count{method="POST",route="/bookings",service="booking",status="2xx"}'
    assert _sample(api_metrics, posted) >= 1

    def reserved() -> float:
        metrics = httpx.get(booking.metrics).text
        return _sample(metrics, 'clinic_task_seconds_count{outcome="success",task="booking.reserve_resources"}')

    # Both bookings' first saga step, whichever of the pool's two processes ran it.
    assert wait_until(lambda: reserved() >= 2, timeout=60, message="the worker's metrics lack the saga step")
    assert "clinic_task_seconds_bucket" in httpx.get(booking.metrics).text
