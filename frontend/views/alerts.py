""" "Tell me when it's here" on the website (decision 1700): the small form (search without results, a
sold-out product, a shop page) and the pages behind the e-mail links. The service decides; this only asks."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from marketplace.exceptions import DomainError
from marketplace.infrastructure.rate_limits import client_address, rate_limit_client, rate_limit_hit
from marketplace.services import alerts as services

ALERT_RATE = "10/h"


class AlertForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Your e-mail address"))
    q = forms.CharField(required=False, max_length=100)
    product = forms.IntegerField(required=False, min_value=1)
    lat = forms.FloatField(min_value=-90, max_value=90)
    lng = forms.FloatField(min_value=-180, max_value=180)
    # the search offers up to 50 km; an alert reaches at most RADIUS_MAX_KM (clamped in the view)
    radius_km = forms.FloatField(required=False, min_value=0.1)
    next = forms.CharField(required=False, max_length=500)


def _back(request: HttpRequest, target: str) -> str:
    ok = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    return target if target and ok else "/"


@require_POST
def alert_request(request: HttpRequest) -> HttpResponse:
    """Leave an e-mail address for a query or a product; a confirmation e-mail follows (double opt-in)."""
    form = AlertForm(request.POST)
    if not form.is_valid():
        if "email" in form.errors:
            messages.error(request, _("Please enter a valid e-mail address."))
        else:  # the form's hidden fields were changed
            messages.error(request, _("This alert could not be set up. Please start again from the page."))
        return redirect(_back(request, request.POST.get("next", "")))
    data = form.cleaned_data
    try:
        rate_limit_hit(
            bucket="stock_alert",
            client=rate_limit_client(address=client_address(request.META)),
            rate=ALERT_RATE,
        )
        services.alert_create(
            request=services.AlertRequest(
                email=data["email"],
                query=data["q"] or "",
                product_id=data["product"],
                lat=data["lat"],
                lng=data["lng"],
                radius_km=min(data["radius_km"] or 2.0, services.RADIUS_MAX_KM),
                language=get_language() or "de",
            )
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Almost done: please confirm with the link in the e-mail we just sent."))
    return redirect(_back(request, data.get("next") or ""))


ACTIONS = {
    "bestaetigen": (services.alert_confirm, gettext_lazy("Confirm the alert")),
    "verlaengern": (services.alert_renew, gettext_lazy("Renew for 30 days")),
    "abbestellen": (services.alert_unsubscribe, gettext_lazy("Unsubscribe")),
}
DONE = {
    "bestaetigen": gettext_lazy("Thank you: we will write to you when it is available nearby (for 30 days)."),
    "verlaengern": gettext_lazy("The alert runs for another 30 days."),
    "abbestellen": gettext_lazy("Unsubscribed: you will get no more e-mails for this alert."),
}


@csrf_exempt  # one-click unsubscribe (RFC 8058) posts from the mail client; the signed token authorises
@require_http_methods(["GET", "POST"])
def alert_action(request: HttpRequest, action: str, token: str) -> HttpResponse:
    """GET shows one button (so link scanners change nothing); POST does it."""
    if action not in ACTIONS:
        raise Http404
    service, label = ACTIONS[action]
    try:
        alert = services.alert_for_token(token)
    except DomainError as exc:
        return render(request, "frontend/alerts/action.html", {"error": exc.message}, status=404)
    context = {"alert": alert, "label": label, "action": action, "done": ""}
    if request.method == "POST":
        try:
            service(token=token)
        except DomainError as exc:
            context["error"] = exc.message
            return render(request, "frontend/alerts/action.html", context, status=409)
        context["done"] = DONE[action]
    return render(request, "frontend/alerts/action.html", context)
