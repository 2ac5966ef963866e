"""Log lines that can be followed across processes: every line carries the id of the web request
it belongs to, and the tasks a request queues carry that id to the worker that runs them
(portal.celery). With LOG_FORMAT=json each line is one JSON object."""

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

REQUEST_ID = contextvars.ContextVar("request_id", default="")
HEADER = "request_id"  # the Celery message header that carries it
# An id given by the proxy (nginx's $request_id) or a client's tool ("tool-42:abc") is kept when it
# is plainly an id: no space, no line break, nothing to forge a log line with.
_GIVEN = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# What the request and task lines add to a record (logger.info(..., extra={...})).
FIELDS = ("method", "path", "view", "status", "duration_ms", "task", "task_id", "state")


def new_request_id(given: str | None = None) -> str:
    return given if given and _GIVEN.fullmatch(given) else uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record, for either format."""

    def filter(self, record):
        record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or None,
        }
        for field in FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
