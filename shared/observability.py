"""Logs and metrics, declared once for every process (APIs, workers, the scheduler, the page server).

Logs: `configure_logging(service, process)` sends every record of the process through one handler on
the root logger: one JSON object per line when stderr is not a terminal (LOG_FORMAT=auto), readable
text on a terminal. Each line carries the service, the process kind, the pid and the correlation id of
the request or event being served (the `correlation_id` ContextVar, set by the HTTP middleware in
shared.http and around each Celery task in shared.celery). Only known, harmless fields are written:
whatever else a caller passes in `extra=` is left out, so a payload cannot slip into a log line.

Metrics: the Prometheus histograms below. In a prefork worker (or uvicorn with --workers) each process
writes its own values to PROMETHEUS_MULTIPROC_DIR and `exposition()` sums them at scrape time; without
that directory a process reports only its own values.
"""

from __future__ import annotations

import logging
import os
import sys
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from prometheus_client import CollectorRegistry, Histogram, multiprocess, start_http_server
from pythonjsonlogger.json import JsonFormatter

from shared.settings import ObservabilitySettings

correlation_id: ContextVar[str] = ContextVar("correlation_id", default="")

# ── Logs ────────────────────────────────────────────────────────────────────────────────────────

# Extra fields a line may carry besides the fixed ones: names, numbers and ids, never client data.
SAFE_EXTRAS = ("method", "route", "status", "duration_ms", "task", "task_id", "outcome")
TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(service)s-%(role)s[%(process)d] %(name)s [%(correlation_id)s] %(message)s"


@dataclass(frozen=True)
class _Process:
    service: str = ""
    role: str = ""  # api, worker, beat or web


_process = _Process()
# Celery's log lines that would print a whole message body (an event's payload: client data).
_BODY_DUMPS = ("Received unregistered task", "Received invalid task message", "Can't decode message body")
_handler: logging.Handler | None = None


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time of the line."""

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


class _Stamp(logging.Filter):
    """Adds the process and the correlation id to each record; drops the message bodies Celery would
    print whole when a message cannot be handled (they hold client data)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = correlation_id.get()
        record.service, record.role = _process.service, _process.role
        if isinstance(record.msg, str) and record.msg.startswith(_BODY_DUMPS):
            cause = record.msg.split(" of type", 1)[0].split(":", 1)[0]
            record.msg, record.args = f"{cause} (the message was discarded; its body is not logged)", ()
        return True


class JsonLines(JsonFormatter):
    """One JSON object per line with fixed keys, the correlation id when there is one and the
    SAFE_EXTRAS a caller gave; anything else given in `extra=` or as a dict message is left out."""

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        log_data.update(
            timestamp=datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            level=record.levelname,
            logger=record.name,
            message=record.message,
            service=getattr(record, "service", _process.service),
            process=getattr(record, "role", _process.role),
            pid=record.process,
        )
        if value := getattr(record, "correlation_id", ""):
            log_data["correlation_id"] = value
        for key in SAFE_EXTRAS:
            if key in record.__dict__:
                log_data[key] = record.__dict__[key]
        data = record.__dict__.get("data")
        if isinstance(data, dict) and "id" in data:  # Celery's task lines: name and id, never the arguments
            log_data.update(task=str(data.get("name", "")), task_id=str(data["id"]))
        if "exc_info" in message_dict:
            log_data["exception"] = message_dict["exc_info"]


def log_handler(json: bool, stream: TextIO | None = None) -> logging.Handler:
    """The handler configure_logging installs: JSON lines or text, to `stream` or else to sys.stderr
    as it is at the time of each line (pytest and Celery replace it)."""
    handler = _Stderr() if stream is None else logging.StreamHandler(stream)
    handler.addFilter(_Stamp())
    handler.setFormatter(JsonLines() if json else logging.Formatter(TEXT_FORMAT))
    return handler


def use_json(setting: str, stream: TextIO) -> bool:
    """LOG_FORMAT: json, text, or auto (JSON unless `stream` is a terminal)."""
    return setting == "json" or (setting == "auto" and not stream.isatty())


def configure_logging(
    service: str,
    role: str,
    settings: ObservabilitySettings | None = None,
    default_level: int | str = logging.INFO,
) -> None:
    """Route every record of this process through one stderr handler (JSON or text, see LOG_FORMAT) at
    LOG_LEVEL, or `default_level` (the --loglevel of a Celery command) when LOG_LEVEL is unset.
    Called again, it replaces its handler and names."""
    global _process, _handler
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
    settings = settings or ObservabilitySettings()
    _process = _Process(service, role)
    _handler = log_handler(use_json(settings.log_format, sys.stderr))
    root.addHandler(_handler)
    root.setLevel(settings.log_level or default_level)


