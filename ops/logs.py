"""Log formatting: JSON lines for production, readable lines for development; both redact secrets.

The request line itself never carries a path or query string (ops.middleware), but other loggers may
print what they were given: a library's exception text, a task's arguments. Every formatted line passes
`redact`, which removes e-mail addresses, API keys, bearer tokens and `token=`/`key=`-style values
(`code=` too: the QR code of a claim letter opens `/laden-anmelden/code/?code=<one-time code>`).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from pythonjsonlogger.json import JsonFormatter

REDACTED = "[redacted]"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # e-mail addresses (also URL-encoded: %40)
    (re.compile(r"[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9.-]+\.[A-Za-z]{2,}"), REDACTED),
    # our API keys: lk_<9>_<43>
    (re.compile(r"\blk_[A-Za-z0-9]{9}_[A-Za-z0-9_-]{10,}"), REDACTED),
    # credentials in headers
    (re.compile(r"(?i)\b(bearer|api-key|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 " + REDACTED),
    # name=value and "name": "value" for secret-looking names (query strings, form and JSON bodies)
    (
        re.compile(r"(?i)\b(token|key|api_key|password|secret|sessionid|csrftoken|code)=[^&\s\"']+"),
        r"\1=" + REDACTED,
    ),
    (
        re.compile(r"(?i)(\"|')(token|key|api_key|password|secret|email)(\"|')\s*:\s*(\"|')[^\"']*(\"|')"),
        r"\1\2\3: \4" + REDACTED + r"\5",
    ),
)


def redact(text: str) -> str:
    """`text` without e-mail addresses, keys, tokens and passwords."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingJsonFormatter(JsonFormatter):
    """One JSON object per line: time, level, logger, message and the record's extra fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(message)s")
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"})
        kwargs.setdefault("datefmt", "%Y-%m-%dT%H:%M:%S%z")
        super().__init__(*args, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class RedactingConsoleFormatter(logging.Formatter):
    """`12:00:01 INFO ladenkarte.request GET frontend:search 200 12ms ...` for a developer's terminal."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(message)s")
        kwargs.setdefault("datefmt", "%H:%M:%S")
        super().__init__(*args, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
