"""Admin for shops, their opening hours, special days and memberships (scoped to members, `tenancy`).

The week is saved by `hours.opening_hours_replace` and each special day by `hours.special_day_set` /
`special_day_delete` (`ShopAdmin.save_formset`); the forms only parse and check what was typed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from geo.opening_hours import parse_interval
from marketplace.admin.tenancy import (
    ReadOnlyInline,
    ShopScopedAdmin,
)
from marketplace.exceptions import DomainError
from marketplace.models import (
    OpeningHours,
    Shop,
    ShopMembership,
    SpecialDay,
    Weekday,
)
from marketplace.services import hours

# --- shops, hours, special days --------------------------------------------------------------------------


class OpeningHoursFormSet(BaseInlineFormSet):
    """Checks the week like `opening_hours_replace`: no overlaps, past midnight only until 06:00."""

    def clean(self) -> None:
        super().clean()
        by_day: dict[int, list[Any]] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or data.get("opens") is None or data.get("closes") is None:
                continue
            by_day.setdefault(data["weekday"], []).append((data["opens"], data["closes"]))
        problems = [
            problem
            for weekday, intervals in sorted(by_day.items())
            for problem in hours.check_intervals(intervals, label=str(Weekday(weekday).label))
        ]
        if problems:
            raise forms.ValidationError(problems)


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    formset = OpeningHoursFormSet
    extra = 0
    fields = ["weekday", "opens", "closes"]


class SpecialDayForm(forms.ModelForm):
    hours_text = forms.CharField(
        label=_("opening hours"),
        required=False,
        help_text=_("For open days, e.g. “10:00-14:00” or “10:00-13:00, 14:00-18:00”."),
    )

    class Meta:
        model = SpecialDay
        fields = ["date", "closed", "hours_text", "name"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.intervals:
            self.initial["hours_text"] = ", ".join(
                f"{i['opens']}-{i['closes']}" for i in self.instance.intervals
            )

    def clean(self) -> dict[str, Any]:
        """Parses the hours into `cleaned_data["intervals"]` (pairs of times) for `special_day_set`."""
        data = super().clean() or {}
        parts = [
            part.strip()
            for part in (data.get("hours_text") or "").replace(";", ",").split(",")
            if part.strip()
        ]
        try:
            intervals = [parse_interval(part) for part in parts]
        except ValueError as exc:
            raise forms.ValidationError({"hours_text": str(exc)}) from exc
        data["intervals"] = [(i.opens, i.closes) for i in intervals]
        if data.get("closed") and intervals:
            self.add_error("hours_text", _("A closed day has no opening hours."))
        elif not data.get("closed") and not intervals:
            self.add_error("hours_text", _("An open special day needs opening hours."))
        problems = hours.check_intervals(
            [(i.opens, i.closes) for i in intervals], label=str(data.get("date"))
        )
        if problems:
            self.add_error("hours_text", problems)
        return data


class SpecialDayInline(admin.TabularInline):
    model = SpecialDay
    form = SpecialDayForm
    extra = 0


class MembershipInline(ReadOnlyInline):
    model = ShopMembership
    fields = ["user", "role", "created_at"]
    readonly_fields = ["user", "role", "created_at"]


# The city decides these; a merchant can never change them here.
CITY_FIELDS = ["status", "status_message", "approved_at", "slug"]


@admin.register(Shop)
class ShopAdmin(ShopScopedAdmin):
    shop_field = "pk"
    list_display = ["name", "status", "district", "product_count_link", "pickup_lead_minutes"]
    list_filter = ["status", "district"]
    search_fields = ["name", "slug", "street"]
    inlines = [OpeningHoursInline, SpecialDayInline, MembershipInline]
    fieldsets = [
        (
            None,
            {"fields": ["name", "slug", "status", "status_message", "approved_at", "description", "photo"]},
        ),
        (_("Address"), {"fields": ["street", "postcode", "city", "district", "location_text"]}),
        (_("Contact"), {"fields": ["phone", "email", "website", "social_links"]}),
        (
            _("Pickup"),
            {
                "fields": [
                    "time_zone",
                    "pickup_lead_minutes",
                    "hold_minutes",
                    "pickup_days_ahead",
                    "pickup_min_window_minutes",
                    "pickup_later_days",
                    "pickup_move_allowed",
                ]
            },
        ),
        (_("Practical"), {"fields": ["card_payment", "bicycle_parking", "gift_wrapping"]}),
        (
            _("Accessibility"),
            {
                "fields": [
                    "step_free",
                    "accessible_toilet",
                    "seating",
                    "quiet_hours",
                    "hearing_loop",
                    "disabled_parking_nearby",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # status decisions are the city's (approval queue); the pin moves with `shop_move`, so the address
        # (which the pin was geocoded from) is changed by the city as well
        fixed = [*CITY_FIELDS, "location_text", "time_zone"]
        if not request.user.is_superuser:
            fixed += ["street", "postcode", "city", "district"]
        return fixed

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # reservations and the stock history must stay; the city suspends instead

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        shop = form.instance
        if formset.model is OpeningHours:
            _save_week(shop=shop, formset=formset)
        elif formset.model is SpecialDay:
            _save_special_days(shop=shop, formset=formset)
        else:
            super().save_formset(request, form, formset, change)

    def changeform_view(
        self, request: HttpRequest, object_id: Any = None, form_url: str = "", extra_context: Any = None
    ) -> Any:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:  # a service refused what the forms let through: all rolled back
            self.message_user(request, exc.message, level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    @admin.display(description=_("location"))
    def location_text(self, obj: Shop) -> str:
        return f"{obj.location.y:.5f}, {obj.location.x:.5f}" if obj.location else "-"

    @admin.display(description=_("products"))
    def product_count_link(self, obj: Shop) -> str:
        return format_html('<a href="../product/?shop__id__exact={}">{}</a>', obj.pk, _("products"))


@admin.register(ShopMembership)
class ShopMembershipAdmin(ShopScopedAdmin):
    list_display = ["user", "shop", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "shop__name"]
    list_select_related = ["user", "shop"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


def _kept(formset: Any) -> list[Any]:
    """The formset's filled-in forms that are not marked for deletion."""
    return [
        f
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE") and (f.instance.pk or f.has_changed())
    ]


def _save_week(*, shop: Shop, formset: Any) -> None:
    """The whole week through `opening_hours_replace` (one locked write), when anything in it changed."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    if not formset.has_changed():
        return
    intervals = [
        hours.HoursInterval(weekday=d["weekday"], opens=d["opens"], closes=d["closes"])
        for d in (f.cleaned_data for f in _kept(formset))
    ]
    formset.new_objects = hours.opening_hours_replace(shop=shop, intervals=intervals)


def _save_special_days(*, shop: Shop, formset: Any) -> None:
    """Each changed day through `special_day_set`, each removed (or moved away from) date through
    `special_day_delete`."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    for f in formset.forms:
        if not f.cleaned_data:
            continue
        before = f.initial.get("date") if f.instance.pk else None
        if f.cleaned_data.get("DELETE"):
            if before is not None:
                hours.special_day_delete(shop=shop, day=before)
                formset.deleted_objects.append(f.instance)
            continue
        if not f.has_changed():
            continue
        data = f.cleaned_data
        if before is not None and before != data["date"]:
            hours.special_day_delete(shop=shop, day=before)
        day = hours.special_day_set(
            shop=shop,
            day=data["date"],
            closed=bool(data.get("closed")),
            intervals=data["intervals"],
            name=data.get("name") or "",
        )
        if before is None:
            formset.new_objects.append(day)
        else:
            formset.changed_objects.append((day, f.changed_data))
