"""Accessibility facts of a shop (decision 1700): step-free entrance, toilet, seating, quiet hours, hearing
loop, disabled parking nearby.

The merchant sets them (my-shop, admin, API); the OpenStreetMap import fills `step_free` from
`wheelchair=*` and keeps a value the shop changed (field provenance, `osm_import.PROVENANCE_FIELDS`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from marketplace.exceptions import ValidationFailed
from marketplace.models import Shop

ACCESSIBILITY_FIELDS = (
    "step_free",
    "accessible_toilet",
    "seating",
    "quiet_hours",
    "hearing_loop",
    "disabled_parking_nearby",
)
QUIET_HOURS_MAX = 200


@dataclass(frozen=True)
class Accessibility:
    """What a shop says about access; `step_free` is yes / limited / no or "" (not known)."""

    step_free: str = ""
    accessible_toilet: bool = False
    seating: bool = False
    quiet_hours: str = ""
    hearing_loop: bool = False
    disabled_parking_nearby: bool = False

    @classmethod
    def of(cls, shop: Shop) -> Accessibility:
        return cls(**{name: getattr(shop, name) for name in ACCESSIBILITY_FIELDS})


def _check(facts: Accessibility) -> Accessibility:
    errors: dict[str, list[str]] = {}
    if facts.step_free not in {"", *Shop.StepFree.values}:
        errors["step_free"] = [str(_("Use one of: yes, limited, no, or empty for not known."))]
    quiet = " ".join(facts.quiet_hours.split())
    if len(quiet) > QUIET_HOURS_MAX:
        errors["quiet_hours"] = [
            str(_("At most %(n)d characters.")) % {"n": QUIET_HOURS_MAX},
        ]
    if errors:
        raise ValidationFailed(details=errors)
    return Accessibility(**{**asdict(facts), "quiet_hours": quiet})


@transaction.atomic
def shop_accessibility_set(*, shop: Shop, facts: Accessibility) -> Shop:
    """Write the shop's accessibility facts; bad values raise `ValidationFailed` and change nothing."""
    facts = _check(facts)
    locked = Shop.objects.select_for_update().get(pk=shop.pk)
    changed = [name for name in ACCESSIBILITY_FIELDS if getattr(locked, name) != getattr(facts, name)]
    for name in changed:
        setattr(locked, name, getattr(facts, name))
        setattr(shop, name, getattr(facts, name))
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
    return shop
