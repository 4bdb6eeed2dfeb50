"""What one tenant (a Klaviyo account, an Omnisend brand) holds, declared in one place: its class.

Each part of a tenant's state is a class attribute made with `resource(...)` (the vendor's data: what
its API reads and writes) or `engine(...)` (the sandbox's own bookkeeping about that data: flow runs,
segment watches), so one glance at `klaviyo/account.py` or `omnisend/brand.py` says what an account
holds and which of it is the vendor's. A part is made on first read, by calling its factory with the
tenant, and then lives in the tenant's `__dict__`: later reads are plain attribute reads, and a
snapshot (core/graph.py) saves it with the rest of the tenant. The factory is named ("module:Name")
rather than imported because the parts' modules import the tenant's."""
from __future__ import annotations

import importlib
from typing import Any

RESOURCE, ENGINE = "resource", "engine"


class Part:
    """One declared part of a tenant's state (a non-data descriptor: once made, the instance's own
    attribute shadows it)."""

    def __init__(self, kind: str, factory: str, doc: str):
        self.kind, self.factory, self.doc = kind, factory, doc
        self.name = ""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, tenant, owner=None):
        if tenant is None:
            return self
        module, _, qualname = self.factory.partition(":")
        make = importlib.import_module(module)
        for step in qualname.split("."):
            make = getattr(make, step)
        made = tenant.__dict__[self.name] = make(tenant)
        return made


def resource(factory: str, doc: str) -> Part:
    return Part(RESOURCE, factory, doc)


def engine(factory: str, doc: str) -> Part:
    return Part(ENGINE, factory, doc)


class Tenant:
    """The base of Account and Brand: lists their declared parts."""

    @classmethod
    def parts(cls) -> dict[str, Part]:
        found: dict[str, Part] = {}
        for klass in reversed(cls.__mro__):
            found.update({name: part for name, part in vars(klass).items() if isinstance(part, Part)})
        return found

    def made(self) -> dict[str, Any]:
        """The parts made so far (a part nobody has read is not made), by name."""
        return {name: self.__dict__[name] for name in self.parts() if name in self.__dict__}
