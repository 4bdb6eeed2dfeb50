"""One package per vendor surface; each maps HTTP to the model and domain errors to its vendor's body.

A surface object tells the app where it is mounted, how it authenticates and limits a request, how
it decorates responses and how it renders errors (see `Surface`)."""
from __future__ import annotations

from typing import Protocol

from flask import Blueprint, Request, Response


class Surface(Protocol):
    name: str  # "omnisend-v3"
    vendor: str  # "omnisend"; "sim" for the control API
    prefix: str  # "/omnisend/v3"
    blueprint: Blueprint

    def admit(self, sandbox, request: Request) -> str | None:
        """Authenticate and rate-limit; return the account id (None where there is no account)."""

    def decorate(self, sandbox, response: Response) -> None:
        """Add the headers this vendor puts on every response."""

    def render_error(self, sandbox, error: Exception) -> Response:
        """The vendor's response for a domain error (or an unexpected exception)."""


def all_surfaces() -> list[Surface]:
    from simulator.control import ControlSurface
    from simulator.surfaces.klaviyo import KlaviyoApiSurface, KlaviyoClientSurface
    from simulator.surfaces.omnisend_api import OmnisendApiSurface
    from simulator.surfaces.omnisend_oauth import OmnisendOAuthSurface
    from simulator.surfaces.omnisend_v3 import OmnisendV3Surface
    return [OmnisendV3Surface(), OmnisendApiSurface(), OmnisendOAuthSurface(),
            KlaviyoApiSurface(), KlaviyoClientSurface(), ControlSurface()]
