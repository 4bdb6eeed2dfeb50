"""Delivering a batch of a Klaviyo campaign's recipients (`klaviyo.campaigns` decides who and when).

Each recipient still able to receive the channel gets each of the campaign's messages unless Smart
Sending (`send_options.use_smart_sending`, default true) finds a message on that channel within the
window: the same check and the same last-send clock as the flows' (`KlaviyoRuntime.smart_sending`,
`FlowState.last_sent`), so a flow email holds back a campaign email and the reverse. A sent email is
rendered from the message's template (its links carrying the UTM parameters and `_kx` that the
campaign's `tracking_options` and the account's tracking setting call for), lands in the outbox
with its `campaign_id` and is recorded as the profile's "Received Email" with `$campaign` and
`$message`. Skips are kept on the send job (`skipped`: profile id -> reason), for `/_sim` readers
and tests; the API does not serve them."""
from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.engine.klaviyo_template import ItemUnavailable, TemplateSyntaxError, context_of, render
from simulator.engine.messages import send
from simulator.klaviyo import tracking
from simulator.klaviyo.account import Account
from simulator.klaviyo.campaigns import CampaignDelivery, campaigns_of, can_receive, channel_of, messages_of
from simulator.klaviyo.profiles import Profile, profiles_of
from simulator.klaviyo.resources import Resource

if TYPE_CHECKING:
    from simulator.engine.klaviyo import KlaviyoRuntime

ENGINE_CHANNEL = {"email": "email", "sms": "sms", "mobile_push": "push"}  # message channel -> outbox channel


class CampaignSender:
    def __init__(self, runtime: "KlaviyoRuntime"):
        self.runtime = runtime

    def deliver(self, account: Account, delivery: CampaignDelivery) -> None:
        store = campaigns_of(account)
        campaign = store.of("campaign").find(delivery.campaign_id)
        job = store.of("campaign-send-job").find(delivery.campaign_id)
        if campaign is None or job is None:
            return
        smart = (campaign.attributes.get("send_options") or {}).get("use_smart_sending") is not False
        skipped = job.attributes.setdefault("skipped", {})
        profiles = profiles_of(account).records
        for message in messages_of(account, campaign.id):
            for profile_id in delivery.profile_ids:
                profile = profiles.find(profile_id)
                if profile is not None:
                    why = self.send_one(account, campaign, message, profile, smart)
                    if why is not None:
                        skipped[profile_id] = why

    def send_one(self, account: Account, campaign: Resource, message: Resource, profile: Profile,
                 smart: bool) -> str | None:
        """Send `message` to `profile`, or say why not."""
        runtime, now = self.runtime, self.runtime.now()
        kind = channel_of(message)
        channel = ENGINE_CHANNEL.get(kind, kind)
        if not can_receive(account, profile, kind):
            return f"the profile can no longer receive {kind}"
        if smart:
            why = runtime.smart_sending(account, profile.id, channel, now)
            if why is not None:
                return why
        content = (message.attributes.get("definition") or {}).get("content") or message.attributes.get("content") or {}
        subject = content.get("subject") if channel == "email" else content.get("body") or content.get("title")
        html = text = None
        if channel == "email":
            try:
                html, text = self.rendered(account, campaign, message, profile, subject)
            except (ItemUnavailable, TemplateSyntaxError) as error:
                return f"not rendered: {error}"
        sent = send(runtime.engine.outbox, account.ids, vendor="klaviyo", account=account.id, channel=channel,
                    recipient=runtime.recipient(profile, channel), workflow_id=campaign.id,
                    workflow_name=campaign.attributes.get("name") or "", step_id=message.id, subject=subject,
                    now=now, html=html, text=text, campaign_id=campaign.id)
        runtime.sent_to(account, profile.id, channel, now)
        runtime.record_received(account, profile, channel, {"$campaign": campaign.id, "$message": message.id},
                                sent.id, now)
        return None

    def rendered(self, account: Account, campaign: Resource, message: Resource, profile: Profile,
                 subject: str | None) -> tuple[str, str]:
        """The message's template rendered for the profile, (html, text): Klaviyo's template language
        (`engine/klaviyo_template.py`) over the profile's variables, links tagged as the campaign's
        `tracking_options` say (`klaviyo/tracking.py`). A catalog lookup that finds nothing raises
        `ItemUnavailable` (Klaviyo skips the message)."""
        (template,) = campaigns_of(account).related(("campaign-message", message.id), "template", "template")
        options = campaign.attributes.get("tracking_options") or {}
        parameters = tracking.link_parameters(account, profile, "campaign", options,
                                              campaign_values(campaign, subject, profile, self.runtime.now()),
                                              click_tracking=options.get("is_tracking_clicks") is not False)
        return render(account, template.attributes.get("html") or "", context_of(profile),
                      text=template.attributes.get("text"), parameters=parameters)


def campaign_values(campaign: Resource, subject: str | None, profile: Profile, now) -> dict[str, str]:
    """The dynamic values a campaign's tracking parameters may name (the spec's `DynamicTrackingParam`
    enum; the list or segment a recipient came through, `group_*`, and `link_alt_text` are left out;
    `campaign_name_send_day` is assumed to be "name (YYYY-MM-DD)")."""
    name = campaign.attributes.get("name") or ""
    return {"campaign_id": campaign.id, "campaign_name": name, "campaign_name_id": f"{name} ({campaign.id})",
            "campaign_name_send_day": f"{name} ({now.date().isoformat()})", "email_subject": subject or "",
            "message_type": "email", "profile_id": profile.id, "profile_external_id": profile.get("external_id") or ""}
