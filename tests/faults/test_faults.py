"""Bookings keep coming while workers are killed, the broker dies and the mail server is away; then
the platform heals by itself and nothing is lost, held twice or sent twice (see the package docstring)."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import time
from collections import Counter
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from ops.demo import no_concerns, questionnaire
from services.notifications.service_layer import sending
from tests.e2e.platform import Platform
from tests.faults.harness import (
    CLIENT_MAIL,
    FIGURES,
    SHORTENED,
    MailServer,
    Observer,
    OwnRedis,
    Stream,
    copies_by_message_id,
    deliveries_open,
    kill_all,
    last_delivery_id,
    message_key,
    pool_children,
    statuses,
)
from tests.support.clock import at, working_day
from tests.support.invariants import claims_match_bookings, double_bookings
from tests.support.servers import wait_until

TREATMENTS = ("back-leg-cupping", "back-neck")
PER_SECOND = 3.0
BOOKING_KILLS_FOR = 18.0  # seconds of (a)
BOOKING_KILL_EVERY = 0.7
SMTP_DOWN_FOR = 60.0  # (d)
HEAL_WITHIN = 120.0  # each fault's bound
# Retries back off exponentially (with full jitter) from NOTIFICATIONS_RETRY_BASE_SECONDS: after a minute
# down, a message's next try can be a minute or more away. That, not the backlog, sets this bound.
SMTP_HEAL_WITHIN = 180.0


def _stuck_window() -> float:
    """The stuck-send sweep's window the notifications worker uses: the suite's setting once sending
    reads it (MailRoom.stuck_after), else the built-in 5 minutes (and the run takes that much longer)."""
    if "stuck_after" in {f.name for f in dataclasses.fields(sending.MailRoom)}:
        return float(SHORTENED["NOTIFICATIONS_STUCK_SEND_SECONDS"])
    return sending.STUCK_AFTER.total_seconds()


def _starts() -> list[datetime]:
    """Every quarter hour from 9:00 to 15:45 on 36 working days: most requests find a room, a kit and a
    therapist free, and some collide with an earlier booking (treatments overlap) and are rejected."""
    days, hours = range(2, 38), range(9, 16)
    return [at(working_day(day), hour, minute) for day in days for hour in hours for minute in (0, 15, 30, 45)]


def _answers(platform: Platform) -> dict[str, dict[str, str]]:
    with httpx.Client(timeout=10) as client:
        return {t: no_concerns(questionnaire(client, t, platform.urls["catalog"])) for t in TREATMENTS}


def _stop_group(platform: Platform, name: str, sig: signal.Signals) -> None:
    os.killpg(platform.named[name].pid, sig)


def test_the_platform_heals_from_kills_a_broker_restart_and_a_mail_outage(
    faulty_platform: tuple[Platform, OwnRedis, MailServer], tmp_path_factory: pytest.TempPathFactory
) -> None:
    platform, broker, mail = faulty_platform
    booking_db, notifications_db = platform.engine("booking"), platform.engine("notifications")
    stream = Stream(platform.booking, _answers(platform), _starts(), PER_SECOND)
    watch = Observer(stream, booking_db, notifications_db, mail)
    heal: dict[str, float] = {}
    facts: dict[str, Any] = {}
    began = time.monotonic()
    stream.start()
    try:
        time.sleep(3)

        # (d) begins: the mail server goes away while (a) runs; it is back a minute later.
        mail.stop()
        smtp_down = time.monotonic()

        # (a) The booking worker's pool processes, killed again and again while sagas run.
        kills = 0
        main_pid = platform.named["booking-worker"].pid
        while time.monotonic() - smtp_down < BOOKING_KILLS_FOR:
            kills += kill_all(pool_children(main_pid))
            time.sleep(BOOKING_KILL_EVERY)
        ended = time.monotonic()
        facts["booking_pool_kills"] = kills
        heal["a_booking_pool_sigkills"] = watch.heal(
            ended, lambda: watch.unsettled(ended), HEAL_WITHIN, "bookings pending after the kills"
        )

        # (c) Redis killed with work queued and unacknowledged, still within the mail outage (the
        # emails it held are counted in (d)'s healing): both workers are stopped (SIGSTOP) while
        # bookings keep coming, so tasks pile up in the queues and sit unacknowledged with them.
        _stop_group(platform, "notifications-worker", signal.SIGSTOP)
        time.sleep(2)
        _stop_group(platform, "booking-worker", signal.SIGSTOP)
        time.sleep(3)
        client = broker.client()
        facts["queued_when_redis_was_killed"] = int(client.llen("booking") + client.llen("notifications"))
        facts["unacknowledged_when_redis_was_killed"] = int(client.hlen("unacked"))
        client.close()
        broker.kill()
        for name in ("booking-worker", "notifications-worker"):
            _stop_group(platform, name, signal.SIGCONT)
        time.sleep(3)
        broker.start()
        ended = time.monotonic()
        heal["c_redis_killed_and_restarted"] = watch.heal(
            ended, lambda: watch.unsettled(ended), HEAL_WITHIN, "bookings caught in the broker's restart"
        )

        time.sleep(max(0.0, smtp_down + SMTP_DOWN_FOR - time.monotonic()))
        facts["smtp_down_seconds"] = round(time.monotonic() - smtp_down, 1)
        facts["emails_owed_when_smtp_returned"] = deliveries_open(notifications_db)
        mail.start()
        ended = time.monotonic()
        heal["d_smtp_down_a_minute"] = watch.heal(
            ended, lambda: watch.unmailed(ended), SMTP_HEAL_WITHIN, "emails owed while the mail server was down"
        )

        # (b) The notifications worker killed while sending: the server has the message, the worker
        # has not heard 250. Its pool process first (the worker starts another), then the whole
        # worker, started again as a supervisor would.
        main_pid = platform.named["notifications-worker"].pid
        for whole_worker in (False, True):
            mail.holding.clear()
            mail.hold_next.set()
            wait_until(mail.holding.is_set, timeout=60, message="the notifications worker sent nothing")
            mail.note_kill()
            if whole_worker:
                platform.kill("notifications-worker")
                time.sleep(1)
                platform.respawn("notifications-worker")
            else:
                assert kill_all(pool_children(main_pid)) >= 1
            time.sleep(2)
        ended = time.monotonic()
        owed = last_delivery_id(notifications_db)
        heal["b_notifications_worker_sigkills"] = watch.heal(
            ended,
            lambda: watch.unmailed(ended) or deliveries_open(notifications_db, owed),
            HEAL_WITHIN + _stuck_window(),
            "emails owed when the notifications worker was killed",
        )

        time.sleep(3)  # the stream runs on a little on the restarted broker
    finally:
        stream.stop()
    ended = time.monotonic()

    # Everything settles by itself: no booking pending, no email owed, no send left `sending`.
    heal["all_settled_after_the_stream"] = watch.heal(
        ended,
        lambda: watch.unsettled(ended) or watch.unmailed(ended) or deliveries_open(notifications_db),
        HEAL_WITHIN + _stuck_window(),
        "the platform after the stream",
    )

    answers = stream.answers_by_status()
    accepted = stream.accepted()
    known = statuses(booking_db)
    outcomes = Counter(known.get(b, "lost") for b in accepted)
    copies = copies_by_message_id(mail)
    repeated = mail.repeats()
    window = _stuck_window()
    by_booking: dict[tuple[str, str], set[str]] = {}
    for message in mail.messages:
        by_booking.setdefault(message_key(message), set()).add(str(message["Message-ID"]))
    with notifications_db.connect() as db:
        failed = db.execute(text("SELECT count(*) FROM delivery WHERE status = 'failed'")).scalar_one()

    figures = {
        "database": booking_db.dialect.name,
        "seconds": round(time.monotonic() - began, 1),
        "requests": sum(answers.values()),
        "answers": dict(sorted(answers.items())),
        "accepted": len(accepted),
        "outcomes": dict(outcomes),
        "double_bookings": len(double_bookings(booking_db)),
        "emails_received": sum(copies.values()),
        "resent_with_same_message_id": sum(n - 1 for n, _, _ in repeated.values()),
        "seconds_before_resend": sorted(gap for _, gap, _ in repeated.values()),
        "stuck_send_window_seconds": window,
        "held_mid_send": len(mail.held),
        **facts,
        "heal_seconds": heal,
    }
    FIGURES.append(figures)
    (tmp_path_factory.getbasetemp() / f"fault-figures-{figures['database']}.json").write_text(json.dumps(figures))

    # Every accepted booking was decided: none lost, none left pending.
    assert outcomes["lost"] == 0 and outcomes["pending"] == 0, figures
    assert sum(outcomes[s] for s in ("confirmed", "rejected", "needs_review", "declined")) == len(accepted)
    assert outcomes["confirmed"] > 0 and outcomes["rejected"] > 0, figures  # both paths ran under faults
    # The API kept answering: no server errors, no dropped connections.
    assert all(200 <= status < 500 for status in answers), figures
    # Nothing held twice, and claims exactly for the live bookings.
    assert double_bookings(booking_db) == []
    assert claims_match_bookings(booking_db) == []
    # Exactly one client email per decided booking, one Message-ID each.
    for booking_id in accepted:
        kind = CLIENT_MAIL.get(known[booking_id])
        if kind:
            assert len(by_booking.get((booking_id, kind), set())) == 1, (booking_id, kind)
    told_both = [b for b in accepted if known[b] == "confirmed" and (b, "booking_rejected") in by_booking]
    assert told_both == [], "confirmed bookings were also told they were rejected"
    # A Message-ID arrives twice only for a message the server had when its sender was killed.
    # The stuck-send sweep sent each message again that its sender was killed before recording as sent:
    # the held ones, and any a killed process had sent just before (a booking's few finish in one commit).
    assert set(mail.held) <= set(repeated), (mail.held, repeated)
    # Any other second copy is a duplicate: a Message-ID arrives twice only in that window, and once more.
    stray = {mid: r for mid, r in repeated.items() if not (r[0] == 2 and r[2] and r[1] >= window / 2)}
    assert stray == {}, stray
    assert failed == 0
