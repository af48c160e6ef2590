"""The city's public pages: "register your shop" (with the address search behind the draggable pin)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from frontend.forms.city import ShopRegistrationForm
from marketplace.exceptions import ValidationFailed
from marketplace.services.geocoding import GeocodingFailed, address_geocode
from marketplace.services.shops import shop_register

# Which form field shows a service error that has no field of its own.
_FIELD_FOR = {"location": "street", "opening_hours": None}


@require_http_methods(["GET", "POST"])
def shop_registration(request: HttpRequest) -> HttpResponse:
    signed_in = request.user.is_authenticated
    form = ShopRegistrationForm(request.POST or None, signed_in=signed_in)
    location_error = ""
    if request.method == "POST" and form.is_valid():
        try:
            shop = shop_register(registration=form.registration(), user=request.user)
        except ValidationFailed as exc:
            for field, problems in exc.details.items():
                target = _FIELD_FOR.get(field, field)
                if target in form.fields:
                    for problem in problems:
                        form.add_error(target, str(problem))
                else:
                    form.add_error(None, "; ".join(str(p) for p in problems))
            if "location" in exc.details:
                location_error = exc.message
        else:
            request.session["registered_shop"] = shop.name
            return redirect("city:register-done")
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(
        request,
        "frontend/city/register.html",
        {"form": form, "location_error": location_error, "signed_in": signed_in},
        status=status,
    )


@require_GET
def shop_registration_done(request: HttpRequest) -> HttpResponse:
    return render(
        request, "frontend/city/register_done.html", {"shop_name": request.session.get("registered_shop")}
    )


@require_GET
def address_lookup(request: HttpRequest) -> JsonResponse:
    """Where an address is, for the pin: {"lat", "lng", "label"}; 404/503 with a message the page shows."""
    street = request.GET.get("street", "").strip()[:200]
    postcode = request.GET.get("postcode", "").strip()[:10]
    city = request.GET.get("city", "").strip()[:100]
    if not street or not (postcode or city):
        return JsonResponse(
            {
                "error": {
                    "code": "validation_error",
                    "message": _("Enter street, postcode and town first."),
                    "details": {},
                }
            },
            status=400,
        )
    try:
        found = address_geocode(street=street, postcode=postcode, city=city)
    except GeocodingFailed:
        message = _("The address search is not available right now. Please drag the pin to your shop.")
        return JsonResponse(
            {"error": {"code": "geocoding_failed", "message": message, "details": {}}}, status=503
        )
    if found is None:
        message = _("We could not find this address. Please check it or drag the pin to your shop.")
        return JsonResponse({"error": {"code": "not_found", "message": message, "details": {}}}, status=404)
    return JsonResponse(
        {"lat": found.lat, "lng": found.lng, "label": found.display_name, "district": found.district}
    )
