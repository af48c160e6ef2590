"""Claiming a listing: one-time codes (letter or e-mail), and the owner taking the shop over with one.

A code is 12 characters from an unambiguous alphabet (about 60 bits), shown once (in the letter or the
e-mail) and stored only as a SHA-256 hash. It expires after `LADENKARTE_CLAIM_CODE_DAYS`, is single-use,
and a new code for the same shop revokes the open ones. Tries are rate-limited per client. A valid code is
the city's approval: the claimed shop becomes active at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.exceptions import InvalidTransition, ValidationFailed
from marketplace.infrastructure.rate_limits import rate_limit_hit
from marketplace.models import ClaimCode, Shop, ShopMembership, ShopOsmRecord
from marketplace.services.products import shop_status_changed
from marketplace.services.roles import MERCHANTS_GROUP
from marketplace.services.shops import owner_account_errors

CLAIM_BUCKET = "claim-code"
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_CODE_LENGTH = 12


def claim_code_normalize(code: str) -> str:
    """Upper case without spaces and dashes ("abcd-efgh-jkmn" -> "ABCDEFGHJKMN")."""
    return "".join(ch for ch in code.upper() if ch not in " -\t")


def claim_code_hash(code: str) -> str:
    return hashlib.sha256(claim_code_normalize(code).encode()).hexdigest()


def claim_code_format(raw: str) -> str:
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@transaction.atomic
def claim_code_create(
    *, shop: Shop, channel: str = ClaimCode.Channel.LETTER, user: Any = None, now: datetime | None = None
) -> tuple[ClaimCode, str]:
    """A new code for a listing (the open ones are revoked); returns the row and the code, shown once."""
    now = now or timezone.now()
    locked = Shop.objects.select_for_update().get(pk=shop.pk)
    if locked.status != Shop.Status.LISTED:
        raise InvalidTransition(
            _("Only a listing that nobody has claimed yet gets a claim code."),
            details={"status": locked.status},
        )
    ClaimCode.objects.filter(shop=locked, used_at=None, revoked_at=None).update(revoked_at=now)
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LENGTH))
    claim = ClaimCode.objects.create(
        shop=locked,
        code_hash=claim_code_hash(raw),
        channel=channel,
        created_at=now,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        expires_at=now + timedelta(days=settings.LADENKARTE_CLAIM_CODE_DAYS),
    )
    return claim, claim_code_format(raw)


def _open_codes(now: datetime) -> QuerySet[ClaimCode]:
    return ClaimCode.objects.filter(used_at=None, revoked_at=None, expires_at__gt=now)


def claim_code_check(*, code: str, client: str, now: datetime | None = None) -> Shop:
    """The listing a valid code belongs to; `ValidationFailed` for unknown, used, revoked or expired codes
    (one message for all, so nothing can be learned by trying); `RateLimited` past the client's budget."""
    now = now or timezone.now()
    rate_limit_hit(bucket=CLAIM_BUCKET, client=client, rate=settings.LADENKARTE_CLAIM_RATE)
    claim = (
        _open_codes(now)
        .filter(code_hash=claim_code_hash(code), shop__status=Shop.Status.LISTED)
        .select_related("shop")
        .first()
    )
    if claim is None:
        raise ValidationFailed(
            _("This code is not valid (any more). Please check it or ask the city for a new letter."),
            details={"code": [_("Unknown or expired code.")]},
        )
    return claim.shop


@dataclass(frozen=True)
class ClaimConfirmation:
    """What the owner confirms (or corrects) when claiming, and the new account when not signed in."""

    name: str
    street: str
    postcode: str
    city: str
    phone: str = ""
    email: str = ""
    website: str = ""
    hours_confirmed: bool = False
    owner_name: str = ""
    owner_email: str = ""
    owner_password: str = ""


