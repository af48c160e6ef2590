"""Who is calling: the scope of idempotency keys and rate limits (API key, user or hashed client address)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from rest_framework.request import Request

from marketplace.models import ApiKey


def client_address(request: Request) -> str:
    """The client's IP; behind `LADENKARTE_TRUSTED_PROXIES` proxies, taken from X-Forwarded-For."""
    proxies = settings.LADENKARTE_TRUSTED_PROXIES
    if proxies:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))


def client_scope(request: Request) -> str:
    """`key:<id>`, `user:<id>` or `client:<hash of the address>` (no IP address is stored)."""
    if isinstance(request.auth, ApiKey):
        return f"key:{request.auth.pk}"
    user = request.user
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    digest = hashlib.sha256(f"{settings.SECRET_KEY}|{client_address(request)}".encode()).hexdigest()
    return f"client:{digest[:40]}"


def is_api_key_client(request: Request) -> bool:
    return isinstance(request.auth, ApiKey)
