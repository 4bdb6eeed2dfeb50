"""Whether a host is this machine: the one question the server's bind check, the control plane's
remote-address check and Klaviyo's webhook URL rule (http only to loopback) all ask."""
from __future__ import annotations

import ipaddress


def is_loopback(host: str | None) -> bool:
    """`localhost`, or an IPv4 or IPv6 loopback address (`127.0.0.0/8`, `::1`)."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
