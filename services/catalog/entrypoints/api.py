"""Catalog HTTP API: treatments are public; rooms, kits and therapists are for staff."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from services.catalog.adapters import repository
from services.catalog.adapters.orm import outbox
from services.catalog.bootstrap import database, read_session_factory, session_factory
from services.catalog.config import get_settings
from services.catalog.domain.model import (
    CatalogError,
    Location,
    Resource,
    Therapist,
    TimeOff,
    Treatment,
    WorkingHours,
)
from services.catalog.entrypoints.schemas import (
    LocationIn,
    LocationOut,
    ResourceIn,
    ResourceOut,
    TherapistIn,
    TherapistOut,
    TimeOffIn,
    TreatmentIn,
    TreatmentOut,
)
from services.catalog.service_layer import handlers
from shared.http import correlation_id, install_common, staff_only, unit_of_work
from shared.ops_endpoints import install_ops

app = FastAPI(title="Clinic catalog", version="1.0", description="Treatments, rooms, cupping kits, therapists.")
install_common(app)
install_ops(app, "catalog", database, outbox, lambda: get_settings().redis_url)
StaffOnly = Depends(staff_only(lambda: get_settings().admin_api_key))


SessionDep = Annotated[Session, Depends(unit_of_work(session_factory), scope="function")]
ReadSessionDep = Annotated[Session, Depends(unit_of_work(read_session_factory), scope="function")]


@app.exception_handler(CatalogError)
def _catalog_error(_request: object, error: CatalogError) -> JSONResponse:
    return JSONResponse(status_code=422, content={"detail": str(error)})


@app.get("/treatments", response_model=list[TreatmentOut], tags=["treatments"])
def list_treatments(session: ReadSessionDep) -> list[TreatmentOut]:
    return [TreatmentOut(**asdict(t), revision=r) for t, r in repository.treatments(session) if t.active]


@app.get("/treatments/{slug}", response_model=TreatmentOut, tags=["treatments"])
def get_treatment(slug: str, session: ReadSessionDep) -> TreatmentOut:
    found = repository.treatments(session, slug)
    if not found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no treatment {slug!r}")
    treatment, revision = found[0]
    return TreatmentOut(**asdict(treatment), revision=revision)


@app.put("/treatments/{slug}", response_model=TreatmentOut, tags=["treatments"], dependencies=[StaffOnly])
def put_treatment(slug: str, body: TreatmentIn, session: SessionDep) -> TreatmentOut:
    treatment = Treatment(slug=slug, **body.model_dump())
    revision = handlers.save_entry(session, treatment, correlation_id.get())
    return TreatmentOut(**asdict(treatment), revision=revision)


@app.get("/resources", response_model=list[ResourceOut], tags=["resources"], dependencies=[StaffOnly])
def list_resources(session: ReadSessionDep) -> list[ResourceOut]:
    return [ResourceOut(**asdict(res), revision=r) for res, r in repository.resources(session)]


@app.put("/resources/{code}", response_model=ResourceOut, tags=["resources"], dependencies=[StaffOnly])
def put_resource(code: str, body: ResourceIn, session: SessionDep) -> ResourceOut:
    resource = Resource(code=code, **body.model_dump())
    revision = handlers.save_entry(session, resource, correlation_id.get())
    return ResourceOut(**asdict(resource), revision=revision)


@app.get("/therapists", response_model=list[TherapistOut], tags=["therapists"], dependencies=[StaffOnly])
def list_therapists(session: ReadSessionDep) -> list[TherapistOut]:
    return [TherapistOut(**asdict(t), revision=r) for t, r in repository.therapists(session)]


def _time_off(away: TimeOffIn) -> TimeOff:
    return TimeOff(start=away.start.isoformat(), end=away.end.isoformat(), note=away.note)


@app.put("/therapists/{code}", response_model=TherapistOut, tags=["therapists"], dependencies=[StaffOnly])
def put_therapist(code: str, body: TherapistIn, session: SessionDep) -> TherapistOut:
    values = body.model_dump(exclude={"time_off"})
    for key in ("weekly_hours", "breaks"):
        values[key] = [WorkingHours(**hours) for hours in values[key]]
    therapist = Therapist(code=code, time_off=[_time_off(away) for away in body.time_off], **values)
    revision = handlers.save_entry(session, therapist, correlation_id.get())
    return TherapistOut(**asdict(therapist), revision=revision)


@app.post("/therapists/{code}/time-off", response_model=TherapistOut, tags=["therapists"], dependencies=[StaffOnly])
def add_time_off(code: str, body: TimeOffIn, session: SessionDep) -> TherapistOut:
    """Record days or part of a day off; the affected slots leave availability as soon as booking hears of it."""
    therapist, revision = handlers.add_time_off(session, code, _time_off(body), correlation_id.get())
    return TherapistOut(**asdict(therapist), revision=revision)


@app.get("/locations", response_model=list[LocationOut], tags=["locations"])
def list_locations(session: ReadSessionDep) -> list[LocationOut]:
    return [LocationOut(**asdict(loc), revision=r) for loc, r in repository.locations(session) if loc.active]


@app.put("/locations/{code}", response_model=LocationOut, tags=["locations"], dependencies=[StaffOnly])
def put_location(code: str, body: LocationIn, session: SessionDep) -> LocationOut:
    values = body.model_dump()
    values["opening_hours"] = [WorkingHours(**hours) for hours in values["opening_hours"]]
    location = Location(code=code, **values)
    revision = handlers.save_entry(session, location, correlation_id.get())
    return LocationOut(**asdict(location), revision=revision)


@app.post("/resync", status_code=202, tags=["ops"], dependencies=[StaffOnly])
def resync(session: SessionDep) -> dict[str, int]:
    """Announce every entry again, for consumers that lost their copy."""
    return {"announced": handlers.republish_everything(session, correlation_id.get())}
