"""The account side of the public shop registration: throttles, the e-mail confirmation, lapsed sign-ups.

Anyone can use the registration form, so it must not become a way to mail strangers or to take their
address (decision 1200):

- Attempts are counted per client (`LADENKARTE_SIGNUP_RATE`) and e-mails per address
  (`LADENKARTE_SIGNUP_EMAIL_RATE`), in the shared rate limiter, for registrations and new links alike.
- A new account starts inactive with a `SignupVerification` row: no login, no admin, no my-shop, no API
  keys, and its pending shop gets no merchant API. The link in the e-mail is signed (no secret is stored)
  and expires with the registration (`LADENKARTE_SIGNUP_VERIFY_HOURS`); the page it opens asks for the
  password chosen at registration, so a stranger who receives the mail cannot activate an account someone
  else set up with their address (and mail scanners that open links change nothing).
- The e-mails are neutral: no shop name, no personal name, nothing the registrant typed but the address.
- An address that has an account already gets a notice (or, unconfirmed, a new link); the page answers
  exactly as for a new address and the existing account is never changed.
- A registration not confirmed in time lapses: the account and its still pending shop are deleted (hourly,
  and before a new registration of the same address), so the address is free again.

Claiming a listing with a one-time code (`marketplace.services.claims`) makes an active account at once:
the code the city sent to the shop is the proof, not the e-mail address.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from marketplace.exceptions import SignupLinkInvalid, ValidationFailed
from marketplace.infrastructure.rate_limits import rate_limit_hit
from marketplace.models import OutboxMessage, Shop, ShopMembership, SignupVerification
from marketplace.services.emails import email_compose
from marketplace.services.outbox import outbox_message_id, outbox_put

SIGNUP_BUCKET = "signup"  # per client: registrations, new links, confirmation attempts
SIGNUP_EMAIL_BUCKET = "signup-email"  # per e-mail address: every e-mail the sign-up pages send
_SALT = "ladenkarte.signup-verification"


def signup_window() -> timedelta:
    return timedelta(hours=int(settings.LADENKARTE_SIGNUP_VERIFY_HOURS))


def _address_key(email: str) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}|{email.strip().lower()}".encode()).hexdigest()
    return f"email:{digest[:40]}"


def signup_throttle(*, client: str, email: str) -> None:
    """Count one sign-up attempt of `client` and one e-mail to `email`; `RateLimited` past either limit."""
    if client:
        rate_limit_hit(bucket=SIGNUP_BUCKET, client=client, rate=settings.LADENKARTE_SIGNUP_RATE)
    rate_limit_hit(
        bucket=SIGNUP_EMAIL_BUCKET, client=_address_key(email), rate=settings.LADENKARTE_SIGNUP_EMAIL_RATE
    )


def signup_is_verified(user: Any) -> bool:
    """False only for an account of the public registration whose address is not confirmed yet."""
    return not SignupVerification.objects.filter(user_id=user.pk, verified_at=None).exists()


def signup_shop_unconfirmed(*, shop: Shop) -> bool:
    """The shop's owner registered through the public form and has not confirmed the address yet: the city
    cannot approve it (it would put a stranger's text on the map with nobody behind it)."""
    return SignupVerification.objects.filter(
        verified_at=None,
        user__shop_memberships__shop=shop,
        user__shop_memberships__role=ShopMembership.Role.OWNER,
    ).exists()


def signup_account_create(*, email: str, password: str, name: str, now: datetime) -> Any:
    """A new inactive account waiting for confirmation (inside the registration's transaction); the
    confirmation e-mail goes out through the outbox."""
    first, _sep, last = name.strip().partition(" ")
    user = get_user_model().objects.create_user(
        username=email,
        email=email,
        password=password,
        first_name=first[:150],
        last_name=last[:150],
        is_staff=True,  # the admin shows owners only their own shops (see the merchant admin)
        is_active=False,  # until the address is confirmed
    )
    SignupVerification.objects.create(user=user, created_at=now)
    outbox_put(kind="email.signup_verify", payload={"user_id": user.pk})
    return user


def signup_existing_account(*, email: str, now: datetime) -> Any | None:
    """The account that holds `email` as its user name, if any; a lapsed unconfirmed one is deleted first
    (so the address is free for a new registration)."""
    signup_lapsed_purge(now=now, email=email)
    return get_user_model().objects.filter(username__iexact=email.strip()).first()


def signup_existing_notify(*, user: Any) -> None:
    """Someone registered with the address of an existing account: the account stays as it is; its owner
    gets a new link (still unconfirmed) or a neutral notice (inside a transaction)."""
    if not user.email:
        return
    waiting = SignupVerification.objects.filter(user=user, verified_at=None).exists()
    kind = "email.signup_verify" if waiting else "email.signup_exists"
    outbox_put(kind=kind, payload={"user_id": user.pk})


def signup_resend(*, email: str, client: str, now: datetime | None = None) -> None:
    """ "Send the link again": a new link for an unconfirmed registration of `email`, nothing otherwise
    (the page says the same either way). Throttled like a registration."""
    now = now or timezone.now()
    email = email.strip().lower()
    signup_throttle(client=client, email=email)
    with transaction.atomic():
        signup_lapsed_purge(now=now, email=email)
        verification = SignupVerification.objects.filter(
            user__username__iexact=email, verified_at=None, created_at__gt=now - signup_window()
        ).first()
        if verification is not None:
            outbox_put(kind="email.signup_verify", payload={"user_id": verification.user_id})


def signup_token(verification: SignupVerification) -> str:
    """The signed, time-stamped token of the confirmation link (nothing of it is stored)."""
    return signing.dumps({"v": verification.pk, "u": verification.user_id}, salt=_SALT, compress=True)


def signup_url(verification: SignupVerification) -> str:
    return settings.SITE_URL + reverse("city:signup-verify", args=[signup_token(verification)])


def signup_verification_for_token(*, token: str, now: datetime | None = None) -> SignupVerification:
    """The waiting registration of a link; `SignupLinkInvalid` for bad, old, used or lapsed links."""
    now = now or timezone.now()
    try:
        data = signing.loads(token, salt=_SALT, max_age=signup_window())
        pk, user_id = int(data["v"]), int(data["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise SignupLinkInvalid() from None
    verification = (
        SignupVerification.objects.filter(
            pk=pk, user_id=user_id, verified_at=None, created_at__gt=now - signup_window()
        )
        .select_related("user")
        .first()
    )
    if verification is None:
        raise SignupLinkInvalid()
    return verification


def signup_verify(*, token: str, password: str, client: str, now: datetime | None = None) -> Any:
    """Confirm the address of a registration: the link's token and the password chosen at registration.
    The account becomes active; the registration e-mails (owner and city) go out now. Returns the user."""
    now = now or timezone.now()
    rate_limit_hit(bucket=SIGNUP_BUCKET, client=client, rate=settings.LADENKARTE_SIGNUP_RATE)
    with transaction.atomic():
        verification = signup_verification_for_token(token=token, now=now)
        locked = SignupVerification.objects.select_for_update().get(pk=verification.pk)
        user = locked.user
        if locked.verified_at is not None:
            raise SignupLinkInvalid()
        if not user.check_password(password):
            raise ValidationFailed(
                _("This is not the password chosen at registration."),
                details={"password": [_("This is not the password chosen at registration.")]},
            )
        locked.verified_at = now
        locked.save(update_fields=["verified_at"])
        user.is_active = True
        user.save(update_fields=["is_active"])
        from marketplace.services.shops import shop_registration_confirmed

        for shop in Shop.objects.filter(
            memberships__user=user,
            memberships__role=ShopMembership.Role.OWNER,
            status=Shop.Status.PENDING,
        ):
            shop_registration_confirmed(shop=shop)
    return user


def signup_lapsed_purge(*, now: datetime | None = None, email: str = "") -> int:
    """Delete unconfirmed registrations older than the window: the account and its pending shops that no
    one else is a member of. `email`: only that address. Returns the number of accounts deleted."""
    now = now or timezone.now()
    lapsed = SignupVerification.objects.filter(verified_at=None, created_at__lte=now - signup_window())
    if email:
        lapsed = lapsed.filter(user__username__iexact=email.strip())
    user_ids = list(lapsed.values_list("user_id", flat=True))
    if not user_ids:
        return 0
    with transaction.atomic():
        shops = (
            Shop.objects.filter(memberships__user_id__in=user_ids)
            .annotate(members=Count("memberships", distinct=True))
            .filter(Q(status=Shop.Status.PENDING) | Q(status=Shop.Status.CHANGES_REQUESTED), members=1)
        )
        Shop.objects.filter(pk__in=list(shops.values_list("pk", flat=True))).delete()
        get_user_model().objects.filter(pk__in=user_ids, is_active=False, last_login=None).delete()
    return len(user_ids)


def _context() -> dict[str, Any]:
    return {
        "site_url": settings.SITE_URL,
        "operator": settings.LADENKARTE_OPERATOR,
        "town": settings.LADENKARTE_TOWN,
        "hours": int(settings.LADENKARTE_SIGNUP_VERIFY_HOURS),
        "login_url": settings.SITE_URL + settings.LOGIN_URL,
        "resend_url": settings.SITE_URL + reverse("city:signup-resend"),
    }


def signup_verify_email_deliver(message: OutboxMessage, secret: str) -> None:
    """Outbox handler: the confirmation link (nothing when confirmed or lapsed since)."""
    verification = (
        SignupVerification.objects.filter(user_id=message.payload["user_id"], verified_at=None)
        .select_related("user")
        .first()
    )
    if verification is None or not verification.user.email:
        return
    if verification.created_at <= timezone.now() - signup_window():
        return
    with translation.override(settings.LANGUAGE_CODE):
        context = {**_context(), "url": signup_url(verification)}
        email = email_compose(
            subject=_("Please confirm your e-mail address for Ladenkarte %(town)s")
            % {"town": settings.LADENKARTE_TOWN},
            template="marketplace/email/signup_verify.txt",
            context=context,
            to=[verification.user.email],
            headers={"Message-ID": outbox_message_id(message)},
        )
    email.send()


def signup_exists_email_deliver(message: OutboxMessage, secret: str) -> None:
    """Outbox handler: tell an existing account that its address was used on the registration form."""
    user = get_user_model().objects.filter(pk=message.payload["user_id"]).first()
    if user is None or not user.email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        email = email_compose(
            subject=_("Your e-mail address was used on Ladenkarte %(town)s")
            % {"town": settings.LADENKARTE_TOWN},
            template="marketplace/email/signup_exists.txt",
            context=_context(),
            to=[user.email],
            headers={"Message-ID": outbox_message_id(message)},
        )
    email.send()
