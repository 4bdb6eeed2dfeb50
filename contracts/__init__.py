"""JSON Schemas of the requests and responses the sandbox speaks, one folder per surface.

Installed as `simulator.contracts`; read with `simulator.schemas`."""
