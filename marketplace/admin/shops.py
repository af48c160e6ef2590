"""Admin for shops, products, stock, hours, reservations, API keys and webhooks (scoped to members)."""
