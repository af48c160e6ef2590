"""The city's workspace in the admin (`/admin/stadt/`): start page, quick actions, messages, monthly report.

Thin views: every figure comes from a selector (`city_todo`, `town`), every write from a service (`shops`,
`curation`, `city_calendar`, `merchant_messages`). Each view checks its own permission, so a merchant (or a
city editor without that permission) gets 403 and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from marketplace.charts import sparkline
from marketplace.exceptions import DomainError
from marketplace.models import Category, CityDay, MerchantMessage, MerchantMessageRecipient, Shop
from marketplace.selectors import city_todo, town
from marketplace.selectors import merchant_messages as message_selectors
from marketplace.services import city_calendar, council_report, curation, merchant_messages
from marketplace.services import shops as shop_services

WORKSPACE = city_todo.WORKSPACE_PERMISSION

TREND_LABELS = {
    "searches": gettext_lazy("searches"),
    "zero_results": gettext_lazy("searches without results"),
    "reservations": gettext_lazy("reservations placed"),
    "collected": gettext_lazy("collected"),
    "no_show": gettext_lazy("not collected"),
}


FEWER_IS_BETTER = {"zero_results", "no_show"}


def _require(request: HttpRequest, *permissions: str) -> None:
    if not all(request.user.has_perm(p) for p in (WORKSPACE, *permissions)):
        raise PermissionDenied


def _domain_error(request: HttpRequest, exc: DomainError) -> None:
    details = "; ".join(str(p) for problems in exc.details.values() for p in problems)
    messages.error(request, f"{exc.message} {details}".strip())


# --- forms ------------------------------------------------------------------------------------------------


class FeatureForm(forms.Form):
    shop = forms.ModelChoiceField(label=gettext_lazy("shop"), queryset=Shop.objects.none())
    until = forms.DateField(
        label=gettext_lazy("until (including)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Empty: until you end it."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = Shop.objects.active().order_by("name")  # type: ignore[attr-defined]


class CityDayQuickForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(
        label=gettext_lazy("kind"),
        choices=[
            (CityDay.Kind.LATE_OPENING, CityDay.Kind.LATE_OPENING.label),
            (CityDay.Kind.EVENT, CityDay.Kind.EVENT.label),
        ],
    )
    name = forms.CharField(label=gettext_lazy("name"), max_length=120)
    hours = forms.CharField(label=gettext_lazy("opening hours"), initial="13:00-18:00", max_length=60)
    ask_shops = forms.BooleanField(
        label=gettext_lazy("then ask the shops whether they open"), required=False, initial=True
    )


class MessageForm(forms.Form):
    audience = forms.ChoiceField(label=gettext_lazy("to"), choices=MerchantMessage.Audience.choices)
    category = forms.ModelChoiceField(
        label=gettext_lazy("category"), queryset=Category.objects.none(), required=False
    )
    shops = forms.ModelMultipleChoiceField(
        label=gettext_lazy("shops"),
        queryset=Shop.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    subject = forms.CharField(label=gettext_lazy("subject"), max_length=merchant_messages.MAX_SUBJECT)
    body = forms.CharField(
        label=gettext_lazy("message"), widget=forms.Textarea(attrs={"rows": 8, "cols": 70}), max_length=5000
    )
    ask_open_day = forms.BooleanField(
        label=gettext_lazy("Ask: will you open on this day? (one-tap answer “we open” / “we stay closed”)"),
        required=False,
    )
    question_date = forms.DateField(
        label=gettext_lazy("day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    question_hours = forms.CharField(
        label=gettext_lazy("opening hours if they open"), required=False, max_length=60, initial="13:00-18:00"
    )
    essential = forms.BooleanField(
        label=gettext_lazy("essential (also to shops that unsubscribed from news)"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["shops"].queryset = Shop.objects.active().order_by("name")  # type: ignore[attr-defined]


class MonthForm(forms.Form):
    month = forms.RegexField(regex=r"^\d{4}-(0[1-9]|1[0-2])$", required=False)


# --- views ------------------------------------------------------------------------------------------------


class CityWorkspace:
    def __init__(self, site: admin.AdminSite) -> None:
        self.site = site

    def render(self, request: HttpRequest, template: str, context: dict[str, Any]) -> TemplateResponse:
        return TemplateResponse(
            request, f"admin/marketplace/workspace/{template}", {**self.site.each_context(request), **context}
        )

    def start(self, request: HttpRequest) -> HttpResponse:
        _require(request)
        now = timezone.now()
        week = town.town_week(now=now)
        trends = [
            {
                "key": key,
                "label": TREND_LABELS[key],
                "trend": trend,
                "chart": sparkline(trend.daily),
                "first_day": week.today - timedelta(days=len(trend.daily) - 1),
                "fewer_is_better": key in FEWER_IS_BETTER,
            }
            for key, trend in week.trends.items()
        ]
        user = request.user
        context = {
            "title": _("Today in the city's workspace"),
            "todos": city_todo.city_todos(user=user, now=now),
            "week": week,
            "trends": trends,
            "pending": list(city_todo.applications_waiting(limit=5))
            if user.has_perm("marketplace.review_shop")
            else [],
            "now": now,
            "feature_form": FeatureForm() if user.has_perm("marketplace.add_featuredshop") else None,
            "day_form": CityDayQuickForm() if user.has_perm("marketplace.add_cityday") else None,
            "can_message": user.has_perm("marketplace.add_merchantmessage"),
            "can_collect": user.has_perm("marketplace.add_collection"),
            "can_report": user.has_perm("marketplace.view_insights"),
            "recent_messages": list(MerchantMessage.objects.order_by("-created_at")[:3])
            if user.has_perm("marketplace.view_merchantmessage")
            else [],
        }
        return self.render(request, "start.html", context)

    def decide(self, request: HttpRequest, shop_id: int, decision: str) -> HttpResponse:
        _require(request, "marketplace.review_shop")
        shop = get_object_or_404(Shop, pk=shop_id)
        try:
            if decision == "approve":
                shop = shop_services.shop_approve(shop=shop, message=request.POST.get("message", ""))
                messages.success(request, _("“%(name)s” is on the map now.") % {"name": shop.name})
            else:
                shop = shop_services.shop_request_changes(shop=shop, message=request.POST.get("message", ""))
                messages.success(request, _("“%(name)s” was asked for changes.") % {"name": shop.name})
        except DomainError as exc:
            _domain_error(request, exc)
        return redirect("admin:city_workspace")

    def feature(self, request: HttpRequest) -> HttpResponse:
        _require(request, "marketplace.add_featuredshop")
        form = FeatureForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose an active shop and a date in the future."))
            return redirect("admin:city_workspace")
        until = form.cleaned_data["until"]
        end = (
            datetime.combine(until + timedelta(days=1), time(0), tzinfo=timezone.get_current_timezone())
            if until
            else None
        )
        try:
            featured = curation.featured_shop_create(shop=form.cleaned_data["shop"], publish_until=end)
        except DomainError as exc:
            _domain_error(request, exc)
            return redirect("admin:city_workspace")
        messages.success(
            request, _("“%(name)s” is featured on the home page now.") % {"name": featured.shop.name}
        )
        return redirect("admin:city_workspace")

    def collection_from_search(self, request: HttpRequest) -> HttpResponse:
        _require(request, "marketplace.add_collection")
        try:
            collection = curation.collection_start_from_search(query=request.POST.get("query", ""))
        except DomainError as exc:
            _domain_error(request, exc)
            return redirect("admin:city_workspace")
        messages.success(
            request,
            _(
                "Collection “%(title)s” started with %(count)d products; "
                "it goes live tomorrow unless you change the window."
            )
            % {"title": collection.title, "count": collection.items.count()},
        )
        return redirect("admin:marketplace_collection_change", collection.pk)

    def city_day(self, request: HttpRequest) -> HttpResponse:
        _require(request, "marketplace.add_cityday", "marketplace.change_cityday")
        form = CityDayQuickForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Please enter date, name and opening hours."))
            return redirect("admin:city_workspace")
        data = form.cleaned_data
        try:
            day = city_calendar.city_day_set(
                day=data["day"],
                kind=data["kind"],
                name=data["name"],
                closed=False,
                intervals=data["hours"].split(","),
            )
        except DomainError as exc:
            _domain_error(request, exc)
            return redirect("admin:city_workspace")
        messages.success(
            request,
            _("%(name)s on %(day)s is in the city calendar.")
            % {"name": day.name, "day": date_format(day.date, "DATE_FORMAT")},
        )
        if data["ask_shops"] and request.user.has_perm("marketplace.add_merchantmessage"):
            hours = ", ".join(f"{i['opens']}-{i['closes']}" for i in day.intervals)
            query = {"ask": day.date.isoformat(), "hours": hours, "name": day.name}
            from urllib.parse import urlencode

            return HttpResponseRedirect(reverse("admin:city_message_new") + "?" + urlencode(query))
        return redirect("admin:city_workspace")

    # --- messages ---------------------------------------------------------------------------------------

    def message_list(self, request: HttpRequest) -> HttpResponse:
        _require(request, "marketplace.view_merchantmessage")
        rows = message_selectors.merchant_messages_overview()
        return self.render(
            request,
            "messages.html",
            {
                "title": _("Messages to merchants"),
                "rows": rows,
                "can_message": request.user.has_perm("marketplace.add_merchantmessage"),
            },
        )

    def message_new(self, request: HttpRequest) -> HttpResponse:
        _require(request, "marketplace.add_merchantmessage")
        if request.method == "POST":
            form = MessageForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    message = merchant_messages.merchant_message_send(
                        subject=data["subject"],
                        body=data["body"],
                        audience=data["audience"],
                        category=data["category"],
                        shop_ids=[shop.pk for shop in data["shops"]],
                        question=MerchantMessage.Question.OPEN_DAY if data["ask_open_day"] else "",
                        question_date=data["question_date"],
                        question_intervals=[p for p in data["question_hours"].split(",") if p.strip()],
                        essential=data["essential"],
                        sender=request.user,
                    )
                except DomainError as exc:
                    for field, problems in exc.details.items():
                        target = {"question_intervals": "question_hours", "question": "ask_open_day"}.get(
                            field, field
                        )
                        form.add_error(
                            target if target in form.fields else None, "; ".join(str(p) for p in problems)
                        )
                else:
                    messages.success(
                        request,
                        _("Message sent to %(count)d shops (e-mail and banner on “my shop”).")
                        % {"count": message.recipients.count()},
                    )
                    return redirect("admin:city_message", message.pk)
        else:
            form = MessageForm(initial=_message_initial(request))
        return self.render(
            request, "message_form.html", {"title": _("New message to merchants"), "form": form}
        )

    def message_detail(self, request: HttpRequest, message_id: int) -> HttpResponse:
        _require(request, "marketplace.view_merchantmessage")
        message = get_object_or_404(MerchantMessage, pk=message_id)
        recipients = list(message.recipients.select_related("shop").order_by("answer", "shop__name"))
        counts = {
            "total": len(recipients),
            "open": sum(r.answer == MerchantMessageRecipient.Answer.OPEN for r in recipients),
            "closed": sum(r.answer == MerchantMessageRecipient.Answer.CLOSED for r in recipients),
            "unanswered": sum(not r.answer for r in recipients),
            "emailed": sum(r.emailed_at is not None for r in recipients),
            "skipped": sum(r.email_skipped for r in recipients),
        }
        return self.render(
            request,
            "message_detail.html",
            {"title": message.subject, "message": message, "recipients": recipients, "counts": counts},
        )

    # --- monthly report ---------------------------------------------------------------------------------

    def report(self, request: HttpRequest, fmt: str = "") -> HttpResponse:
        _require(request, "marketplace.view_insights")
        form = MonthForm(request.GET)
        today = timezone.localdate()
        default = town.month_first(today.replace(day=1) - timedelta(days=1))  # last month
        month = default
        if form.is_valid() and form.cleaned_data["month"]:
            year, number = (int(part) for part in form.cleaned_data["month"].split("-"))
            month = date(year, number, 1)
        if month > today:
            month = town.month_first(today)
        figures = town.month_report(month=month)
        name = f"ladenkarte-bericht-{month:%Y-%m}"
        if fmt == "pdf":
            response = HttpResponse(
                council_report.council_report_pdf(figures), content_type="application/pdf"
            )
            response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
            return response
        if fmt == "csv":
            response = HttpResponse(
                council_report.council_report_csv(figures), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            return response
        months = [town.month_first(today)]
        for _step in range(11):
            months.append(town.month_first(months[-1] - timedelta(days=1)))
        return self.render(
            request,
            "report.html",
            {
                "title": _("Monthly report for the council"),
                "report": figures,
                "months": months,
                "month_key": f"{month:%Y-%m}",
                **council_report.council_report_context(figures),
            },
        )


def _message_initial(request: HttpRequest) -> dict[str, Any]:
    """Pre-filled forms: "tell the shops" from a search without results, "ask the shops" from a city day."""
    initial: dict[str, Any] = {"audience": MerchantMessage.Audience.ALL}
    query = request.GET.get("query", "").strip()[:100]
    if query:
        initial["subject"] = _("Residents are looking for “%(query)s”") % {"query": query}
        initial["body"] = _(
            "Residents searched the Ladenkarte for “%(query)s” this week and found nothing in stock nearby. "
            "If you sell it, please list it with your stock - it will show up in their next search."
        ) % {"query": query}
    ask = request.GET.get("ask", "")
    try:
        ask_day = date.fromisoformat(ask) if ask else None
    except ValueError:
        ask_day = None
    if ask_day:
        name = request.GET.get("name", "").strip()[:120]
        day_text = date_format(ask_day, "l, j. F Y")
        initial.update(
            {
                "subject": _("%(name)s on %(day)s: will you open?") % {"name": name, "day": day_text},
                "body": _(
                    "%(name)s is on %(day)s. Please tell us with one tap on your “my shop” page "
                    "whether you open "
                    "that day, so that residents see the right opening hours on the map."
                )
                % {"name": name, "day": day_text},
                "ask_open_day": True,
                "question_date": ask_day,
                "question_hours": request.GET.get("hours", "")[:60],
            }
        )
    category = request.GET.get("category", "")
    if category.isdigit():
        initial.update({"audience": MerchantMessage.Audience.CATEGORY, "category": int(category)})
    return initial


def urls(site: admin.AdminSite) -> list[URLPattern]:
    workspace = CityWorkspace(site)

    def view(function: Callable[..., HttpResponse], *, post: bool = False) -> Callable[..., HttpResponse]:
        return site.admin_view(require_POST(function) if post else function)

    return [
        path("", view(workspace.start), name="city_workspace"),
        path(
            "laeden/<int:shop_id>/freigeben/",
            view(lambda r, shop_id: workspace.decide(r, shop_id, "approve"), post=True),
            name="city_approve",
        ),
        path(
            "laeden/<int:shop_id>/aenderungen/",
            view(lambda r, shop_id: workspace.decide(r, shop_id, "request_changes"), post=True),
            name="city_request_changes",
        ),
        path("hervorheben/", view(workspace.feature, post=True), name="city_feature"),
        path(
            "sammlung-aus-suche/",
            view(workspace.collection_from_search, post=True),
            name="city_collection_from_search",
        ),
        path("kalender/", view(workspace.city_day, post=True), name="city_day_add"),
        path("nachrichten/", view(workspace.message_list), name="city_messages"),
        path("nachrichten/neu/", view(workspace.message_new), name="city_message_new"),
        path("nachrichten/<int:message_id>/", view(workspace.message_detail), name="city_message"),
        path("bericht/", view(workspace.report), name="city_report"),
        path("bericht.pdf", view(lambda r: workspace.report(r, "pdf")), name="city_report_pdf"),
        path("bericht.csv", view(lambda r: workspace.report(r, "csv")), name="city_report_csv"),
    ]
