"""`Sandbox`: one simulated world (clock, accounts, journal, outbox) and the app that serves it.

The same object serves real HTTP (`simulator serve` hands `sandbox.wsgi` to the server) and
in-process calls (`sandbox.client(...)` is an httpx client whose transport calls `sandbox.wsgi`)."""
from __future__ import annotations

import datetime as _dt
import hashlib
import threading
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.app import IN_PROCESS, LockedApp, create_app
from simulator.control.faults import Faults
from simulator.core.clock import Clock, wall_elapsed, wall_now
from simulator.core.ids import IdFactory
from simulator.core.journal import Journal
from simulator.core.keys import Credential, Keyring
from simulator.core.outbox import Outbox
from simulator.core.ratelimit import RateLimiter
from simulator.core.scheduler import Scheduler
from simulator.core.tokens import TokenStore
from simulator.engine import Engine
from simulator.engine.messages import engage
from simulator.engine.klaviyo import KlaviyoRuntime
from simulator.engine.omnisend import OmnisendRuntime
from simulator.engine.runs import RunLog
from simulator.engine.webhooks import WebhookPoster
from simulator.klaviyo.account import Account as KlaviyoAccount
from simulator.klaviyo.segments import keep_current
from simulator.omnisend.brand import Brand
from simulator.settings import Settings

if TYPE_CHECKING:
    import httpx

IN_PROCESS_HOST = "http://sandbox.local"
KLAVIYO_REVISION = "2026-10-15"  # what the current official SDK (klaviyo-api 25.x) sends


def _setting(settings: Settings, name: str):
    """A setting read when it is needed (the journal's and outbox's bounds), as data: a snapshot
    saves `partial(_setting, settings, name)` where it could not save a lambda."""
    return getattr(settings, name)


def _promise_clock(settings: Settings):
    """The wall clock a 429's `Retry-After` promise is kept on, or None when the setting is off (a
    scenario run must depend on virtual time only, or its figures would depend on the machine)."""
    return wall_now() if settings.rate_limit_wall_retry_after else None


