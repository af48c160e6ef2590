"""The reserve form on the product page and the cancel form on the status page."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frontend.formatting import pickup_day_label
from marketplace.models import Product
from marketplace.selectors.pickup import PickupOptions

PHONE_RE = re.compile(r"^\+?[0-9 ()/\-]{5,30}$")


class ReserveForm(forms.Form):
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1)
    name = forms.CharField(
        label=_("Your name"), max_length=120, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        help_text=_("We send the pickup code here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=40,
        required=False,
        help_text=_("Only if the shop should be able to call you."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that my name, e-mail and phone are passed to the shop for this reservation "
            "and deleted after pickup."
        ),
        error_messages={"required": _("Please agree so the shop can hold the item for you.")},
    )
    pickup_date = forms.ChoiceField(
        label=_("When will you pick it up?"), widget=forms.RadioSelect, required=False, choices=()
    )
    # One key per rendered form: a double submit reserves once (the service replays the first result).
    form_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        product: Product,
        pickup: PickupOptions | None = None,
        now: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.product = product
        self.pickup = pickup
        self._pickup_choices(pickup, now=now)
        if not self.is_bound:
            self.initial.setdefault("form_key", uuid.uuid4())
        available = int(getattr(product, "available", 0) or 0)
        limit = max(1, min(available, settings.LADENKARTE_MAX_UNITS_PER_LINE))
        self.max_quantity = limit
        field = self.fields["quantity"]
        field.widget.attrs.update({"min": 1, "max": limit, "inputmode": "numeric"})
        field.validators.append(_max_units_validator)

    def _pickup_choices(self, pickup: PickupOptions | None, *, now: Any) -> None:
        """The offered days as radio buttons, the suggested one preselected (a short today is not)."""
        field = self.fields["pickup_date"]
        if pickup is None or not pickup.days:
            del self.fields["pickup_date"]
            return
        tz_name = self.product.shop.time_zone
        now = now or timezone.now()
        lead = timedelta(minutes=self.product.shop.pickup_lead_minutes)
        field.choices = [
            (
                day.date.isoformat(),
                pickup_day_label(
                    day=day.date,
                    starts=day.starts,
                    ends=day.ends,
                    tz_name=tz_name,
                    now=now,
                    until_only=day.today and day.starts <= now + lead + timedelta(minutes=1),
                ),
            )
            for day in pickup.days
        ]
        if pickup.suggested is not None:
            self.initial.setdefault("pickup_date", pickup.suggested.date.isoformat())

    def clean_pickup_date(self) -> date | None:
        raw = self.cleaned_data.get("pickup_date") or ""
        return date.fromisoformat(raw) if raw else None

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if len(name) < 2:
            raise forms.ValidationError(_("Please enter your name."))
        return name

    def clean_phone(self) -> str:
        phone = self.cleaned_data.get("phone", "").strip()
        if phone and not PHONE_RE.match(phone):
            raise forms.ValidationError(
                _("Please enter a phone number with digits only (e.g. +49 4131 123456).")
            )
        return phone


def _max_units_validator(value: int) -> None:
    limit = settings.LADENKARTE_MAX_UNITS_PER_LINE
    if value > limit:
        raise forms.ValidationError(
            _("At most %(limit)s pieces per reservation."), params={"limit": limit}, code="max_units"
        )


class CancelForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=200)
