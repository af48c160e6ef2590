"""The two staff roles as Django groups: "Merchants" (their own shops, scoped in the admin) and
"City editors" (the city's marketing team). `manage.py setup_roles` applies them; re-running it resets
each group to exactly these permissions.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

MERCHANTS_GROUP = "Merchants"
CITY_EDITORS_GROUP = "City editors"

_ALL = ("view", "add", "change", "delete")

# model name -> actions (or custom codenames). Merchants' objects are scoped to their shops by the admin.
MERCHANT_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "shop": ("view", "change"),
    "product": _ALL,
    "openinghours": _ALL,
    "specialday": _ALL,
    "reservation": ("view", "change"),
    "reservationline": ("view",),
    "stockmovement": ("view",),
    "apikey": ("view", "add", "change"),
    "webhook": _ALL,
    "webhookdelivery": ("view",),
    "outboxmessage": ("view",),  # their webhooks' queue (scoped to their shops in the admin)
    "importjob": ("view", "add"),
    "shopmembership": ("view",),
    "post": ("view", "change"),  # written in my-shop / API; the admin lists, edits and ends them
    "jobposting": ("view", "change"),
    "feedback": ("view",),  # read in the admin; answered and reported in my-shop / API
}

# The city: curation, the calendar, the approval queue and the insights; never products or reservations.
CITY_EDITOR_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "category": _ALL,
    "cityday": _ALL,
    "collection": _ALL,
    "collectionitem": _ALL,
    "featuredshop": _ALL,
    "searchevent": ("view", "view_insights"),
    "shopapplication": ("view", "change", "review_shop"),
    "shop": ("view",),  # to pick shops for collections and featured slots
    "product": ("view",),  # to pick products for collections
    # OpenStreetMap: imports, the lists that steer them, claim letters sent, the empty-shops map
    "osmimportrun": ("view", "add"),
    "chainbrand": _ALL,
    "osmimporttag": _ALL,
    "claimcode": ("view",),
    "vacantunit": ("view", "view_empty_shops"),
    "healthsnapshot": ("view",),  # the data-health board
    "post": ("view", "hide_post"),  # moderation: hide with a reason, show again
    "jobposting": ("view", "change", "feature_jobposting"),  # feature jobs (e.g. apprenticeships in autumn)
    "outboxmessage": ("view", "change"),  # e-mails and webhook events waiting or dead; "retry" needs change
    # the workspace (/admin/stadt/) and messages to merchants; never API keys, webhooks, stock or imports
    "merchantmessage": ("view", "add", "view_city_workspace"),
    "feedback": ("view", "moderate_review"),  # reviews: hide with a reason, show again, keep reported ones
    "feedbackreport": ("view",),
}


def _permissions(spec: dict[str, tuple[str, ...]]) -> list[Permission]:
    query = Q()
    for model, actions in spec.items():
        codenames = [action if "_" in action else f"{action}_{model}" for action in actions]
        query |= Q(content_type__app_label="marketplace", content_type__model=model, codename__in=codenames)
    found = list(Permission.objects.filter(query))
    expected = sum(len(actions) for actions in spec.values())
    if len(found) != expected:
        missing = {f"{model}.{action}" for model, actions in spec.items() for action in actions} - {
            f"{p.content_type.model}.{p.codename.removesuffix('_' + p.content_type.model)}" for p in found
        }
        raise RuntimeError(f"permissions missing (run migrate first?): {sorted(missing)}")
    return found


@transaction.atomic
def roles_setup() -> dict[str, int]:
    """Create or reset the Merchants and City editors groups; returns permission counts per group."""
    counts = {}
    for name, spec in (
        (MERCHANTS_GROUP, MERCHANT_PERMISSIONS),
        (CITY_EDITORS_GROUP, CITY_EDITOR_PERMISSIONS),
    ):
        group, _created = Group.objects.get_or_create(name=name)
        permissions = _permissions(spec)
        group.permissions.set(permissions)
        counts[name] = len(permissions)
    return counts
