"""Log lines are JSON objects with the correlation id of what is being served, and never a payload."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from shared.observability import JsonLines, correlation_id, log_handler, use_json

PAYLOAD = {"client": {"name": "Maria Schmidt", "email": "maria@example.com"}, "answers": {"pregnant": "no"}}


@pytest.fixture
def lines() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger of its own writing JSON lines to a string."""
    stream = io.StringIO()
    logger = logging.getLogger(f"test.observability.{id(stream)}")
    logger.propagate, logger.level = False, logging.DEBUG
    logger.addHandler(log_handler(json=True, stream=stream))
    yield logger, stream
    logger.handlers.clear()


def parsed(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_line_logged_while_serving_a_request_carries_its_correlation_id(lines: Any) -> None:
    logger, stream = lines
    token = correlation_id.set("req-7f3a")
    try:
        logger.info("booking %s accepted", "b-1")
    finally:
        correlation_id.reset(token)
    logger.info("idle")
    served, idle = parsed(stream)
    assert served["correlation_id"] == "req-7f3a"
    assert served["message"] == "booking b-1 accepted"
    assert {"timestamp", "level", "logger", "service", "process", "pid"} <= set(served)
    assert served["level"] == "INFO" and served["timestamp"].endswith("+00:00")
    assert "correlation_id" not in idle


def test_a_payload_given_as_extra_or_as_a_dict_message_never_reaches_the_line(lines: Any) -> None:
    logger, stream = lines
    logger.info("handled", extra={"envelope": PAYLOAD, "task": "booking.reserve_resources", "status": 202})
    logger.info(PAYLOAD)
    text = stream.getvalue()
    assert "maria" not in text.lower() and "pregnant" not in text
    handled, _ = parsed(stream)
    assert handled["task"] == "booking.reserve_resources" and handled["status"] == 202


def test_celerys_received_line_names_the_task_and_its_id_but_not_its_arguments(lines: Any) -> None:
    logger, stream = lines
    context = {"id": "t-1", "name": "booking.reserve_resources", "args": json.dumps(PAYLOAD), "kwargs": {}, "eta": None}
    logger.info("Task %(name)s[%(id)s] received", context, extra={"data": context})
    [line] = parsed(stream)
    assert line["message"] == "Task booking.reserve_resources[t-1] received"
    assert (line["task"], line["task_id"]) == ("booking.reserve_resources", "t-1")
    assert "maria" not in stream.getvalue()


def test_celerys_dump_of_a_message_it_cannot_handle_is_cut_to_its_first_words(lines: Any) -> None:
    logger, stream = lines
    body = json.dumps(PAYLOAD)
    logger.error("Received unregistered task of type %s.\nThe full contents of the message body was:\n%s", "x", body)
    [line] = parsed(stream)
    assert line["message"].startswith("Received unregistered task")
    assert "maria" not in stream.getvalue()


def test_an_exception_is_one_field_of_the_same_line(lines: Any) -> None:
    logger, stream = lines
    try:
        raise RuntimeError("broker gone")
    except RuntimeError:
        logger.exception("relay failed")
    [line] = parsed(stream)
    assert "RuntimeError: broker gone" in line["exception"]


def test_text_lines_on_a_terminal_json_lines_elsewhere() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert use_json("auto", io.StringIO()) and not use_json("auto", Terminal())
    assert use_json("json", Terminal()) and not use_json("text", io.StringIO())
    stream = io.StringIO()
    record = logging.makeLogRecord({"msg": "ready", "levelname": "INFO", "name": "x"})
    handler = log_handler(json=False, stream=stream)
    handler.handle(record)
    assert "ready" in stream.getvalue() and not stream.getvalue().startswith("{")
    assert isinstance(log_handler(json=True).formatter, JsonLines)
