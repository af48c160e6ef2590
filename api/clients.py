"""Who is calling: the scope of idempotency keys and rate limits (API key, user or hashed client address)."""

from __future__ import annotations

from rest_framework.request import Request

from marketplace.infrastructure.rate_limits import client_address, rate_limit_client
from marketplace.models import ApiKey


def client_scope(request: Request) -> str:
    """`key:<id>`, `user:<id>` or `client:<hash of the address>` (no IP address is stored)."""
    api_key_id = request.auth.pk if isinstance(request.auth, ApiKey) else None
    user = request.user
    user_id = user.pk if user is not None and user.is_authenticated else None
    return rate_limit_client(address=client_address(request.META), user_id=user_id, api_key_id=api_key_id)


def is_api_key_client(request: Request) -> bool:
    return isinstance(request.auth, ApiKey)
