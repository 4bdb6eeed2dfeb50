"""Example forwarders for `simulator run` (see docs/scenarios.md, "Bring your own forwarder")."""