def configure_logging_under_uvicorn(service: str, role: str, own_access_line: bool = False) -> None:
    """`configure_logging` for an ASGI app built at import, when uvicorn serves it (uvicorn sets up
    its loggers before importing the app; imported anywhere else, e.g. by a test, logging is left
    alone). uvicorn's loggers lose their handlers and propagate to ours. With `own_access_line` (the
    APIs: their middleware writes `clinic.access` lines with the correlation id) uvicorn's access
    line (client address, query string, no correlation id) is dropped and ours follows its setting:
    off with `--no-access-log` or `--log-level warning`."""
    served = bool(logging.getLogger("uvicorn").handlers)
    if not served and _handler is None:
        return
    if served:
        uvicorn_access = logging.getLogger("uvicorn.access")
        access_on = uvicorn_access.hasHandlers() and uvicorn_access.isEnabledFor(logging.INFO)
        logging.getLogger("clinic.access").setLevel(logging.INFO if access_on else logging.WARNING)
        # Without a handler of its own or a parent's, uvicorn does not even format its line.
        uvicorn_access.handlers, uvicorn_access.propagate = [], access_on and not own_access_line
        for name in ("uvicorn", "uvicorn.error"):
            logging.getLogger(name).handlers, logging.getLogger(name).propagate = [], True
    configure_logging(service, role)


# ── Metrics ─────────────────────────────────────────────────────────────────────────────────────


def multiprocess_dir() -> Path | None:
    """PROMETHEUS_MULTIPROC_DIR, made if missing (prometheus_client writes there but never creates it)."""
    value = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not value:
        return None
    Path(value).mkdir(parents=True, exist_ok=True)
    return Path(value)


METRICS = CollectorRegistry()
multiprocess_dir()  # in multiprocess mode even a metric without labels writes its file when defined
_FAST = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_END_TO_END = (0.05, 0.1, 0.15, 0.2, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0)

HTTP_REQUEST_SECONDS = Histogram(
    "clinic_http_request_seconds",
    "HTTP request latency, from the request to the last byte of the answer",
    ["service", "method", "route", "status"],
    buckets=_FAST,
    registry=METRICS,
)
TASK_SECONDS = Histogram(
    "clinic_task_seconds",
    "Celery task run time by task name (booking.reserve_resources etc. are the saga's steps) and outcome",
    ["task", "outcome"],
    buckets=_FAST,
    registry=METRICS,
)
RELAY_LAG_SECONDS = Histogram(
    "clinic_outbox_relay_lag_seconds",
    "From an event's creation in the outbox to its publication to the broker",
    ["service"],
    buckets=(*_FAST, 60.0, 300.0),
    registry=METRICS,
)
BOOKING_TO_EMAIL_SECONDS = Histogram(
    "clinic_booking_to_email_seconds",
    "From a client's booking request (POST /bookings) to the SMTP server accepting their email",
    buckets=_END_TO_END,
    registry=METRICS,
)


def observe_http(service: str, method: str, route: str, status: int, seconds: float) -> None:
    HTTP_REQUEST_SECONDS.labels(service, method, route, f"{status // 100}xx").observe(seconds)


def observe_task(task: str, outcome: str, seconds: float) -> None:
    TASK_SECONDS.labels(task, outcome).observe(seconds)


def observe_relay_lag(seconds: float) -> None:
    """Seconds from an event's `created_at` in the outbox to its publication; call once per published event."""
    RELAY_LAG_SECONDS.labels(_process.service).observe(max(seconds, 0.0))


def observe_booking_to_email(seconds: float) -> None:
    """Seconds from the booking request to the SMTP server's acceptance of the client's email."""
    BOOKING_TO_EMAIL_SECONDS.observe(max(seconds, 0.0))


def exposition() -> CollectorRegistry:
    """What a scrape of this process shows: the sum over every process writing to
    PROMETHEUS_MULTIPROC_DIR, or this process's own histograms when it is unset."""
    directory = multiprocess_dir()
    if directory is None:
        return METRICS
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(directory))
    return registry


def forget_earlier_runs() -> None:
    """Empty PROMETHEUS_MULTIPROC_DIR before a worker forks its children: files of an earlier run
    would add old counts (the directory must belong to this worker alone)."""
    directory = multiprocess_dir()
    if directory is None:
        return
    for stale in directory.glob("*.db"):
        stale.unlink()


def serve_metrics(port: int) -> None:
    """Serve `exposition()` on `port` (all interfaces, for the scraper) from a daemon thread."""
    start_http_server(port, registry=exposition())
