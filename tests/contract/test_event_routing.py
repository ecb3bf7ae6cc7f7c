"""Who hears what: the routing table, the workers' registered tasks and the wire events agree.

Each worker is inspected in a fresh interpreter that imports only its own module, as it runs when
deployed: in one process Celery shares every app's tasks with every other app (`shared=True`), which
would hide a task a worker forgot to register.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from shared.events import (
    EVENT_TYPES,
    BookingConfirmed,
    BookingRequested,
    Envelope,
    Payload,
    TherapistPublished,
    WeeklyHours,
)
from shared.routing import SCHEDULE, SERVICES, SUBSCRIBERS, queue_for
from tests.integration.notifications import story

REPO = Path(__file__).resolve().parents[2]

_INSPECT = """
import json, sys
from services.{service}.entrypoints.worker import celery_app
names = sorted(celery_app.tasks)
routes = {{name: celery_app.amqp.router.route({{}}, name, (), {{}})["queue"].name for name in sys.argv[1:]}}
print(json.dumps({{"main": celery_app.main, "tasks": names, "routes": routes}}))
"""


@dataclass(frozen=True)
class Worker:
    main: str
    tasks: frozenset[str]
    routes: dict[str, str]  # task name -> queue this worker's app sends it to


def table_tasks() -> list[str]:
    subscribers = [task for tasks in SUBSCRIBERS.values() for task in tasks]
    scheduled = [task for task, _seconds in SCHEDULE.values()]
    return sorted({*subscribers, *scheduled})


@functools.cache
def worker(service: str) -> Worker:
    """What `celery -A services.<service>.entrypoints.worker:celery_app worker` would register."""
    result = subprocess.run(
        [sys.executable, "-c", _INSPECT.format(service=service), *table_tasks()],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"importing the {service} worker failed:\n{result.stderr}"
    found = json.loads(result.stdout.strip().splitlines()[-1])
    return Worker(main=found["main"], tasks=frozenset(found["tasks"]), routes=found["routes"])


def own_tasks(service: str) -> set[str]:
    return {name for name in worker(service).tasks if not name.startswith("celery.")}


# ---- the routing table and the workers ----------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_each_worker_is_the_celery_app_of_its_service(service: str) -> None:
    assert worker(service).main == service


@pytest.mark.parametrize("task", table_tasks())
def test_every_task_in_the_table_belongs_to_a_known_service(task: str) -> None:
    assert task.split(".", 1)[0] in SERVICES
    assert queue_for(task) == task.split(".", 1)[0]


@pytest.mark.parametrize("task", table_tasks())
def test_every_task_in_the_table_is_registered_by_the_worker_its_prefix_names(task: str) -> None:
    service = task.split(".", 1)[0]
    assert task in worker(service).tasks, f"{service} worker does not register {task}"


@pytest.mark.parametrize("service", SERVICES)
def test_every_task_a_worker_registers_is_in_the_routing_table(service: str) -> None:
    unrouted = own_tasks(service) - set(table_tasks())
    assert not unrouted, f"{service} registers tasks nothing sends: {sorted(unrouted)}"


@pytest.mark.parametrize("service", SERVICES)
def test_a_worker_registers_only_its_own_services_tasks(service: str) -> None:
    foreign = {name for name in own_tasks(service) if name.split(".", 1)[0] != service}
    assert not foreign


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_sends_every_task_to_the_consuming_services_queue(service: str) -> None:
    routes = worker(service).routes
    assert routes == {task: task.split(".", 1)[0] for task in table_tasks()}


def test_a_task_of_an_unknown_service_has_no_queue() -> None:
    with pytest.raises(ValueError, match="does not belong to a known service"):
        queue_for("billing.on_booking_confirmed")


def test_every_service_relays_its_outbox_on_a_schedule() -> None:
    scheduled = {task for task, _seconds in SCHEDULE.values()}
    assert {f"{service}.relay_outbox" for service in SERVICES} <= scheduled
    assert all(seconds > 0 for _task, seconds in SCHEDULE.values())


# ---- the table and the wire events --------------------------------------------------------------


@pytest.mark.parametrize("event_type", sorted(SUBSCRIBERS))
def test_every_event_in_the_routing_table_is_a_known_wire_event(event_type: str) -> None:
    assert event_type in EVENT_TYPES


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_wire_event_has_an_entry_in_the_routing_table(event_type: str) -> None:
    assert event_type in SUBSCRIBERS, f"who hears {event_type} is not decided in shared/routing.py"


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_wire_event_is_named_by_its_type_and_documented(event_type: str) -> None:
    payload_type = EVENT_TYPES[event_type]
    assert event_type == payload_type.TYPE
    assert event_type.split(".", 1)[0] in SERVICES
    assert (vars(payload_type).get("__doc__") or "").strip(), f"{payload_type.__name__} has no docstring"
    assert payload_type.model_config.get("extra") == "ignore"


# ---- envelopes ----------------------------------------------------------------------------------


def confirmed() -> BookingConfirmed:
    return story.confirmed(client=story.Client("Jürgen Groß", "juergen@example.com"))


def therapist() -> TherapistPublished:
    return TherapistPublished(
        code="ben-okafor",
        revision=3,
        name="Ben Okafor",
        email="ben.okafor@clinic.example",
        skills=["medical_massage", "cupping"],
        weekly_hours=[WeeklyHours(weekday=0, start="12:00", end="20:00")],
        location="main",
    )


@pytest.mark.parametrize("payload", [confirmed(), therapist()], ids=lambda p: p.TYPE)
def test_an_envelope_survives_the_trip_through_json(payload: Payload) -> None:
    envelope = Envelope.wrap(payload, correlation_id="req-42")
    wire = json.loads(envelope.model_dump_json())
    back = Envelope.model_validate(wire)
    assert back == envelope
    assert back.event_id == envelope.event_id and back.occurred_at == envelope.occurred_at
    assert (back.type, back.version, back.correlation_id) == (payload.TYPE, payload.VERSION, "req-42")
    assert back.open(type(payload)) == payload


def test_times_on_the_wire_keep_their_offset() -> None:
    payload = confirmed()
    opened = Envelope.model_validate_json(Envelope.wrap(payload, "req-1").model_dump_json()).open(BookingConfirmed)
    assert opened.start.utcoffset() == payload.start.utcoffset() == timedelta(hours=1)  # Berlin in December
    assert opened.start == payload.start


def test_each_event_gets_its_own_id() -> None:
    payload = confirmed()
    assert Envelope.wrap(payload, "c").event_id != Envelope.wrap(payload, "c").event_id


def test_an_envelope_is_opened_only_as_the_event_it_holds() -> None:
    envelope = Envelope.wrap(confirmed(), "req-1")
    with pytest.raises(ValueError, match=r"envelope holds booking\.confirmed v1, not booking\.requested"):
        envelope.open(BookingRequested)
    newer = envelope.model_copy(update={"version": 2})
    with pytest.raises(ValueError, match="v2"):
        newer.open(BookingConfirmed)


def test_a_consumer_ignores_payload_fields_it_does_not_know() -> None:
    start = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    wire = json.loads(
        Envelope.wrap(
            BookingRequested(booking_id="b-1", treatment="back-neck", start=start, end=start + timedelta(minutes=30)),
            "req-1",
        ).model_dump_json()
    )
    wire["payload"]["requested_therapist"] = "anna-keller"  # a field a newer publisher added
    wire["trace_parent"] = "00-abc-def-01"  # and one on the envelope itself
    opened = Envelope.model_validate(wire).open(BookingRequested)
    assert opened.booking_id == "b-1"
    assert "requested_therapist" not in opened.model_dump()


@pytest.mark.parametrize("payload_type", sorted(EVENT_TYPES.values(), key=lambda t: t.TYPE), ids=lambda t: t.TYPE)
def test_every_wire_event_ignores_unknown_fields(payload_type: type[Payload]) -> None:
    try:
        payload = payload_type.model_validate({"surely_not_a_field": 1})
    except ValidationError as error:
        # Only the missing required fields are reported, never the unknown one.
        assert all(problem["loc"] != ("surely_not_a_field",) for problem in error.errors())
    else:
        assert "surely_not_a_field" not in payload.model_dump()
