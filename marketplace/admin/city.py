"""The city section of the admin: approval, featured shops, collections, city calendar, insights.

For the city's marketing team (group "City editors", see `manage.py setup_roles`). Every write goes through
the services (`marketplace.services.shops`, `curation`, `city_calendar`); merchants have none of these
permissions, so every page, action and export here answers them with 403.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet, URLField
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from marketplace import spreadsheet
from marketplace.admin.osm import ClaimLetterActions
from marketplace.exceptions import DomainError
from marketplace.models import (
    Category,
    CityDay,
    Collection,
    CollectionItem,
    FeaturedShop,
    SearchEvent,
    Shop,
    ShopApplication,
    ShopMembership,
)
from marketplace.selectors import insights
from marketplace.selectors.city_todo import awaiting_owner_confirmation
from marketplace.services import city_calendar, curation
from marketplace.services import shops as shop_services

# --- categories ----------------------------------------------------------------------------------------


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["tree_name", "name_en", "slug", "position", "shop_count"]
    list_editable = ["position"]
    search_fields = ["name", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["parent", "parent__parent"]
    ordering = ["parent__parent__position", "parent__position", "position", "name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        queryset: QuerySet[Category] = super().get_queryset(request)
        return queryset.annotate(shop_count=Count("shops", distinct=True))

    @admin.display(description=_("category"), ordering="name")
    def tree_name(self, obj: Category) -> str:
        depth = 0
        node = obj.parent
        while node is not None and depth < 5:
            depth += 1
            node = node.parent
        return f"{'— ' * depth}{obj.name}"

    @admin.display(description=_("shops"), ordering="shop_count")
    def shop_count(self, obj: Category) -> int:
        return int(getattr(obj, "shop_count", 0))

    def save_model(self, request: HttpRequest, obj: Category, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and {"name", "name_en", "parent"} & set(form.changed_data):
            from marketplace.services.products import category_names_refresh

            category_names_refresh(category=obj)  # products are found by their category names


# --- city calendar -------------------------------------------------------------------------------------


class CityDayForm(forms.ModelForm):
    hours = forms.CharField(
        label=_("opening hours"),
        required=False,
        help_text=_("For open days, e.g. “13:00-18:00” or “10:00-13:00, 14:00-18:00”."),
    )

    class Meta:
        model = CityDay
        fields = ["date", "kind", "name", "closed", "hours"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.intervals:
            self.initial["hours"] = ", ".join(f"{i['opens']}-{i['closes']}" for i in self.instance.intervals)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parts = [part for part in (data.get("hours") or "").replace(";", ",").split(",") if part.strip()]
        if data.get("closed"):
            data["intervals"] = []
            return data
        try:
            data["intervals"] = city_calendar.intervals_clean(parts)
        except DomainError as exc:
            raise forms.ValidationError({"hours": exc.message}) from exc
        if not data["intervals"]:
            self.add_error("hours", _("An open day needs opening times."))
        return data


@admin.register(CityDay)
class CityDayAdmin(admin.ModelAdmin):
    form = CityDayForm
    list_display = ["date", "weekday", "name", "kind", "hours_display", "source"]
    list_filter = ["kind", "closed", "source"]
    search_fields = ["name"]
    date_hierarchy = "date"
    change_list_template = "admin/marketplace/cityday/change_list.html"

    @admin.display(description=_("weekday"))
    def weekday(self, obj: CityDay) -> str:
        return date_format(obj.date, "l")

    @admin.display(description=_("shops"))
    def hours_display(self, obj: CityDay) -> str:
        if obj.closed:
            return str(_("closed"))
        return ", ".join(f"{i['opens']}-{i['closes']}" for i in obj.intervals)

    def save_model(self, request: HttpRequest, obj: CityDay, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        if change and "date" in form.changed_data:
            CityDay.objects.filter(pk=obj.pk).delete()  # the day moved: the old date is no longer special
        saved = city_calendar.city_day_set(
            day=data["date"],
            kind=data["kind"],
            name=data["name"],
            closed=data["closed"],
            intervals=data["intervals"],
        )
        obj.pk, obj.source = saved.pk, saved.source

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "import-holidays/",
                self.admin_site.admin_view(self.import_holidays_view),
                name="marketplace_cityday_import_holidays",
            ),
            *super().get_urls(),
        ]

    def import_holidays_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or not self.has_add_permission(request):
            raise PermissionDenied
        result = city_calendar.city_holidays_import(years=2)
        self.message_user(
            request,
            _("Public holidays %(first)s-%(last)s: %(created)s added, %(kept)s kept as changed by you.")
            % {
                "first": result.years[0],
                "last": result.years[-1],
                "created": result.created,
                "kept": result.kept_manual,
            },
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:marketplace_cityday_changelist"))


# --- collections and featured shops --------------------------------------------------------------------


def _registered(model: type) -> bool:
    return model in admin.site._registry


class PublishWindowForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            curation.publish_window_check(
                publish_from=data.get("publish_from"), publish_until=data.get("publish_until")
            )
        except DomainError as exc:
            raise forms.ValidationError(
                {key: [str(m) for m in value] for key, value in exc.details.items()} or exc.message
            ) from exc
        return data


class LiveFilter(admin.SimpleListFilter):
    title = _("publication")
    parameter_name = "live"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("now", str(_("live now"))), ("later", str(_("scheduled"))), ("over", str(_("ended")))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = timezone.now()
        if self.value() == "now":
            return queryset.live(at=now)  # type: ignore[attr-defined, no-any-return]
        if self.value() == "later":
            return queryset.filter(publish_from__gt=now)
        if self.value() == "over":
            return queryset.filter(publish_until__lte=now)
        return queryset


def _window_status(obj: Collection | FeaturedShop) -> str:
    now = timezone.now()
    if obj.publish_from and obj.publish_from > now:
        return format_html('<span title="{}">🕓 {}</span>', obj.publish_from, _("scheduled"))
    if obj.publish_until and obj.publish_until <= now:
        return format_html("<span>⏹ {}</span>", _("ended"))
    return format_html("<strong>● {}</strong>", _("live"))


def _refused_as_message(model_admin: admin.ModelAdmin, request: HttpRequest, view: Any, *args: Any) -> Any:
    """A service refused what the form let through: the whole save rolled back, the reason shown."""
    try:
        return view(request, *args)
    except DomainError as exc:
        model_admin.message_user(request, exc.message, level=messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())


class CollectionItemForm(forms.ModelForm):
    """One item; saved by `curation.collection_item_add` / `_update` (`CollectionAdmin.save_formset`)."""

    position = forms.IntegerField(
        label=_("position"), required=False, min_value=0, help_text=_("Empty: at the end.")
    )

    class Meta:
        model = CollectionItem
        fields = ["position", "shop", "product", "note"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("shop") is None) == (data.get("product") is None) and not data.get("DELETE"):
            raise forms.ValidationError(_("Choose either a shop or a product."))
        return data


class CollectionItemInline(admin.TabularInline):
    model = CollectionItem
    form = CollectionItemForm
    extra = 1
    raw_id_fields = ["shop", "product"]  # replaced by autocomplete when the shop/product admins allow it
    ordering = ["position", "pk"]

    def get_autocomplete_fields(self, request: HttpRequest) -> list[str]:
        from marketplace.models import Product

        return [name for name, model in (("shop", Shop), ("product", Product)) if _registered(model)]


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    form = PublishWindowForm
    inlines = [CollectionItemInline]
    list_display = ["title", "status", "position", "publish_from", "publish_until", "item_count"]
    list_editable = ["position"]
    list_filter = [LiveFilter]
    search_fields = ["title", "title_en", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (None, {"fields": ["title", "slug", "text", "image", "position"]}),
        (_("Publish window"), {"fields": ["publish_from", "publish_until"]}),
        (_("English"), {"fields": ["title_en", "text_en"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Collection]:
        queryset: QuerySet[Collection] = super().get_queryset(request)
        return queryset.annotate(item_total=Count("items"))

    def save_model(self, request: HttpRequest, obj: Collection, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changes = {name: data[name] for name in form.changed_data if name in curation.COLLECTION_FIELDS}
            curation.collection_update(collection=obj, changes=changes)
            return
        created = curation.collection_create(
            title=data["title"],
            slug=data.get("slug") or "",
            text=data.get("text") or "",
            title_en=data.get("title_en") or "",
            text_en=data.get("text_en") or "",
            position=data.get("position") or 0,
            publish_from=data.get("publish_from"),
            publish_until=data.get("publish_until"),
            image=data.get("image") or None,
        )
        obj.pk = created.pk
        obj.refresh_from_db()

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not CollectionItem:
            super().save_formset(request, form, formset, change)
            return
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for item_form in formset.forms:
            data = item_form.cleaned_data
            if not data:
                continue
            item = item_form.instance
            if data.get("DELETE"):
                if item.pk:
                    curation.collection_item_remove(item=item)
                    formset.deleted_objects.append(item)
                continue
            if not item_form.has_changed():
                continue
            fields = {
                "shop": data.get("shop"),
                "product": data.get("product"),
                "position": data.get("position"),
                "note": data.get("note") or "",
            }
            if item.pk:
                curation.collection_item_update(item=item, **fields)
                formset.changed_objects.append((item, item_form.changed_data))
            else:
                added = curation.collection_item_add(collection=form.instance, **fields)
                formset.new_objects.append(added)

    def changeform_view(
        self, request: HttpRequest, object_id: Any = None, form_url: str = "", extra_context: Any = None
    ) -> Any:
        return _refused_as_message(self, request, super().changeform_view, object_id, form_url, extra_context)

    @admin.display(description=_("status"))
    def status(self, obj: Collection) -> str:
        return _window_status(obj)

    @admin.display(description=_("items"), ordering="item_total")
    def item_count(self, obj: Collection) -> int:
        return int(getattr(obj, "item_total", 0))


class FeaturedShopForm(PublishWindowForm):
    """A featured slot; saved by `curation.featured_shop_create` / `_update`."""

    position = forms.IntegerField(
        label=_("position"), required=False, min_value=0, help_text=_("Empty: at the end.")
    )


@admin.register(FeaturedShop)
class FeaturedShopAdmin(admin.ModelAdmin):
    form = FeaturedShopForm
    list_display = ["__str__", "status", "position", "publish_from", "publish_until", "shop_status"]
    list_editable = ["position"]
    list_filter = [LiveFilter]
    list_select_related = ["shop"]
    raw_id_fields = ["shop"]
    search_fields = ["title", "shop__name"]
    fields = ["shop", "title", "text", "image", "position", "publish_from", "publish_until"]

    def get_autocomplete_fields(self, request: HttpRequest) -> list[str]:
        return ["shop"] if _registered(Shop) else []

    def save_model(self, request: HttpRequest, obj: FeaturedShop, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changes = {name: data[name] for name in form.changed_data if name in curation.FEATURED_FIELDS}
            curation.featured_shop_update(featured=obj, changes=changes)
            return
        created = curation.featured_shop_create(
            shop=data["shop"],
            title=data.get("title") or "",
            text=data.get("text") or "",
            position=data.get("position"),
            publish_from=data.get("publish_from"),
            publish_until=data.get("publish_until"),
            image=data.get("image") or None,
        )
        obj.pk = created.pk
        obj.refresh_from_db()

    def changeform_view(
        self, request: HttpRequest, object_id: Any = None, form_url: str = "", extra_context: Any = None
    ) -> Any:
        return _refused_as_message(self, request, super().changeform_view, object_id, form_url, extra_context)

    @admin.display(description=_("status"))
    def status(self, obj: FeaturedShop) -> str:
        return _window_status(obj)

    @admin.display(description=_("shop status"))
    def shop_status(self, obj: FeaturedShop) -> str:
        if obj.shop.is_active:
            return obj.shop.get_status_display()
        return format_html("<em>{} ({})</em>", obj.shop.get_status_display(), _("not shown"))


# --- shop approvals ------------------------------------------------------------------------------------


class DecisionForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the shop"),
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        required=False,
        help_text=_(
            "Sent by e-mail and shown to the owner. "
            "Required when asking for changes, rejecting or suspending."
        ),
    )


@dataclass(frozen=True)
class Decision:
    name: str
    label: Any
    service: Callable[..., Shop]
    needs_message: bool
    done: Any


DECISIONS = {
    "approve": Decision("approve", _("Approve"), shop_services.shop_approve, False, _("approved")),
    "request_changes": Decision(
        "request_changes",
        _("Ask for changes"),
        shop_services.shop_request_changes,
        True,
        _("asked for changes"),
    ),
    "reject": Decision("reject", _("Reject"), shop_services.shop_reject, True, _("rejected")),
    "suspend": Decision("suspend", _("Suspend"), shop_services.shop_suspend, True, _("suspended")),
    "reactivate": Decision(
        "reactivate", _("Reactivate"), shop_services.shop_reactivate, False, _("reactivated")
    ),
}


class ShopStatusFilter(admin.SimpleListFilter):
    """Opens on the queue (pending and changes requested) rather than on every shop."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("queue", str(_("to review"))),
            *((v, str(label)) for v, label in Shop.Status.choices),
            ("all", str(_("all"))),
        ]

    def choices(self, changelist: Any) -> Any:
        value = self.value() or "queue"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value() or "queue"
        if value == "queue":  # registrations whose owner confirmed the e-mail address (decision 1200)
            return queryset.filter(status__in=[Shop.Status.PENDING, Shop.Status.CHANGES_REQUESTED]).exclude(
                awaiting_owner_confirmation()
            )
        if value == "all":
            return queryset
        return queryset.filter(status=value)


