"""Catalog HTTP API: treatments, locations, guidance and questionnaires are public; rooms, kits and therapists
are for staff, and so is every change."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request

from services.catalog.adapters.orm import audit, outbox
from services.catalog.adapters.repository import SqlRepository
from services.catalog.bootstrap import Wiring, bootstrap
from services.catalog.domain.accounts import AccountConflict
from services.catalog.domain.errors import CatalogError, UnknownEntry
from services.catalog.domain.indications import AREAS, COMPLAINTS, Vocabulary
from services.catalog.domain.model import Location, Price, Resource, Therapist, TimeOff, Treatment, WeeklyHours
from services.catalog.domain.questionnaire import Questionnaire, questions_from
from services.catalog.entrypoints import staff as staff_routes
from services.catalog.entrypoints.schemas import (
    FitPublic,
    GuidanceCreate,
    GuidancePublic,
    Locale,
    LocationCreate,
    LocationPublic,
    QuestionnaireCreate,
    QuestionnairePublic,
    RedFlagPublic,
    ResourceCreate,
    ResourcePublic,
    TermPublic,
    TherapistChoicePublic,
    TherapistCreate,
    TherapistPublic,
    TimeOffCreate,
    TreatmentCreate,
    TreatmentPublic,
    VocabularyPublic,
)
from services.catalog.service_layer import entries, guidance, therapists
from shared.audit import audit_router
from shared.http import PathCode, ReadSessionDep, SessionDep, correlation_id, install_common
from shared.ops_endpoints import install_ops
from shared.pagination import Paging
from shared.staff import AdminDep, Staff, StaffDep
from shared.text import ONE_LINE


def _repository(request: Request, session: SessionDep) -> SqlRepository:
    return request.app.state.wiring.repository(session)


def _read_repository(request: Request, session: ReadSessionDep) -> SqlRepository:
    return request.app.state.wiring.repository(session)


Repository = Annotated[SqlRepository, Depends(_repository)]
ReadRepository = Annotated[SqlRepository, Depends(_read_repository)]
router = APIRouter()


def _audit(request: Request, session: SessionDep, who: Staff, action: str, target: str) -> None:
    """Record a catalog change in its own transaction (before the response, with the change)."""
    audit.record(session, who, action, target, request.app.state.wiring.clock.now())


def _front_desk(staff: StaffDep) -> Staff:
    staff.require_role("front_desk")
    return staff


FrontDeskDep = Annotated[Staff, Depends(_front_desk)]


def _time_off(away: TimeOffCreate) -> TimeOff:
    return TimeOff(start=away.start.isoformat(), end=away.end.isoformat(), note=away.note)


@router.get("/treatments", response_model=list[TreatmentPublic], tags=["treatments"])
def list_treatments(repo: ReadRepository, page: Paging) -> list[TreatmentPublic]:
    return page([TreatmentPublic(**asdict(t), revision=r) for t, r in repo.treatments() if t.active])


@router.get("/treatments/{slug}", response_model=TreatmentPublic, tags=["treatments"])
def get_treatment(slug: PathCode, repo: ReadRepository) -> TreatmentPublic:
    found = repo.treatments(slug)
    if not found:
        raise UnknownEntry(f"no treatment {slug!r}")
    treatment, revision = found[0]
    return TreatmentPublic(**asdict(treatment), revision=revision)


@router.get("/treatments/{slug}/therapists", response_model=list[TherapistChoicePublic], tags=["treatments"])
def therapists_for_treatment(
    slug: PathCode,
    repo: ReadRepository,
    page: Paging,
    location: Annotated[
        str | None, Query(max_length=64, description="only those working at this location (its code)"), ONE_LINE
    ] = None,
) -> list[TherapistChoicePublic]:
    """Who a client may choose for a treatment: active therapists with its skills, by name. Public, so it
    says only code, name and locations; staff read the rest at GET /therapists."""
    return page([TherapistChoicePublic(**asdict(choice)) for choice in therapists.therapists_for(repo, slug, location)])


@router.put("/treatments/{slug}", response_model=TreatmentPublic, tags=["treatments"])
def put_treatment(  # five parameters: FastAPI fills each from one part of the request
    slug: PathCode, body: TreatmentCreate, repo: Repository, request: Request, admin: AdminDep
) -> TreatmentPublic:
    values = body.model_dump()
    values["price"] = Price(**values["price"]) if values["price"] else None
    treatment = Treatment(slug=slug, **values)
    revision = entries.save_entry(repo, treatment, correlation_id.get())
    _audit(request, repo.session, admin, "treatment.put", slug)
    return TreatmentPublic(**asdict(treatment), revision=revision)


@router.post("/guidance", response_model=GuidancePublic, tags=["guidance"])
def guide(body: GuidanceCreate, repo: ReadRepository) -> GuidancePublic:
    """Every active treatment ranked for where it hurts and why, with warning signs that need a doctor.
    POST, not GET: complaints are health data and stay out of URLs and access logs; nothing is stored."""
    found = guidance.guide(repo, body.areas, body.complaints, body.locale)
    return GuidancePublic(
        treatments=[
            FitPublic(
                slug=fit.treatment.slug,
                name=fit.name,
                score=fit.score,
                reason=fit.reason,
                duration_minutes=fit.treatment.duration_minutes,
                price=asdict(fit.treatment.price) if fit.treatment.price else None,
            )
            for fit in found.treatments
        ],
        red_flags=[RedFlagPublic(**asdict(flag)) for flag in found.red_flags],
    )


@router.get("/guidance/vocabulary", response_model=VocabularyPublic, tags=["guidance"])
def vocabulary(locale: Locale = "en") -> VocabularyPublic:
    """The body areas and complaints guidance understands, labelled in `locale`: a page's "where does it hurt"."""

    def listed(terms: Vocabulary) -> list[TermPublic]:
        return [TermPublic(code=term.code, label=term.label[locale]) for term in terms]

    return VocabularyPublic(areas=listed(AREAS), complaints=listed(COMPLAINTS))


