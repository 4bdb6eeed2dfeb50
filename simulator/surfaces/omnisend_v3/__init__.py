"""The Omnisend v3 surface, mounted at `/omnisend/v3`.

Auth is the `X-API-KEY` header; every brand has one budget of `v3_rate_limit` requests per window,
reported on every response in `X-Rate-Limit-Limit`, `-Remaining` and `-Reset` (seconds left).
A batch item run through the app (`simulator.app.INTERNAL`) is authenticated but not charged: its
batch request already was."""
from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, Request, Response, g

from simulator.app import is_internal
from simulator.core.ratelimit import Window
from simulator.errors import RateLimited, Unauthorized
from simulator.surfaces.omnisend_v3 import errors

blueprint = Blueprint("omnisend_v3", __name__)


class OmnisendV3Surface:
    name = "omnisend-v3"
    vendor = "omnisend"
    prefix = "/omnisend/v3"
    blueprint = blueprint

    def admit(self, sandbox, request: Request) -> str | None:
        g.rate = None
        credential = sandbox.credential("omnisend", request.headers.get("X-API-KEY"))
        if credential is None:
            raise Unauthorized()
        g.brand = sandbox.omnisend_brand(credential.account)
        if is_internal(request):
            return credential.account
        settings = sandbox.settings
        windows = _windows(settings.v3_rate_limit, settings.v3_rate_window_seconds, settings.v3_rate_window_kind)
        rate = g.rate = sandbox.limiter.hit(("omnisend", credential.account), windows, sandbox.clock.now())
        if not rate.allowed:
            raise RateLimited(rate)
        return credential.account

    def decorate(self, sandbox, response: Response) -> None:
        rate = g.get("rate")
        if rate is not None:  # `add`, not `set`: no response has these before here
            headers = response.headers
            headers.add("X-Rate-Limit-Limit", str(rate.limit))
            headers.add("X-Rate-Limit-Remaining", str(rate.remaining))
            headers.add("X-Rate-Limit-Reset", str(rate.reset_seconds))
            if not rate.allowed:
                headers["Retry-After"] = str(rate.retry_after)  # a fault's 429 may have said it already

    def render_error(self, sandbox, error: Exception) -> Response:
        return errors.render(error, sandbox.settings.v3_error_status_code)


@lru_cache(maxsize=8)
def _windows(limit: int, seconds: int, kind: str) -> tuple[Window, ...]:
    """The brand budget's window, made once per setting rather than once per request."""
    return (Window(limit, seconds, kind),)


# Each resource module adds its routes to the blueprint.
from simulator.surfaces.omnisend_v3 import (  # noqa: E402,F401
    batches, campaigns, carts, categories, contacts, events, orders, products)
