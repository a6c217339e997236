"""The pure ASGI middlewares in front of every route, one job each. `api.app.create_app`
stacks them in this order, outermost first (after `api.observe.Observe`, which wraps them
all, and before CORS and `api.fast_reads.FastReads`, innermost):

1. RequestId (request_id.py): the request id, in the state, the logs and X-Request-ID.
2. CleanUrl (limits.py): no NUL in the URL (400).
3. Authenticate (authentication.py): the API key of a /v1 request, in the state, or 401,
   before any byte of the body is read.
4. BodyLimits (limits.py): the body is bounded (413) and JSON (415).
5. IdempotencyReplay (idempotency.py): POSTs with an Idempotency-Key are answered once.

Each answers its own refusals as problem+json without calling what is inside it."""

from api.middleware.authentication import Authenticate
from api.middleware.idempotency import IdempotencyReplay
from api.middleware.limits import BodyLimits, CleanUrl
from api.middleware.request_id import RequestId

__all__ = ["Authenticate", "BodyLimits", "CleanUrl", "IdempotencyReplay", "RequestId"]
