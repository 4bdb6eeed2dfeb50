"""Flow Sandbox: a local imitation of the Omnisend and Klaviyo APIs on a virtual clock.

    from simulator import Sandbox
    sb = Sandbox(seed=7, start="2026-11-01T00:00:00Z")
    client = sb.client("omnisend-v3")
"""
from simulator.sandbox import Sandbox
from simulator.settings import Settings

__all__ = ["Sandbox", "Settings"]
