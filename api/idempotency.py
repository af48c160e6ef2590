"""`Idempotency-Key` for DRF views (Stripe-like): decorate a write method with `@idempotent()`.

- same key, same request (method, path, body): the first status and body are replayed
  (`Idempotent-Replayed: true`)
- same key, other request: 422 `idempotency_key_reused`; the first still running: 409 `idempotency_key_in_use`
- scope: the API key, the logged-in user, or the client (hashed address); kept `LADENKARTE_IDEMPOTENCY_HOURS`
- kept: 2xx answers and 409 business conflicts (e.g. `insufficient_stock`), as the request ran; not kept:
  validation errors, 401/403/404, 429 and server errors: the claim is given up and the key may be retried.

The claim, the view and storing its response run in one transaction, so a committed write always has its
stored answer and a request that fails leaves no claim behind. Secret fields of the body (`seal_fields`,
e.g. a reservation token) are stored encrypted with a key derived from SECRET_KEY and the raw
Idempotency-Key, which itself is stored only as a hash.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from api.clients import client_scope, is_api_key_client
from api.errors import error_response
from marketplace.services.idempotency import (
    idempotency_claim,
    idempotency_complete,
    idempotency_release,
)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255


def request_fingerprint(request: Request) -> str:
    """SHA-256 of method, path and the parsed body in a canonical form (key order does not matter)."""
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), cls=JSONEncoder, default=str)
    return hashlib.sha256(f"{request.method}\n{request.path}\n{body}".encode()).hexdigest()


def _keystream(material: str, length: int) -> bytes:
    stream = b""
    counter = 0
    while len(stream) < length:
        stream += hmac.new(
            settings.SECRET_KEY.encode(), f"idempotency-seal|{counter}|{material}".encode(), hashlib.sha256
        ).digest()
        counter += 1
    return stream[:length]


def _seal(value: str, material: str) -> dict[str, str]:
    data = value.encode()
    sealed = bytes(a ^ b for a, b in zip(data, _keystream(material, len(data)), strict=True))
    return {"sealed": base64.b64encode(sealed).decode()}


def _unseal(value: Any, material: str) -> Any:
    if not isinstance(value, dict) or "sealed" not in value:
        return value
    data = base64.b64decode(value["sealed"])
    return bytes(a ^ b for a, b in zip(data, _keystream(material, len(data)), strict=True)).decode()


def _stored_body(data: Any, *, seal_fields: tuple[str, ...], material: str) -> str:
    """The answer as the JSON text to store, its secret fields sealed (encoded once: this runs on every
    idempotent write)."""
    if isinstance(data, dict):
        data = {
            name: (
                _seal(value, f"{material}|{name}")
                if name in seal_fields and isinstance(value, str)
                else value
            )
            for name, value in data.items()
        }
    return json.dumps(data, cls=JSONEncoder)


def _replayed_body(body: Any, *, seal_fields: tuple[str, ...], material: str) -> Any:
    if isinstance(body, dict):
        body = dict(body)
        for name in seal_fields:
            if name in body:
                body[name] = _unseal(body[name], f"{material}|{name}")
    return body


TRANSIENT_CONFLICTS = frozenset({"idempotency_key_in_use", "concurrent_update"})


def _keep(response: Response) -> bool:
    return 200 <= response.status_code < 300 or (
        response.status_code == 409
        and isinstance(response.data, dict)
        # only final answers: a transient conflict (the row was busy) must not be replayed for 24 h
        and response.data.get("error", {}).get("code") not in TRANSIENT_CONFLICTS
    )


def idempotent(
    *, required_for_api_keys: bool = True, seal_fields: tuple[str, ...] = ()
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Decorate a DRF view method (`post`, `put`, ...) to honour the `Idempotency-Key` header."""

    def decorator(method: Callable[..., Response]) -> Callable[..., Response]:
        @wraps(method)
        def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
            key = request.headers.get(HEADER, "").strip()
            if not key:
                if required_for_api_keys and is_api_key_client(request):
                    return error_response(
                        "idempotency_key_required",
                        _("API-key clients must send an Idempotency-Key header with this request."),
                        400,
                    )
                return method(view, request, *args, **kwargs)
            if len(key) > MAX_KEY_LENGTH or not key.isprintable():
                return error_response(
                    "validation_error",
                    _("The input is not valid."),
                    400,
                    {HEADER: [_("At most 255 printable characters.")]},
                )
            scope = client_scope(request)
            material = f"{scope}|{key}"
            # One transaction for the claim, the view's writes and the stored answer (a failure rolls all of
            # it back, the claim included); an answer not worth keeping gives the claim up before the commit.
            with transaction.atomic():
                claim = idempotency_claim(scope=scope, key=key, fingerprint=request_fingerprint(request))
                if claim.is_replay:
                    replay = Response(
                        _replayed_body(claim.body, seal_fields=seal_fields, material=material),
                        status=claim.status,
                    )
                    replay[REPLAYED_HEADER] = "true"
                    return replay
                assert claim.record_id is not None  # noqa: S101 - narrowing for mypy
                try:
                    response = method(view, request, *args, **kwargs)
                except Exception as exc:
                    response = view.handle_exception(exc)  # re-raises what is not an API error
                if _keep(response):
                    idempotency_complete(
                        record_id=claim.record_id,
                        status=response.status_code,
                        body_json=_stored_body(response.data, seal_fields=seal_fields, material=material),
                    )
                else:
                    idempotency_release(record_id=claim.record_id)
            return response

        return wrapper

    return decorator
