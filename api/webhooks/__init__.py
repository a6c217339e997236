"""Webhooks (DESIGN section 9): subscriptions to the event log, each POSTed the feed items of
the event types it wants, at least once and in commit order.

- `tables`: the subscriptions, their delivery attempts and the outcome counts, in our own
  tables on either backend; a webhook's `position` is tracked like a projection's.
- `targets`: which URLs may be called (http(s) only; no loopback, private, link-local ...
  address unless SMALLWINS_WEBHOOK_ALLOW_PRIVATE), checked at creation and at each delivery,
  which connects to the very address it checked.
- `signing`: secrets, the `Smallwins-*` headers and the HMAC signature.
- `claims`: one deliverer per webhook at a time, across processes (a PostgreSQL advisory
  lock held in the delivering transaction; an OS file lock beside the SQLite file).
- `sender`: the HTTP client (httpx on an event loop of its own: a total timeout per attempt).
- `delivery`: one webhook's run through the log; `dispatcher`: the loop that runs them,
  one thread per webhook with work, in the process that runs the projections.
- `service`: what the routes call; `metrics`: what /metrics reads from the store.
"""
