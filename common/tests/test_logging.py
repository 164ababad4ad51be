import json
import logging
import re

import pytest

from titanium_common import context
from titanium_common.logging import configure_logging


@pytest.fixture(autouse=True)
def restore_root_logger():
    """configure_logging replaces the root handlers; give the next test its own back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_log_lines_are_json_with_correlation_and_extras(capsys):
    configure_logging("svc", "INFO")
    context.begin("req-9", None)
    context.user_id_var.set("user-1")

    logging.getLogger("x").info("hello %s", "world", extra={"status": 201})

    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["message"] == "hello world"
    assert line["service"] == "svc"
    assert line["level"] == "info"
    assert line["request_id"] == "req-9"
    assert line["user_id"] == "user-1"
    assert line["status"] == 201
    assert line["time"].endswith("+00:00")


def test_exceptions_are_logged_on_one_line(capsys):
    configure_logging("svc", "INFO")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("x").exception("failed")

    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert "RuntimeError: boom" in json.loads(out[0])["exception"]


def test_text_access_lines_are_short_and_human(capsys):
    configure_logging("webapp", "INFO", "text")
    extra = {"method": "GET", "path": "/article/x", "status": 200, "duration_ms": 12.34}
    extra |= {"route": "/article/<slug>", "db_queries": 3}

    logging.getLogger("titanium.access").info("request", extra=extra)

    line = capsys.readouterr().out.strip()
    assert re.fullmatch(r"\d\d:\d\d:\d\d webapp +GET /article/x 200 12ms", line)


def test_text_lines_name_levels_above_info_and_keep_extras(capsys):
    configure_logging("auth_service", "INFO", "text")

    logging.getLogger("x").info("started")
    logging.getLogger("x").warning("mail not sent", extra={"attempts": 2})

    started, warning = capsys.readouterr().out.strip().splitlines()
    assert started.endswith("auth_service  started")
    assert warning.endswith("auth_service  WARNING mail not sent attempts=2")


def test_an_unknown_log_format_is_a_clear_error():
    with pytest.raises(ValueError, match="LOG_FORMAT='xml' is not one of json, text"):
        configure_logging("svc", "INFO", "xml")
