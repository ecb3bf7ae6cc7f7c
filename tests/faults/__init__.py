"""The fault suite: the whole platform as real processes, a steady stream of bookings, and a bad day.

While a thread books several times a second (two treatments, a few dozen starts, so that some requests
find no free room, kit or therapist and are rejected), `test_faults.py` takes the platform through:

(a) SIGKILL of the booking worker's pool processes, again and again, mid-saga;
(b) SIGKILL of the notifications worker while it is sending: its pool process once, then the whole
    worker (started again as a supervisor would), each time after the mail server already has the
    message but before the worker hears the server's 250;
(c) Redis killed (SIGKILL) with work queued and unacknowledged, and started again on the same port
    with its append-only file, as `docker-compose.yml` runs it;
(d) the SMTP server down for a minute while confirmations are due, then back on the same port.

It then waits (bounded) until everything has healed by itself and counts: every booking the API
accepted (202) is confirmed or rejected (none lost, none left pending), no room, kit or therapist is
held twice, every confirmed booking got exactly one confirmation email (a second copy only for a
message that was in flight at a kill, sent again by the stuck-send sweep with the same Message-ID),
and no Message-ID arrived twice otherwise. The time each fault took to heal is measured from the
fault's end; the figures are printed at the end of the pytest run (and kept as JSON in pytest's
temporary folder).

Shortened for the suite (each a setting the platform reads, handed to its processes):
`NOTIFICATIONS_STUCK_SEND_SECONDS` (5 min -> 20 s: a send that died mid-way is retried within the
run), `CELERY_VISIBILITY_TIMEOUT` (15 min -> 30 s: Redis hands back the tasks a killed worker or a
dead connection left unacknowledged), `BOOKING_STALE_PENDING_SECONDS` (60 s -> 20 s, as in the
end-to-end tests) and `NOTIFICATIONS_RETRY_BASE_SECONDS` (30 s -> 1 s: SMTP retries while the server
is down come within the run).

Run alone: `.venv/bin/python -m pytest tests/faults -q`; PostgreSQL as well (about twice the time):
`FAULTS_DATABASES=sqlite,postgres .venv/bin/python -m pytest tests/faults -q`.
"""
