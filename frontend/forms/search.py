"""The resident search form: every parameter lives in the URL (German names), so searches can be shared."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from marketplace.models import Category

RADIUS_CHOICES = [
    ("1", _("1 km")),
    ("2", _("2 km")),
    ("5", _("5 km")),
    ("10", _("10 km")),
    ("25", _("25 km")),
    ("50", _("50 km")),
]
DEFAULT_RADIUS_KM = 5
ORDERING_CHOICES = [
    ("", _("Best match")),
    ("distance", _("Nearest first")),
    ("price", _("Lowest price first")),
    ("-price", _("Highest price first")),
]


def category_choices() -> list[tuple[str, str]]:
    """Top-level categories and their children (indented), names in the active language."""
    english = get_language() == "en"
    rows = list(
        Category.objects.order_by("position", "name").values("slug", "name", "name_en", "parent_id", "id")
    )
    children: dict[int | None, list[dict[str, Any]]] = {}
    for row in rows:
        children.setdefault(row["parent_id"], []).append(row)
    choices: list[tuple[str, str]] = [("", str(_("All categories")))]

    def walk(parent: int | None, depth: int) -> None:
        for row in children.get(parent, []):
            name = row["name_en"] if english and row["name_en"] else row["name"]
            choices.append((row["slug"], "\u2003" * depth + name))
            if depth < 3:
                walk(row["id"], depth + 1)

    walk(None, 0)
    return choices


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("What are you looking for?"),
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("e.g. bicycle inner tube, board game, coffee"),
                "autocomplete": "off",
            }
        ),
    )
    wo = forms.CharField(
        label=_("Where?"),
        max_length=120,
        required=False,
        help_text=_("Address or postcode; empty: the town centre"),
        widget=forms.TextInput(
            attrs={"autocomplete": "street-address", "placeholder": _("Street or postcode")}
        ),
    )
    lat = forms.FloatField(
        required=False,
        widget=forms.HiddenInput,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    lng = forms.FloatField(
        required=False,
        widget=forms.HiddenInput,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    umkreis = forms.TypedChoiceField(
        label=_("Radius"),
        choices=RADIUS_CHOICES,
        coerce=int,
        required=False,
        empty_value=DEFAULT_RADIUS_KM,
        initial=str(DEFAULT_RADIUS_KM),
    )
    kategorie = forms.ChoiceField(label=_("Category"), required=False)
    heute = forms.BooleanField(label=_("Pick up today"), required=False, initial=True)
    offen = forms.BooleanField(label=_("Open now"), required=False)
    # named as in the API (`step_free=true`, issue 17), so one link works on both
    step_free = forms.BooleanField(label=_("Step-free entrance"), required=False)
    max_preis = forms.DecimalField(
        label=_("Max. price (€)"),
        required=False,
        min_value=Decimal("0"),
        max_value=settings.LADENKARTE_MAX_PRICE,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0"}),
    )
    sortierung = forms.ChoiceField(label=_("Sort by"), choices=ORDERING_CHOICES, required=False)
    # Marks a submitted filter form: without it "heute" takes its default (on), so an unticked box counts.
    f = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kategorie"].choices = category_choices()
        if self.is_bound:
            data = self.data.copy()
            if not data.get("f"):
                data.setdefault("heute", "1")
            if not data.get("umkreis"):
                data["umkreis"] = str(DEFAULT_RADIUS_KM)
            self.data = data

    def active_filter_count(self) -> int:
        """How many of the filters behind "more filters" differ from their defaults."""
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return 0
        cleaned = self.cleaned_data
        return sum(
            [
                cleaned.get("umkreis") not in (None, DEFAULT_RADIUS_KM),
                bool(cleaned.get("kategorie")),
                cleaned.get("max_preis") is not None,
                bool(cleaned.get("sortierung")),
            ]
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if (cleaned.get("lat") is None) != (cleaned.get("lng") is None):
            raise forms.ValidationError(_("Location needs both latitude and longitude."))
        return cleaned
