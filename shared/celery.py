"""One way to build a Celery app, so every service gets the same delivery guarantees."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from time import perf_counter
from typing import Any

from celery import Celery, Task
from celery.signals import (
    celeryd_init,
    setup_logging,
    task_postrun,
    task_prerun,
    task_received,
    worker_init,
    worker_process_init,
    worker_ready,
)
from celery.worker.request import Request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from shared.db import Database, transaction
from shared.events import CatalogResyncRequested, Envelope
from shared.observability import (
    configure_logging,
    correlation_id,
    forget_earlier_runs,
    multiprocess_dir,
    observe_task,
    serve_metrics,
)
from shared.outbox import Outbox, Publish
from shared.routing import queue_for
from shared.settings import BaseServiceSettings

OUTBOX_RETENTION_DAYS = 7  # far beyond any redelivery: the visibility timeout is minutes

_log = logging.getLogger(__name__)
# The message header carrying the event's correlation id. Not `correlation_id`: Celery sets that one
# to the task id and it overrides a header of that name.
CORRELATION_HEADER = "clinic_correlation_id"


def _route(name: str, *_args: Any, **_kwargs: Any) -> dict[str, str]:
    return {"queue": queue_for(name)}


class _CorrelatedRequest(Request):
    """A message as the worker's main process receives it: its correlation id is set before Celery
    logs "Task ... received" (and cleared by `_received` right after)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        correlation_id.set(str(self.request_dict.get(CORRELATION_HEADER) or ""))


class _CorrelatedTask(Task):  # type: ignore[type-arg]
    Request = f"{__name__}:_CorrelatedRequest"


@task_received.connect
def _received(**_kwargs: object) -> None:
    correlation_id.set("")


_started: dict[str, tuple[float, Any]] = {}  # task id -> (start, correlation id token), in the running process


@task_prerun.connect
def _task_started(task_id: str, task: Task, args: tuple[Any, ...] = (), **_kwargs: object) -> None:  # type: ignore[type-arg]
    # Everything the task logs, Celery's "succeeded"/"retry" lines included, carries the event's id:
    # from the header, else from the envelope (a message sent without the header).
    given = getattr(task.request, CORRELATION_HEADER, None)
    if not given and args and isinstance(args[0], dict):
        given = args[0].get("correlation_id")
    _started[task_id] = (perf_counter(), correlation_id.set(str(given or "")))


@task_postrun.connect
def _task_finished(task_id: str, task: Task, state: str | None = None, **_kwargs: object) -> None:  # type: ignore[type-arg]
    started = _started.pop(task_id, None)
    if started is None:
        return
    observe_task(task.name, (state or "unknown").lower(), perf_counter() - started[0])
    correlation_id.reset(started[1])


def _observe_process(name: str, settings: BaseServiceSettings) -> None:
    """Structured logs in the worker or beat process of `app`, and the worker's metrics on
    METRICS_PORT, summed over its pool's processes (PROMETHEUS_MULTIPROC_DIR)."""

    # One receiver per process (dispatch_uid): whichever app is built first names the service.
    @setup_logging.connect(weak=False, dispatch_uid="clinic.setup_logging")
    def _logs(loglevel: int | str | None = None, **_kwargs: object) -> None:
        configure_logging(name, "beat" if name == "scheduler" else "worker", settings, loglevel or logging.INFO)

    @celeryd_init.connect(weak=False, dispatch_uid="clinic.early_logs")
    def _early_logs(options: dict[str, Any], **_kwargs: object) -> None:
        # A worker warns (e.g. about running as root) before it sets up logging: those lines too.
        configure_logging(name, "worker", settings, options.get("loglevel") or logging.INFO)
        logging.captureWarnings(True)

    @worker_init.connect(weak=False, dispatch_uid="clinic.metrics_reset")
    def _fresh_metrics(**_kwargs: object) -> None:
        forget_earlier_runs()  # in the main process, before the pool forks

    @worker_ready.connect(weak=False, dispatch_uid="clinic.metrics_served")
    def _serve_metrics(**_kwargs: object) -> None:
        if settings.metrics_port is None:
            return
        if multiprocess_dir() is None:
            _log.warning("METRICS_PORT without PROMETHEUS_MULTIPROC_DIR: a prefork pool's tasks are not counted")
        serve_metrics(settings.metrics_port)
        _log.info("metrics served on port %d", settings.metrics_port)


