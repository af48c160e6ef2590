"""Django admin: the city's "City" section and merchants' scoped views of their own shops.

One module per area; importing them registers the ModelAdmins.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from marketplace.admin import (  # noqa: F401
    city,
    feedback,
    integrations,
    osm,
    outbox,
    products,
    reservations,
    shops,
    tenancy,
    till,
    voice,
)

admin.site.site_header = _("Ladenkarte administration")
admin.site.site_title = _("Ladenkarte")
admin.site.index_title = _("Shops, stock and the city's curation")
