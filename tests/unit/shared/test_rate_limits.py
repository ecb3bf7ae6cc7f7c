"""Rate limits on the `limits` library's in-memory store: keys, settings, refusals, failing open."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI, Request
from limits.errors import StorageError
from pydantic import ValidationError

from shared.rate_limits import (
    Limiter,
    RateLimitSettings,
    TooManyRequests,
    client_address,
    identity_key,
    normalised_email,
    parse_limits,
    rules,
)


def _request(host: str | None, headers: dict[str, str] | None = None) -> Request:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": (host, 50000) if host is not None else None,
        "app": FastAPI(),
    }
    return Request(scope)


def _limiter(**limits: str) -> Limiter:
    return Limiter(RateLimitSettings(**limits), "memory://", "secret")


def test_a_key_never_holds_the_email_or_the_address_it_stands_for() -> None:
    email_key = identity_key("secret", "email", "anna@example.org")
    address_key = identity_key("secret", "address", "203.0.113.7")
    assert "anna" not in email_key and "example" not in email_key and "203" not in address_key
    assert len(email_key) == 32 and all(c in "0123456789abcdef" for c in email_key)


def test_one_identity_has_one_key_per_secret_and_kind() -> None:
    assert identity_key("secret", "email", "a@b.c") == identity_key("secret", "email", "a@b.c")
    assert identity_key("secret", "email", "a@b.c") != identity_key("other", "email", "a@b.c")
    assert identity_key("secret", "email", "a@b.c") != identity_key("secret", "address", "a@b.c")


def test_an_email_counts_whatever_its_case_and_spaces() -> None:
    assert normalised_email("  Anna@Example.ORG ") == "anna@example.org"
    assert normalised_email(None) is None
    assert normalised_email(42) is None
    assert normalised_email("   ") is None


def test_ipv6_clients_count_by_their_64_mapped_ipv4_as_ipv4_and_no_address_not_at_all() -> None:
    one = client_address(_request("2001:db8:1:2:aaaa::1"))
    other = client_address(_request("2001:db8:1:2:bbbb::9"))
    assert one == other == "2001:db8:1:2::/64"
    assert client_address(_request("2001:db8:1:3::1")) != one
    assert client_address(_request("::ffff:203.0.113.7")) == "203.0.113.7"
    assert client_address(_request("203.0.113.7")) == "203.0.113.7"
    assert client_address(_request("testclient")) is None  # no network address: not counted per address
    assert client_address(_request(None)) is None


def test_limits_are_read_in_the_libraries_notation_and_empty_means_none() -> None:
    minute, hour = parse_limits("20/minute;200/hour")
    assert (minute.amount, minute.GRANULARITY.name, hour.amount, hour.GRANULARITY.name) == (20, "minute", 200, "hour")
    assert parse_limits("") == []
    assert rules(RateLimitSettings(RATE_LIMIT_BOOKING_CHANGES=""))["booking-changes"].limits == ()


@pytest.mark.parametrize("setting", ["RATE_LIMIT_BOOKINGS_PER_ADDRESS", "RATE_LIMIT_SIGN_IN_PER_EMAIL"])
def test_a_limit_that_is_not_one_stops_the_api_at_start(setting: str) -> None:
    with pytest.raises(ValidationError, match="is not a rate limit"):
        RateLimitSettings(**{setting: "twenty a minute"})


def test_a_body_limit_below_a_kilobyte_is_refused() -> None:
    with pytest.raises(ValidationError):
        RateLimitSettings(MAX_BODY_BYTES=100)


def test_over_the_limit_the_refusal_names_it_and_says_when_to_retry() -> None:
    limiter = _limiter(RATE_LIMIT_BOOKINGS_PER_ADDRESS="2/minute;50/hour")
    check = [("bookings-per-address", "address", "203.0.113.7")]
    limiter.check(check)
    limiter.check(check)
    with pytest.raises(TooManyRequests) as refused:
        limiter.check(check)
    assert refused.value.status_code == 429
    retry_after = int(refused.value.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert refused.value.detail == (
        f"too many booking requests from your address: at most 2 per minute; try again in {retry_after} seconds"
    )


def test_each_identity_has_its_own_budget() -> None:
    limiter = _limiter(RATE_LIMIT_BOOKINGS_PER_EMAIL="1/hour")
    limiter.check([("bookings-per-email", "email", "anna@example.org")])
    limiter.check([("bookings-per-email", "email", "ben@example.org")])
    with pytest.raises(TooManyRequests, match="for this email address: at most 1 per hour"):
        limiter.check([("bookings-per-email", "email", "anna@example.org")])


def test_a_refusal_by_the_first_rule_does_not_count_against_the_second() -> None:
    limiter = _limiter(RATE_LIMIT_BOOKINGS_PER_ADDRESS="1/minute", RATE_LIMIT_BOOKINGS_PER_EMAIL="2/hour")
    both = [("bookings-per-address", "address", "a"), ("bookings-per-email", "email", "anna@example.org")]
    limiter.check(both)
    with pytest.raises(TooManyRequests, match="from your address"):
        limiter.check(both)
    limiter.check([("bookings-per-email", "email", "anna@example.org")])  # its second, not its third


def test_clearing_an_identity_gives_it_its_budget_back() -> None:
    limiter = _limiter(RATE_LIMIT_BOOKING_CHANGES="1/day")
    limiter.check([("booking-changes", "booking", "b-1")])
    limiter.clear("booking-changes", "booking", "b-1")
    limiter.check([("booking-changes", "booking", "b-1")])


def test_switched_off_nothing_is_counted() -> None:
    limiter = _limiter(RATE_LIMIT_ENABLED="false", RATE_LIMIT_SIGN_IN_PER_ADDRESS="1/hour")
    for _ in range(3):
        limiter.check([("sign-in-per-address", "address", "a")])


class _BrokenStore:
    """A strategy whose store cannot be reached, counting how often it was asked."""

    def __init__(self) -> None:
        self.asked = 0

    def hit(self, *_args: object) -> bool:
        self.asked += 1
        raise StorageError(ConnectionError("Error 111 connecting to redis://:password@store:6379"))


def test_an_unreachable_store_lets_requests_through_warns_once_and_is_not_asked_again_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    limiter = _limiter(RATE_LIMIT_BOOKINGS_PER_ADDRESS="1/hour")
    broken = _BrokenStore()
    limiter.strategy = broken  # type: ignore[assignment]
    with caplog.at_level(logging.WARNING, logger="clinic.rate_limits"):
        for _ in range(5):
            limiter.check([("bookings-per-address", "address", "203.0.113.7")])
    assert broken.asked == 1  # then left alone for STORE_RETRY_SECONDS
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "cannot be reached (ConnectionError)" in warnings[0]
    assert "password" not in warnings[0] and "203.0.113.7" not in warnings[0]
