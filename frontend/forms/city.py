"""The public "register your shop" form (German first); the rules live in `marketplace.services.shops`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from geo.opening_hours import Interval, parse_interval
from marketplace.models import Category, Weekday
from marketplace.services.shops import ShopRegistration


class ShopRegistrationForm(forms.Form):
    name = forms.CharField(label=_("Name of the shop"), max_length=200)
    description = forms.CharField(
        label=_("What do you sell?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Two or three sentences for residents."),
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("Categories"),
        queryset=Category.objects.order_by("position", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    street = forms.CharField(label=_("Street and number"), max_length=200)
    postcode = forms.RegexField(
        label=_("Postcode"),
        regex=r"^\d{5}$",
        max_length=5,
        error_messages={"invalid": _("Enter a German postcode with five digits.")},
    )
    city = forms.CharField(label=_("Town"), max_length=100)
    district = forms.CharField(label=_("District"), max_length=100, required=False)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)
    lng = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("E-mail address of the shop"), required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    step_free_entrance = forms.BooleanField(label=_("Step-free entrance"), required=False)
    card_payment = forms.BooleanField(label=_("Card payment"), required=False, initial=True)
    bicycle_parking = forms.BooleanField(label=_("Bicycle parking"), required=False)
    gift_wrapping = forms.BooleanField(label=_("Gift wrapping"), required=False)
    owner_name = forms.CharField(label=_("Your name"), max_length=150)
    owner_email = forms.EmailField(
        label=_("Your e-mail address (your login)"),
        help_text=_("You sign in with it; we write to you there."),
    )
    owner_password = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        required=False,
        help_text=_("At least 8 characters, not only digits."),
    )
    consent = forms.BooleanField(
        label=_("I agree to the terms of participation and have read the privacy notice."),
        error_messages={"required": _("Please agree to the terms of participation and the privacy notice.")},
    )

    def __init__(self, *args: Any, signed_in: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.signed_in = signed_in
        if signed_in:
            for name in ("owner_email", "owner_password"):
                self.fields[name].required = False
                self.fields[name].widget = forms.HiddenInput()
        else:
            self.fields["owner_password"].required = True
        self.hour_fields = []
        for value, label in Weekday.choices:
            name = f"hours_{value}"
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                max_length=60,
                initial="" if value == Weekday.SUNDAY else "09:00-18:00",
                help_text=_("e.g. 09:00-13:00, 14:00-18:00; empty: closed"),
            )
            self.hour_fields.append(self[name])

    def clean_weekly_hours(self) -> dict[int, list[Interval]]:
        weekly: dict[int, list[Interval]] = {}
        for value, _label in Weekday.choices:
            raw = self.cleaned_data.get(f"hours_{value}") or ""
            intervals = []
            for part in raw.replace(";", ",").split(","):
                if not part.strip():
                    continue
                try:
                    intervals.append(parse_interval(part))
                except ValueError:
                    self.add_error(f"hours_{value}", _("Enter times like 09:00-18:00."))
            if intervals:
                weekly[value] = intervals
        return weekly

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["weekly_hours"] = self.clean_weekly_hours()
        return data

    def registration(self) -> ShopRegistration:
        data = self.cleaned_data
        return ShopRegistration(
            name=data["name"],
            description=data.get("description", ""),
            street=data["street"],
            postcode=data["postcode"],
            city=data["city"],
            district=data.get("district", ""),
            phone=data.get("phone", ""),
            email=data.get("email", ""),
            website=data.get("website", ""),
            category_ids=[category.pk for category in data.get("categories", [])],
            weekly_hours=data["weekly_hours"],
            lat=data.get("lat"),
            lng=data.get("lng"),
            step_free_entrance=data.get("step_free_entrance", False),
            card_payment=data.get("card_payment", False),
            bicycle_parking=data.get("bicycle_parking", False),
            gift_wrapping=data.get("gift_wrapping", False),
            owner_name=data["owner_name"],
            owner_email=data.get("owner_email") or "",
            owner_password=data.get("owner_password") or "",
            consent=data["consent"],
        )


class SignupConfirmForm(forms.Form):
    """The confirmation link's page: the password chosen at registration proves who filled in the form."""

    password = forms.CharField(
        label=_("The password you chose at registration"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        max_length=200,
    )


class SignupResendForm(forms.Form):
    email = forms.EmailField(label=_("The e-mail address you registered with"))
