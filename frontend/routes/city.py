"""Website routes: the city's public shop registration."""

from django.urls import URLPattern, URLResolver, path

from frontend.views import city

app_name = "city"

urlpatterns: list[URLPattern | URLResolver] = [
    path("laden-anmelden/", city.shop_registration, name="register"),
    path("laden-anmelden/danke/", city.shop_registration_done, name="register-done"),
    path("laden-anmelden/adresse/", city.address_lookup, name="address-lookup"),
    path("laden-anmelden/code/", city.shop_claim_page, name="claim"),
    path("laden-anmelden/bestaetigen/", city.signup_resend_page, name="signup-resend"),
    path("laden-anmelden/bestaetigen/<str:token>/", city.signup_verify_page, name="signup-verify"),
]
