"""Shop API keys for tills and scripts: created once, stored as a SHA-256 hash, revocable.

A raw key looks like `lk_<9 characters>_<43 characters>`; its first 12 characters (`lk_` and the nine)
are stored as the visible prefix so merchants can tell their keys apart. The raw key is returned once by
`api_key_create` and exists nowhere else.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.exceptions import PermissionDenied, ValidationFailed
from marketplace.models import ApiKey, Shop
from marketplace.selectors.merchant import may_manage_integrations

if TYPE_CHECKING:
    from django.contrib.auth.models import User

KEY_START = "lk_"
PREFIX_LENGTH = 12  # "lk_" + 9 random characters
MAX_KEY_LENGTH = 200
# last_used_at is written at most this often per key, so a busy till does not write on every request
LAST_USED_RESOLUTION = timedelta(minutes=1)
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits


def api_key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def integrations_check(*, shop: Shop, user: Any) -> None:
    """Raise `PermissionDenied` unless `user` may manage the shop's API keys and webhooks (owners only;
    `may_manage_integrations`); every service that creates, changes or revokes them calls it for a person."""
    if not may_manage_integrations(user=user, shop=shop):
        raise PermissionDenied(_("Only the shop owner may manage API keys and webhooks."))


def _new_raw_key() -> str:
    middle = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH - len(KEY_START)))
    return f"{KEY_START}{middle}_{secrets.token_urlsafe(32)}"


@transaction.atomic
def api_key_create(
    *, shop: Shop, name: str, scope: str = ApiKey.Scope.WRITE, created_by: User | None = None
) -> tuple[ApiKey, str]:
    """Create a key for `shop`; returns the key and its raw value, which is not stored and shown only once.

    `created_by` (a person; None only for the operators' `create_api_key` command) must be an owner."""
    if created_by is not None:
        integrations_check(shop=shop, user=created_by)
    name = name.strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("This field is required.")]
    elif len(name) > ApiKey._meta.get_field("name").max_length:  # type: ignore[operator]
        errors["name"] = [_("The name is too long.")]
    if scope not in ApiKey.Scope.values:
        errors["scope"] = [_("Choose read or write.")]
    if errors:
        raise ValidationFailed(details=errors)
    raw_key = _new_raw_key()
    while ApiKey.objects.filter(prefix=raw_key[:PREFIX_LENGTH]).exists():  # 36**9 prefixes: practically never
        raw_key = _new_raw_key()
    api_key = ApiKey.objects.create(
        shop=shop,
        name=name,
        prefix=raw_key[:PREFIX_LENGTH],
        key_hash=api_key_hash(raw_key),
        scope=scope,
        created_by=created_by,
    )
    return api_key, raw_key


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, by_user: Any = None, now: datetime | None = None) -> ApiKey:
    """Revoke the key from now on; revoking a revoked key keeps the first revocation time.

    `by_user`: the person revoking (must be an owner); None only for system calls."""
    if by_user is not None:
        integrations_check(shop=api_key.shop, user=by_user)
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=now or timezone.now())
    api_key.refresh_from_db(fields=["revoked_at"])
    return api_key


@transaction.atomic
def api_key_rename(*, api_key: ApiKey, name: str, by_user: Any = None) -> ApiKey:
    """Give the key another label (the only thing about a key that changes besides revoking it)."""
    if by_user is not None:
        integrations_check(shop=api_key.shop, user=by_user)
    api_key.name = name.strip()[: ApiKey._meta.get_field("name").max_length]
    api_key.save(update_fields=["name"])
    return api_key


def api_key_authenticate(*, raw_key: str, now: datetime | None = None) -> ApiKey | None:
    """The key (with its shop) for a raw key, or None if unknown, revoked or of a shop that is not active.

    Records the time of use, at most once a minute per key, with one conditional UPDATE.
    """
    if not raw_key.startswith(KEY_START) or len(raw_key) > MAX_KEY_LENGTH:
        return None
    api_key = ApiKey.objects.select_related("shop").filter(key_hash=api_key_hash(raw_key)).first()
    if api_key is None or api_key.revoked_at is not None or api_key.shop.status != Shop.Status.ACTIVE:
        return None
    now = now or timezone.now()
    stale = now - LAST_USED_RESOLUTION
    if api_key.last_used_at is None or api_key.last_used_at <= stale:
        updated = (
            ApiKey.objects.filter(pk=api_key.pk)
            .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale))
            .update(last_used_at=now)
        )
        if updated:
            api_key.last_used_at = now
    return api_key
