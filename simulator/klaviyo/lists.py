"""Klaviyo lists and their members. Joining or leaving a list is a happening the account's
listeners hear (a flow engine's "Added to List" trigger), unless it came from a historical import."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from simulator.errors import Invalid, MissingReferences, Problem
from simulator.klaviyo.account import Account
from simulator.klaviyo.profiles import ProfileChanged, profiles_of, unknown_profile
from simulator.core.records import Records


@dataclass
class KlaviyoList:
    id: str
    name: str
    created: _dt.datetime
    updated: _dt.datetime
    opt_in_process: str = "single_opt_in"
    members: dict[str, _dt.datetime] = field(default_factory=dict)  # profile id -> joined at, in joining order


@dataclass(frozen=True)
class MembershipChange:
    """A profile joined (`added`) or left a list: what the listeners hear."""
    list_id: str
    profile_id: str
    added: bool
    at: _dt.datetime


class ListBook:
    """Lists by id; `updated` follows the list's own attributes, not its members."""

    def __init__(self, account: Account):
        self.account = account
        self.records: Records[KlaviyoList] = Records("list")

    def create(self, name: str, opt_in_process: str | None, now: _dt.datetime) -> KlaviyoList:
        if not name.strip():
            raise Invalid([Problem("data.attributes.name", "invalid", detail="'name' may not be blank.")])
        made = KlaviyoList(self.account.ids.next("list", "base62_6"), name, now, now,
                           opt_in_process or "single_opt_in")
        return self.records.add(made.id, made)

    def lists_of(self, profile_id: str) -> list[KlaviyoList]:
        return [found for found in self.records if profile_id in found.members]

    def check_profiles(self, profile_ids: list[str], path: str = "data") -> None:
        """Every id names a profile, or a 404 naming each one that does not."""
        known = profiles_of(self.account).records
        missing = [unknown_profile(f"{path}[{i}].id", pid) for i, pid in enumerate(profile_ids) if pid not in known]
        if missing:
            raise MissingReferences(missing)

    def add(self, list_id: str, profile_ids: list[str], now: _dt.datetime, notify: bool = True) -> None:
        target = self.records.get(list_id)
        self.check_profiles(profile_ids)
        for profile_id in profile_ids:
            if profile_id in target.members:
                continue
            target.members[profile_id] = now
            # a historical import is no "Added to List" trigger, but segments still see the membership
            self.account.notify(MembershipChange(list_id, profile_id, True, now) if notify
                                else ProfileChanged(profile_id, now))

    def remove(self, list_id: str, profile_ids: list[str], now: _dt.datetime) -> None:
        target = self.records.get(list_id)
        self.check_profiles(profile_ids)
        for profile_id in profile_ids:
            if target.members.pop(profile_id, None) is not None:
                self.account.notify(MembershipChange(list_id, profile_id, False, now))

    def hand_over(self, source_id: str, destination_id: str | None) -> None:
        """A merge (the destination joins every list the source was in, as of when the source
        joined, unless it was a member already) or a deletion (`destination_id` None: the profile
        leaves every list). Nothing is told: no one joined or left of their own accord."""
        for found in self.records:
            joined = found.members.pop(source_id, None)
            if joined is not None and destination_id is not None:
                found.members.setdefault(destination_id, joined)


def lists_of(account: Account) -> ListBook:
    return account.lists
