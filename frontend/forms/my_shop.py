"""Forms of the merchant's "my shop" page that are more than a button."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.services.accessibility import QUIET_HOURS_MAX


class AccessibilityForm(forms.Form):
    """The shop's accessibility facts (decision 1700); the service checks and writes them."""

    step_free = forms.ChoiceField(
        label=_("Step-free entrance"),
        required=False,
        choices=[
            ("", _("Not stated")),
            ("yes", _("Yes, step-free")),
            ("limited", _("Partly (e.g. one low step, ramp on request)")),
            ("no", _("No, there are steps")),
        ],
    )
    accessible_toilet = forms.BooleanField(label=_("Accessible toilet"), required=False)
    seating = forms.BooleanField(label=_("Seating for customers"), required=False)
    hearing_loop = forms.BooleanField(label=_("Hearing loop at the counter"), required=False)
    disabled_parking_nearby = forms.BooleanField(label=_("Disabled parking nearby"), required=False)
    quiet_hours = forms.CharField(
        label=_("Quiet hours"),
        required=False,
        max_length=QUIET_HOURS_MAX,
        help_text=_('For example "Tuesdays 9-11, music off, lights dimmed".'),
    )
