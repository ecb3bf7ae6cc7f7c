"""Loaded by every Python process of `make test-dates` (PYTHONPATH), which runs under faketime.

libfaketime 0.9.10 (Debian 12) breaks Python 3.11's `time.sleep` when the monotonic clock is left real
(FAKETIME_DONT_FAKE_MONOTONIC=1, needed or thread waits hang): it shifts the absolute monotonic deadline
that `clock_nanosleep` gets by the fake offset, and the kernel answers EINVAL (libfaketime issue #426).
`select` takes a relative timeout, which libfaketime passes through, so sleeping on it is the same
sleep. Outside faketime this file changes nothing."""

import os
import select
import time

if "FAKETIME" in os.environ and os.environ.get("FAKETIME_DONT_FAKE_MONOTONIC") == "1":

    def _sleep(seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            select.select([], [], [], left)

    time.sleep = _sleep