@router.get("/questionnaires", response_model=list[QuestionnairePublic], tags=["questionnaires"])
def list_questionnaires(repo: ReadRepository, page: Paging) -> list[QuestionnairePublic]:
    return page([QuestionnairePublic(**asdict(q), revision=r) for q, r in repo.questionnaires() if q.active])


@router.get("/questionnaires/{treatment}", response_model=QuestionnairePublic, tags=["questionnaires"])
def get_questionnaire(treatment: PathCode, repo: ReadRepository) -> QuestionnairePublic:
    found = repo.questionnaires(treatment)
    if not found:
        raise UnknownEntry(f"no questionnaire for treatment {treatment!r}")
    questionnaire, revision = found[0]
    return QuestionnairePublic(**asdict(questionnaire), revision=revision)


@router.put("/questionnaires/{treatment}", response_model=QuestionnairePublic, tags=["questionnaires"])
def put_questionnaire(  # five parameters: FastAPI fills each from one part of the request
    treatment: PathCode, body: QuestionnaireCreate, repo: Repository, request: Request, admin: AdminDep
) -> QuestionnairePublic:
    """Set a treatment's intake questions; the revision it answers with is the version bookings record."""
    values = body.model_dump()
    values["questions"] = questions_from(values["questions"])
    questionnaire = Questionnaire(treatment=treatment, **values)
    revision = entries.save_entry(repo, questionnaire, correlation_id.get())
    _audit(request, repo.session, admin, "questionnaire.put", treatment)
    return QuestionnairePublic(**asdict(questionnaire), revision=revision)


@router.get("/resources", response_model=list[ResourcePublic], tags=["resources"])
def list_resources(repo: ReadRepository, _staff: StaffDep, page: Paging) -> list[ResourcePublic]:
    """Staff (any role): every room and cupping kit."""
    return page([ResourcePublic(**asdict(res), revision=r) for res, r in repo.resources()])


@router.put("/resources/{code}", response_model=ResourcePublic, tags=["resources"])
def put_resource(  # five parameters: FastAPI fills each from one part of the request
    code: PathCode, body: ResourceCreate, repo: Repository, request: Request, admin: AdminDep
) -> ResourcePublic:
    resource = Resource(code=code, **body.model_dump())
    revision = entries.save_entry(repo, resource, correlation_id.get())
    _audit(request, repo.session, admin, "resource.put", code)
    return ResourcePublic(**asdict(resource), revision=revision)


