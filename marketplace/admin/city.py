"""The city section of the admin: approval, featured shops, collections, city calendar, insights."""
