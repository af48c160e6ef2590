"""Values every page of the website needs: the town, the operator and the map configuration."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import gettext


def site(request: HttpRequest) -> dict[str, Any]:
    lat, lng = settings.LADENKARTE_MAP_CENTER
    return {
        # Django's set_language resolves `next` in the default language (paths without a prefix), so an
        # English page hands over its German twin; set_language then translates it to the chosen language.
        "language_switch_next": translate_url(request.get_full_path(), settings.LANGUAGE_CODE),
        "site_town": settings.LADENKARTE_TOWN,
        "site_operator": settings.LADENKARTE_OPERATOR,
        "basemap_self_hosted": bool(settings.LADENKARTE_BASEMAP_URL),
        # Open Graph defaults of pages without a share card of their own (includes/og_tags.html).
        "site_og_title": f"Ladenkarte {settings.LADENKARTE_TOWN}",
        "site_og_description": gettext(
            "What the independent shops of %(town)s have in stock, on one map: find it, reserve it, "
            "pick it up today."
        )
        % {"town": settings.LADENKARTE_TOWN},
        "site_page_url": f"{settings.SITE_URL}{request.path}",
        # an unconfirmed hold is released after this long (services/hoarding.py)
        "hold_confirm_minutes": settings.LADENKARTE_HOLD_CONFIRM_MINUTES,
        "map_config": {
            # a vector basemap from our own PMTiles file, else raster tiles from tileUrl
            "pmtilesUrl": settings.LADENKARTE_BASEMAP_URL,
            "language": request.LANGUAGE_CODE
            if hasattr(request, "LANGUAGE_CODE")
            else settings.LANGUAGE_CODE,
            "tileUrl": settings.LADENKARTE_TILE_URL,
            "attribution": settings.LADENKARTE_TILE_ATTRIBUTION,
            "center": [lat, lng],
            "zoom": settings.LADENKARTE_MAP_ZOOM,
        },
    }
