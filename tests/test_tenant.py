"""Each account's state is declared on its class (core/tenant.py): every part can be made, is made
once, and is the one the vendor surfaces write to."""
import datetime as _dt

import pytest

from simulator.core.ids import IdFactory
from simulator.core.tenant import ENGINE, RESOURCE
from simulator.klaviyo.account import Account
from simulator.omnisend.brand import Brand
from tests.klaviyo_bodies import account, event, kl  # noqa: F401 (fixtures)

NOW = _dt.datetime(2026, 1, 1, tzinfo=_dt.timezone.utc)


@pytest.mark.parametrize("tenant_class", [Account, Brand])
def test_every_declared_part_is_made_once_on_first_read(tenant_class):
    tenant = tenant_class("t1", IdFactory(7, "t1"), NOW)
    assert tenant.made() == {}
    for name, part in tenant_class.parts().items():
        assert part.kind in (RESOURCE, ENGINE) and part.doc
        made = getattr(tenant, name)
        assert made is not None and getattr(tenant, name) is made
    assert list(tenant.made()) == list(tenant_class.parts())


def test_the_engine_state_is_declared_apart_from_the_vendor_resources():
    assert {n for n, p in Account.parts().items() if p.kind == ENGINE} == {"flow_runs"}
    assert {n for n, p in Brand.parts().items() if p.kind == ENGINE} == {"automation_runs"}


def test_what_the_api_writes_lands_in_the_declared_parts(sb, kl, account):
    assert kl.post("/events", json=event("ann@example.com")).status_code == 202
    sb.clock.advance(seconds=60)
    assert {"profiles", "events", "metrics"} <= set(account.made())
    assert [p.attributes["email"] for p in account.profiles.records] == ["ann@example.com"]
    assert [m.name for m in account.metrics.records] == ["Viewed Product"]
