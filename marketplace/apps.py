from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = "Ladenkarte"

    def ready(self) -> None:
        # Process-level hooks are connected here, once, not as a side effect of importing a module.
        from marketplace.infrastructure.search_events import search_events_connect

        search_events_connect()
