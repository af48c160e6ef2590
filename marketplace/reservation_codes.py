"""A reservation's public code and secret token: values in, values out (no database).

Shared by the service that issues them and the selectors that look reservations up by them."""

from __future__ import annotations

import hashlib
import secrets

# Readable aloud: no 0/O, no 1/I. 32 symbols, 6 of them: 2**30 codes.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
TOKEN_BYTES = 24


def reservation_code_new() -> str:
    """A fresh code like `K7P-4QX` from `secrets`."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
    return f"{chars[:3]}-{chars[3:]}"


def reservation_code_normalize(raw: str) -> str:
    """Accept what people type: lower case, spaces, a missing dash."""
    cleaned = "".join(raw.split()).upper().replace("-", "")
    return f"{cleaned[:3]}-{cleaned[3:]}" if len(cleaned) == 6 else cleaned


def reservation_token_new() -> str:
    """A fresh secret token (the database keeps only its hash)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def reservation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
