"""The end-to-end benchmark's arithmetic and options (`python -m bench flow`), and the make run settings it uses."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from bench.flow import (
    Inbox,
    Options,
    RateVerdict,
    backlog_at,
    backlog_grew,
    cpu_per_booking,
    cpu_seconds,
    cpu_table,
    keeps_up_with,
    parse_args,
    percentile,
    spread,
)
from ops import run


def test_percentiles_interpolate_between_ranks() -> None:
    samples = [0.010, 0.020, 0.030, 0.040, 0.050]
    assert percentile(samples, 50) == pytest.approx(0.030)
    assert percentile(samples, 95) == pytest.approx(0.048)
    assert percentile([0.5], 99) == 0.5
    assert percentile([], 50) is None
    assert spread(samples) == "30 / 48 / 50 ms"
    assert spread([]) == "-"


def test_backlog_counts_what_was_offered_and_not_yet_done() -> None:
    spans = [(0.0, 0.5), (1.0, None), (2.0, 4.0), (3.0, 3.1)]
    assert backlog_at(0.2, spans) == 1
    assert backlog_at(2.5, spans) == 2  # the one never done, the one done at 4
    assert backlog_at(3.05, spans) == 3
    assert backlog_at(10.0, spans) == 1


def test_a_backlog_grows_only_beyond_a_quarter_second_of_offers() -> None:
    assert not backlog_grew(middle=2, end=5, rate=10)
    assert backlog_grew(middle=2, end=6, rate=10)
    assert not backlog_grew(middle=10, end=30, rate=100)
    assert backlog_grew(middle=10, end=36, rate=100)


def test_the_platform_keeps_up_with_the_highest_rate_fully_emailed_without_a_growing_backlog() -> None:
    verdicts = [
        RateVerdict(10, grew=False, offered=100, emailed_in_drain=100),
        RateVerdict(20, grew=False, offered=200, emailed_in_drain=200),
        RateVerdict(40, grew=False, offered=400, emailed_in_drain=390),  # ten late
        RateVerdict(60, grew=True, offered=600, emailed_in_drain=600),
    ]
    assert keeps_up_with(verdicts) == 20
    assert keeps_up_with(verdicts[2:]) is None
    assert keeps_up_with([]) is None


def test_cpu_per_booking_is_milliseconds_per_confirmed_booking() -> None:
    per = cpu_per_booking({"booking-api": 1.0, "redis": 0.5}, {"booking-api": 1.5, "redis": 0.6}, bookings=50)
    assert per == pytest.approx({"booking-api": 10.0, "redis": 2.0})
    assert cpu_per_booking({"redis": 0.5}, {"redis": 0.6}, bookings=0) == {"redis": None}


def test_cpu_table_has_a_row_per_process_and_a_platform_total_without_the_benchmark() -> None:
    columns = {"idle %": {"redis": 0.5, "bench": 9.0}, "10/s ms": {"redis": 2.0, "bench": 5.0}}
    lines = cpu_table(columns, {"10/s ms": 100})
    assert lines[0].split() == ["process", "idle", "%", "10/s", "ms"]
    assert lines[1].split() == ["redis", "0.5", "2.0"]
    assert lines[3].split() == ["total", "(platform)", "0.5", "2.0"]
    assert lines[4].split() == ["confirmed", "bookings", "100"]


def test_cpu_seconds_include_this_process() -> None:
    spent = cpu_seconds({"self": os.getpid()})
    assert set(spent) == {"self", "bench"}
    assert spent["bench"] > 0


def test_options_default_to_the_issue_s_rates_on_both_databases_and_both_worker_counts() -> None:
    options = parse_args([])
    assert options == Options()
    assert options.rates == (10, 20, 40, 60, 100)
    assert options.databases == ("sqlite", "postgresql")
    assert options.booking_workers == (1, 2)
    assert options.clients == (30, 60)


def test_options_choose_a_subset() -> None:
    options = parse_args(
        ["--rates", "10", "--seconds", "3", "--databases", "SQLite", "--booking-workers", "2", "--clients", "30"]
    )
    assert (options.rates, options.seconds, options.databases, options.booking_workers, options.clients) == (
        (10,),
        3.0,
        ("sqlite",),
        (2,),
        (30,),
    )
    assert parse_args(["--clients", ""]).clients == ()
    assert parse_args(["--seconds", "3"]).bound_seconds() < Options().bound_seconds()


@pytest.mark.parametrize(
    "argv",
    [["--rates", "ten"], ["--rates", "0"], ["--databases", "mysql"], ["--seconds", "0"], ["--booking-workers", "-1"]],
)
def test_options_refuse_what_cannot_be_measured(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(argv)


def test_the_inbox_times_the_first_confirmation_and_other_emails_per_recipient() -> None:
    inbox = Inbox()

    def mail(to: str, subject: str) -> SimpleNamespace:
        return SimpleNamespace(rcpt_tos=[to], content=f"Subject: {subject}\r\nTo: {to}\r\n\r\nbody".encode())

    async def deliver() -> None:
        await inbox.handle_DATA(None, None, mail("A@example.com", "Confirmed: Back & Neck on 1 Dec"))
        await inbox.handle_DATA(None, None, mail("a@example.com", "Confirmed: Back & Neck on 1 Dec"))
        await inbox.handle_DATA(None, None, mail("b@example.com", "We could not confirm your Back & Neck"))

    # In a thread of its own: a session-wide browser (Playwright) may hold this thread's event loop.
    worker = threading.Thread(target=asyncio.run, args=(deliver(),))
    worker.start()
    worker.join()
    assert set(inbox.confirmed) == {"a@example.com"}
    assert len(inbox.confirmations) == 2
    assert set(inbox.other) == {"b@example.com"}
    assert inbox.settled("b@example.com") == inbox.other["b@example.com"]
    assert inbox.settled("c@example.com") is None
    inbox.clear()
    assert not inbox.confirmed and not inbox.confirmations


def test_make_run_keeps_var_and_the_booking_worker_where_the_environment_says(tmp_path: Path) -> None:
    env = {"RUN_VAR_DIR": str(tmp_path / "var"), "BOOKING_WORKER_CONCURRENCY": "1", "REDIS_URL": "redis://x:1/0"}
    env.update(SMTP_HOST="127.0.0.1", SMTP_PORT="2525", MANAGE_LINK_SECRET="s")
    prepared = run.prepare_environment(env)
    assert prepared["BOOKING_DATABASE_URL"] == f"sqlite:///{tmp_path / 'var' / 'booking.db'}"
    commands = run.processes(prepared)
    assert "--concurrency 1" in commands["booking-worker"]
    assert str(tmp_path / "var" / "celerybeat-schedule") in commands["scheduler"]
    assert "--concurrency 2" in run.processes({**prepared, "BOOKING_WORKER_CONCURRENCY": ""})["booking-worker"]
    assert run.var_dir({}) == run.ROOT / "var"
    with pytest.raises(ValueError, match="BOOKING_WORKER_CONCURRENCY"):
        run.prepare_environment({**env, "BOOKING_WORKER_CONCURRENCY": "0"})
