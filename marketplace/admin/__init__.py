"""Django admin: the city's "City" section and merchants' scoped views of their own shops.

One module per area; importing them registers the ModelAdmins.
"""

from marketplace.admin import city, shops  # noqa: F401
