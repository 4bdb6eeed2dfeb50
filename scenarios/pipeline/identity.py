"""Identity resolution: which person a pixel event belongs to, and how we know (the seeds' Resolve
step: Upstack ID's deterministic keys and first-party cookie, then the vendor's identity graph).

Keys, strongest first:

* `login`: the page holds a logged-in account's email;
* `email`: the shopper typed their email on this step (checkout contact step);
* `click`: the session began on a message link, whose recipient the vendor's graph knows;
* `cookie`: the first-party pixel cookie of the device (`device_id`) was tied to a person by one of
  the keys above and the device was seen within `pixel_cookie_days` (each visit refreshes it);
* `network`: the vendor's graph matches the device to a person (a guess: never stored on the
  device, so any key seen later overrides it).

A person is keyed by the hash of their email, so every device tied to them (by a key on that
device) resolves to one profile, and the profile is enriched from the graph when it knows them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from simulator.scenarios.forwarder import IdentityNetwork, hash_email
from simulator.scenarios.model import PixelEvent, Shopper

DAY = 86400
DEFAULT_PIXEL_COOKIE_DAYS = 365  # a server-set first-party cookie lives a year (Elevar's, docs.getelevar.com)


@dataclass(frozen=True, slots=True)
class Profile:
    """A person as the destinations are told of them: what the graph adds to the bare email."""
    key: str  # the hashed email: one person across devices
    email: str
    first_name: str | None = None
    last_name: str | None = None
    city: str | None = None
    region: str | None = None


@dataclass(frozen=True, slots=True)
class Resolution:
    profile: Profile
    method: str  # login | email | click | cookie | network


class IdentityResolver:
    """Resolves events in time order; keeps only device -> (person, last seen) and the profiles."""

    def __init__(self, network: IdentityNetwork, params: Mapping | None = None):
        self.network = network
        self.cookie_seconds = int((params or {}).get("pixel_cookie_days", DEFAULT_PIXEL_COOKIE_DAYS) * DAY)
        self._devices: dict[str, tuple[Profile, int]] = {}  # device id -> person its cookie names, last seen
        self._profiles: dict[str, Profile] = {}  # email as given -> profile (hashed once per address)

    def resolve(self, event: PixelEvent, now: int) -> Resolution | None:
        linked = self._devices.get(event.device_id)
        if linked is not None and now - linked[1] > self.cookie_seconds:
            del self._devices[event.device_id]  # the cookie expired: the device is anonymous again
            linked = None
        keyed = self._keyed(event)
        if keyed is not None:
            self._devices[event.device_id] = (keyed.profile, now)
            return keyed
        if linked is not None:
            self._devices[event.device_id] = (linked[0], now)
            return Resolution(linked[0], "cookie")
        guess = self.network.device(event.device_id)
        return Resolution(self._profile(guess.email, guess), "network") if guess is not None else None

    def _keyed(self, event: PixelEvent) -> Resolution | None:
        """The deterministic key the event itself carries, if any."""
        if event.email:
            method = "login" if event.logged_in else "email"
            return Resolution(self._profile(event.email, self.network.email(event.email)), method)
        click = event.click
        if click is not None:
            known = self.network.email(click.recipient)
            if known is not None:
                return Resolution(self._profile(known.email, known), "click")
            if click.channel == "email":  # the graph does not know them, but the address is the person
                return Resolution(self._profile(click.recipient, None), "click")
        return None

    def _profile(self, email: str, known: Shopper | None) -> Profile:
        profile = self._profiles.get(email)
        if profile is None:
            profile = self._profiles[email] = profile_for(email, known)
        return profile


def profile_for(email: str, known: Shopper | None) -> Profile:
    """The person behind an address, enriched with what the graph knows of them (if anything)."""
    address = email.strip().lower()
    if known is None:
        return Profile(hash_email(address), address)
    return Profile(hash_email(address), address, known.first_name, known.last_name, known.city, known.region)
