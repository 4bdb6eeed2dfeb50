"""Klaviyo system webhooks on the clock: each event recorded on a subscribed topic is sent, signed, to
every enabled webhook on that topic, through the sandbox's one webhook poster (engine/webhooks.py).

The first attempt is made when the event is recorded. An attempt that gets no answer, a 429 or a 5xx
is tried again `klaviyo_webhook_retry_seconds` later on the virtual clock, doubling each time, until
`klaviyo_webhook_attempt_limit` attempts were made; any other answer ends the delivery (2xx:
delivered, else failed), as Klaviyo's list of retryable webhook status codes has it. A webhook
deleted or disabled while a retry waits gets no more attempts."""
from __future__ import annotations

import datetime as _dt
from functools import partial

from simulator.core.timefmt import iso
from simulator.engine import Engine
from simulator.engine.webhooks import WebhookCall
from simulator.klaviyo.account import Account
from simulator.klaviyo.events import Event
from simulator.klaviyo.resources import resources_of
from simulator.klaviyo.webhooks import (TARGET, TYPE, Delivery, add_topics, new_delivery, signed_request,
                                        subscribers, topic_of)


def retryable(outcome: dict) -> bool:
    status = outcome.get("status")
    return outcome.get("state") == "failed" or status == 429 or (status is not None and status >= 500)


class KlaviyoWebhooks:
    def __init__(self, engine: Engine, settings):
        self.engine = engine
        self.settings = settings

    def attach(self, account: Account) -> Account:
        add_topics(account)
        account.recorders.append(self.on_recorded)
        return account

    def on_recorded(self, account: Account, event: Event) -> None:
        topic = topic_of(account, event)
        if topic is None:
            return
        now = self.engine.clock.now()
        for hook in subscribers(account, topic):
            self.attempt(account, new_delivery(account, hook, topic, event, now))

    def attempt(self, account: Account, delivery: Delivery) -> None:
        delivery.next_attempt_at = None
        hook = resources_of(account).of(TYPE).find(delivery.webhook_id)
        if hook is None or not hook.attributes.get("enabled"):
            delivery.state = "failed"
            delivery.attempts.append({"at": iso(self.engine.clock.now()),
                                      "error": "the webhook was deleted or disabled"})
            return
        headers, body = signed_request(account, hook, delivery, self.engine.clock.now())
        url = hook.attributes[TARGET]
        self.engine.webhooks.submit(WebhookCall(url, headers, body, partial(self.outcome, account, delivery, url)))

    def outcome(self, account: Account, delivery: Delivery, url: str, result: dict) -> None:
        """Record the attempt (under the sandbox lock); schedule the next one if it may be retried."""
        now = self.engine.clock.now()
        status = result.get("status")
        delivery.attempts.append({"at": iso(now), "url": url, **({"status": status} if status is not None
                                                                  else {"error": result.get("error")})})
        if status is not None and 200 <= status < 300:
            delivery.state = "delivered"
        elif retryable(result) and len(delivery.attempts) < self.settings.klaviyo_webhook_attempt_limit:
            wait = self.settings.klaviyo_webhook_retry_seconds * 2 ** (len(delivery.attempts) - 1)
            delivery.state, delivery.next_attempt_at = "retrying", now + _dt.timedelta(seconds=wait)
            self.engine.scheduler.at(delivery.next_attempt_at, partial(self.attempt, account, delivery),
                                     label=f"klaviyo webhook delivery {delivery.id}")
        else:
            delivery.state = "failed"
