"""Running Ladenkarte: request metrics and logs, the /metrics endpoint, log redaction, error reporting.

Nothing here holds a business rule: domain figures come from `marketplace.selectors.operations` and
`marketplace.metrics`. Imports flow `ops` -> `marketplace`, never back.
"""