@router.get("/therapists", response_model=list[TherapistPublic], tags=["therapists"])
def list_therapists(repo: ReadRepository, _staff: StaffDep, page: Paging) -> list[TherapistPublic]:
    """Staff (any role): every therapist with hours, breaks and time off."""
    return page([TherapistPublic(**asdict(t), revision=r) for t, r in repo.therapists()])


@router.put("/therapists/{code}", response_model=TherapistPublic, tags=["therapists"])
def put_therapist(  # five parameters: FastAPI fills each from one part of the request
    code: PathCode, body: TherapistCreate, repo: Repository, request: Request, admin: AdminDep
) -> TherapistPublic:
    values = body.model_dump(exclude={"time_off"})
    for key in ("weekly_hours", "breaks"):
        values[key] = [WeeklyHours(**hours) for hours in values[key]]
    therapist = Therapist(code=code, time_off=[_time_off(away) for away in body.time_off], **values)
    revision = entries.save_entry(repo, therapist, correlation_id.get())
    _audit(request, repo.session, admin, "therapist.put", code)
    return TherapistPublic(**asdict(therapist), revision=revision)


@router.post("/therapists/{code}/time-off", response_model=TherapistPublic, tags=["therapists"])
def add_time_off(  # five parameters: FastAPI fills each from one part of the request
    code: PathCode, body: TimeOffCreate, repo: Repository, request: Request, staff: FrontDeskDep
) -> TherapistPublic:
    """Record days or part of a day off; the affected slots leave availability as soon as booking hears of it.
    Admins, or the front desk at one of the therapist's locations."""
    if not staff.everywhere:
        found = repo.therapist(code)
        if found is None:
            raise UnknownEntry(f"no therapist {code!r}")
        staff.require(any(staff.works_at(at) for at in found.locations), "a location this therapist works at")
    therapist, revision = entries.add_time_off(repo, code, _time_off(body), correlation_id.get())
    _audit(request, repo.session, staff, "therapist.time_off", code)
    return TherapistPublic(**asdict(therapist), revision=revision)


@router.get("/locations", response_model=list[LocationPublic], tags=["locations"])
def list_locations(repo: ReadRepository, page: Paging) -> list[LocationPublic]:
    return page([LocationPublic(**asdict(loc), revision=r) for loc, r in repo.locations() if loc.active])


@router.put("/locations/{code}", response_model=LocationPublic, tags=["locations"])
def put_location(  # five parameters: FastAPI fills each from one part of the request
    code: PathCode, body: LocationCreate, repo: Repository, request: Request, admin: AdminDep
) -> LocationPublic:
    values = body.model_dump()
    values["opening_hours"] = [WeeklyHours(**hours) for hours in values["opening_hours"]]
    location = Location(code=code, **values)
    revision = entries.save_entry(repo, location, correlation_id.get())
    _audit(request, repo.session, admin, "location.put", code)
    return LocationPublic(**asdict(location), revision=revision)


@router.post("/resync", status_code=202, tags=["ops"])
def resync(repo: Repository, request: Request, admin: AdminDep) -> dict[str, int]:
    """Admin: announce every entry again, for consumers that lost their copy."""
    announced = entries.republish_everything(repo, correlation_id.get())
    _audit(request, repo.session, admin, "catalog.resync", "*")
    return {"announced": announced}


def create_app(wiring: Wiring | None = None) -> FastAPI:
    """The catalog's API on `wiring` (default: from the environment)."""
    wiring = wiring or bootstrap()
    app = FastAPI(
        title="Clinic catalog",
        version="1.0",
        description="Treatments, guidance, intake questionnaires, rooms, cupping kits, therapists.",
    )
    app.state.wiring = wiring
    # UnknownEntry first: it is a CatalogError too, but the answer is "not found", not "invalid".
    install_common(
        app,
        wiring.database,
        wiring.settings,
        errors={UnknownEntry: 404, AccountConflict: 409, CatalogError: 422},
        clock=wiring.clock,
    )
    install_ops(app, "catalog", wiring.database, outbox, lambda: wiring.settings.redis_url)
    app.include_router(router)
    app.include_router(staff_routes.router)
    app.include_router(audit_router(audit))
    return app


app = create_app()
