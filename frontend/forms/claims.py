"""Forms of the claim page: the code, then the shop's data to confirm (and an account when signed out)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.services.claims import ClaimConfirmation


class ClaimCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Claim code"),
        max_length=20,
        help_text=_("12 letters and digits, as printed in the letter from the city (e.g. ABCD-EFGH-JKMN)."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}),
    )


class ClaimConfirmForm(forms.Form):
    code = forms.CharField(widget=forms.HiddenInput, max_length=20)
    name = forms.CharField(label=_("Name of the shop"), max_length=200)
    street = forms.CharField(label=_("Street and number"), max_length=200)
    postcode = forms.CharField(label=_("Postcode"), max_length=10)
    city = forms.CharField(label=_("Town"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("E-mail of the shop"), required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    hours_confirmed = forms.BooleanField(
        label=_("The opening hours shown above are correct."),
        required=False,
        help_text=_("You can change them any time later in your shop's admin."),
    )
    owner_name = forms.CharField(label=_("Your name"), max_length=150)
    owner_email = forms.EmailField(label=_("Your e-mail address (your login)"))
    owner_password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, signed_in: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if signed_in:
            for name in ("owner_name", "owner_email", "owner_password"):
                del self.fields[name]

    def confirmation(self) -> ClaimConfirmation:
        data = self.cleaned_data
        return ClaimConfirmation(
            name=data["name"],
            street=data["street"],
            postcode=data["postcode"],
            city=data["city"],
            phone=data.get("phone", ""),
            email=data.get("email", ""),
            website=data.get("website", ""),
            hours_confirmed=bool(data.get("hours_confirmed")),
            owner_name=data.get("owner_name", ""),
            owner_email=data.get("owner_email", ""),
            owner_password=data.get("owner_password", ""),
        )
