"""The API answers in the request's language.

API paths carry no language prefix. With `i18n_patterns(prefix_default_language=False)` Django's
`LocaleMiddleware` treats every unprefixed path as the default language, so without this middleware every
API message would be German whatever `Accept-Language` says. Runs right after `LocaleMiddleware`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from api.errors import error_body
from api.parsers import text_problem

API_PREFIX = "/api/"


class ApiLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        language = translation.get_language_from_request(
            request
        )  # cookie, then Accept-Language, then default
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers["Content-Language"] = request.LANGUAGE_CODE
        return response


class ApiTextInputMiddleware:
    """A NUL character (`%00`) in an API path or query string is refused before any view runs: PostgreSQL
    text cannot hold it, and a parameter read straight from the query string would reach the database
    driver with it (a 500). A path with one names nothing (404), a query parameter with one is a 400
    `validation_error` naming the parameter. Bodies: `api.parsers`. Runs after `ApiLanguageMiddleware`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        if "\x00" in request.path_info:
            return JsonResponse(error_body("not_found", str(_("Not found."))), status=404)
        details: dict[str, list[str]] = {}
        for name, values in request.GET.lists():
            for value in [name, *values]:
                problem = text_problem(value)
                if problem:
                    details.setdefault(name, []).append(problem)
                    break
        if details:
            body = error_body("validation_error", str(_("The input is not valid.")), details)
            return JsonResponse(body, status=400)
        return self.get_response(request)
