"""URLs of the Sentry test: the site's own, plus a view that fails with personal data in its message."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from backend.urls import urlpatterns as site_urlpatterns


def boom(request: HttpRequest) -> HttpResponse:
    email = request.POST.get("email", "")
    raise ValueError(f"could not send the confirmation to {email}")


urlpatterns = [path("boom/", boom), *site_urlpatterns]
