"""What ops need from every API: `/ready` (the database and the broker answer), `/metrics`
(Prometheus text: outbox backlog and each service's own counts, read from its database at scrape time,
so several API processes report the same truth without sharing memory; then the histograms of
shared.observability) and structured logs (shared.observability.configure_logging)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import redis
from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import text
from sqlalchemy.orm import Session

from shared.db import Database, transaction
from shared.observability import configure_logging_under_uvicorn, exposition
from shared.outbox import Outbox

# Extra gauges a service reports: name -> (help, label names, rows of (label values, value)).
Gauges = Callable[[Session], dict[str, tuple[str, list[str], list[tuple[list[str], float]]]]]


class _FromDatabase(Collector):
    def __init__(self, service: str, database: Database, outbox: Outbox, gauges: Gauges | None) -> None:
        self.service, self.database, self.outbox, self.gauges = service, database, outbox, gauges

    def collect(self) -> Iterator[GaugeMetricFamily]:
        waiting, oldest = self.outbox.backlog(self.database.read_session_factory())
        yield GaugeMetricFamily("clinic_outbox_unpublished", "events not yet published", value=waiting)
        yield GaugeMetricFamily("clinic_outbox_oldest_seconds", "age of the oldest unpublished event", value=oldest)
        if self.gauges is None:
            return
        with transaction(self.database.read_session_factory()) as session:
            for name, (help_text, labels, rows) in self.gauges(session).items():
                family = GaugeMetricFamily(name, help_text, labels=labels)
                for values, value in rows:
                    family.add_metric(values, value)
                yield family


# Six parameters: what /ready and /metrics read differs per service; gauges are optional.
def install_ops(
    app: FastAPI,
    service: str,
    database: Database,
    outbox: Outbox,
    broker_url: Callable[[], str],
    gauges: Gauges | None = None,
) -> None:
    # At import, before uvicorn logs that it serves: every line of the process is structured.
    configure_logging_under_uvicorn(service, "api", own_access_line=True)
    app.state.service = service  # the HTTP histogram's service label
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_FromDatabase(service, database, outbox, gauges))
    registry.register(exposition())

    @app.get("/ready", tags=["ops"], summary="Readiness: the database and the broker answer")
    def ready() -> JSONResponse:
        problems = {}
        try:
            with database.engine().connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as error:
            problems["database"] = type(error).__name__
        try:
            client = redis.Redis.from_url(broker_url(), socket_connect_timeout=1, socket_timeout=1)
            client.ping()
            client.close()
        except redis.RedisError as error:
            problems["broker"] = type(error).__name__
        body = {"status": "ready" if not problems else "not ready", "problems": problems}
        return JSONResponse(status_code=503 if problems else 200, content=body)

    @app.get("/metrics", tags=["ops"], summary="Prometheus metrics", response_class=Response)
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
