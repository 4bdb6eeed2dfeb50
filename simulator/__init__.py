"""Flow Sandbox: a local imitation of the Omnisend and Klaviyo APIs on a virtual clock.

    from simulator import Sandbox
    sb = Sandbox(seed=7, start="2026-11-01T00:00:00Z")
    client = sb.client("omnisend-v3")
"""
from simulator.sandbox import Sandbox
from simulator.settings import Settings

__all__ = ["Sandbox", "Settings", "__version__"]


def __getattr__(name: str):
    """`__version__`, read from the installed package's metadata when first asked for:
    finding the installed metadata walks sys.path, which a server start need not pay for."""
    if name != "__version__":
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version
    try:
        found = version("flow-sandbox")  # what pyproject.toml says, as installed
    except PackageNotFoundError:  # imported from a checkout that was never installed
        found = "0+unknown"
    globals()["__version__"] = found
    return found
