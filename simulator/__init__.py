"""Flow Sandbox: a local imitation of the Omnisend and Klaviyo APIs on a virtual clock.

    from simulator import Sandbox
    sb = Sandbox(seed=7, start="2026-11-01T00:00:00Z")
    client = sb.client("omnisend-v3")
"""
from importlib.metadata import PackageNotFoundError, version

from simulator.sandbox import Sandbox
from simulator.settings import Settings

try:
    __version__ = version("flow-sandbox")  # what pyproject.toml says, as installed
except PackageNotFoundError:  # imported from a checkout that was never installed
    __version__ = "0+unknown"

__all__ = ["Sandbox", "Settings", "__version__"]