class Sandbox:
    def __init__(self, seed: int = 0, start: str | _dt.datetime | None = None, clock: str = "frozen",
                 keys: str | Path | Keyring | None = None, settings: Settings | None = None,
                 admin_token: str | None = None, control_hosts: tuple[str, ...] = ()):
        self.seed = seed
        self.lock = threading.RLock()
        self.clock = Clock(start, clock, self.lock)
        self.scheduler = Scheduler(self.clock)
        self.keyring = keys if isinstance(keys, Keyring) else (Keyring.from_file(keys) if keys else Keyring())
        self.settings = settings or Settings()
        self.admin_token = admin_token
        self.control_hosts = tuple(name.lower() for name in control_hosts)  # Host names /_sim answers besides loopback
        self.started = wall_elapsed()  # for /_sim/health's uptime
        self.faults = Faults()  # /_sim/faults: the vendor failing on purpose
        self.snapshots: dict[str, dict] = {}  # /_sim/snapshots: saved states by name (control/snapshots.py)
        self.journal = Journal(partial(_setting, self.settings, "journal_limit"))
        self.messages = Outbox(partial(_setting, self.settings, "outbox_limit"))
        self.limiter = RateLimiter(wall=partial(_promise_clock, self.settings))  # Retry-After kept in wall seconds
        self.tokens = TokenStore(seed)
        self.request_ids = IdFactory(seed, "requests")  # problem `instance` ids
        self.engine = Engine(seed, self.clock, self.scheduler, self.messages,
                             RunLog(partial(_setting, self.settings, "run_limit")), WebhookPoster(self.lock))
        self.omnisend_engine = OmnisendRuntime(self.engine)  # hears every Omnisend brand's events
        self.klaviyo_engine = KlaviyoRuntime(self.engine, self.settings)  # and every Klaviyo account's
        self._brands: dict[str, Brand] = {}
        self._klaviyo: dict[str, KlaviyoAccount] = {}
        from simulator.surfaces import all_surfaces  # the surfaces import the model, not the reverse
        self.app = create_app(self, all_surfaces())
        self.wsgi = LockedApp(self.app, self.lock)

    # -- accounts --------------------------------------------------------------------------

    def omnisend_brand(self, brand_id: str) -> Brand:
        """The brand's state, created empty on first use."""
        return self._used(self._brands, brand_id, self._new_brand)

    def _new_brand(self, brand_id: str) -> Brand:
        brand = Brand(brand_id, IdFactory(self.seed, f"omnisend:{brand_id}"), self.clock.now(), clock=self.clock,
                      settings=self.settings)
        return self.omnisend_engine.attach(brand)

    def klaviyo_account(self, company_id: str) -> KlaviyoAccount:
        """The Klaviyo account named by its company id (public key), created empty on first use."""
        return self._used(self._klaviyo, company_id, self._new_klaviyo)

    def _used(self, accounts: dict, account_id: str, new):
        """The account, made on first use and moved last (the dict runs least to most recently used);
        past `account_limit`, the least recently used is dropped with its data and budgets."""
        account = accounts.pop(account_id, None)
        accounts[account_id] = account = account if account is not None else new(account_id)
        while len(accounts) > self.settings.account_limit:
            dropped = next(iter(accounts))
            del accounts[dropped]
            self.limiter.forget(dropped)
        return account

    def _new_klaviyo(self, company_id: str) -> KlaviyoAccount:
        return self.klaviyo_engine.attach(keep_current(KlaviyoAccount(
            company_id, IdFactory(self.seed, f"klaviyo:{company_id}"), self.clock.now(), scheduler=self.scheduler,
            settings=self.settings)))

    def accounts(self) -> list[dict]:
        omnisend = [{"vendor": "omnisend", "id": b.id, "created_at": b.created_at.isoformat(),
                     "contacts": len(b.made().get("contacts", ()))}
                    for b in sorted(self._brands.values(), key=lambda b: b.id)]
        klaviyo = [{"vendor": "klaviyo", "id": a.id, "created_at": a.created_at.isoformat()}
                   for a in sorted(self._klaviyo.values(), key=lambda a: a.id)]
        return omnisend + klaviyo

    def test_keys(self) -> dict[str, str]:
        """Ready-to-use keys per vendor: the first listed in closed mode, else ones made from the seed."""
        keys = {}
        for vendor, shape in (("omnisend", lambda d: f"{d[:24]}-{d[24:40]}"), ("klaviyo", lambda d: f"pk_{d[:34]}")):
            listed = self.keyring.credentials(vendor)
            if self.keyring.closed and listed:
                keys[vendor] = listed[0].key
            elif not self.keyring.closed:
                keys[vendor] = shape(hashlib.blake2b(f"flow-sandbox|{self.seed}|{vendor}".encode(),
                                                     digest_size=20).hexdigest())
        return keys

    def company_id(self, key: str | None = None) -> str:
        """The Klaviyo company id (public key) of a private key, by default the test key's."""
        return self.credential("klaviyo", key or self.test_keys()["klaviyo"]).account

    def credential(self, vendor: str, key: str | None) -> Credential | None:
        return self.keyring.lookup(vendor, key)

    # -- in-process use --------------------------------------------------------------------

    def client(self, surface: str = "omnisend-v3", key: str | None = None, **kwargs) -> "httpx.Client":
        """An httpx client on a surface, going through WSGI with no socket: "omnisend-v3",
        "omnisend-api" (`Omnisend-Version: 2026-03-15`), "omnisend-oauth" or "sim". Vendor
        surfaces get the seed's test key unless `key` (or an Authorization header) is given."""
        base = {"omnisend-v3": "/omnisend/v3", "omnisend-api": "/omnisend/api", "omnisend-oauth": "/omnisend/oauth2",
                "klaviyo-api": "/klaviyo/api", "klaviyo-client": "/klaviyo/client", "sim": "/_sim"}[surface]
        headers = dict(kwargs.pop("headers", {}) or {})
        if surface == "omnisend-v3":
            headers.setdefault("X-API-KEY", key or self.test_keys()["omnisend"])
        elif surface == "omnisend-api":
            headers.setdefault("Authorization", f"Omnisend-API-Key {key or self.test_keys()['omnisend']}")
            headers.setdefault("Omnisend-Version", "2026-03-15")
        elif surface.startswith("klaviyo"):
            headers.setdefault("revision", KLAVIYO_REVISION)
            if surface == "klaviyo-api":
                headers.setdefault("Authorization", f"Klaviyo-API-Key {key or self.test_keys()['klaviyo']}")
            else:
                kwargs.setdefault("params", {"company_id": self.company_id()})
        import httpx  # only in-process use needs it; a server start should not pay for it
        return httpx.Client(transport=httpx.WSGITransport(app=self._in_process_wsgi),
                            base_url=IN_PROCESS_HOST + base, headers=headers, **kwargs)

    def _in_process_wsgi(self, environ, start_response):
        """`wsgi` for httpx's WSGI transport, which hands over the whole body in `wsgi.input`: a streamed
        (chunked) body has no Content-Length, and werkzeug reads such an input as empty unless told
        that it ends."""
        environ["wsgi.input_terminated"] = True
        environ[IN_PROCESS] = True
        return self.wsgi(environ, start_response)

    def add_omnisend_campaign(self, brand_id: str, **fields) -> dict:
        """Seed a campaign (v3 cannot create one); fields as `POST /_sim/omnisend/campaigns` takes them."""
        from simulator.control.omnisend import seed_campaign
        with self.lock:
            return seed_campaign(self, {"brand": brand_id, **fields})

    def add_omnisend_event(self, brand_id: str, **fields) -> dict:
        """Define a custom event as the Omnisend app would (fields may be required); see `/_sim/omnisend/events`."""
        from simulator.control.omnisend import seed_event
        with self.lock:
            return seed_event(self, {"brand": brand_id, **fields})

    def outbox(self, **filters) -> list[dict]:
        return [m.to_json() for m in self.messages.messages(**filters)]

    def runs(self, **filters) -> list[dict]:
        """The automation run trace (`GET /_sim/runs`): filters vendor, account, workflow_id, recipient, status."""
        return [run.to_json() for run in self.engine.runs.runs(**filters)]

    def engage(self, message_id: str, type: str, url: str | None = None) -> dict:
        """Record an open or a click on a sent message (what message splits read); the message. On an
        Omnisend message it is also the contact's `opened message` / `clicked message` event."""
        with self.lock:
            message = engage(self.messages, message_id, type, url, self.clock.now())
            if message.vendor == "omnisend" and not message.test:
                self.omnisend_engine.triggers.engaged(self.omnisend_brand(message.account), message,
                                                      message.engagement[-1])
            return message.to_json()

    def reset(self) -> None:
        """Drop every account (each is made again, empty, on its next use); keys, settings and the
        clock stay."""
        with self.lock:
            self._brands.clear()
            self._klaviyo.clear()
            self.scheduler.clear()
            self.limiter.reset()
            self.journal.clear()
            self.messages.clear()
            self.engine.runs.clear()
