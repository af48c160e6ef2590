"""Infrastructure wiring used by services and views: rate limits, the geocoder, search-event buffering.

No business rules here (those live in services/ and selectors/); this package talks to Redis, outside
HTTP services and process-local buffers."""