class ShopReviewMixin:
    """Admin actions approve / ask for changes / reject / suspend / reactivate, each with a message form.

    Only users with `marketplace.review_shop` see them; usable on any Shop admin (the merchant engineer's
    ShopAdmin may mix it in).
    """

    actions: Any = ["approve", "request_changes", "reject", "suspend", "reactivate"]

    def has_review_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("marketplace.review_shop"))

    def _decide(
        self, request: HttpRequest, queryset: QuerySet[Any], decision: Decision
    ) -> HttpResponse | None:
        if not self.has_review_permission(request):
            raise PermissionDenied
        form = DecisionForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            message = form.cleaned_data["message"]
            if decision.needs_message and not message.strip():
                form.add_error("message", _("Please write a message to the shop."))
            else:
                done, failed = 0, []
                for shop in queryset.order_by("pk"):
                    try:
                        decision.service(shop=shop, message=message)
                        done += 1
                    except DomainError as exc:
                        failed.append(f"{shop.name}: {exc.message}")
                if done:
                    self.message_user(  # type: ignore[attr-defined]
                        request,
                        ngettext("%(count)d shop %(done)s.", "%(count)d shops %(done)s.", done)
                        % {"count": done, "done": decision.done},
                        messages.SUCCESS,
                    )
                for text in failed:
                    self.message_user(request, text, messages.ERROR)  # type: ignore[attr-defined]
                return None
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "title": decision.label,
            "decision": decision,
            "shops": list(queryset),
            "form": form,
            "opts": self.model._meta,  # type: ignore[attr-defined]
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin/marketplace/shop_decision.html", context)

    @admin.action(description=_("Approve selected shops"), permissions=["review"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        return self._decide(request, queryset, DECISIONS["approve"])

    @admin.action(description=_("Ask selected shops for changes"), permissions=["review"])
    def request_changes(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        return self._decide(request, queryset, DECISIONS["request_changes"])

    @admin.action(description=_("Reject selected shops"), permissions=["review"])
    def reject(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        return self._decide(request, queryset, DECISIONS["reject"])

    @admin.action(description=_("Suspend selected shops"), permissions=["review"])
    def suspend(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        return self._decide(request, queryset, DECISIONS["suspend"])

    @admin.action(description=_("Reactivate selected shops"), permissions=["review"])
    def reactivate(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        return self._decide(request, queryset, DECISIONS["reactivate"])


class OwnerInline(admin.TabularInline):
    model = ShopMembership
    fk_name = "shop"
    extra = 0
    can_delete = False
    fields = ["user", "role", "created_at"]
    readonly_fields = ["user", "role", "created_at"]
    verbose_name_plural = _("owners and staff")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ShopApplication)
class ShopApplicationAdmin(ClaimLetterActions, ShopReviewMixin, admin.ModelAdmin):
    """The approval queue: new registrations first; also where the city suspends and reactivates shops,
    and prints claim letters for listings from OpenStreetMap."""

    actions: Any = [*ShopReviewMixin.actions, "print_claim_letters", "email_claim_codes"]

    formfield_overrides = {URLField: {"assume_scheme": "https"}}  # Django 6's default; silences its warning

    list_display = ["name", "status", "district", "postcode", "created_at", "contact", "message_short"]
    list_filter = [ShopStatusFilter, "district"]
    search_fields = ["name", "slug", "street", "email", "memberships__user__email"]
    ordering = ["created_at"]
    inlines = [OwnerInline]
    readonly_fields = ["status", "status_message", "approved_at", "created_at", "location_link"]
    fieldsets = [
        (_("Decision"), {"fields": ["status", "status_message", "approved_at", "created_at"]}),
        (None, {"fields": ["name", "slug", "description", "categories", "photo"]}),
        (_("Address"), {"fields": ["street", "postcode", "city", "district", "location_link"]}),
        (_("Contact"), {"fields": ["phone", "email", "website"]}),
    ]
    filter_horizontal = ["categories"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # shops register themselves at /laden-anmelden/

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # reject or suspend instead: reservations and the stock history stay intact

    @admin.display(description=_("contact"))
    def contact(self, obj: Shop) -> str:
        return obj.email

    @admin.display(description=_("message"))
    def message_short(self, obj: Shop) -> str:
        return obj.status_message[:60]

    @admin.display(description=_("location"))
    def location_link(self, obj: Shop) -> str:
        if not obj.location:
            return "-"
        lat, lng = obj.location.y, obj.location.x
        return format_html(
            '<a href="https://www.openstreetmap.org/?mlat={0:.6f}&amp;mlon={1:.6f}#map=18/{0:.6f}/{1:.6f}" '
            'target="_blank" rel="noopener">{0:.5f}, {1:.5f}</a>',
            lat,
            lng,
        )


# --- searches and insights -----------------------------------------------------------------------------


class ZeroResultFilter(admin.SimpleListFilter):
    title = _("results")
    parameter_name = "found"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no", str(_("nothing found"))), ("yes", str(_("found something")))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "no":
            return queryset.filter(result_count=0)
        if self.value() == "yes":
            return queryset.filter(result_count__gt=0)
        return queryset


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    second: int
    y: int
    width: int
    second_width: int


def bar_chart(
    rows: Sequence[tuple[str, int, int]], *, width: int = 420, row_height: int = 22
) -> dict[str, Any]:
    """Geometry of a horizontal bar chart (label, total, highlighted part) for the SVG in the template."""
    top = max((value for _label, value, _second in rows), default=0) or 1
    bars = [
        Bar(
            label=label,
            value=value,
            second=second,
            y=index * row_height,
            width=round(width * value / top),
            second_width=round(width * second / top),
        )
        for index, (label, value, second) in enumerate(rows)
    ]
    return {"bars": bars, "width": width, "height": max(len(bars), 1) * row_height, "row_height": row_height}


REPORTS = ("top", "zero", "weeks", "districts", "reservations", "stale")
PERIODS = (7, 30, 90, 365)


@admin.register(SearchEvent)
class SearchEventAdmin(admin.ModelAdmin):
    """What residents searched (read-only, no personal data), with the insights page."""

    list_display = ["created_at", "query", "category", "result_count", "radius_km", "channel"]
    list_filter = [ZeroResultFilter, "channel", "available_today"]
    search_fields = ["query"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in SearchEvent._meta.fields]
    change_list_template = "admin/marketplace/searchevent/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "insights/",
                self.admin_site.admin_view(self.insights_view),
                name="marketplace_searchevent_insights",
            ),
            *super().get_urls(),
        ]

    def insights_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("marketplace.view_insights"):
            raise PermissionDenied
        try:
            days = int(request.GET.get("days", "30"))
        except ValueError:
            days = 30
        days = days if days in PERIODS else 30
        now = timezone.now()
        period = insights.Period(start=now - timedelta(days=days), end=now)
        export = request.GET.get("export")
        if export:
            if export not in REPORTS:
                raise PermissionDenied
            return self._csv(export, period=period, days=days)
        top = insights.insights_top_searches(period=period)
        zero = insights.insights_zero_result_searches(period=period)
        weeks = insights.insights_by_week(period=period)
        districts = insights.insights_by_district(period=period)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Demand insights"),
            "opts": self.model._meta,
            "days": days,
            "periods": PERIODS,
            "summary": insights.insights_summary(period=period),
            "top": top,
            "zero": zero,
            "weeks": weeks,
            "districts": districts,
            "reservations": insights.insights_reservations_by_shop(period=period),
            "stale": insights.insights_stale_stock_shops(now=now),
            "zero_chart": bar_chart([(r.query, r.zero_results, r.zero_results) for r in zero[:12]]),
            "top_chart": bar_chart([(r.query, r.searches, r.zero_results) for r in top[:12]]),
            "week_chart": bar_chart([(f"KW {w.week}/{w.year}", w.searches, w.zero_results) for w in weeks]),
            "district_chart": bar_chart(
                [(self._district_label(d.district), d.searches, d.zero_results) for d in districts]
            ),
        }
        return TemplateResponse(request, "admin/marketplace/insights.html", context)

    @staticmethod
    def _district_label(district: str) -> str:
        if district == insights.NO_LOCATION:
            return str(_("without location"))
        if district == insights.OUTSIDE:
            return str(_("outside the town"))
        return district

    def _csv(self, report: str, *, period: insights.Period, days: int) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="insights-{report}-{days}d.csv"'
        response.write("\ufeff")  # Excel opens UTF-8 with a BOM correctly
        writer = spreadsheet.writer(response, delimiter=";")
        if report in {"top", "zero"}:
            selector = (
                insights.insights_top_searches if report == "top" else insights.insights_zero_result_searches
            )
            writer.writerow(["query", "searches", "zero_results", "last_seen"])
            for row in selector(period=period, limit=1000):
                writer.writerow([row.query, row.searches, row.zero_results, row.last_seen.isoformat()])
        elif report == "weeks":
            writer.writerow(["iso_year", "iso_week", "week_start", "searches", "zero_results"])
            for week in insights.insights_by_week(period=period):
                writer.writerow(
                    [week.year, week.week, week.week_start.isoformat(), week.searches, week.zero_results]
                )
        elif report == "districts":
            writer.writerow(["district", "searches", "zero_results"])
            for district in insights.insights_by_district(period=period):
                writer.writerow(
                    [self._district_label(district.district), district.searches, district.zero_results]
                )
        elif report == "reservations":
            writer.writerow(
                [
                    "shop",
                    "reservations",
                    "collected",
                    "no_show",
                    "cancelled",
                    "expired",
                    "active",
                    "no_show_rate",
                ]
            )
            for shop_row in insights.insights_reservations_by_shop(period=period):
                rate = "" if shop_row.no_show_rate is None else f"{shop_row.no_show_rate:.3f}"
                writer.writerow(
                    [
                        shop_row.shop_name,
                        shop_row.total,
                        shop_row.collected,
                        shop_row.no_show,
                        shop_row.cancelled,
                        shop_row.expired,
                        shop_row.active,
                        rate,
                    ]
                )
        else:
            writer.writerow(["shop", "listed_products", "stale_products", "last_stock_update"])
            for stale in insights.insights_stale_stock_shops():
                last = stale.last_stock_update.isoformat() if stale.last_stock_update else ""
                writer.writerow([stale.shop_name, stale.products, stale.stale_products, last])
        return response
