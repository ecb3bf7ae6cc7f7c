"""Staff tokens and rights, and the account rules, on fakes: no database, no HTTP server."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi import HTTPException
from pydantic import ValidationError

from services.catalog.adapters.accounts import AbstractAccounts
from services.catalog.domain.accounts import Account, AccountConflict
from services.catalog.domain.errors import CatalogError, UnknownEntry
from services.catalog.service_layer import accounts
from shared.settings import DEVELOPMENT_TOKEN_SECRET, BaseServiceSettings
from shared.staff import InvalidToken, Staff, issue_token, verify_token

SECRET = "a-test-secret-long-enough-for-hs256-and-for-the-hs512-forgery-too"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DESK = Staff(id="d1", role="front_desk", locations=("main",), name="Desk")
THERAPIST = Staff(id="t1", role="therapist", therapist="anna", name="Anna")
ADMIN = Staff(id="a1", role="admin", name="Admin")
MACHINE = Staff(id="machine", role="machine")


def test_a_token_names_who_signed_in_and_what_they_may_do() -> None:
    issued = issue_token(DESK, SECRET, 15, NOW)

    staff = verify_token(issued.token, SECRET, NOW + timedelta(minutes=14), address="10.0.0.7")

    assert staff == replace(DESK, address="10.0.0.7", auth_time=NOW.timestamp())
    assert issued.expires_at == NOW + timedelta(minutes=15)


def test_a_refreshed_token_keeps_the_time_of_the_sign_in() -> None:
    signed_in = verify_token(issue_token(DESK, SECRET, 15, NOW).token, SECRET, NOW)
    later = NOW + timedelta(minutes=10)

    refreshed = verify_token(issue_token(signed_in, SECRET, 15, later).token, SECRET, later)

    assert refreshed.auth_time == signed_in.auth_time == NOW.timestamp()


def test_a_token_from_before_auth_time_counts_from_its_issue_and_a_bad_one_is_refused() -> None:
    claims = jwt.decode(issue_token(DESK, SECRET, 15, NOW).token, options={"verify_signature": False})
    old = jwt.encode({k: v for k, v in claims.items() if k != "auth_time"}, SECRET, algorithm="HS256")
    bad = jwt.encode({**claims, "auth_time": "yesterday"}, SECRET, algorithm="HS256")

    assert verify_token(old, SECRET, NOW).auth_time == NOW.timestamp()
    with pytest.raises(InvalidToken):
        verify_token(bad, SECRET, NOW)


def test_a_token_holds_no_email_or_secret() -> None:
    claims = jwt.decode(issue_token(DESK, SECRET, 15, NOW).token, options={"verify_signature": False})

    assert set(claims) == {"sub", "role", "locations", "therapist", "name", "iat", "auth_time", "exp", "iss", "aud"}
    assert (claims["iss"], claims["aud"]) == ("clinic-catalog", "clinic-staff")


def test_an_expired_token_is_refused_by_the_services_clock() -> None:
    token = issue_token(DESK, SECRET, 15, NOW).token

    with pytest.raises(InvalidToken, match="expired"):
        verify_token(token, SECRET, NOW + timedelta(minutes=15))


@pytest.mark.parametrize(
    "forge",
    [
        lambda claims: jwt.encode(claims, "another-secret-that-is-long-enough-too", algorithm="HS256"),
        lambda claims: jwt.encode({**claims, "aud": "someone-else"}, SECRET, algorithm="HS256"),
        lambda claims: jwt.encode({**claims, "iss": "someone-else"}, SECRET, algorithm="HS256"),
        lambda claims: jwt.encode({**claims, "role": "superuser"}, SECRET, algorithm="HS256"),
        lambda claims: jwt.encode({**claims, "locations": "main"}, SECRET, algorithm="HS256"),
        lambda claims: jwt.encode(claims, None, algorithm="none"),
        lambda claims: jwt.encode(claims, SECRET, algorithm="HS512"),
        lambda claims: "not.a.token",
    ],
    ids=[
        "other-secret",
        "other-audience",
        "other-issuer",
        "unknown-role",
        "locations-not-a-list",
        "alg-none",
        "hs512",
        "garbage",
    ],
)
def test_a_forged_or_foreign_token_is_refused(forge) -> None:  # type: ignore[no-untyped-def]
    claims = jwt.decode(issue_token(DESK, SECRET, 15, NOW).token, options={"verify_signature": False})

    with pytest.raises(InvalidToken):
        verify_token(forge(claims), SECRET, NOW)


def test_front_desk_works_at_its_locations_only() -> None:
    assert DESK.works_at("main") and not DESK.works_at("north")
    assert DESK.sees_booking("main", "anna") and not DESK.sees_booking("north", "anna")
    with pytest.raises(HTTPException) as refused:
        DESK.require_location("north")
    assert refused.value.status_code == 403 and "north" in refused.value.detail


def test_a_therapist_sees_their_own_visits_only_and_acts_at_no_location() -> None:
    assert THERAPIST.sees_booking("north", "anna") and not THERAPIST.sees_booking("main", "ben")
    assert not THERAPIST.works_at("main")
    with pytest.raises(HTTPException) as refused:
        THERAPIST.require_role("front_desk")
    assert refused.value.status_code == 403 and "front_desk" in refused.value.detail


@pytest.mark.parametrize("everyone", [ADMIN, MACHINE], ids=["admin", "machine"])
def test_admins_and_the_machine_may_do_everything(everyone: Staff) -> None:
    assert everyone.works_at("anywhere") and everyone.sees_booking("north", "ben")
    everyone.require_role("admin")
    everyone.require_role("front_desk")


def test_the_development_token_secret_is_refused_outside_development() -> None:
    with pytest.raises(ValidationError, match="STAFF_TOKEN_SECRET"):
        BaseServiceSettings(APP_ENV="production", ADMIN_API_KEY="k" * 40)
    with pytest.raises(ValidationError, match="at least 32"):
        BaseServiceSettings(APP_ENV="production", ADMIN_API_KEY="k" * 40, STAFF_TOKEN_SECRET="short")
    assert BaseServiceSettings(APP_ENV="development").staff_token_secret.get_secret_value() == DEVELOPMENT_TOKEN_SECRET


# Account use cases on fakes


class FakePasswords:
    """Hashes that are the password reversed; counts the verifications a sign-in costs."""

    def __init__(self) -> None:
        self.verified, self.outdated = 0, set[str]()

    def hash(self, password: str) -> str:
        return "h:" + password[::-1]

    def verify(self, password_hash: str, password: str) -> bool:
        self.verified += 1
        return password_hash == self.hash(password)

    def needs_rehash(self, password_hash: str) -> bool:
        return password_hash in self.outdated

    def verify_nobody(self, password: str) -> None:
        self.verify("h:nobody", password)


@dataclass
class FakeAccounts(AbstractAccounts):
    rows: dict[str, Account] = field(default_factory=dict)

    def get(self, account_id: str) -> Account | None:
        return self.rows.get(account_id)

    def by_email(self, email: str) -> Account | None:
        return next((a for a in self.rows.values() if a.email == email), None)

    def page(self, limit: int, offset: int) -> list[Account]:
        return sorted(self.rows.values(), key=lambda a: a.email)[offset : offset + limit]

    def add(self, account: Account, now: datetime) -> None:
        self.rows[account.id] = account

    def replace(self, account: Account, now: datetime) -> None:
        self.rows[account.id] = account

    def active_admins(self) -> int:
        return sum(a.is_active_admin for a in self.rows.values())


PASSWORD = "correct horse battery"


def _admin(store: FakeAccounts, passwords: FakePasswords, email: str = "ada@clinic.example") -> Account:
    new = accounts.NewAccount(email=email, name="Ada", role="admin", password=PASSWORD)
    return accounts.create_account(store, passwords, new, NOW)


def test_sign_in_gives_one_answer_for_unknown_email_wrong_password_and_disabled_account() -> None:
    store, passwords = FakeAccounts(), FakePasswords()
    admin = _admin(store, passwords)
    second = _admin(store, passwords, "bo@clinic.example")
    accounts.change_account(store, second.id, accounts.AccountChange(active=False), NOW)

    assert accounts.sign_in(store, passwords, " ADA@clinic.example ", PASSWORD) == admin
    before = passwords.verified
    assert accounts.sign_in(store, passwords, "nobody@clinic.example", PASSWORD) is None
    assert passwords.verified == before + 1  # the unknown email cost a verification too
    assert accounts.sign_in(store, passwords, admin.email, "wrong password!!") is None
    assert accounts.sign_in(store, passwords, "bo@clinic.example", PASSWORD) is None


def test_a_hash_made_with_old_parameters_is_replaced_at_sign_in() -> None:
    store, passwords = FakeAccounts(), FakePasswords()
    admin = _admin(store, passwords)
    passwords.outdated.add(admin.password_hash)
    passwords.hash = lambda password: "new:" + password  # type: ignore[method-assign]

    assert accounts.rehash_if_needed(store, passwords, admin, PASSWORD, NOW)
    assert store.rows[admin.id].password_hash == "new:" + PASSWORD


def test_the_last_active_admin_cannot_be_demoted_or_disabled() -> None:
    store, passwords = FakeAccounts(), FakePasswords()
    admin = _admin(store, passwords)

    for change in (
        accounts.AccountChange(active=False),
        accounts.AccountChange(role="front_desk", locations=("main",)),
    ):
        with pytest.raises(AccountConflict, match="last active admin"):
            accounts.change_account(store, admin.id, change, NOW)
    _admin(store, passwords, "bo@clinic.example")
    assert not accounts.change_account(store, admin.id, accounts.AccountChange(active=False), NOW).active


@pytest.mark.parametrize(
    ("new", "problem"),
    [
        (accounts.NewAccount("x@clinic.example", "X", "front_desk", PASSWORD), "at least one location"),
        (accounts.NewAccount("x@clinic.example", "X", "therapist", PASSWORD), "therapist code"),
        (accounts.NewAccount("x@clinic.example", "X", "admin", PASSWORD, therapist="anna"), "only a therapist"),
        (accounts.NewAccount("x@clinic.example", "X", "owner", PASSWORD), "role must be one of"),
        (accounts.NewAccount("not-an-email", "X", "admin", PASSWORD), "not a valid address"),
        (accounts.NewAccount("x@clinic.example", "X", "admin", "short"), "at least 12"),
    ],
)
def test_an_account_the_clinic_could_not_use_is_refused(new: accounts.NewAccount, problem: str) -> None:
    store = FakeAccounts()

    with pytest.raises(CatalogError, match=problem):
        accounts.create_account(store, FakePasswords(), new, NOW)
    assert store.rows == {}


def test_an_email_has_one_account_whatever_its_case() -> None:
    store, passwords = FakeAccounts(), FakePasswords()
    _admin(store, passwords)

    with pytest.raises(AccountConflict):
        _admin(store, passwords, "ADA@Clinic.example")


def test_a_role_change_away_from_therapist_drops_the_code() -> None:
    store, passwords = FakeAccounts(), FakePasswords()
    _admin(store, passwords)
    new = accounts.NewAccount("t@clinic.example", "T", "therapist", PASSWORD, therapist="anna")
    therapist = accounts.create_account(store, passwords, new, NOW)

    changed = accounts.change_account(
        store, therapist.id, accounts.AccountChange(role="front_desk", locations=("main",)), NOW
    )

    assert (changed.role, changed.therapist, changed.locations) == ("front_desk", None, ["main"])
    with pytest.raises(UnknownEntry):
        accounts.set_password(store, passwords, "no-such-id", PASSWORD, NOW)


def test_a_session_is_refreshable_until_its_age_or_a_credential_change_ends_it() -> None:
    store, passwords = FakeAccounts(), FakePasswords()
    admin = _admin(store, passwords)
    desk = accounts.create_account(
        store,
        passwords,
        accounts.NewAccount(email="d@clinic.example", name="D", role="front_desk", password=PASSWORD, locations=("a",)),
        NOW,
    )
    hours = timedelta(hours=12)
    signed_in = (NOW + timedelta(minutes=1)).timestamp()

    assert accounts.refreshable(store, desk.id, signed_in, NOW + timedelta(hours=12, minutes=1), hours) == desk
    with pytest.raises(accounts.SessionEnded, match="too old"):
        accounts.refreshable(store, desk.id, signed_in, NOW + timedelta(hours=12, minutes=2), hours)
    accounts.change_account(store, desk.id, accounts.AccountChange(name="Dee", locations=("a", "b")), NOW)
    assert accounts.refreshable(store, desk.id, signed_in, NOW + timedelta(hours=1), hours).name == "Dee"
    later = NOW + timedelta(minutes=2)
    accounts.set_password(store, passwords, desk.id, "another password entirely", later)
    with pytest.raises(accounts.SessionEnded, match="changed"):
        accounts.refreshable(store, desk.id, signed_in, NOW + timedelta(hours=1), hours)
    assert accounts.refreshable(store, desk.id, later.timestamp(), NOW + timedelta(hours=1), hours).id == desk.id
    accounts.change_account(store, desk.id, accounts.AccountChange(role="therapist", therapist="anna"), later)
    with pytest.raises(accounts.SessionEnded, match="changed"):
        accounts.refreshable(store, desk.id, later.timestamp() - 1, NOW + timedelta(hours=1), hours)
    assert admin.credentials_changed_at == NOW  # set with its first password
    with pytest.raises(accounts.SessionEnded, match="gone"):
        accounts.refreshable(store, "nobody", signed_in, NOW, hours)