def _check(confirmation: ClaimConfirmation, *, needs_account: bool) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name in ("name", "street", "postcode", "city"):
        if not getattr(confirmation, name).strip():
            errors[name] = [_("This field is required.")]
    if confirmation.email.strip():
        try:
            EmailValidator()(confirmation.email.strip())
        except DjangoValidationError:
            errors["email"] = [_("Enter a valid e-mail address.")]
    if confirmation.website.strip():
        try:
            URLValidator(schemes=["http", "https"])(confirmation.website.strip())
        except DjangoValidationError:
            errors["website"] = [_("Enter a valid web address (https://...).")]
    if needs_account:
        if not confirmation.owner_name.strip():
            errors["owner_name"] = [_("This field is required.")]
        errors.update(
            owner_account_errors(email=confirmation.owner_email, password=confirmation.owner_password)
        )
    return errors


@transaction.atomic
def shop_claim(
    *, code: str, confirmation: ClaimConfirmation, user: Any = None, now: datetime | None = None
) -> tuple[Shop, Any]:
    """Take over a listing with a valid code: the shop's data as confirmed, the owner (the signed-in user
    or a new account) and status active, in one transaction; the code is used up. Returns shop and owner."""
    now = now or timezone.now()
    owner = user if user is not None and getattr(user, "is_authenticated", False) else None
    errors = _check(confirmation, needs_account=owner is None)
    if errors:
        raise ValidationFailed(_("Please check the highlighted fields."), details=errors)
    claim = _open_codes(now).select_for_update(of=("self",)).filter(code_hash=claim_code_hash(code)).first()
    if claim is None:
        raise ValidationFailed(
            _("This code is not valid (any more). Please check it or ask the city for a new letter."),
            details={"code": [_("Unknown or expired code.")]},
        )
    shop = Shop.objects.select_for_update().get(pk=claim.shop_id)
    if shop.status != Shop.Status.LISTED:
        raise InvalidTransition(_("This shop has been claimed already."), details={"status": shop.status})
    if owner is None:
        email = confirmation.owner_email.strip().lower()
        first, _sep, last = confirmation.owner_name.strip().partition(" ")
        owner = get_user_model().objects.create_user(
            username=email,
            email=email,
            password=confirmation.owner_password,
            first_name=first[:150],
            last_name=last[:150],
            is_staff=True,  # the admin shows owners only their own shops
        )
    merchants = Group.objects.filter(name=MERCHANTS_GROUP).first()
    if merchants is not None:
        owner.groups.add(merchants)
    shop.name = confirmation.name.strip()[:200]
    shop.street = confirmation.street.strip()[:200]
    shop.postcode = confirmation.postcode.strip()[:10]
    shop.city = confirmation.city.strip()[:100]
    shop.phone = confirmation.phone.strip()[:40]
    shop.email = (confirmation.email or getattr(owner, "email", "")).strip().lower()[:254]
    shop.website = confirmation.website.strip()[:200]
    shop.status = Shop.Status.ACTIVE
    shop.status_message = ""
    shop.approved_at = now
    fields = ["name", "street", "postcode", "city", "phone", "email", "website", "status"]
    fields += ["status_message", "approved_at", "updated_at"]
    if confirmation.hours_confirmed:
        shop.hours_confirmed_at = now
        fields.append("hours_confirmed_at")
        ShopOsmRecord.objects.filter(shop=shop, hours_status=ShopOsmRecord.HoursStatus.CONFIRM).update(
            hours_status=ShopOsmRecord.HoursStatus.CONFIRMED
        )
    shop.save(update_fields=fields)
    ShopMembership.objects.get_or_create(
        user=cast(Any, owner), shop=shop, defaults={"role": ShopMembership.Role.OWNER, "created_at": now}
    )
    claim.used_at = now
    claim.used_by = owner
    claim.save(update_fields=["used_at", "used_by"])
    ClaimCode.objects.filter(shop=shop, used_at=None, revoked_at=None).update(revoked_at=now)
    shop_status_changed(shop=shop)
    return shop, owner
