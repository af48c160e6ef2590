"""The city's public pages: "register your shop" (with the address search behind the draggable pin) and
claiming a listing with the code from the city's letter."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from frontend.forms.city import ShopRegistrationForm, SignupConfirmForm, SignupResendForm
from frontend.forms.claims import ClaimCodeForm, ClaimConfirmForm
from marketplace.exceptions import InvalidTransition, RateLimited, SignupLinkInvalid, ValidationFailed
from marketplace.infrastructure.geocoding import GeocoderBusy, GeocodingFailed, address_geocode
from marketplace.infrastructure.rate_limits import client_address, rate_limit_client
from marketplace.models import Shop
from marketplace.selectors import shops
from marketplace.services import signup
from marketplace.services.claims import claim_code_check, shop_claim
from marketplace.services.shops import shop_register

# Which form field shows a service error that has no field of its own.
_FIELD_FOR = {"location": "street", "opening_hours": None}


@require_http_methods(["GET", "POST"])
def shop_registration(request: HttpRequest) -> HttpResponse:
    signed_in = request.user.is_authenticated
    form = ShopRegistrationForm(request.POST or None, signed_in=signed_in)
    location_error = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        registration = form.registration()
        try:
            shop = shop_register(registration=registration, user=request.user, client=_client(request))
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
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
            # signed out, the page is the same whether the address had an account or not (`shop` None)
            request.session["registered"] = (
                {"shop": shop.name if shop else "", "signed_in": True}
                if signed_in
                else {"email": registration.owner_email.strip().lower()}
            )
            return redirect("city:register-done")
    if status == 200 and form.is_bound and not form.is_valid():
        status = 400
    return render(
        request,
        "frontend/city/register.html",
        {"form": form, "location_error": location_error, "signed_in": signed_in},
        status=status,
    )


@require_GET
def shop_registration_done(request: HttpRequest) -> HttpResponse:
    return render(
        request, "frontend/city/register_done.html", {"registered": request.session.get("registered")}
    )


@require_http_methods(["GET", "POST"])
def signup_verify_page(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the confirmation e-mail: GET shows the form (a mail scanner opening it changes
    nothing), POST with the registration's password activates the account and signs it in."""
    try:
        signup.signup_verification_for_token(token=token)
    except SignupLinkInvalid as exc:
        return render(request, "frontend/city/signup_verify.html", {"invalid": exc.message}, status=404)
    form = SignupConfirmForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                user = signup.signup_verify(
                    token=token, password=form.cleaned_data["password"], client=_client(request)
                )
            except RateLimited as exc:
                form.add_error(None, exc.message)
                status = 429
            except SignupLinkInvalid as exc:
                return render(
                    request, "frontend/city/signup_verify.html", {"invalid": exc.message}, status=404
                )
            except ValidationFailed as exc:
                form.add_error("password", exc.message)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(
                    request,
                    _("Thank you, your e-mail address is confirmed. The city's team now looks at your shop."),
                )
                return redirect("my_shop:index")
    return render(request, "frontend/city/signup_verify.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def signup_resend_page(request: HttpRequest) -> HttpResponse:
    """A new confirmation link; the answer does not say whether the address has a registration."""
    form = SignupResendForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "frontend/city/signup_resend.html", {"form": form}, status=400)
        try:
            signup.signup_resend(email=form.cleaned_data["email"], client=_client(request))
        except RateLimited as exc:
            form.add_error(None, exc.message)
            return render(request, "frontend/city/signup_resend.html", {"form": form}, status=429)
        return render(request, "frontend/city/signup_resend.html", {"sent": True})
    return render(request, "frontend/city/signup_resend.html", {"form": form})


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
        found = address_geocode(street=street, postcode=postcode, city=city, client=_client(request))
    except RateLimited as exc:
        message = _("Too many address searches. Please drag the pin to your shop or try again later.")
        response = JsonResponse(
            {"error": {"code": exc.code, "message": message, "details": exc.details}}, status=429
        )
        response["Retry-After"] = str(exc.details.get("retry_after", 60))
        return response
    except GeocoderBusy as exc:
        message = _(
            "The address search is busy. Please try again in a few seconds or drag the pin to your shop."
        )
        response = JsonResponse(
            {"error": {"code": exc.code, "message": message, "details": {"retry_after": exc.retry_after}}},
            status=503,
        )
        response["Retry-After"] = str(exc.retry_after)
        return response
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


def _client(request: HttpRequest) -> str:
    user_id = request.user.pk if request.user.is_authenticated else None
    return rate_limit_client(address=client_address(request.META), user_id=user_id)


def _confirm_initial(shop: Shop, code: str) -> dict[str, str]:
    return {
        "code": code,
        "name": shop.name,
        "street": shop.street,
        "postcode": shop.postcode,
        "city": shop.city,
        "phone": shop.phone,
        "email": shop.email,
        "website": shop.website,
    }


@require_http_methods(["GET", "POST"])
def shop_claim_page(request: HttpRequest) -> HttpResponse:
    """Claim a listing: 1. the code from the letter, 2. confirm the shop's data (and create an account)."""
    signed_in = request.user.is_authenticated
    step = request.POST.get("step", "code")
    status = 200
    context: dict[str, object] = {"signed_in": signed_in}
    if request.method == "POST" and step == "confirm":
        form = ClaimConfirmForm(request.POST, signed_in=signed_in)
        code = request.POST.get("code", "")
        try:
            shop = claim_code_check(code=code, client=_client(request))
        except RateLimited as exc:
            return render(
                request,
                "frontend/city/claim.html",
                {**context, "form": ClaimCodeForm(), "error": exc.message},
                status=429,
            )
        except ValidationFailed as exc:
            return render(
                request,
                "frontend/city/claim.html",
                {**context, "form": ClaimCodeForm(), "error": exc.message},
                status=400,
            )
        if form.is_valid():
            try:
                claimed, owner = shop_claim(code=code, confirmation=form.confirmation(), user=request.user)
            except (ValidationFailed, InvalidTransition) as exc:
                for field, problems in getattr(exc, "details", {}).items():
                    if field in form.fields:
                        for problem in problems:
                            form.add_error(field, str(problem))
                if not form.errors:
                    form.add_error(None, exc.message)
            else:
                if not signed_in:
                    login(request, owner, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(
                    request, _("Welcome! %(shop)s is now yours on Ladenkarte.") % {"shop": claimed.name}
                )
                return redirect("my_shop:shop", slug=claimed.slug)
        status = 400
        context.update(form=form, shop=shop, hours=shops.shop_week(shop=shop, now=timezone.now()))
        return render(request, "frontend/city/claim_confirm.html", context, status=status)
    form_code = ClaimCodeForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    if request.method == "POST" and form_code.is_valid():
        code = form_code.cleaned_data["code"]
        try:
            shop = claim_code_check(code=code, client=_client(request))
        except RateLimited as exc:
            context.update(form=form_code, error=exc.message)
            return render(request, "frontend/city/claim.html", context, status=429)
        except ValidationFailed as exc:
            form_code.add_error("code", exc.message)
        else:
            context.update(
                form=ClaimConfirmForm(initial=_confirm_initial(shop, code), signed_in=signed_in),
                shop=shop,
                hours=shops.shop_week(shop=shop, now=timezone.now()),
            )
            return render(request, "frontend/city/claim_confirm.html", context)
        status = 400
    elif request.method == "POST":
        status = 400
    context["form"] = form_code
    return render(request, "frontend/city/claim.html", context, status=status)
