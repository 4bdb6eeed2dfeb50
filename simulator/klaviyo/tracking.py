"""What Klaviyo adds to the links of the emails it sends: UTM parameters and the `_kx` token.

UTM: the account's one tracking setting (`GET /api/tracking-settings`, id = the account id) names,
per parameter, a value for flows and one for campaigns, static (`{"type": "static", "value": ...}`)
or dynamic (`{"type": "dynamic", "value": "flow_name"}`...: the spec's enums). Its defaults are
Klaviyo's: utm_source "Klaviyo", utm_medium the message type, utm_campaign the flow message name or
the campaign name, utm_id the flow or campaign id; utm_term off
(https://help.klaviyo.com/hc/en-us/articles/115005247808). A message adds them when its
`add_tracking_params` is true (absent: the setting's `auto_add_parameters`); a flow email's
`custom_tracking_params` (`[{param, value}]`) replace them, as a campaign's do.

`_kx`: Klaviyo's "email to website tracking" token, the profile's encrypted identifier, on every
tracked link while click tracking is on (flows always track clicks; a campaign unless its
`tracking_options.is_tracking_clicks` is false; the `klaviyo_kx_links` setting turns it off). A
shopper who follows the link arrives with `?_kx=...`; Klaviyo's onsite script sends it with its
client requests, and any request naming the profile by `_kx` (client events and profiles, server
events, `profile-import`, `filter=equals(_kx,...)`) is that profile: the click identified the shopper.
The sandbox gives a profile its token on its first tracked email, from the account's id factory."""
from __future__ import annotations

import copy

from simulator.klaviyo.account import Account
from simulator.klaviyo.profiles import Profile, profiles_of

UTM_NAMES = ("utm_source", "utm_medium", "utm_campaign", "utm_id", "utm_term")
DEFAULTS = {
    "auto_add_parameters": False,
    "utm_source": {"flow": {"type": "static", "value": "Klaviyo"}, "campaign": {"type": "static", "value": "Klaviyo"}},
    "utm_medium": {"flow": {"type": "dynamic", "value": "message_type"},
                   "campaign": {"type": "dynamic", "value": "message_type"}},
    "utm_campaign": {"flow": {"type": "dynamic", "value": "message_name"},
                     "campaign": {"type": "dynamic", "value": "campaign_name"}},
    "utm_id": {"flow": {"type": "dynamic", "value": "flow_id"}, "campaign": {"type": "dynamic", "value": "campaign_id"}},
    "utm_term": None,
    "custom_parameters": [],
}


def tracking_setting(account: Account):
    """The account's one tracking setting (the generic store seeds it with `DEFAULTS`)."""
    from simulator.klaviyo.resources import resources_of
    return resources_of(account).of("tracking-setting").get(account.id)


def default_setting() -> dict:
    """A fresh copy of `DEFAULTS` (a PATCH changes the stored one in place)."""
    return copy.deepcopy(DEFAULTS)


def utm_parameters(account: Account, kind: str, values: dict[str, str]) -> dict[str, str]:
    """The setting's parameters for a `kind` ("flow" or "campaign") message; `values` are the dynamic
    values it can name (`flow_id`, `message_name`, `campaign_name`, `profile_id`...)."""
    attributes = tracking_setting(account).attributes
    named = [(name, attributes.get(name)) for name in UTM_NAMES]
    named += [(custom.get("name"), custom) for custom in attributes.get("custom_parameters") or []
              if isinstance(custom, dict)]
    out = {}
    for name, parameter in named:
        choice = parameter.get(kind) if isinstance(parameter, dict) else None
        if not name or not isinstance(choice, dict):
            continue
        value = choice.get("value") if choice.get("type") == "static" else values.get(choice.get("value"))
        if value not in (None, ""):
            out[name] = str(value)
    return out


def kx_of(account: Account, profile: Profile) -> str:
    """The profile's `_kx` token, given it now if it has none (its identity only: `updated` stays)."""
    token = profile.get("_kx")
    if not token:
        token = account.ids.next("kx", "base62_27")
        profiles_of(account).fill_identifier(profile, "_kx", token)
    return token


def link_parameters(account: Account, profile: Profile, kind: str, message: dict, values: dict[str, str],
                    click_tracking: bool = True) -> dict[str, str]:
    """Every parameter a `kind` message's links carry: UTM (when `message` adds tracking parameters:
    its own custom list, else the account's), then `_kx` (when clicks are tracked). `message` is a
    flow email's message or a campaign's `tracking_options`: `add_tracking_params`, and
    `custom_tracking_params` as a flow writes them (`{param, value}`) or a campaign does
    (`{name, type: static|dynamic, value}`)."""
    add = message.get("add_tracking_params")
    if add is None:
        add = tracking_setting(account).attributes.get("auto_add_parameters")
    out: dict[str, str] = {}
    if add:
        custom = {}
        for p in message.get("custom_tracking_params") or []:
            name = p.get("param") or p.get("name") if isinstance(p, dict) else None
            value = values.get(p.get("value")) if name and p.get("type") == "dynamic" else (p.get("value") if name else None)
            if name and value not in (None, ""):
                custom[name] = str(value)
        out = custom or utm_parameters(account, kind, values)
    if click_tracking and (account.settings is None or account.settings.klaviyo_kx_links):
        out["_kx"] = kx_of(account, profile)
    return out


def flow_values(flow, message_name: str, message: dict, profile: Profile) -> dict[str, str]:
    """The dynamic values a flow email's parameters may name (the spec's flow enum; `link_alt_text`
    is per link and left out)."""
    return {"flow_id": flow.id, "flow_name": flow.name, "message_name": message_name,
            "message_name_id": f"{message_name} ({message['id']})" if message.get("id") else message_name,
            "message_type": "email", "email_subject": message.get("subject_line") or "",
            "profile_id": profile.id, "profile_external_id": profile.get("external_id") or ""}
