"""Feedback after pickup on the website (decision 1700): the resident's form behind the e-mail link, the
report button on the shop page, the rules page. The services decide; these views only show and ask."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from marketplace.exceptions import DomainError, FeedbackLinkInvalid, NotFound, RateLimited
from marketplace.infrastructure.rate_limits import client_address, rate_limit_client, rate_limit_hit
from marketplace.models import Feedback, FeedbackReport
from marketplace.selectors import shops
from marketplace.selectors.feedback import published_review_of_shop
from marketplace.services import feedback as services

REPORT_RATE = "10/h"


class FeedbackForm(forms.Form):
    ready = forms.ChoiceField(
        label=gettext_lazy("Was everything there and ready?"),
        choices=Feedback.Ready.choices,
        widget=forms.RadioSelect,
    )
    rating = forms.TypedChoiceField(
        label=gettext_lazy("Stars (optional)"),
        choices=[("", gettext_lazy("no stars"))] + [(str(n), str(n)) for n in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    text = forms.CharField(
        label=gettext_lazy("A few words (optional)"),
        required=False,
        max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("What is wrong with this review?"), max_length=services.REASON_MAX
    )


@require_http_methods(["GET", "POST"])
def feedback_page(request: HttpRequest, token: str) -> HttpResponse:
    """The form behind the e-mail link; after it, the feedback with the shop's answer or the city's reason."""
    try:
        reservation = services.feedback_reservation_for_token(token=token)
    except FeedbackLinkInvalid as exc:
        return render(request, "frontend/feedback/invalid.html", {"message": exc.message}, status=404)
    given = Feedback.objects.filter(reservation=reservation).first()
    form = FeedbackForm(request.POST if request.method == "POST" and given is None else None)
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                services.feedback_give(
                    token=token,
                    data=services.FeedbackInput(
                        ready=form.cleaned_data["ready"],
                        rating=form.cleaned_data["rating"],
                        text=form.cleaned_data["text"],
                    ),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = 409
            else:
                messages.success(request, _("Thank you! Your feedback went to the shop."))
                return redirect(request.path)
        else:
            status = 400
    context = {
        "reservation": reservation,
        "shop": reservation.shop,
        "given": given,
        "form": form,
        "now": timezone.now(),
    }
    return render(request, "frontend/feedback/page.html", context, status=status)


@require_POST
def review_report(request: HttpRequest, slug: str, feedback_id: int) -> HttpResponse:
    """A resident reports a published review of a shop; the city's to-do list picks it up."""
    try:
        shop = shops.shop_get_public(slug=slug)
    except NotFound:
        raise Http404 from None
    feedback = published_review_of_shop(shop=shop, feedback_id=feedback_id)
    if feedback is None:
        raise Http404
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please say briefly what is wrong with this review."))
        return redirect(f"/laden/{shop.slug}/#bewertungen")
    try:
        rate_limit_hit(
            bucket="review_report",
            client=rate_limit_client(address=client_address(request.META)),
            rate=REPORT_RATE,
        )
        services.feedback_report(
            feedback=feedback, by=FeedbackReport.By.RESIDENT, reason=form.cleaned_data["reason"]
        )
    except RateLimited as exc:
        messages.error(request, exc.message)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you. The city's team will look at this review."))
    return redirect(f"/laden/{shop.slug}/#bewertungen")


@require_safe
def rules(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "frontend/feedback/rules.html",
        {"window_hours": int(services.ANSWER_WINDOW.total_seconds() // 3600), "days": services.LINK_DAYS},
    )
