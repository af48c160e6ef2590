"""Shop onboarding and the city's decisions: register, approve, request changes, reject, suspend, reactivate.

A registered shop starts `pending` with an owner account that can sign in to the admin (scoped to its own
shops) to see the status and the city's message and to correct its data; residents see a shop only while it
is `active`. Every status change copies `shop_active` onto the products (set-based, through
`marketplace.services.products`) and e-mails the owners through the outbox.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from geo.opening_hours import Interval
from marketplace.exceptions import InvalidTransition, ValidationFailed
from marketplace.infrastructure.geocoding import GeocodingFailed, address_geocode
from marketplace.models import Category, OpeningHours, OutboxMessage, Shop, ShopMembership
from marketplace.selectors.merchant import shop_email_addresses
from marketplace.services import signup
from marketplace.services.emails import email_compose
from marketplace.services.outbox import outbox_message_id, outbox_put
from marketplace.services.products import shop_location_changed, shop_status_changed
from marketplace.services.roles import MERCHANTS_GROUP

_TRANSLITERATE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


@dataclass(frozen=True)
class ShopRegistration:
    """What the public "register your shop" form collects (already validated for shape by the form)."""

    name: str
    street: str
    postcode: str
    city: str
    owner_name: str
    owner_email: str
    consent: bool
    owner_password: str = ""
    description: str = ""
    district: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    category_ids: Sequence[int] = ()
    weekly_hours: Mapping[int, Sequence[Interval]] = field(default_factory=dict)
    lat: float | None = None
    lng: float | None = None
    step_free_entrance: bool = False
    card_payment: bool = True
    bicycle_parking: bool = False
    gift_wrapping: bool = False


def shop_slug_for(name: str) -> str:
    """A free slug from the shop's name, German umlauts spelled out ("Bäckerei Löhr" -> "baeckerei-loehr")."""
    base = slugify(name.translate(_TRANSLITERATE))[:100].strip("-") or "laden"
    base = re.sub(r"-{2,}", "-", base)
    taken = set(Shop.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    counter = 2
    while f"{base}-{counter}" in taken:
        counter += 1
    return f"{base}-{counter}"


def _check_registration(
    registration: ShopRegistration, user: AbstractBaseUser | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not registration.consent:
        errors["consent"] = [_("Please agree to the terms of participation and the privacy notice.")]
    for name in ("name", "street", "postcode", "city", "owner_name"):
        if not str(getattr(registration, name)).strip():
            errors[name] = [_("This field is required.")]
    if not re.fullmatch(r"\d{5}", registration.postcode.strip()):
        errors["postcode"] = [_("Enter a German postcode with five digits.")]
    if (registration.lat is None) != (registration.lng is None):
        errors["location"] = [_("Set the pin on the map.")]
    elif (
        registration.lat is not None
        and registration.lng is not None
        and not (-90 <= registration.lat <= 90 and -180 <= registration.lng <= 180)
    ):
        errors["location"] = [_("The pin is outside the map.")]
    for weekday in registration.weekly_hours:
        if weekday not in range(7):
            errors["opening_hours"] = [_("Unknown weekday.")]
    known = set(Category.objects.filter(pk__in=registration.category_ids).values_list("pk", flat=True))
    if set(registration.category_ids) - known:
        errors["categories"] = [_("Choose categories from the list.")]
    if user is None:
        # an address that has an account already is not an error here (that would tell anyone whose
        # address has an account): `shop_register` answers as for a new one and notifies the account
        if not registration.owner_email.strip():
            errors["owner_email"] = [_("This field is required.")]
        try:
            validate_password(registration.owner_password)
        except DjangoValidationError as exc:
            errors["owner_password"] = list(exc.messages)
    return errors


def owner_account_errors(*, email: str, password: str) -> dict[str, list[str]]:
    """What stops a new owner account (registration, claiming a listing): a missing or taken e-mail
    address, a password the validators refuse; per form field (`owner_email`, `owner_password`)."""
    errors: dict[str, list[str]] = {}
    email = email.strip()
    if not email:
        errors["owner_email"] = [_("This field is required.")]
    elif get_user_model().objects.filter(username__iexact=email).exists():
        errors["owner_email"] = [
            _("An account with this e-mail address exists already. Please sign in first.")
        ]
    try:
        validate_password(password)
    except DjangoValidationError as exc:
        errors["owner_password"] = list(exc.messages)
    return errors


def shop_register(
    *,
    registration: ShopRegistration,
    user: AbstractBaseUser | AnonymousUser | None = None,
    client: str = "",
    now: datetime | None = None,
) -> Shop | None:
    """Create a pending shop and its owner account from the public form.

    A signed-in `user` becomes the owner, and the owner and the city are told by e-mail at once. Signed
    out, the attempt is throttled (`client`, and the e-mail address: `RateLimited`), and the new account
    waits inactive for its e-mail address to be confirmed (`marketplace.services.signup`); the e-mails of
    the registration go out after that. When the address has an account already, nothing is created or
    changed, the account's address is notified, and the answer is `None` (the page shows the same as for a
    new address).

    Without a pin the address is geocoded first (outside any transaction); when that fails the caller gets
    a `ValidationFailed` asking for the pin.
    """
    now = now or timezone.now()
    owner = user if user is not None and user.is_authenticated else None
    errors = _check_registration(registration, owner)
    if errors:
        raise ValidationFailed(_("Please check the highlighted fields."), details=errors)
    if owner is None:
        email = registration.owner_email.strip().lower()
        signup.signup_throttle(client=client, email=email)
        existing = signup.signup_existing_account(email=email, now=now)
        if existing is not None:
            with transaction.atomic():
                signup.signup_existing_notify(user=existing)
            return None
    lat, lng = registration.lat, registration.lng
    if lat is None or lng is None:
        try:
            found = address_geocode(
                street=registration.street, postcode=registration.postcode, city=registration.city
            )
        except GeocodingFailed as exc:
            raise ValidationFailed(
                _("The address search is not available right now. Please set the pin on the map by hand."),
                details={"location": [_("Set the pin on the map.")]},
            ) from exc
        if found is None:
            raise ValidationFailed(
                _("We could not find this address. Please check it or set the pin on the map by hand."),
                details={"location": [_("Set the pin on the map.")]},
            )
        lat, lng = found.lat, found.lng
    return _shop_create_pending(registration=registration, owner=owner, lat=lat, lng=lng, now=now)


@transaction.atomic
def _shop_create_pending(
    *,
    registration: ShopRegistration,
    owner: AbstractBaseUser | None,
    lat: float,
    lng: float,
    now: datetime | None,
) -> Shop | None:
    now = now or timezone.now()
    confirmed = owner is not None
    if owner is None:
        email = registration.owner_email.strip().lower()
        try:
            with transaction.atomic():
                owner = signup.signup_account_create(
                    email=email, password=registration.owner_password, name=registration.owner_name, now=now
                )
        except IntegrityError:  # registered at the same moment: as for an existing account
            existing = get_user_model().objects.filter(username__iexact=email).first()
            if existing is not None:
                signup.signup_existing_notify(user=existing)
            return None
    merchants = Group.objects.filter(name=MERCHANTS_GROUP).first()
    if merchants is not None:
        owner.groups.add(merchants)  # type: ignore[union-attr]
    shop = Shop.objects.create(
        name=registration.name.strip(),
        slug=shop_slug_for(registration.name),
        description=registration.description.strip(),
        street=registration.street.strip(),
        postcode=registration.postcode.strip(),
        city=registration.city.strip(),
        district=registration.district.strip(),
        location=Point(lng, lat, srid=4326),
        phone=registration.phone.strip(),
        email=(registration.email or registration.owner_email).strip().lower(),
        website=registration.website.strip(),
        status=Shop.Status.PENDING,
        step_free=Shop.StepFree.YES if registration.step_free_entrance else "",
        card_payment=registration.card_payment,
        bicycle_parking=registration.bicycle_parking,
        gift_wrapping=registration.gift_wrapping,
        created_at=now,
    )
    shop.categories.set(registration.category_ids)
    OpeningHours.objects.bulk_create(
        OpeningHours(shop=shop, weekday=weekday, opens=interval.opens, closes=interval.closes)
        for weekday, intervals in sorted(registration.weekly_hours.items())
        for interval in intervals
    )
    ShopMembership.objects.create(
        user=cast(Any, owner), shop=shop, role=ShopMembership.Role.OWNER, created_at=now
    )
    if confirmed:
        _notify(shop=shop, event="registered")
    return shop


def shop_registration_confirmed(*, shop: Shop) -> None:
    """The owner confirmed the e-mail address of a registration: now the owner and the city are told
    (inside the confirmation's transaction)."""
    _notify(shop=shop, event="registered")


def _notify(*, shop: Shop, event: str, message: str = "") -> None:
    """Write the e-mails of an onboarding step into the outbox (sent after the commit): the owners, and the
    city for a new registration."""
    payload = {"shop_id": shop.pk, "event": event, "message": message}
    outbox_put(kind="email.shop_status", payload=payload, shop=shop)
    if event == "registered" and settings.LADENKARTE_OPERATOR.get("email"):
        outbox_put(kind="email.shop_registered_city", payload=payload, shop=shop)


# Which status each decision may start from.
_ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    "approved": (Shop.Status.PENDING, Shop.Status.CHANGES_REQUESTED, Shop.Status.REJECTED),
    "changes_requested": (Shop.Status.PENDING, Shop.Status.CHANGES_REQUESTED),
    "rejected": (Shop.Status.PENDING, Shop.Status.CHANGES_REQUESTED),
    "suspended": (Shop.Status.ACTIVE,),
    "reactivated": (Shop.Status.SUSPENDED,),
}
_TARGET = {
    "approved": Shop.Status.ACTIVE,
    "changes_requested": Shop.Status.CHANGES_REQUESTED,
    "rejected": Shop.Status.REJECTED,
    "suspended": Shop.Status.SUSPENDED,
    "reactivated": Shop.Status.ACTIVE,
}


def _decide(*, shop: Shop, event: str, message: str, require_message: bool, now: datetime | None) -> Shop:
    now = now or timezone.now()
    message = message.strip()
    if require_message and not message:
        raise ValidationFailed(
            _("Please write a message to the shop."), details={"message": [_("This field is required.")]}
        )
    # FOR NO KEY UPDATE: the status is no key, so reservations and outbox rows of the shop (foreign-key
    # checks, FOR KEY SHARE) are not blocked; a cancel holding a product row would deadlock with the
    # products' update below otherwise (the lock order of `marketplace.services.reservations`)
    locked = Shop.objects.select_for_update(no_key=True).get(pk=shop.pk)
    if locked.status not in _ALLOWED_FROM[event]:
        raise InvalidTransition(
            _("A shop that is “%(status)s” cannot be changed like this.")
            % {"status": locked.get_status_display()},
            details={"status": locked.status},
        )
    if event == "approved" and signup.signup_shop_unconfirmed(shop=locked):
        raise InvalidTransition(
            _("The owner has not confirmed the e-mail address of the registration yet."),
            details={"status": locked.status},
        )
    locked.status = _TARGET[event]
    locked.status_message = message
    fields = ["status", "status_message", "updated_at"]
    if event == "approved" and locked.approved_at is None:
        locked.approved_at = now
        fields.append("approved_at")
    locked.save(update_fields=fields)
    shop_status_changed(shop=locked)
    _notify(shop=locked, event=event, message=message)
    return locked


@transaction.atomic
def shop_approve(*, shop: Shop, message: str = "", now: datetime | None = None) -> Shop:
    """Put a pending shop (or one asked for changes) on the map; its products become visible."""
    return _decide(shop=shop, event="approved", message=message, require_message=False, now=now)


@transaction.atomic
def shop_request_changes(*, shop: Shop, message: str, now: datetime | None = None) -> Shop:
    """Ask the owner to correct the registration; the message says what."""
    return _decide(shop=shop, event="changes_requested", message=message, require_message=True, now=now)


@transaction.atomic
def shop_reject(*, shop: Shop, message: str, now: datetime | None = None) -> Shop:
    """Turn a registration down, with the reason."""
    return _decide(shop=shop, event="rejected", message=message, require_message=True, now=now)


@transaction.atomic
def shop_suspend(*, shop: Shop, message: str, now: datetime | None = None) -> Shop:
    """Take an active shop off the map (its products disappear from search), with the reason."""
    return _decide(shop=shop, event="suspended", message=message, require_message=True, now=now)


@transaction.atomic
def shop_reactivate(*, shop: Shop, message: str = "", now: datetime | None = None) -> Shop:
    """Put a suspended shop back on the map."""
    return _decide(shop=shop, event="reactivated", message=message, require_message=False, now=now)


@transaction.atomic
def shop_move(*, shop: Shop, lat: float, lng: float) -> Shop:
    """Correct a shop's location (the pin); the products' search copies follow."""
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValidationFailed(details={"location": [_("The pin is outside the map.")]})
    locked = Shop.objects.select_for_update(no_key=True).get(pk=shop.pk)  # as in `_decide`
    locked.location = Point(lng, lat, srid=4326)
    locked.save(update_fields=["location", "updated_at"])
    shop_location_changed(shop=locked)
    return locked


def _status_context(shop: Shop, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "shop": shop,
        "event": payload["event"],
        "message": payload.get("message", ""),
        "site_url": settings.SITE_URL,
        "operator": settings.LADENKARTE_OPERATOR,
        "town": settings.LADENKARTE_TOWN,
    }


def shop_status_email_deliver(message: OutboxMessage, secret: str) -> None:
    """Outbox handler: e-mail a shop's owners (and the shop's address) about one onboarding step."""
    shop = Shop.objects.filter(pk=message.payload["shop_id"]).first()
    if shop is None:
        return
    # the registration itself goes to the owners only (confirmed accounts): the shop's address is whatever
    # the form said and is written to once the city has looked at the shop
    recipients = shop_email_addresses(shop=shop, owners_only=message.payload["event"] == "registered")
    if not recipients:
        return
    with translation.override(settings.LANGUAGE_CODE):
        context = _status_context(shop, message.payload)
        subject = render_to_string("marketplace/email/shop_status_subject.txt", context).strip()
        email = email_compose(
            subject=subject,
            template="marketplace/email/shop_status.txt",
            context=context,
            to=recipients,
            headers={"Message-ID": outbox_message_id(message)},
            shop=shop,
        )
    email.send()


def shop_registered_city_email_deliver(message: OutboxMessage, secret: str) -> None:
    """Outbox handler: tell the city's team about a new registration."""
    shop = Shop.objects.filter(pk=message.payload["shop_id"]).first()
    city_email = settings.LADENKARTE_OPERATOR.get("email")
    if shop is None or not city_email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        email = email_compose(
            subject=_("New shop registration: %(name)s") % {"name": shop.name},
            template="marketplace/email/shop_registered_city.txt",
            context=_status_context(shop, message.payload),
            to=[city_email],
            headers={"Message-ID": outbox_message_id(message)},
            shop=shop,
        )
    email.send()
