"""The shop's pickup settings on my-shop (the service checks them again: `services.pickup_days`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.models import Shop
from marketplace.services.pickup_days import MAX_DAYS_AHEAD, PICKUP_SETTINGS


class PickupSettingsForm(forms.Form):
    pickup_days_ahead = forms.IntegerField(
        label=_("Pickup on how many of the next opening days?"),
        min_value=0,
        max_value=MAX_DAYS_AHEAD,
        help_text=_("0 to 7; residents choose the day when reserving."),
    )
    pickup_min_window_minutes = forms.IntegerField(
        label=_("Offer today only if this many minutes are left"),
        min_value=0,
        max_value=12 * 60,
        help_text=_("Counted after your lead time; otherwise the form suggests the next opening day."),
    )
    pickup_lead_minutes = forms.IntegerField(
        label=_("Lead time (minutes)"),
        min_value=0,
        max_value=24 * 60,
        help_text=_("How long you need to put a reserved item aside."),
    )
    hold_minutes = forms.IntegerField(
        label=_("Hold length (minutes, optional)"),
        min_value=15,
        required=False,
        help_text=_("Empty: held until closing time of the chosen day."),
    )
    pickup_later_days = forms.BooleanField(label=_("Accept reservations for later days"), required=False)
    pickup_move_allowed = forms.BooleanField(
        label=_("Residents may move the pickup to the next opening day once"), required=False
    )

    def __init__(self, *args: Any, shop: Shop, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {name: getattr(shop, name) for name in PICKUP_SETTINGS})
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.IntegerField):
                field.widget.attrs.setdefault("inputmode", "numeric")

    def changes(self) -> dict[str, object]:
        return {name: self.cleaned_data.get(name) for name in PICKUP_SETTINGS}
