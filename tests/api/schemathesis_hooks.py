"""Schemathesis hooks for tests/api/test_schemathesis.py: a webhook the run registers or changes points at the
local receiver only (`LK_SCHEMATHESIS_RECEIVER`), so no delivery and no name lookup of a generated host ever
leaves 127.0.0.1 (webhook URLs are resolved when they are checked, decision 1200); a query object (which
cannot travel as what it is) is not sent."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import schemathesis
from schemathesis import GenerationMode


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    operation = case.operation
    if operation.method.upper() not in ("POST", "PUT", "PATCH") or "/webhooks/" not in operation.path:
        return case
    body = case.body
    if not isinstance(body, dict) or not isinstance(body.get("url"), str):
        return case
    positive = case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE
    parts = urlsplit(body["url"])
    # A valid request gets the receiver; an invalid one keeps its invalid URL, and a valid-looking URL in an
    # otherwise invalid request is swapped as well (should the server accept it after all).
    if positive or (parts.scheme in ("http", "https") and parts.hostname):
        case.body = {**body, "url": os.environ["LK_SCHEMATHESIS_RECEIVER"]}
    return case


@schemathesis.hook
def filter_case(context: Any, case: Any) -> bool:
    """Drop a case whose query parameter is an object: exploded into `key=value` pairs of its own members
    it reaches the server as "parameter not sent", which the API rightly accepts for an optional filter."""
    return not any(isinstance(value, dict) for value in (case.query or {}).values())