def make_celery(name: str, settings: BaseServiceSettings) -> Celery:
    """JSON only, late acks, redelivery when a worker dies, one message prefetched, no results;
    structured logs with correlation ids and task durations (clinic_task_seconds)."""
    app = Celery(name, broker=settings.redis_url, set_as_current=False, task_cls=_CorrelatedTask)
    _observe_process(name, settings)
    transport = {"visibility_timeout": settings.visibility_timeout}
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        result_backend=None,
        broker_transport_options=transport,
        result_backend_transport_options=transport,  # the same value wherever kombu looks for it
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        task_default_queue=name,
        task_routes=(_route,),
        enable_utc=True,
        timezone="UTC",
        worker_hijack_root_logger=False,
    )
    return app


def publisher(app: Celery) -> Publish:
    """A `publish(task_name, envelope)` that sends by name; logs show the event id, never the payload."""

    def publish(task_name: str, envelope: dict[str, Any]) -> None:
        app.send_task(
            task_name,
            args=[envelope],
            argsrepr=f"[{envelope.get('type')} {envelope.get('event_id')}]",
            kwargsrepr="{}",
            headers={CORRELATION_HEADER: envelope.get("correlation_id")},
        )

    return publish


def producer(name: str, settings: BaseServiceSettings) -> Publish:
    """A `publish` for a process that only sends (an API): a Celery app with no tasks and no signals,
    which connects to the broker on the first message, not when it is built."""
    return publisher(make_celery(name, settings))


# Six parameters: each is one way the three services' workers differ; the last two are optional.
def register_messaging(
    app: Celery,
    outbox: Outbox,
    database: Database,
    consumers: dict[str, Callable[[Session, Envelope], None]],
    after_handled: Callable[[dict[str, Any]], None] | None = None,
    resync_catalog: bool = False,
) -> None:
    """Register this service's outbox relay and one idempotent task per subscribed event.

    `consumers` maps a task name from the routing table to `handle(session, envelope)`; each task
    decodes the envelope and calls its handler once per event id, however often it is delivered.
    Database errors (a lost race, a busy SQLite) roll the whole attempt back and retry it.
    `after_handled(envelope)` runs once the handler's transaction has committed. Each forked worker
    child opens its own connections; with `resync_catalog`, a starting worker asks the catalog to
    announce everything, so this service's copy is complete even if it missed events.
    """
    publish = publisher(app)

    @app.task(name=f"{app.main}.relay_outbox", ignore_result=True, shared=False)
    def relay_outbox() -> int:
        return outbox.relay(database.session_factory(), publish)

    @app.task(name=f"{app.main}.resend_outbox", ignore_result=True, shared=False)
    def resend_outbox() -> int:
        return outbox.resend_recent(
            database.session_factory(), publish, after=timedelta(minutes=2), within=timedelta(minutes=30)
        )

    @app.task(name=f"{app.main}.purge_outbox", ignore_result=True, shared=False)
    def purge_outbox() -> int:
        return outbox.purge(database.session_factory(), timedelta(days=OUTBOX_RETENTION_DAYS))

    for task_name, handle in consumers.items():

        def run(self: Any, envelope: dict[str, Any], _handle: Any = handle, _name: str = task_name) -> bool:
            try:
                handled = outbox.consume_once(database.session_factory(), _name, envelope, _handle)
            except DBAPIError as error:
                raise self.retry(exc=error, countdown=min(0.2 * 2**self.request.retries, 60)) from error
            if handled:
                # Publish what the handler caused right away; the scheduled relay is the safety net.
                outbox.relay(database.session_factory(), publish)
                if after_handled is not None:
                    after_handled(envelope)
            return handled

        # A database error is a passing state (a lost race, a restart): retried, never dropped.
        app.task(name=task_name, bind=True, max_retries=None, ignore_result=True, shared=False)(run)

    @worker_process_init.connect(weak=False)
    def _fresh_connections(**_kwargs: object) -> None:
        database.reset()

    if resync_catalog:

        @worker_ready.connect(weak=False)
        def _ask_for_catalog(**_kwargs: object) -> None:
            with transaction(database.session_factory()) as session:
                outbox.add(session, CatalogResyncRequested(requested_by=app.main), f"{app.main}-start")
            outbox.relay(database.session_factory(), publish)
