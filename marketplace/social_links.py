"""A shop's social links: which networks, and that every link is an http(s) URL (decision 1200, finding 7).

One rule for every door: the model field's validator (the admin's form error), the public API and the shop
page (`social_links_safe`, so a value stored before the rule never breaks a page or an answer).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

SOCIAL_NETWORKS = (
    "bluesky",
    "facebook",
    "instagram",
    "linkedin",
    "mastodon",
    "pinterest",
    "telegram",
    "threads",
    "tiktok",
    "whatsapp",
    "x",
    "xing",
    "youtube",
)
MAX_LINKS = len(SOCIAL_NETWORKS)
MAX_URL_LENGTH = 300
_URL = URLValidator(schemes=["http", "https"])


def _url_ok(url: object) -> bool:
    if not isinstance(url, str) or len(url) > MAX_URL_LENGTH:
        return False
    try:
        _URL(url)
    except ValidationError:
        return False
    return True


def social_links_problems(value: Any) -> list[str]:
    """What is wrong with a social-links value ([] when nothing): a JSON object of known network names to
    http(s) URLs."""
    if not isinstance(value, dict):
        return [_('Enter the social links as an object, e.g. {"instagram": "https://…"}.')]
    problems = []
    for name, url in value.items():
        if name not in SOCIAL_NETWORKS:
            problems.append(
                _("“%(name)s” is not a known network (known: %(known)s).")
                % {"name": str(name)[:40], "known": ", ".join(SOCIAL_NETWORKS)}
            )
        elif not _url_ok(url):
            problems.append(_("The link for %(name)s must be an http or https address.") % {"name": name})
    return problems


def social_links_validate(value: Any) -> None:
    """The model field's validator: raise `ValidationError` naming each problem."""
    problems = social_links_problems(value)
    if problems:
        raise ValidationError(problems, code="invalid_social_links")


def social_links_safe(value: Any) -> dict[str, str]:
    """The links that pass the rule, for pages and API answers (a value from before the rule may hold
    anything)."""
    if not isinstance(value, dict):
        return {}
    return {name: url for name, url in value.items() if name in SOCIAL_NETWORKS and _url_ok(url)}
